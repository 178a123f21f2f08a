"""Handoff to human caseworkers: tickets, consent, a caseworker group, two-way relay, a queue,
urgency and office hours. Channel-neutral: the Telegram wiring is `bot.telegram.caseworkers`."""

from bot.handoff.desk import Desk, GroupPlace, HandoffConfig, Relayed
from bot.handoff.hooks import HandoffHooks
from bot.handoff.recent import RecentExchanges
from bot.handoff.service import Handoff
from bot.handoff.team import Casework

__all__ = ["Casework", "Desk", "GroupPlace", "Handoff", "HandoffConfig", "HandoffHooks",
           "RecentExchanges", "Relayed"]
