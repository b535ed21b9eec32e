"""benchmarks/ingest_webhook: single-order PUT /api/v1/orders/{id} from 32 concurrent clients on
loopback for 30 s against `lojal serve` on PostgreSQL (wrk drives the load).

Target (issue #2): >= 1,000 orders/s with p99 <= 50 ms on this 2-core machine.
Run: .venv/bin/python benchmarks/ingest_webhook/run.py [--seconds 30] [--connections 32] [--workers 2]
Needs `wrk` (apt-get install wrk) and PostgreSQL (LOJAL_BENCH_POSTGRES_URL)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import POSTGRES_URL, fresh_database, lojal_server, shop_with_key  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from lojal.db.engine import create_db_engine, make_session_factory  # noqa: E402
from lojal.models import Order  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="lojal serve web processes")
    parser.add_argument("--database", default=POSTGRES_URL.rsplit("/", 1)[0] + "/lojal_bench_webhook")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    url = fresh_database(arguments.database)
    key = shop_with_key(url)
    with lojal_server(url, workers=arguments.workers) as base:
        subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-s", str(HERE / "put_order.lua"), base],
                       env=os.environ | {"LOJAL_KEY": key}, capture_output=True, check=True)  # warm-up
        result = subprocess.run(["wrk", "-t2", f"-c{arguments.connections}", f"-d{arguments.seconds}s",
                                 "--timeout", "10s", "-s", str(HERE / "put_order.lua"), base],
                                env=os.environ | {"LOJAL_KEY": key}, capture_output=True, text=True, check=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    numbers = dict(re.findall(r"(\w+)=([\d.]+)", line))
    requests, seconds = int(numbers["requests"]), float(numbers["duration_s"])
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(Order))
    print(f"PUT /api/v1/orders/{{id}} on PostgreSQL, {arguments.connections} clients, {arguments.workers} web processes, "
          f"{seconds:.0f} s")
    print(f"  {requests / seconds:,.0f} orders/s   p50 {float(numbers['p50_ms']):.1f} ms   "
          f"p99 {float(numbers['p99_ms']):.1f} ms   max {float(numbers['max_ms']):.1f} ms   "
          f"non-2xx {numbers['errors_status']}   orders stored {stored:,} (incl. warm-up)")
    print("  target: >= 1,000 orders/s with p99 <= 50 ms")


if __name__ == "__main__":
    main()
