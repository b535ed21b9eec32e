"""Shared helpers for the benchmarks: fresh databases, a shop with a key, a `lojal serve` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lojal.db.engine import create_db_engine, make_session_factory, normalise_url
from lojal.db.migrate import upgrade
from lojal.shops.schemas import ShopIn
from lojal.shops.service import create_api_key, create_shop

DATA = Path(__file__).resolve().parent / ".data"
POSTGRES_URL = os.environ.get("LOJAL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/lojal_bench")


def fresh_database(url: str) -> str:
    """An empty, migrated database at url (SQLite file removed; PostgreSQL database recreated)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    else:
        admin = create_db_engine(parsed.set(database="postgres").render_as_string(hide_password=False),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def shop_with_key(url: str, name: str = "Benchmark") -> str:
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = create_shop(session, ShopIn(name=name, currency="NOK"))
        key = create_api_key(session, shop, "benchmark", ["ingest", "read"]).key
        session.commit()
    engine.dispose()
    return key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def lojal_server(url: str, *, workers: int = 1, with_worker: bool = False) -> Iterator[str]:
    port = free_port()
    environment = os.environ | {"LOJAL_DATABASE_URL": url, "LOJAL_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "lojal.cli.main", "serve", "--port", str(port), "--workers", str(workers),
               "--with-worker" if with_worker else "--no-worker", "--no-migrate"]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("lojal serve did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
