"""``lojal db``: migrations."""

from __future__ import annotations

import typer

from lojal.cli.common import console, engine_for
from lojal.config import get_settings
from lojal.db.migrate import upgrade as run_upgrade

app = typer.Typer(help="The database: migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to migrate to")) -> None:
    """Create or migrate the database (LOJAL_DATABASE_URL; default: a SQLite file in your data folder)."""
    settings = get_settings()
    run_upgrade(engine_for(settings), revision)
    console.print(f"database at {settings.database_url} is at revision {revision}")
