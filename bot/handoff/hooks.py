"""What `Conversations` asks of a handoff, whatever the channel (only Telegram has one now)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from actions import Outcome, Reply

if TYPE_CHECKING:
    from bot.conversation import Person


class HandoffHooks(Protocol):
    """Asking for a person, consenting, rating, safety routes and /forget."""

    actions: frozenset[str]  # the button kinds it answers ("human", "handoff", "rate")

    async def after_answer(self, person: Person, text: str, outcome: Outcome,
                           city: str | None) -> Outcome:
        """Remember the exchange; on a safety route, open an urgent request at once."""
        ...

    async def press(self, person: Person, action: str, lang: str,
                    city: str | None) -> list[Reply] | None:
        """Answer a handoff button; None to let the conversation answer it."""
        ...

    async def forget(self, person: Person) -> None:
        """Before /forget erases the person's rows: take what is in the group away."""
        ...
