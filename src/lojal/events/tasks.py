"""Jobs that fan domain events out to the reactions registered for them."""

from __future__ import annotations

from typing import Any

from lojal.events import repository
from lojal.events.domain import ids_of
from lojal.events.reactions import REACTIONS, reactions_to
from lojal.worker import JobContext, enqueue, task

HANDLE_TASK = "events.handle"


@task("events.dispatch")
def dispatch(context: JobContext, payload: dict[str, Any]) -> None:
    """One job per reaction with the events it wants (deduplicated per dispatch job)."""
    assert context.shop_id is not None
    events = repository.domain_events(context.session, context.shop_id, ids_of(payload))
    wanted: dict[str, list[int]] = {}
    for event in events:
        for registered in reactions_to(event.type):
            wanted.setdefault(registered.name, []).append(event.id)
    for name, event_ids in wanted.items():
        enqueue(context.session, HANDLE_TASK, {"reaction": name, "event_ids": event_ids}, shop_id=context.shop_id,
                dedupe_key=f"{HANDLE_TASK}:{context.job_id}:{name}")


@task(HANDLE_TASK)
def handle(context: JobContext, payload: dict[str, Any]) -> None:
    assert context.shop_id is not None
    registered = REACTIONS.get(payload["reaction"])
    if registered is None:
        raise LookupError(f"no reaction {payload['reaction']!r} is registered")
    events = repository.domain_events(context.session, context.shop_id, payload["event_ids"])
    registered.function(context.session, context.shop_id, events)
