"""Actions: what the bot does for each route of the taxonomy. They return `Reply` values and never
talk to Telegram; importing this package registers them all."""

from actions import conversation, topics  # noqa: F401  (registers the actions)
from actions.context import ActionContext
from actions.registry import action, registered_routes, resolve
from actions.replies import Button, Link, Outcome, Reply

__all__ = ["ActionContext", "Button", "Link", "Outcome", "Reply", "action", "registered_routes",
           "resolve"]
