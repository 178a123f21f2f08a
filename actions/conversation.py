"""The conversational actions of the taxonomy: greet, thanks, goodbye, language change, handoff,
and out of scope."""

from __future__ import annotations

from actions.buttons import menu_button
from actions.context import ActionContext
from actions.registry import action
from actions.replies import Button, Reply
from guides.models import LANGUAGES


@action("greet")
def greet(ctx: ActionContext) -> list[Reply]:
    """Say hello and what the bot can do."""
    return [Reply(text=ctx.t("greet.text"), buttons=(menu_button(ctx),))]


@action("thanks")
def thanks(ctx: ActionContext) -> list[Reply]:
    return [Reply(text=ctx.t("thanks.text"), buttons=(menu_button(ctx),))]


@action("goodbye")
def goodbye(ctx: ActionContext) -> list[Reply]:
    return [Reply(text=ctx.t("goodbye.text"))]


@action("language_change")
def language_change(ctx: ActionContext) -> list[Reply]:
    """Offer every language by its own name."""
    buttons = [Button(ctx.content.text(lang, "language.native_name"), f"lang:{lang}")
               for lang in LANGUAGES]
    rows = tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3))
    return [Reply(text=ctx.t("language.choose"), buttons=rows)]


@action("handoff")
def handoff(ctx: ActionContext) -> list[Reply]:
    """Offer a caseworker; the channel starts the handoff once the person confirms."""
    return [Reply(text=ctx.t("handoff.offer"), handoff=True,
                  buttons=((Button(ctx.t("button.human_confirm"), "human"),
                            Button(ctx.t("button.menu"), "menu")),))]


@action("out_of_scope")
def out_of_scope(ctx: ActionContext) -> list[Reply]:
    """Say kindly what the bot is for."""
    return [Reply(text=ctx.t("out_of_scope.text"), buttons=(menu_button(ctx),))]
