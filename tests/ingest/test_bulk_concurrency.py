"""The same bulk file sent twice at once (PostgreSQL: two transactions racing for the same
customer and order keys) stores everything once, answers both without an error, and leaves
aggregates equal to a recount."""

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from lojal.customers.repository import refresh_aggregates
from lojal.kit.clock import utcnow
from lojal.models import Customer, Order, OrderLine
from tests.fixtures.api import app_on_committed_database, auth
from tests.ingest.test_bulk_endpoint import ndjson, order


def test_the_same_file_sent_twice_at_once_is_stored_once(committed_engine: Engine, tmp_path: Any) -> None:
    factory, shop, app = app_on_committed_database(committed_engine, tmp_path, "Samtidig", bulk_batch_size=50)
    # 60 customers (batches of 50: more than a COPY's threshold), then 120 orders.
    lines: list[Any] = [{"type": "customer", "external_id": f"c-{number}", "email": f"k{number}@example.no"}
                        for number in range(60)]
    for number in range(60):
        lines.append(order(f"o-{number}-a", f"c-{number}", total=1000 + 2 * number))
        lines.append(order(f"o-{number}-b", f"c-{(number + 1) % 60}", total=2000))
    body = ndjson(lines)
    reports: list[Any] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def send() -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait()
            response = client.post("/api/v1/bulk", content=body, headers=auth(shop.ingest_key))
            with lock:
                reports.append((response.status_code, response.json()))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in reports] == [200, 200], reports
    assert all(report["failed"] == 0 and report["succeeded"] == 180 for _, report in reports), reports
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 60
        assert session.scalar(select(func.count()).select_from(Order)) == 120
        assert session.scalar(select(func.count()).select_from(OrderLine)) == 120
        stored = session.execute(select(Customer.id, Customer.order_count, Customer.total_spent)
                                 .order_by(Customer.id)).all()
        assert sum(row.order_count for row in stored) == 120
        refresh_aggregates(session, shop.shop.id, [row.id for row in stored], utcnow())
        assert session.execute(select(Customer.id, Customer.order_count, Customer.total_spent)
                               .order_by(Customer.id)).all() == stored
