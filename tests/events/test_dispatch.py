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


def test_dispatch_jobs_name_their_events_as_runs_of_ids_and_old_jobs_still_run(
        client: TestClient, shop: ShopWithKeys, db: Session, session_factory: sessionmaker[Session],
        seen: list[tuple[str, int]]) -> None:
    from lojal.events.domain import DISPATCH_TASK, id_runs, ids_of
    from lojal.worker import enqueue

    assert id_runs([7, 3, 4, 5, 9, 10]) == [[3, 5], [7, 7], [9, 10]] and id_runs([]) == []
    assert ids_of({"event_id_runs": [[3, 5], [7, 7]]}) == [3, 4, 5, 7]
    first = client.put("/api/v1/orders/o-1", json=order_payload(status="paid"), headers=auth(shop.ingest_key)).json()
    job = db.scalars(select(Job).where(Job.task == DISPATCH_TASK)).one()
    stored = list(db.scalars(select(DomainEvent.id).where(DomainEvent.shop_id == shop.shop.id).order_by(DomainEvent.id)))
    assert job.payload == {"event_id_runs": id_runs(stored)} and ids_of(job.payload) == stored
    runner = Worker(session_factory, name="test")
    while runner.run_once():
        pass
    assert seen == [("order.paid", first["id"])]
    # a dispatch job queued by an earlier version lists its ids one by one
    second = client.put("/api/v1/orders/o-2", json=order_payload(status="paid"), headers=auth(shop.ingest_key)).json()
    paid = db.scalar(select(DomainEvent.id).where(DomainEvent.type == "order.paid", DomainEvent.subject_id == second["id"]))
    db.execute(Job.__table__.delete().where(Job.status == "queued"))
    enqueue(db, DISPATCH_TASK, {"event_ids": [paid]}, shop_id=shop.shop.id)
    db.commit()
    while runner.run_once():
        pass
    assert seen == [("order.paid", first["id"]), ("order.paid", second["id"])]
