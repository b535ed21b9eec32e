"""The same order arriving twice at once (two requests in parallel) yields one order."""

import threading

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from lojal.models import Customer, DomainEvent, Order, OrderLine
from tests.fixtures.api import app_on_committed_database, auth
from tests.orders.test_order_endpoints import order_payload


def test_same_order_sent_concurrently_makes_one_order(committed_engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    factory, shop, app = app_on_committed_database(committed_engine, tmp_path, "Parallell")
    rounds, parallel = 10, 8
    statuses: list[int] = []
    lock = threading.Lock()

    def send(external_id: str, barrier: threading.Barrier) -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait()
            response = client.put(f"/api/v1/orders/{external_id}", json=order_payload(customer={"external_id": "c-par"}),
                                  headers=auth(shop.ingest_key))
            with lock:
                statuses.append(response.status_code)

    for number in range(rounds):
        barrier = threading.Barrier(parallel)
        threads = [threading.Thread(target=send, args=(f"o-{number}", barrier)) for _ in range(parallel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(set(statuses)) == [200, 201]
    assert statuses.count(201) == rounds
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == rounds
        assert session.scalar(select(func.count()).select_from(OrderLine)) == rounds * 2
        customer = session.scalars(select(Customer)).one()
        assert (customer.order_count, customer.total_spent) == (rounds, rounds * 53780)
        placed = session.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.type == "order.placed"))
        assert placed == rounds


def test_first_orders_of_a_new_customer_sent_concurrently_all_count(committed_engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The transaction that creates the customer does not lock it (no one else can see it yet);
    the others wait for its commit, lock the row, and the aggregates count every order."""
    factory, shop, app = app_on_committed_database(committed_engine, tmp_path, "Parallell")
    rounds, parallel = 5, 8
    statuses: list[int] = []
    lock = threading.Lock()

    def send(external_id: str, customer: str, barrier: threading.Barrier) -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait()
            response = client.put(f"/api/v1/orders/{external_id}", json=order_payload(customer={"external_id": customer}),
                                  headers=auth(shop.ingest_key))
            with lock:
                statuses.append(response.status_code)

    for number in range(rounds):
        barrier = threading.Barrier(parallel)
        threads = [threading.Thread(target=send, args=(f"o-{number}-{index}", f"c-{number}", barrier))
                   for index in range(parallel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert statuses == [201] * rounds * parallel
    with factory() as session:
        customers = session.scalars(select(Customer).order_by(Customer.external_id)).all()
        assert [(customer.external_id, customer.order_count, customer.total_spent) for customer in customers] == [
            (f"c-{number}", parallel, parallel * 53780) for number in range(rounds)]
