"""Domain events reach the reactions registered for them, through jobs, exactly when committed."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import lojal.events.tasks  # noqa: F401  (registers events.dispatch and events.handle)
from lojal.events.reactions import REACTIONS, reaction
from lojal.models import DomainEvent, Job
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload


@pytest.fixture
def seen() -> Iterator[list[tuple[str, int]]]:
    received: list[tuple[str, int]] = []

    @reaction("test.paid_orders", "order.paid", "order.refunded")
    def remember(session: Session, shop_id: int, events: list[DomainEvent]) -> None:
        received.extend((event.type, event.subject_id) for event in events)

    yield received
    REACTIONS.pop("test.paid_orders")


def test_paid_order_reaches_its_reaction_once(client: TestClient, shop: ShopWithKeys, db: Session,
                                              session_factory: sessionmaker[Session], seen: list[tuple[str, int]]) -> None:
    order = client.put("/api/v1/orders/o-1", json=order_payload(status="paid"), headers=auth(shop.ingest_key)).json()
    client.put("/api/v1/orders/o-1", json=order_payload(status="paid"), headers=auth(shop.ingest_key))
    runner = Worker(session_factory, name="test")
    while runner.run_once():
        pass
    assert seen == [("order.paid", order["id"])]
    db.expire_all()
    assert {status for status in db.scalars(select(Job.status))} == {"done"}
    # one dispatch job for the first PUT's events (the new customer's and the order's); the replay records none
    assert sorted(db.scalars(select(Job.task).where(Job.task == "events.dispatch"))) == ["events.dispatch"]
    handled = [job.payload["reaction"] for job in db.scalars(select(Job).where(Job.task == "events.handle"))]
    assert handled.count("test.paid_orders") == 1
