"""``lojal serve`` (API + web pages, and on SQLite an in-process worker) and ``lojal worker``."""

from __future__ import annotations

import os

import typer

from lojal.cli.common import console, engine_for
from lojal.config import get_settings
from lojal.db.migrate import upgrade


DEFAULT_MAX_WORKERS = 4
"""Each web process keeps ``LOJAL_DATABASE_POOL_SIZE`` connections; past a few processes per
machine, ask for more with ``--workers`` knowing PostgreSQL's ``max_connections``."""


def default_workers(dialect: str, cpu_count: int | None = None) -> int:
    """Web processes when ``--workers`` is not given: one on SQLite (one writer anyway); on
    PostgreSQL one per two CPU cores (at most ``DEFAULT_MAX_WORKERS``). Each process writes the
    PUT orders that arrive together in one batch, and fewer processes make fuller batches; the
    other cores are left to PostgreSQL, which a small installation runs on the same machine. On
    2 cores (``benchmarks/ingest_webhook``): one process 1,441 orders/s at p99 42 ms and 0.44 ms
    of web CPU per order, two 1,057/s at p99 87 ms and 0.81 ms."""
    if dialect == "sqlite":
        return 1
    return max(1, min((cpu_count or os.cpu_count() or 1) // 2, DEFAULT_MAX_WORKERS))


def serve(host: str = typer.Option("127.0.0.1", help="Address to listen on"),
          port: int = typer.Option(8000, help="Port to listen on"),
          workers: int | None = typer.Option(None, min=1, help="Web processes (default: one on SQLite; on PostgreSQL "
                                                               f"one per two CPU cores, at most {DEFAULT_MAX_WORKERS})"),
          with_worker: bool | None = typer.Option(None, "--with-worker/--no-worker",
                                                  help="Run background jobs in the web process (default: on SQLite)"),
          migrate: bool = typer.Option(True, help="Migrate the database before starting")) -> None:
    """Serve the API at /api/v1, its docs at /api/docs and the admin pages at /admin."""
    import uvicorn

    settings = get_settings()
    engine = engine_for(settings)
    if migrate:
        upgrade(engine)
    in_process = with_worker if with_worker is not None else engine.dialect.name == "sqlite"
    if workers is None:
        workers = 1 if in_process else default_workers(engine.dialect.name)
    if in_process and workers > 1:
        raise typer.BadParameter("--with-worker runs jobs in one web process; use --workers 1 or run `lojal worker`")
    os.environ["LOJAL_IN_PROCESS_WORKER"] = "1" if in_process else "0"
    get_settings.cache_clear()
    console.print(f"Lojal on http://{host}:{port}/admin  (API docs: http://{host}:{port}/api/docs)")
    uvicorn.run("lojal.app:serve_app", factory=True, host=host, port=port, workers=workers,
                log_level=settings.log_level.lower(), access_log=False)


def worker(once: bool = typer.Option(False, help="Run the due jobs once and exit")) -> None:
    """Run background jobs from the job table; start as many as you like (PostgreSQL)."""
    from lojal.db.engine import make_session_factory
    from lojal.logging import configure_logging
    from lojal.worker import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    run_worker(make_session_factory(engine_for(settings)), settings.worker, once=once)
