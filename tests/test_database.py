from sqlalchemy import text
from sqlalchemy.orm import Session

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import lojal.models  # noqa: F401
from lojal.db.base import Base
from lojal.db.ids import allocate_ids
from lojal.db.migrate import alembic_config


def test_ids_are_allocated_in_increasing_unique_blocks(db: Session) -> None:
    first = allocate_ids(db, "orders", 3)
    second = allocate_ids(db, "orders", 2)
    assert len(set(first + second)) == 5
    assert first == sorted(first) and second == sorted(second)
    assert max(first) < min(second)


def test_migrations_created_every_table(db: Session) -> None:
    version = db.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrations_match_the_models(db: Session) -> None:
    """Autogenerate finds nothing to do: every model change came with its migration."""
    context = MigrationContext.configure(db.connection())
    assert compare_metadata(context, Base.metadata) == []
