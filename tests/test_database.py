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


def test_a_pooled_connection_lost_while_idle_is_replaced_before_use(postgres_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Connections are pinged only after sitting idle (not at every checkout); one that the server
    dropped meanwhile is replaced, and the caller never sees the error."""
    from lojal.db import engine as engine_module
    from lojal.db.engine import create_db_engine

    engine = create_db_engine(postgres_engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            dropped = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with postgres_engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != dropped
    finally:
        engine.dispose()
