"""What the handoff says, as `Reply` values: to the person in their language, to caseworkers in
the group's. Cards carry the ticket number, language, city, topic, urgency and waiting time —
never a name, a username or a chat id — and the last exchanges only once the person agreed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from actions import Button, Reply
from actions.context import translated
from bot.handoff.recent import Exchange
from guides.content import Content
from storage.tickets import TicketView

MAX_QUOTE = 300  # characters of one exchange on a card
MAX_QUEUE = 20  # requests listed by /queue


def topic_label(content: Content, lang: str, topic: str) -> str:
    """A topic's name; "General question" for routes that are not topics (handoff, greet…)."""
    if topic in content.taxonomy.topics:
        return content.text(lang, f"topic.{topic}")
    return content.text(lang, "handoff.topic.general")


def language_label(content: Content, code: str) -> str:
    """A language by its own name, with its code: "Українська (uk)"."""
    return f"{content.text(code, 'language.native_name')} ({code})"


def minutes(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def emergency_lines(content: Content, lang: str, city: str) -> str:
    """The city's emergency numbers, from content, in `lang`."""
    lines = [content.text(lang, "safety.numbers_intro")]
    for number in content.city(city).city.emergency:
        lines.append(f"☎ {number.number} — {translated(number.label, lang)}")
    return "\n".join(lines)


def consent_screen(content: Content, lang: str, topic: str | None,
                   exchanges: Sequence[Exchange], urgent: bool) -> Reply:
    """Who will see what, then yes or no."""
    parts = [content.text(lang, "handoff.offer"), content.text(lang, "handoff.consent")]
    shown = content.text(lang, "handoff.shared",
                         language=content.text(lang, "language.native_name"),
                         topic=topic_label(content, lang, topic or "handoff"))
    if exchanges:
        shown += "\n" + "\n".join(f"• {exchange.text}" for exchange in exchanges)
    parts.append(shown)
    yes = "handoff:yes:urgent" if urgent else "handoff:yes"
    return Reply(text="\n\n".join(parts), handoff=True, urgent=urgent,
                 buttons=((Button(content.text(lang, "button.human_confirm"), yes),
                           Button(content.text(lang, "button.cancel"), "handoff:no")),))


def person_notice(content: Content, lang: str, key: str, **values: object) -> Reply:
    return Reply(text=content.text(lang, key, **values))


def closed_notice(content: Content, lang: str, ticket_id: int) -> Reply:
    """The request is closed: was the help good? 👍/👎."""
    return Reply(text=content.text(lang, "handoff.closed", ticket=ticket_id),
                 buttons=((Button("👍", f"rate:up:{ticket_id}"),
                           Button("👎", f"rate:down:{ticket_id}")),))


def from_caseworker(content: Content, lang: str, text: str) -> Reply:
    return Reply(title=content.text(lang, "handoff.from_caseworker"), text=text)


def from_person(ticket_id: int, text: str) -> Reply:
    return Reply(title=f"👤 #{ticket_id}", text=text)


def quoted(exchanges: Sequence[Exchange]) -> str:
    lines = []
    for exchange in exchanges:
        lines.append(f"👤 {exchange.text[:MAX_QUOTE]}")
        if exchange.answer:
            lines.append(f"🤖 {exchange.answer[:MAX_QUOTE]}")
    return "\n".join(lines)


def _title(content: Content, lang: str, ticket: TicketView) -> str:
    title = content.text(lang, "caseworker.card.request", ticket=ticket.id)
    if ticket.urgent:
        return f"🆘 {title} · {content.text(lang, 'caseworker.card.urgent')}"
    return f"🙋 {title}"


def card(content: Content, lang: str, ticket: TicketView, exchanges: Sequence[Exchange],
         consented: bool, now: dt.datetime) -> Reply:
    """The caseworkers' card of a new request, in the group's language `lang`."""
    pack = content.city(ticket.city)
    opened = ticket.opened_at.astimezone(ZoneInfo(pack.city.timezone)).strftime("%H:%M")
    lines = [
        f"{content.text(lang, 'caseworker.card.language')}: {language_label(content, ticket.lang)}",
        f"{content.text(lang, 'caseworker.card.city')}: {translated(pack.city.name, lang)}",
        f"{content.text(lang, 'caseworker.card.topic')}: "
        f"{topic_label(content, lang, ticket.topic)}",
        content.text(lang, "caseworker.card.waiting", time=opened,
                     minutes=minutes(now - ticket.opened_at)),
        "",
    ]
    if not consented:
        lines.append(content.text(lang, "caseworker.card.no_consent"))
    elif exchanges:
        lines += [content.text(lang, "caseworker.card.exchanges"), quoted(exchanges)]
    lines += ["", content.text(lang, "caseworker.card.how")]
    return Reply(title=_title(content, lang, ticket), text="\n".join(lines), urgent=ticket.urgent)


def consented_notice(content: Content, lang: str, ticket_id: int,
                     exchanges: Sequence[Exchange]) -> Reply:
    text = content.text(lang, "caseworker.consented", ticket=ticket_id)
    if exchanges:
        text += "\n\n" + content.text(lang, "caseworker.card.exchanges") + "\n" + quoted(exchanges)
    return Reply(text=text)


def topic_name(content: Content, lang: str, ticket: TicketView) -> str:
    """The forum topic of a request: number, language, topic; no one's name."""
    name = f"#{ticket.id} · {ticket.lang} · {topic_label(content, lang, ticket.topic)}"
    return ("🆘 " + name if ticket.urgent else name)[:128]


def queue(content: Content, lang: str, waiting: Sequence[TicketView], claimed: int,
          now: dt.datetime) -> Reply:
    """/queue: requests nobody has taken, urgent first, then the longest waiting."""
    if not waiting:
        lines = [content.text(lang, "caseworker.queue.empty")]
    else:
        lines = [content.text(lang, "caseworker.queue.title")]
        for ticket in waiting[:MAX_QUEUE]:
            flag = "🆘" if ticket.urgent else "•"
            lines.append(f"{flag} #{ticket.id} · {ticket.lang} · "
                         f"{topic_label(content, lang, ticket.topic)} · "
                         + content.text(lang, "caseworker.queue.minutes",
                                        minutes=minutes(now - ticket.opened_at)))
        if len(waiting) > MAX_QUEUE:
            lines.append(f"… +{len(waiting) - MAX_QUEUE}")
    if claimed:
        lines.append(content.text(lang, "caseworker.queue.claimed", count=claimed))
    return Reply(text="\n".join(lines))
