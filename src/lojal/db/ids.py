"""Ids for shop data, allocated in blocks so a batch insert knows its ids before it inserts.

PostgreSQL: one sequence per table (``<table>_id_seq``), never blocking concurrent writers.
SQLite: a counter row per table in ``id_sequences``; SQLite has one writer at a time, so the
upsert below is atomic and also takes the write lock early in the transaction."""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from lojal.db.base import ShopScoped


def allocate_ids(session: Session, table: str, count: int) -> list[int]:
    if count <= 0:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        ids = connection.execute(  # one row holding an array: fetching 10,000 rows one by one cost more
            text(f"SELECT array_agg(nextval('{table}_id_seq')) FROM generate_series(1, :n)"), {"n": count}
        ).scalar_one()
        return sorted(ids)
    last = connection.execute(
        text(
            "INSERT INTO id_sequences (name, last_value) VALUES (:name, :n) "
            "ON CONFLICT (name) DO UPDATE SET last_value = last_value + :n RETURNING last_value"
        ),
        {"name": table, "n": count},
    ).scalar_one()
    return list(range(last - count + 1, last + 1))


def _assign_ids_before_flush(session: Session, flush_context: object, instances: object) -> None:
    missing: dict[str, list[ShopScoped]] = {}
    for instance in session.new:
        if isinstance(instance, ShopScoped) and instance.id is None:
            missing.setdefault(instance.__tablename__, []).append(instance)  # type: ignore[attr-defined]
    for table, instances_of_table in missing.items():
        for instance, new_id in zip(
            instances_of_table, allocate_ids(session, table, len(instances_of_table)), strict=True
        ):
            instance.id = new_id


def install_id_assignment() -> None:
    if not event.contains(Session, "before_flush", _assign_ids_before_flush):
        event.listen(Session, "before_flush", _assign_ids_before_flush)
