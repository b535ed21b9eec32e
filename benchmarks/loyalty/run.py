"""benchmarks/loyalty: the customer club's three targets (issue #4), each beside its reference
measured in the same run.

1. Accrual: N orders (3 lines) through POST /api/v1/bulk into a shop without a club, and into a
   shop with one (1 point per krone, three tiers); with the club, the clock runs until the worker
   has credited every order. Target: the club costs at most 30 % of the ingest rate.
2. Expiry: 1,000,000 expired lots (200,000 members x 5) on PostgreSQL, voided by the
   housekeeping's expiry step. Target: <= 30 s. Reference: a plain UPDATE of the same lots.
3. GET /api/v1/customers/{id}/loyalty for a member with 1,000 ledger entries, 2,000 requests one
   after another against `lojal serve` on PostgreSQL. Target: p99 <= 20 ms. Reference: /healthz.

Run: .venv/bin/python benchmarks/loyalty/run.py [--orders 100000] [--lots 1000000] [--databases sqlite,postgresql]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingest_bulk"))
from common import DATA, POSTGRES_URL, fresh_database, lojal_server  # noqa: E402
from run import generate  # noqa: E402  (the ingest_bulk benchmark's data)

import lojal.events.tasks  # noqa: E402,F401
import lojal.loyalty.tasks  # noqa: E402,F401
from lojal.db.engine import create_db_engine, make_session_factory  # noqa: E402
from lojal.db.upsert import insert_rows  # noqa: E402
from lojal.loyalty import accrual, maintenance, repository, tiers  # noqa: E402
from lojal.loyalty.program import set_up  # noqa: E402
from lojal.loyalty.schemas import ProgramIn, TierIn  # noqa: E402
from lojal.models import Customer, Job, LoyaltyAccount, PointLot  # noqa: E402
from lojal.shops.schemas import ShopIn  # noqa: E402
from lojal.shops.service import create_api_key, create_shop  # noqa: E402
from lojal.worker import Worker  # noqa: E402
from lojal.config import WorkerSettings  # noqa: E402

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def shop_and_key(url: str, with_club: bool) -> str:
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = create_shop(session, ShopIn(name="Benchmark", currency="NOK"))
        key = create_api_key(session, shop, "benchmark", ["ingest", "read", "admin"]).key
        if with_club:
            set_up(session, shop, ProgramIn(name="Klubben"), "benchmark", NOW)
            for name, position, threshold in (("Bronse", 1, 0), ("Sølv", 2, 500000), ("Gull", 3, 1500000)):
                tiers.save_tier(session, shop, TierIn(name=name, position=position, threshold=threshold))
        session.commit()
    engine.dispose()
    return key


def ingest(url: str, path: Path, with_club: bool) -> tuple[float, float]:
    """Seconds for the bulk POST, and seconds more until the worker has run every job."""
    key = shop_and_key(url, with_club)
    with lojal_server(url) as base, path.open("rb") as body:
        started = time.perf_counter()
        response = httpx.post(f"{base}/api/v1/bulk", content=iter(lambda: body.read(1 << 20), b""),
                              headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
                              timeout=3600)
        ingested = time.perf_counter() - started
    assert response.status_code == 200, response.text
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    worker = Worker(factory, name="benchmark", settings=WorkerSettings(batch_size=50))
    started = time.perf_counter()
    if with_club:
        while worker.run_once():
            pass
    drained = time.perf_counter() - started
    with factory() as session:
        left = session.scalar(select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running"))))
        lots = session.scalar(select(func.count()).select_from(PointLot))
    engine.dispose()
    assert not with_club or (left == 0 and lots > 0), (left, lots)
    return ingested, drained


def accrual_benchmark(orders: int, databases: list[str]) -> None:
    path = DATA / f"bulk-{orders}.ndjson"
    generate(orders, path)
    print(f"1. accrual: {orders:,} orders x 3 lines through POST /api/v1/bulk, then the worker")
    for database in databases:
        url = (f"sqlite:///{DATA / 'bench-loyalty.sqlite'}" if database == "sqlite"
               else POSTGRES_URL.rsplit("/", 1)[0] + "/lojal_bench_loyalty")
        plain, _ = ingest(fresh_database(url), path, with_club=False)
        posted, drained = ingest(fresh_database(url), path, with_club=True)
        without, with_club = orders / plain, orders / (posted + drained)
        print(f"  {database:<10} without a club {without:>8,.0f} orders/s   with the club, until every point is "
              f"credited {with_club:>8,.0f} orders/s (POST {posted:.1f} s + worker {drained:.1f} s)   "
              f"cost {1 - with_club / without:.0%}   target <= 30%")


def expiry_benchmark(lots: int) -> None:
    url = fresh_database(POSTGRES_URL.rsplit("/", 1)[0] + "/lojal_bench_expiry")
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    members = lots // 5
    with factory() as session:
        shop = create_shop(session, ShopIn(name="Utløp", currency="NOK"))
        set_up(session, shop, ProgramIn(name="Klubben", expiry_months=12), "benchmark", NOW)
        session.commit()
        _expired_lots(session, shop.id, members)
        session.commit()
        program = repository.program(session, shop.id)
    with factory() as session:
        started = time.perf_counter()
        voided = 0
        while points := maintenance.expire_due(session, shop, program, NOW):
            voided += points
            session.commit()
        seconds = time.perf_counter() - started
    with factory() as session:
        session.execute(text("UPDATE loyalty_lots SET remaining = 100, expired = 0"))
        started = time.perf_counter()
        session.execute(text("UPDATE loyalty_lots SET expired = expired + remaining, remaining = 0 "
                             "WHERE remaining > 0 AND expires_at <= :now"), {"now": NOW})
        session.commit()
        plain = time.perf_counter() - started
    engine.dispose()
    print(f"2. expiry on PostgreSQL: {lots:,} lots of {members:,} members voided in {seconds:.1f} s "
          f"({voided:,} points, entries and balances written); a plain UPDATE of the lots alone {plain:.1f} s; "
          f"target <= 30 s")


def _expired_lots(session, shop_id: int, members: int) -> None:  # type: ignore[no-untyped-def]
    earned = NOW - timedelta(days=500)
    customers, accounts, lots = [], [], []
    for member in range(1, members + 1):
        customers.append({"shop_id": shop_id, "id": member, "external_id": f"c-{member}", "email": None,
                          "interests": [], "attributes": {}, "is_guest": False, "created_at": earned,
                          "updated_at": earned, "order_count": 0, "total_spent": 0, "average_order_value": 0})
        accounts.append({"shop_id": shop_id, "customer_id": member, "pending": 0, "available": 500, "spent": 0,
                         "expired": 0, "reversed": 0, "debt": 0, "lifetime_earned": 500, "joined_at": earned,
                         "updated_at": earned})
        for number in range(5):
            lots.append({"shop_id": shop_id, "id": member * 5 + number, "customer_id": member,
                         "source_key": f"adjust:{member}:{number}", "state": "available", "earned": 100, "reversed": 0,
                         "uncollected": 0, "remaining": 100, "spent": 0, "expired": 0, "settled": 0,
                         "earned_at": earned, "available_at": earned, "expires_at": earned + timedelta(days=365)})
    for table, rows in ((Customer.__table__, customers), (LoyaltyAccount.__table__, accounts), (PointLot.__table__, lots)):
        for start in range(0, len(rows), 50000):
            insert_rows(session, table, rows[start:start + 50000])
    session.execute(text("SELECT setval('loyalty_lots_id_seq', :top)"), {"top": members * 5 + 10})
    session.execute(text("ANALYZE"))


def member_state_benchmark(requests: int) -> None:
    url = fresh_database(POSTGRES_URL.rsplit("/", 1)[0] + "/lojal_bench_member")
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = create_shop(session, ShopIn(name="Medlem", currency="NOK"))
        key = create_api_key(session, shop, "benchmark", ["read"]).key
        set_up(session, shop, ProgramIn(name="Klubben"), "benchmark", NOW)
        for name, position, threshold in (("Bronse", 1, 0), ("Sølv", 2, 500000), ("Gull", 3, 1500000)):
            tiers.save_tier(session, shop, TierIn(name=name, position=position, threshold=threshold))
        session.add(Customer(shop_id=shop.id, external_id="c-1", interests=[], attributes={}, is_guest=False,
                             created_at=NOW, updated_at=NOW, order_count=0, total_spent=0, average_order_value=0))
        session.flush()
        customer_id = session.scalar(select(Customer.id).where(Customer.shop_id == shop.id))
        for number in range(1000):
            accrual.adjust(session, shop, customer_id, 10, "Bonus", None, "benchmark", NOW, f"adjust:{number}")
        session.commit()
    engine.dispose()
    with lojal_server(url) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
        timings = {}
        for path in ("/healthz", "/api/v1/customers/c-1/loyalty"):
            for _ in range(50):
                client.get(path)
            samples = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            samples.sort()
            timings[path] = (statistics.median(samples), samples[int(len(samples) * 0.99) - 1])
    member, health = timings["/api/v1/customers/c-1/loyalty"], timings["/healthz"]
    print(f"3. GET /api/v1/customers/{{id}}/loyalty, 1,000 ledger entries, {requests:,} requests on PostgreSQL: "
          f"p50 {member[0]:.1f} ms  p99 {member[1]:.1f} ms (GET /healthz p50 {health[0]:.1f} ms  p99 {health[1]:.1f} ms); "
          f"target p99 <= 20 ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--only", default="accrual,expiry,member")
    arguments = parser.parse_args()
    parts = arguments.only.split(",")
    if "accrual" in parts:
        accrual_benchmark(arguments.orders, arguments.databases.split(","))
    if "expiry" in parts:
        expiry_benchmark(arguments.lots)
    if "member" in parts:
        member_state_benchmark(arguments.requests)


if __name__ == "__main__":
    main()
