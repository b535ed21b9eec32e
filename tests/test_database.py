from sqlalchemy import text
from sqlalchemy.orm import Session

from lojal.db.ids import allocate_ids


def test_ids_are_allocated_in_increasing_unique_blocks(db: Session) -> None:
    first = allocate_ids(db, "orders", 3)
    second = allocate_ids(db, "orders", 2)
    assert len(set(first + second)) == 5
    assert first == sorted(first) and second == sorted(second)
    assert max(first) < min(second)


def test_migrations_created_every_table(db: Session) -> None:
    version = db.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == "0001"
