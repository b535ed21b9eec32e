"""benchmarks/transfer/import_csv.py: a generated Shopify orders export (100,000 orders, 3 line
items each: 300,000 rows) imported through ``import_file`` (what ``lojal import orders`` runs),
beside the reference, in the same run: the same orders as NDJSON bulk records fed line by line
to the BulkIngestor (what ``POST /api/v1/bulk`` and ``lojal demo`` run). Each side runs in a
process of its own on a fresh database, so peak memory (ru_maxrss) is its own.

Target (issue #3): >= 10,000 orders/s, memory flat.
Run: .venv/bin/python benchmarks/transfer/import_csv.py [--orders 100000] [--database sqlite|postgresql]"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA, POSTGRES_URL, fresh_database, shop_with_key  # noqa: E402

SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Accepts Marketing", "Currency",
                  "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Created at",
                  "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku", "Billing Name",
                  "Refunded Amount", "Id", "Lineitem discount"]
START = datetime(2025, 1, 1, tzinfo=UTC)


def generate_csv(orders: int, path: Path, seed: int = 7) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(SHOPIFY_HEADER)
        for number in range(1, orders + 1):
            customer = rng.randrange(max(1, orders // 3))
            created = (START + timedelta(seconds=number * 300)).strftime("%Y-%m-%d %H:%M:%S +0000")
            lines = [(rng.randint(1, 3), rng.randrange(49, 999)) for _ in range(3)]
            subtotal = sum(quantity * price * 100 for quantity, price in lines)
            total = subtotal + 4900
            for index, (quantity, price) in enumerate(lines):
                first = index == 0
                writer.writerow([f"#{number}", f"kunde{customer}@example.no", "paid" if first else "",
                                 created if first else "", "" , "yes" if first else "", "NOK" if first else "",
                                 f"{subtotal / 100:.2f}" if first else "", "49.00" if first else "",
                                 f"{total / 500:.2f}" if first else "", f"{total / 100:.2f}" if first else "",
                                 "", "", created, quantity, f"Vare {price}", f"{price}.00", f"SKU-{price}",
                                 f"Kunde {customer}" if first else "", "0.00" if first else "",
                                 str(9_000_000_000 + number) if first else "", "0.00"])


def csv_to_ndjson(csv_path: Path, ndjson_path: Path) -> None:
    """The same orders as bulk NDJSON records (mapped by the Shopify format, off the clock)."""
    if ndjson_path.exists():
        return
    from zoneinfo import ZoneInfo

    from lojal.transfer.csv_source import detect, read_rows
    from lojal.transfer.formats import FORMATS
    from lojal.transfer.formats.base import Context, Record, records

    with csv_path.open("rb") as source, ndjson_path.open("wb") as out:
        dialect = detect(source.read(65536))
        source.seek(0)
        context = Context("NOK", ZoneInfo("Europe/Oslo"), False)
        for item in records(read_rows(source, dialect), FORMATS["orders"]["shopify"], context, "shopify orders"):
            assert isinstance(item, Record)
            out.write(orjson.dumps(item.data) + b"\n")


def run_side(side: str, url: str, path: Path) -> None:
    """In a child process: import the file, print orders/s and peak memory as JSON."""
    from lojal.db.engine import create_db_engine, make_session_factory
    from lojal.ingest.bulk import BulkIngestor, pipelining_pays
    from lojal.shops.service import get_shop
    from lojal.transfer.imports import ImportOptions, import_file

    if side in ("parse", "csv.reader"):
        parse_side(side, path)
        return
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = get_shop(session, "benchmark")
        started = time.perf_counter()
        if side == "csv":
            with path.open("rb") as source:
                report = import_file(session, shop, "orders", "shopify", source, ImportOptions(skip_bad_rows=True),
                                     after_batch=session.commit, pipelined=pipelining_pays(session))
            session.commit()
            orders, failed = report.bulk.counts.get("order", 0), report.bulk.failed
        else:
            ingestor = BulkIngestor(session, shop, after_batch=session.commit)
            with path.open("rb") as source:
                for number, line in enumerate(source, start=1):
                    ingestor.feed_line(number, line)
            bulk = ingestor.finish()
            session.commit()
            orders, failed = bulk.counts.get("order", 0), bulk.failed
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(orjson.dumps({"side": side, "orders": orders, "failed": failed, "seconds": round(seconds, 2),
                        "orders_per_s": round(orders / seconds), "peak_mb": round(peak)}).decode())


def parse_side(side: str, path: Path) -> None:
    """The CSV half alone: decode, parse, group and map to bulk records (no database); beside it the
    floor, Python's csv.reader over the same file doing nothing else."""
    from zoneinfo import ZoneInfo

    from lojal.transfer.csv_source import detect, read_rows
    from lojal.transfer.formats import FORMATS
    from lojal.transfer.formats.base import Context, Record, records

    started, cpu_started = time.perf_counter(), time.process_time()
    orders = 0
    if side == "parse":
        with path.open("rb") as source:
            dialect = detect(source.read(65536))
            source.seek(0)
            context = Context("NOK", ZoneInfo("Europe/Oslo"), False)
            for item in records(read_rows(source, dialect), FORMATS["orders"]["shopify"], context, "shopify orders"):
                orders += isinstance(item, Record) and item.data["type"] == "order"
    else:
        with path.open(encoding="utf-8", newline="") as source:
            names = {row[0] for row in csv.reader(source)}
            orders = len(names) - 1
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(orjson.dumps({"side": side, "orders": orders, "failed": 0, "seconds": round(seconds, 2),
                        "orders_per_s": round(orders / seconds), "cpu_seconds": round(cpu_seconds, 2),
                        "orders_per_cpu_s": round(orders / cpu_seconds), "peak_mb": round(peak)}).decode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--parse-only", action="store_true", help="only the CSV half (no database)")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.side:
        run_side(arguments.side, arguments.url, Path(arguments.path))
        return
    csv_path = DATA / f"shopify-orders-{arguments.orders}.csv"
    ndjson_path = DATA / f"shopify-orders-{arguments.orders}.ndjson"
    generate_csv(arguments.orders, csv_path)
    csv_to_ndjson(csv_path, ndjson_path)
    print(f"{arguments.orders:,} orders: CSV {csv_path.stat().st_size / 1e6:.0f} MB, NDJSON {ndjson_path.stat().st_size / 1e6:.0f} MB")
    for side in ("csv.reader", "parse"):
        print(subprocess.run([sys.executable, __file__, "--side", side, "--url", "", "--path", str(csv_path)],
                             check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    if arguments.parse_only:
        return
    results = {}
    for side, path in (("csv", csv_path), ("ndjson", ndjson_path)):
        if arguments.database == "sqlite":
            url = fresh_database(f"sqlite:///{DATA / 'transfer-import.sqlite'}")
        else:
            url = fresh_database(POSTGRES_URL)
        shop_with_key(url, "Benchmark")
        output = subprocess.run([sys.executable, __file__, "--side", side, "--url", url, "--path", str(path)],
                                check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results[side] = orjson.loads(output)
        print(output)
    csv_side, reference = results["csv"], results["ndjson"]
    print(f"CSV import {csv_side['orders_per_s']:,} orders/s, peak {csv_side['peak_mb']} MB; "
          f"bulk NDJSON (reference) {reference['orders_per_s']:,} orders/s, peak {reference['peak_mb']} MB; "
          f"ratio {csv_side['orders_per_s'] / reference['orders_per_s']:.2f} (target >= 10,000 orders/s)")


if __name__ == "__main__":
    main()
