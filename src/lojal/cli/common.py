"""What the CLI commands share: settings, the database, one transaction per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lojal.config import Settings, get_settings
from lojal.db.engine import create_db_engine, make_session_factory
from pydantic import ValidationError

from lojal.errors import LojalError, validation_failed_from

console = Console()
errors = Console(stderr=True)


def engine_for(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    return create_db_engine(settings.database_url, pool_size=settings.database_pool_size,
                            max_overflow=settings.database_max_overflow)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One command, one transaction, committed here at the edge; a LojalError becomes a clear
    message and exit code 1."""
    factory = make_session_factory(engine or engine_for())
    session = factory()
    try:
        yield session
        session.commit()
    except LojalError as error:
        session.rollback()
        field = f" ({error.field})" if error.field else ""
        errors.print(f"[red]error{field}:[/red] {error.message}")
        raise typer.Exit(1) from error
    except ValidationError as error:
        session.rollback()
        failure = validation_failed_from(list(error.errors()))
        errors.print(f"[red]error ({failure.field}):[/red] {failure.message}")
        raise typer.Exit(1) from error
    finally:
        session.close()
