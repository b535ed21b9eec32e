"""Reactions to domain events. A feature registers one with ``@reaction("name", "order.paid", ...)``
in its own ``tasks`` module; the dispatcher gives each reaction its own job, so a failing
reaction is retried on its own and never holds back the others. Reactions must be idempotent
(they may see an event twice after a retry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lojal.models import DomainEvent

Reaction = Callable[[Session, int, list[DomainEvent]], None]


@dataclass(frozen=True)
class RegisteredReaction:
    name: str
    event_types: frozenset[str]
    function: Reaction


REACTIONS: dict[str, RegisteredReaction] = {}


def reaction(name: str, *event_types: str) -> Callable[[Reaction], Reaction]:
    def register(function: Reaction) -> Reaction:
        REACTIONS[name] = RegisteredReaction(name, frozenset(event_types), function)
        return function

    return register


def reactions_to(event_type: str) -> list[RegisteredReaction]:
    return [registered for registered in REACTIONS.values() if event_type in registered.event_types]
