"""Answering from the guides: one entry of a topic, with safety notices for urgent topics."""

from __future__ import annotations

from actions.buttons import SAFETY_ROUTES, answer_buttons, menu_button
from actions.context import ActionContext, translated
from actions.registry import TOPIC_ACTION, action
from actions.replies import Button, Link, Reply
from guides.models import Entry


def entry_reply(ctx: ActionContext, entry: Entry) -> Reply:
    """An entry as a reply in the user's language (English if a translation is missing)."""
    lang = ctx.lang if ctx.lang in entry.answer else "en"
    return Reply(
        title=translated(entry.title, lang),
        text=entry.answer[lang],
        links=tuple(Link(link.label, str(link.url)) for link in entry.links),
        buttons=answer_buttons(ctx, entry),
        urgent=entry.urgent,
    )


def emergency_notice(ctx: ActionContext) -> Reply:
    """The city's emergency numbers, first, in the user's language."""
    lines = [ctx.t("safety.numbers_intro")]
    for number in ctx.city.city.emergency:
        label = translated(number.label, ctx.lang)
        lines.append(f"☎ {number.number} — {label}")
    return Reply(text="\n".join(lines), urgent=True,
                 buttons=((Button(ctx.t("button.human_now"), "human:urgent"),),))


def pick_entry(ctx: ActionContext) -> Entry | None:
    """The requested entry if it exists in this city, else the topic's first entry."""
    if ctx.entry_id:
        entry = ctx.city.entries.get(ctx.entry_id)
        if entry is not None and entry.topic == ctx.route:
            return entry
    entries = ctx.city.entries_for(ctx.route)
    return entries[0] if entries else None


@action(TOPIC_ACTION)
def answer_topic(ctx: ActionContext) -> list[Reply]:
    """Answer with the best entry of the topic; safety topics lead with emergency numbers."""
    replies: list[Reply] = []
    if ctx.route in SAFETY_ROUTES:
        replies.append(emergency_notice(ctx))
    if ctx.degraded:
        replies.append(Reply(text=ctx.t("notice.degraded")))
    entry = pick_entry(ctx)
    if entry is None:
        replies.append(Reply(text=ctx.t("topic.no_content"), buttons=(menu_button(ctx),)))
    else:
        replies.append(entry_reply(ctx, entry))
    return replies
