"""benchmarks/analytics_run: `lojal analytics run` (service.run_for_shop) on a shop of 1,000,000
customers in PostgreSQL.

The shop is loaded straight into the hub's tables with COPY (customers and orders, no order lines:
the analytics do not read them), from a seeded BG/NBD + Gamma-Gamma simulation: customers first
buy on a uniform day of the first year, buy at a Poisson rate lambda ~ Gamma(r, alpha) per day while
alive, drop out after each repeat purchase with probability p ~ Beta(a, b), and spend Gamma
amounts; 2% of orders are cancelled and 5% partly refunded. Loading goes through COPY because
the ingestion API (validation, events, aggregates) would take hours for ~3M orders on 2 cores;
its speed is measured in benchmarks/ingest_bulk.

Printed: the load time, then the run's phases (reading orders, metrics, cohorts, RFM, models,
writing predictions), twice (the second run upserts over the first's rows); and, as the reference
measured in the same run, reading the same order frame with a plain SELECT through SQLAlchemy
instead of COPY.

Run: .venv/bin/python benchmarks/analytics_run/run.py [--customers 1000000] [--keep]
(database: LOJAL_BENCH_ANALYTICS_URL, default postgresql://postgres@127.0.0.1:5432/lojal_bench_analytics;
--keep reuses a database already loaded with the same number of customers)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import fresh_database  # noqa: E402

from lojal.analytics import service  # noqa: E402
from lojal.db.engine import create_db_engine, make_session_factory  # noqa: E402
from lojal.models import Customer, Shop  # noqa: E402
from lojal.shops.schemas import ShopIn  # noqa: E402
from lojal.shops.service import create_shop  # noqa: E402

URL = os.environ.get("LOJAL_BENCH_ANALYTICS_URL", "postgresql://postgres@127.0.0.1:5432/lojal_bench_analytics")
TRUTH = {"r": 0.6, "alpha": 90.0, "a": 1.0, "b": 4.0}
SPEND_TRUTH = {"p": 6.0, "q": 4.0, "gamma": 15.0}
START = datetime(2024, 11, 1, tzinfo=UTC)
OBSERVATION_DAYS = 730
ACQUISITION_DAYS = 365
NOW = START + timedelta(days=OBSERVATION_DAYS)


def simulate(customers: int, seed: int = 2024) -> pl.DataFrame:
    """One row per order: customer (0-based), seconds since START, total (øre), refunded, status."""
    generator = np.random.default_rng(seed)
    first_time = generator.integers(0, ACQUISITION_DAYS, customers) + generator.random(customers)
    window = OBSERVATION_DAYS - first_time
    rate = generator.gamma(TRUTH["r"], 1.0 / TRUTH["alpha"], customers)
    dropout = generator.beta(TRUTH["a"], TRUTH["b"], customers)
    purchases_while_alive = generator.poisson(rate * window)
    frequency = np.minimum(purchases_while_alive, generator.geometric(dropout))
    repeats = np.maximum(frequency, 0)
    owner = np.concatenate([np.arange(customers), np.repeat(np.arange(customers), repeats)])
    offset = np.concatenate([np.zeros(customers), generator.random(int(repeats.sum()))
                             * np.repeat(window * generator.beta(np.maximum(frequency, 1), 1.0), repeats)])
    seconds = ((first_time[owner] + offset) * 86_400).astype(np.int64)
    spend_scale = generator.gamma(SPEND_TRUTH["q"], 1.0 / SPEND_TRUTH["gamma"], customers)
    total = np.maximum(100, np.round(generator.gamma(SPEND_TRUTH["p"], 1.0 / spend_scale[owner]) * 1000)).astype(np.int64)
    draw = generator.random(owner.size)
    refunded = np.where(draw < 0.05, total // 4, 0)
    status = np.where(draw > 0.98, "cancelled", "paid")
    return pl.DataFrame({"customer": owner, "seconds": seconds, "total": total, "refunded": refunded,
                         "status": status}).sort("seconds")


def copy_frame(session, table: str, frame: pl.DataFrame) -> None:  # type: ignore[no-untyped-def]
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)") as copy:
        for chunk in frame.iter_slices(200_000):
            copy.write(chunk.write_csv(include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%z").encode())


def load(engine, factory, customers: int) -> Shop:  # type: ignore[no-untyped-def]
    orders = simulate(customers)
    started = time.perf_counter()
    with factory() as session:
        shop = create_shop(session, ShopIn(name=f"Analytics {customers}", slug=f"analytics-{customers}", currency="NOK"))
        session.flush()
        at = pl.lit(START) + pl.duration(seconds=pl.col("seconds"))
        per_customer = orders.filter(pl.col("status") != "cancelled").group_by("customer").agg(
            order_count=pl.len(), first_order_at=at.min(), last_order_at=at.max(),
            total_spent=(pl.col("total") - pl.col("refunded")).sum())
        rows = pl.DataFrame({"customer": np.arange(customers)}).join(per_customer, on="customer", how="left")
        copy_frame(session, "customers", rows.select(
            shop_id=pl.lit(shop.id), id=pl.col("customer") + 1, external_id=pl.format("c-{}", pl.col("customer")),
            interests=pl.lit("[]"), attributes=pl.lit("{}"), is_guest=pl.lit(False),
            created_at=pl.col("first_order_at").fill_null(pl.lit(START)), updated_at=pl.lit(NOW),
            order_count=pl.col("order_count").fill_null(0), first_order_at="first_order_at",
            last_order_at="last_order_at", total_spent=pl.col("total_spent").fill_null(0),
            average_order_value=(pl.col("total_spent") // pl.col("order_count")).fill_null(0)))
        copy_frame(session, "orders", orders.with_row_index("number", offset=1).select(
            shop_id=pl.lit(shop.id), id="number", external_id=pl.format("o-{}", pl.col("number")),
            customer_id=pl.col("customer") + 1, placed_at=pl.lit(START) + pl.duration(seconds=pl.col("seconds")),
            currency=pl.lit("NOK"), subtotal="total", discount_total=pl.lit(0), shipping_total=pl.lit(0),
            tax_total=pl.lit(0), taxes_included=pl.lit(True), total="total", refunded_total="refunded",
            discount_codes=pl.lit("[]"), status="status", source=pl.lit("benchmark"), attributes=pl.lit("{}"),
            created_at=pl.lit(NOW), updated_at=pl.lit(NOW)))
        session.execute(text(f"SELECT setval('customers_id_seq', {customers + 1})"))
        session.execute(text(f"SELECT setval('orders_id_seq', {orders.height + 1})"))
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE customers, orders"))
    print(f"loaded {customers:,} customers and {orders.height:,} orders in {time.perf_counter() - started:.1f} s "
          f"(COPY, then VACUUM ANALYZE)")
    with factory() as session:
        return session.get(Shop, shop.id)


def existing_shop(factory, customers: int) -> Shop | None:  # type: ignore[no-untyped-def]
    with factory() as session:
        shop = session.scalars(select(Shop).where(Shop.slug == f"analytics-{customers}")).first()
        if shop is None:
            return None
        count = session.scalar(select(func.count()).select_from(Customer).where(Customer.shop_id == shop.id))
        return shop if count == customers else None


def reference_select(factory, shop: Shop) -> float:  # type: ignore[no-untyped-def]
    """The order frame through a plain SQLAlchemy SELECT (rows as Python tuples) instead of COPY."""
    started = time.perf_counter()
    with factory() as session:
        rows = session.execute(text("SELECT customer_id, placed_at, total, refunded_total FROM orders "
                                    "WHERE shop_id = :shop AND status <> 'cancelled'"), {"shop": shop.id}).all()
        frame = pl.DataFrame(rows, schema=["customer_id", "placed_at", "amount", "refunded"], orient="row")
        frame.with_columns(pl.col("placed_at").dt.convert_time_zone(shop.timezone))
    return time.perf_counter() - started


def timed_run(factory, shop: Shop, label: str, options: service.RunOptions) -> dict[str, float]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with factory() as session:
        shop = session.get(Shop, shop.id)
        run = service.run_for_shop(session, shop, NOW, options,
                                   progress=lambda phase: print(f"  {label}: {phase}...", flush=True))
        session.commit()
        view = service.run_view(session, run)
    total = time.perf_counter() - started
    print(f"{label}: {total:.2f} s in all (run {run.seconds:.2f} s, commit {total - run.seconds:.2f} s); "
          f"status {view['status']}, model {view['model']}, {view['customers']:,} customers, {view['orders']:,} orders")
    if view["params"]:
        print("  purchase model:", {name: round(value, 4) for name, value in view["params"]["params"].items()},
              "(weeks; simulated with, per day,", TRUTH, ")")
    if view["spend_params"]:
        print("  spend model:", {name: round(value, 4) for name, value in view["spend_params"]["params"].items()})
    if view["holdout"]:
        print("  holdout MAE:", {report["model"]: round(report["mean_absolute_error"], 4)
                                 for report in view["holdout"]["compared"]}, "refused:", view["holdout"]["refused"])
    print("  churn risk bands:", view["churn_risk_bands"])
    for name, seconds in view["phases"].items():
        print(f"  {name:<22}{seconds:8.2f} s")
    return view["phases"]


def vacuum_predictions(engine) -> float:  # type: ignore[no-untyped-def]
    """VACUUM ANALYZE the predictions table between runs, as autovacuum would in production: every
    run rewrites all of a shop's rows, and the benchmark server runs with autovacuum off, so without
    this each run would pay for the dead rows of all the runs before it."""
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE customer_predictions"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse a database loaded with as many customers")
    parser.add_argument("--models", default="bg-nbd",
                        help="purchase models compared on the holdout (default bg-nbd only, as before; "
                             "e.g. bg-nbd,mbg-nbd,pareto-nbd)")
    arguments = parser.parse_args()
    engine = create_db_engine(URL)
    factory = make_session_factory(engine)
    shop = existing_shop(factory, arguments.customers) if arguments.keep else None
    if shop is None:
        engine.dispose()
        fresh_database(URL)
        engine = create_db_engine(URL)
        factory = make_session_factory(engine)
        shop = load(engine, factory, arguments.customers)
    options = service.RunOptions(candidates=tuple(arguments.models.split(",")))
    print(f"(VACUUM ANALYZE customer_predictions before the run, not timed: {vacuum_predictions(engine):.1f} s)")
    first = timed_run(factory, shop, "first run", options)
    print(f"(VACUUM ANALYZE customer_predictions between the runs, not timed: {vacuum_predictions(engine):.1f} s)")
    timed_run(factory, shop, "second run (upserts over the first)", options)
    reference = reference_select(factory, shop)
    print(f"reading orders: COPY into Polars {first['reading orders']:.2f} s; "
          f"reference, plain SELECT through SQLAlchemy {reference:.2f} s ({reference / first['reading orders']:.1f}x)")


if __name__ == "__main__":
    main()
