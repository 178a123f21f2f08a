"""Buttons shared by many replies, built in the user's language."""

from __future__ import annotations

from actions.context import ActionContext, translated
from actions.replies import Button
from guides.models import Entry

SAFETY_ROUTES = frozenset({"emergency", "services.gbv", "services.children"})


def topic_label(ctx: ActionContext, topic: str) -> str:
    return ctx.t(f"topic.{topic}")


def answer_buttons(ctx: ActionContext, entry: Entry) -> tuple[tuple[Button, ...], ...]:
    """Related entries, services near me, a person, and feedback — under every answer."""
    related = [other for other in ctx.city.entries_for(entry.topic) if other.id != entry.id][:3]
    rows: list[tuple[Button, ...]] = [
        (Button(translated(other.title, ctx.lang), f"entry:{other.id}"),)
        for other in related
    ]
    rows.append((Button(ctx.t("button.near"), f"near:{entry.topic}"),
                 Button(ctx.t("button.human"), "human")))
    rows.append((Button("👍", f"fb:up:{entry.id}"), Button("👎", f"fb:down:{entry.id}"),
                 Button(ctx.t("button.menu"), "menu")))
    return tuple(rows)


def menu_button(ctx: ActionContext) -> tuple[Button, ...]:
    return (Button(ctx.t("button.menu"), "menu"), Button(ctx.t("button.human"), "human"))
