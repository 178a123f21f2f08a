"""What actions return: channel-neutral replies with buttons, never Telegram objects."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    """A choice offered to the user. `action` is what the pipeline does when it is chosen:
    `entry:<id>`, `topic:<id>`, `menu`, `menu:back`, `human`, `near:<topic>` (or `near:` for
    every topic), `fb:up:<entry>`, `fb:down:<entry>`, `lang:<code>`, `city:<id>`,
    `forget:yes`, `forget:no`. At most 64 bytes (Telegram's limit for callback data)."""

    label: str
    action: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Reply:
    """One message to the user: plain text (channels escape it), optional title and links."""

    text: str
    title: str | None = None
    links: tuple[Link, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    urgent: bool = False
    handoff: bool = False
    edit: bool = False  # a navigation step: replaces the message whose button was pressed
    ask_location: bool = False  # offer a "share my location" button (Telegram) below the text

    def plain(self) -> str:
        """The message as plain text (console, `ask`, logs of tests)."""
        parts = [self.title] if self.title else []
        parts.append(self.text)
        if self.links:
            parts.append("\n".join(f"{link.label}: {link.url}" for link in self.links))
        return "\n\n".join(part for part in parts if part)


@dataclass(frozen=True)
class Outcome:
    """The pipeline's answer to one message: what it understood and what it replies."""

    route: str
    entry: str | None
    confidence: float
    lang: str
    replies: tuple[Reply, ...]
    status: str = "answered"  # answered | clarify | degraded | blocked
    notes: dict[str, str] = field(default_factory=dict)

    def reply_text(self) -> str:
        return "\n\n".join(reply.plain() for reply in self.replies)
