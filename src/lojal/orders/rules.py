"""Pure rules for orders: which domain events a status change means, and when it happened."""

from __future__ import annotations

PAID_STATUSES = frozenset({"paid", "fulfilled"})


def status_events(previous: str | None, current: str, was_paid: bool) -> list[str]:
    """Events for a move from ``previous`` (None: a new order) to ``current``.

    ``order.paid`` is sent once per order, the first time it is paid or fulfilled (an order may
    jump from placed straight to fulfilled). A cancelled order that is reinstated is placed again.
    """
    events: list[str] = []
    if previous is None or (previous == "cancelled" and current != "cancelled"):
        events.append("order.placed")
    if current in PAID_STATUSES and not was_paid:
        events.append("order.paid")
    if current == "fulfilled" and previous != "fulfilled":
        events.append("order.fulfilled")
    if current == "cancelled" and previous != "cancelled":
        events.append("order.cancelled")
    return events
