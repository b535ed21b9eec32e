"""The repository of the analytics: the only place here that builds SQL.

Reading: a shop's orders as the analytics' order frame (``lojal.analytics.order_frame``):
``customer_id``, ``placed_at`` (in the shop's time zone), ``amount`` (the order total),
``refunded`` (refunded_total); cancelled orders are left out. On PostgreSQL the rows stream with
``COPY ... TO STDOUT`` straight into Polars (no Python object per row); on SQLite through one
plain cursor.

Writing: one run row, and the per-customer predictions in bulk: PostgreSQL copies them into a
temporary table and upserts from it in one statement; SQLite upserts with one executemany. Rows of
customers the run no longer saw are deleted, so the table always holds the latest run."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from lojal.models import (
    AnalyticsRun,
    Customer,
    CustomerPrediction,
    LoyaltyAccount,
    Shop,
)

ORDER_FRAME_SCHEMA = {"customer_id": pl.Int64, "placed_at": pl.Int64, "amount": pl.Int64, "refunded": pl.Int64}
PREDICTION_COLUMNS = (
    "shop_id", "customer_id", "run_id", "computed_at", "expected_purchases", "probability_alive", "churn_risk",
    "churn_risk_band", "predicted_clv", "expected_order_value", "next_order_date", "recency_score",
    "frequency_score", "monetary_score", "rfm_segment",
)
_UPDATED_COLUMNS = PREDICTION_COLUMNS[2:]
_LOAD_TABLE = "analytics_prediction_load"


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _raw_connection(session: Session) -> Any:
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    return raw


# --- reading ---------------------------------------------------------------------------------

def order_frame(session: Session, shop: Shop, before: datetime | None = None) -> pl.DataFrame:
    """The shop's orders placed before ``before`` (all when None), cancelled ones left out."""
    if is_postgres(session):
        frame = _order_frame_postgres(session, shop.id, before)
    else:
        frame = _order_frame_sqlite(session, shop.id, before)
    return frame.with_columns(
        pl.from_epoch("placed_at", time_unit="us").dt.replace_time_zone("UTC").dt.convert_time_zone(shop.timezone)
    )


def _order_frame_postgres(session: Session, shop_id: int, before: datetime | None) -> pl.DataFrame:
    until = ""
    if before is not None:
        until = f" AND placed_at < '{before.astimezone(UTC).isoformat()}'::timestamptz"
    query = (
        "COPY (SELECT customer_id, (EXTRACT(EPOCH FROM placed_at) * 1000000)::bigint, total, refunded_total "
        f"FROM orders WHERE shop_id = {int(shop_id)} AND status <> 'cancelled'{until}) TO STDOUT"
    )
    buffer = io.BytesIO()
    with _raw_connection(session).cursor() as cursor, cursor.copy(query) as copy:
        for chunk in copy:
            buffer.write(chunk)
    if buffer.tell() == 0:
        return pl.DataFrame(schema=ORDER_FRAME_SCHEMA)
    buffer.seek(0)
    return pl.read_csv(buffer, separator="\t", has_header=False, new_columns=list(ORDER_FRAME_SCHEMA),
                       schema_overrides=ORDER_FRAME_SCHEMA, quote_char=None)


def _order_frame_sqlite(session: Session, shop_id: int, before: datetime | None) -> pl.DataFrame:
    query = ("SELECT customer_id, placed_at, total, refunded_total FROM orders "
             "WHERE shop_id = ? AND status <> 'cancelled'")
    parameters: list[Any] = [shop_id]
    if before is not None:
        query += " AND placed_at < ?"
        parameters.append(before.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds"))
    cursor = _raw_connection(session).cursor()
    try:
        rows = cursor.execute(query, parameters).fetchall()
    finally:
        cursor.close()
    frame = pl.DataFrame(rows, schema={"customer_id": pl.Int64, "placed_at": pl.String, "amount": pl.Int64,
                                       "refunded": pl.Int64}, orient="row")
    placed_at = pl.col("placed_at").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
    return frame.with_columns(placed_at.dt.epoch("us"))


def shop_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Shop.id).order_by(Shop.id)))


def customer_ids_in_group(session: Session, shop_id: int, customer_group: str) -> list[int]:
    return list(session.scalars(select(Customer.id).where(Customer.shop_id == shop_id,
                                                          Customer.customer_group == customer_group)))


def customer_ids_in_tier(session: Session, shop_id: int, tier_id: int) -> list[int]:
    return list(session.scalars(select(LoyaltyAccount.customer_id).where(LoyaltyAccount.shop_id == shop_id,
                                                                         LoyaltyAccount.tier_id == tier_id)))


QUEUED = "queued"


def latest_run(session: Session, shop_id: int) -> AnalyticsRun | None:
    """The shop's latest finished run (a run requested through the API and not yet computed is
    ``queued`` and not counted)."""
    return session.scalars(select(AnalyticsRun).where(AnalyticsRun.shop_id == shop_id,
                                                      AnalyticsRun.status != QUEUED)
                           .order_by(AnalyticsRun.started_at.desc(), AnalyticsRun.id.desc()).limit(1)).first()


def run_by_id(session: Session, shop_id: int, run_id: int) -> AnalyticsRun | None:
    return session.scalars(select(AnalyticsRun).where(AnalyticsRun.shop_id == shop_id,
                                                      AnalyticsRun.id == run_id)).first()


def prediction(session: Session, shop_id: int, customer_id: int) -> CustomerPrediction | None:
    return session.get(CustomerPrediction, (shop_id, customer_id))


def top_by_predicted_clv(session: Session, shop_id: int, limit: int,
                         minimum_clv: int | None = None) -> list[tuple[CustomerPrediction, Customer]]:
    query = (select(CustomerPrediction, Customer).join(Customer, (Customer.shop_id == CustomerPrediction.shop_id)
                                                       & (Customer.id == CustomerPrediction.customer_id))
             .where(CustomerPrediction.shop_id == shop_id, CustomerPrediction.predicted_clv.is_not(None)))
    if minimum_clv is not None:
        query = query.where(CustomerPrediction.predicted_clv > minimum_clv)
    query = query.order_by(CustomerPrediction.predicted_clv.desc(), CustomerPrediction.customer_id).limit(limit)
    return [(row[0], row[1]) for row in session.execute(query)]


def at_risk(session: Session, shop_id: int, limit: int, band: str = "high") -> list[tuple[CustomerPrediction, Customer]]:
    """Customers in a churn-risk band, the most valuable first (who is worth winning back)."""
    query = (select(CustomerPrediction, Customer).join(Customer, (Customer.shop_id == CustomerPrediction.shop_id)
                                                       & (Customer.id == CustomerPrediction.customer_id))
             .where(CustomerPrediction.shop_id == shop_id, CustomerPrediction.churn_risk_band == band)
             .order_by(CustomerPrediction.predicted_clv.desc().nulls_last(), CustomerPrediction.customer_id)
             .limit(limit))
    return [(row[0], row[1]) for row in session.execute(query)]


def prediction_counts(session: Session, shop_id: int) -> dict[str, int]:
    """Customers per churn-risk band (``none`` when no model was fitted)."""
    rows = session.execute(select(CustomerPrediction.churn_risk_band, func.count())
                           .where(CustomerPrediction.shop_id == shop_id)
                           .group_by(CustomerPrediction.churn_risk_band))
    return {band or "none": int(count) for band, count in rows}


# --- writing ---------------------------------------------------------------------------------

def lock_shop_analytics(session: Session, shop_id: int) -> None:
    """One run per shop at a time (the nightly job and a run started by hand): on PostgreSQL a
    transaction-level advisory lock; SQLite has one writer anyway."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('lojal.analytics.run'), :shop)"),
                        {"shop": shop_id})


def add_run(session: Session, run: AnalyticsRun) -> AnalyticsRun:
    session.add(run)
    session.flush()
    return run


def replace_predictions(session: Session, shop_id: int, run_id: int, rows: pl.DataFrame) -> None:
    """Upsert one row per customer (columns ``PREDICTION_COLUMNS`` except shop_id, run_id and
    computed_at, which ``rows`` may omit: they are added here) and delete the shop's rows of
    earlier runs that this one did not write."""
    if rows.height:
        if is_postgres(session):
            _upsert_postgres(session, rows)
        else:
            _upsert_sqlite(session, rows)
    session.execute(delete(CustomerPrediction).where(CustomerPrediction.shop_id == shop_id,
                                                     CustomerPrediction.run_id != run_id))
    for instance in list(session.identity_map.values()):
        if isinstance(instance, CustomerPrediction):
            session.expire(instance)


def _upsert_postgres(session: Session, rows: pl.DataFrame) -> None:
    columns = ", ".join(PREDICTION_COLUMNS)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in _UPDATED_COLUMNS)
    session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_LOAD_TABLE} "
                         f"(LIKE customer_predictions) ON COMMIT DROP"))
    session.execute(text(f"TRUNCATE {_LOAD_TABLE}"))
    data = rows.select(PREDICTION_COLUMNS).write_csv(include_header=False, null_value="",
                                                     datetime_format="%Y-%m-%dT%H:%M:%S%.f%z")
    with _raw_connection(session).cursor() as cursor, \
            cursor.copy(f"COPY {_LOAD_TABLE} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(data.encode())
    session.execute(text(f"INSERT INTO customer_predictions ({columns}) SELECT {columns} FROM {_LOAD_TABLE} "
                         f"ON CONFLICT (shop_id, customer_id) DO UPDATE SET {updates}"))
    session.execute(text(f"DROP TABLE {_LOAD_TABLE}"))


def _upsert_sqlite(session: Session, rows: pl.DataFrame) -> None:
    columns = ", ".join(PREDICTION_COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in _UPDATED_COLUMNS)
    values = rows.select(PREDICTION_COLUMNS).with_columns(
        pl.col("computed_at").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        .dt.strftime("%Y-%m-%d %H:%M:%S.%6f"),
        pl.col("next_order_date").dt.strftime("%Y-%m-%d"),
    ).rows()
    statement = (f"INSERT INTO customer_predictions ({columns}) VALUES ({', '.join('?' * len(PREDICTION_COLUMNS))}) "
                 f"ON CONFLICT (shop_id, customer_id) DO UPDATE SET {updates}")
    cursor = _raw_connection(session).cursor()
    try:
        cursor.executemany(statement, values)
    finally:
        cursor.close()
