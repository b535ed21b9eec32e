"""benchmarks/ingest_webhook: single-order PUT /api/v1/orders/{id} from 32 concurrent clients on
loopback for 30 s against `lojal serve` on PostgreSQL (wrk drives the load).

Target (issue #2): >= 1,000 orders/s with p99 <= 50 ms on this 2-core machine.
Run: .venv/bin/python benchmarks/ingest_webhook/run.py [--seconds 30] [--connections 32] [--workers N]
     [--database postgresql://postgres@127.0.0.1:5432/NAME] [--no-reference]
Needs `wrk` (apt-get install wrk) and PostgreSQL (LOJAL_BENCH_POSTGRES_URL).

Besides rate and latency it prints the CPU per order of the web processes and of their PostgreSQL
backends (from /proc, so figures mean something on a shared machine), the connections opened and
transactions per order, the load average, and the reference (reference.py) measured in the same
run: the same rows written by as many raw psycopg clients."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import POSTGRES_URL, fresh_database, lojal_server, shop_with_key  # noqa: E402
from cpu import cpu_seconds, load_average, pid_listening_on, process_tree, used_between  # noqa: E402
from reference import raw_reference  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from lojal.cli.serve import default_workers
from lojal.db.engine import create_db_engine, make_session_factory  # noqa: E402
from lojal.models import Order  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=default_workers("postgresql"),
                        help="lojal serve web processes (default: what lojal serve starts on this machine)")
    parser.add_argument("--no-reference", dest="reference", action="store_false",
                        help="skip the raw psycopg reference run")
    parser.add_argument("--database", default=POSTGRES_URL.rsplit("/", 1)[0] + "/lojal_bench_webhook")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    url = fresh_database(arguments.database)
    key = shop_with_key(url)
    engine = create_db_engine(url)
    with lojal_server(url, workers=arguments.workers) as base:
        wrk = ["wrk", "-t2", f"-c{arguments.connections}", "--timeout", "10s", "-s", str(HERE / "put_order.lua"), base]
        subprocess.run(wrk[:2] + ["-d3s"] + wrk[2:], env=os.environ | {"LOJAL_KEY": key, "LOJAL_RUN": "warm"},
                       capture_output=True, check=True)  # warm-up: connections opened, statements prepared
        _analyze(engine)
        web = process_tree(pid_listening_on(int(base.rsplit(":", 1)[1])) or 0)
        load_before = load_average()
        web_before, database_before = cpu_seconds(web), cpu_seconds(_backends(engine, url))
        web_system_before = cpu_seconds(web, system_only=True)
        counters_before = _database_counters(engine)
        result = subprocess.run(wrk[:2] + [f"-d{arguments.seconds}s"] + wrk[2:],
                                env=os.environ | {"LOJAL_KEY": key, "LOJAL_RUN": "run"},
                                capture_output=True, text=True, check=True)
        web_cpu = used_between(web_before, cpu_seconds(web))
        web_system_cpu = used_between(web_system_before, cpu_seconds(web, system_only=True))
        database_cpu = used_between(database_before, cpu_seconds(_backends(engine, url)))
        load_after = load_average()
        sessions_opened, commits, rollbacks = (after - before for after, before in
                                               zip(_database_counters(engine), counters_before, strict=True))
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(Order))
    reference = None
    if arguments.reference:
        with engine.connect() as connection:
            shop_id = connection.scalar(text("SELECT min(id) FROM shops"))
        reference_load = load_average()
        reference = raw_reference(url, shop_id, arguments.connections, min(arguments.seconds, 10))
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    numbers = dict(re.findall(r"(\w+)=([\d.]+)", line))
    requests, seconds = int(numbers["requests"]), float(numbers["duration_s"])
    print(f"PUT /api/v1/orders/{{id}} on PostgreSQL, {arguments.connections} clients, {arguments.workers} web processes, "
          f"{seconds:.0f} s")
    print(f"  {requests / seconds:,.0f} orders/s   p50 {float(numbers['p50_ms']):.1f} ms   "
          f"p99 {float(numbers['p99_ms']):.1f} ms   max {float(numbers['max_ms']):.1f} ms   "
          f"non-2xx {numbers['errors_status']}   orders stored {stored:,} (incl. warm-up)")
    print(f"  CPU per order: web processes {1000 * web_cpu / requests:.2f} ms (of it in the kernel "
          f"{1000 * web_system_cpu / requests:.2f} ms), PostgreSQL backends "
          f"{1000 * database_cpu / requests:.2f} ms; 2 cores would carry at most "
          f"{2 * requests / (web_cpu + database_cpu):,.0f} orders/s at this cost")
    print(f"  PostgreSQL: {sessions_opened} connections opened during the run; per order {commits / requests:.2f} "
          f"commits and {rollbacks / requests:.2f} rollbacks (pg_stat_database, counters are flushed lazily)")
    print(f"  load average before {load_before}, after {load_after}")
    if reference is not None:
        print(f"reference: the same rows by {arguments.connections} psycopg clients in 6-8 statements per order, "
              f"no HTTP (reference.py), {min(arguments.seconds, 10)} s")
        print(f"  {reference['rate']:,.0f} orders/s   p50 {reference['p50_ms']:.1f} ms   p99 {reference['p99_ms']:.1f} ms   "
              f"CPU per order: PostgreSQL backends {reference['database_cpu_ms']:.2f} ms, client "
              f"{reference['client_cpu_ms']:.2f} ms   load average before {reference_load}")
        print(f"  lojal serve / reference: {requests / seconds / reference['rate']:.2f}")
    print("  target: >= 1,000 orders/s with p99 <= 50 ms")


def _analyze(engine: Any) -> None:
    """Table statistics as a running installation has them. The database is seconds old and
    autovacuum has not analysed it yet (it wakes every minute): the planner takes the tables for
    empty and reads every customer of the shop for each lookup by e-mail or external id, a cost
    that grows with the table (measured: 1.5-4 ms per lookup at 6,000 customers, 0.25 ms after
    ANALYZE)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def _backends(engine: Any, url: str) -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (not this one)."""
    with engine.connect() as connection:
        return list(connection.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")))


def _database_counters(engine: Any) -> tuple[int, int, int]:
    """Connections opened, transactions committed and rolled back in the benchmark's database."""
    with engine.connect() as connection:
        row = connection.execute(text("SELECT sessions, xact_commit, xact_rollback FROM pg_stat_database "
                                      "WHERE datname = current_database()")).one()
    return int(row[0]), int(row[1]), int(row[2])


if __name__ == "__main__":
    main()
