"""Route id -> action. Actions are small typed functions registered with `@action(...)`."""

from __future__ import annotations

from collections.abc import Callable

from actions.context import ActionContext
from actions.replies import Reply

ActionFn = Callable[[ActionContext], list[Reply]]

_REGISTRY: dict[str, ActionFn] = {}
TOPIC_ACTION = "*topic"  # the action for every taxonomy topic without an action of its own


def action(*routes: str) -> Callable[[ActionFn], ActionFn]:
    """Register the decorated function as the action for `routes`."""

    def register(fn: ActionFn) -> ActionFn:
        for route in routes:
            if route in _REGISTRY:
                raise ValueError(f"two actions for route '{route}'")
            _REGISTRY[route] = fn
        return fn

    return register


def resolve(route: str, is_topic: bool) -> ActionFn:
    """The action for `route`; topics share the generic topic action unless they have one."""
    if route in _REGISTRY:
        return _REGISTRY[route]
    if is_topic:
        return _REGISTRY[TOPIC_ACTION]
    return _REGISTRY["out_of_scope"]


def registered_routes() -> frozenset[str]:
    return frozenset(_REGISTRY)
