"""benchmarks/ingest_bulk/writers.py: how fast PostgreSQL takes the bulk file when more than one
writer stores it - the upper bound for splitting a load by customer (no coordination cost).

The 100,000-order file of run.py is split by customer into two halves (a customer line and its
orders in the same half; no record of one half names a customer of the other) and stored by a
BulkIngestor per half, each with its own connection, in two threads or two processes, beside one
pipelined BulkIngestor storing the whole file, each on a fresh database. The halves are
independent, so this is what splitting would give before any cost of coordinating the writers
(routing, customers named in both halves, products and refunds, one report).

Run: .venv/bin/python benchmarks/ingest_bulk/writers.py [--orders 100000] [--rounds 1]"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import threading
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, POSTGRES_URL, fresh_database, shop_with_key  # noqa: E402
from run import generate  # noqa: E402

from lojal.db.engine import create_db_engine, make_session_factory  # noqa: E402
from lojal.ingest.bulk import BulkIngestor  # noqa: E402
from lojal.models import Shop  # noqa: E402


def halves_of(lines: list[bytes]) -> list[list[bytes]]:
    halves: list[list[bytes]] = [[], []]
    for raw in lines:
        record = orjson.loads(raw)
        customer = record["external_id"] if record["type"] == "customer" else record["customer"]["external_id"]
        halves[int(customer.removeprefix("c-")) % 2].append(raw)
    return halves


def store(url: str, lines: list[bytes], pipelined: bool) -> None:
    from sqlalchemy import select

    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = session.scalars(select(Shop)).one()
        with BulkIngestor(session, shop, after_batch=session.commit, pipelined=pipelined) as ingestor:
            for number, raw in enumerate(lines, start=1):
                ingestor.feed_line(number, raw)
            report = ingestor.finish()
        session.commit()
    engine.dispose()
    if report.failed:
        raise SystemExit(f"refused lines: {report.errors[:3]}")


def timed(url: str, how: str, lines: list[bytes], halves: list[list[bytes]]) -> float:
    started = time.perf_counter()
    if how == "one writer":
        store(url, lines, True)
    elif how == "two threads":
        threads = [threading.Thread(target=store, args=(url, half, False)) for half in halves]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        processes = [multiprocessing.get_context("fork").Process(target=store, args=(url, half, False))
                     for half in halves]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
            if process.exitcode:
                raise SystemExit(f"a writer process ended with {process.exitcode}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    arguments = parser.parse_args()
    path = DATA / f"bulk-{arguments.orders}.ndjson"
    generate(arguments.orders, path)
    lines = [raw for raw in path.read_bytes().split(b"\n") if raw]
    halves = halves_of(lines)
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/lojal_bench_writers"
    print(f"{arguments.orders:,} orders, PostgreSQL, halves of {len(halves[0]):,} and {len(halves[1]):,} lines")
    for _ in range(arguments.rounds):
        for how in ("one writer", "two threads", "two processes"):
            fresh = fresh_database(url)
            shop_with_key(fresh)
            seconds = timed(fresh, how, lines, halves)
            print(f"  {how:<14} {arguments.orders / seconds:>9,.0f} orders/s  ({seconds:.2f} s)")


if __name__ == "__main__":
    main()
