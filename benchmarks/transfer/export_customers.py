"""benchmarks/transfer/export_customers.py: the customer register of a shop with 1,000,000
customers (aggregates and consents filled in) exported to CSV from PostgreSQL through ``export``
(what ``lojal export customers`` and ``GET /api/v1/export/customers`` run), timed, with the peak
memory of the exporting process (ru_maxrss). Beside it, in the same run, the reference: the same
rows read with the same keyset pages and thrown away (the cost of the database and the driver).

The customers are loaded with one INSERT ... SELECT generate_series (loading is not measured).
Targets (issue #3): <= 10 s, peak < 300 MB.
Run: .venv/bin/python benchmarks/transfer/export_customers.py [--customers 1000000]"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA, POSTGRES_URL, fresh_database, shop_with_key  # noqa: E402

LOAD = """
INSERT INTO customers (shop_id, id, external_id, email, phone, first_name, last_name, locale, country,
    customer_group, interests, attributes, email_consent, email_consent_at, email_consent_source, sms_consent,
    is_guest, created_at, updated_at, order_count, first_order_at, last_order_at, total_spent, average_order_value)
SELECT :shop, n, 'c-' || n, 'kunde' || n || '@example.no', '+479' || lpad(n::text, 7, '0'), 'Kari', 'Nordmann ' || n,
    'nb-NO', 'NO', CASE WHEN n % 10 = 0 THEN 'frisør' END, '["tennis", "løping"]'::jsonb, '{}'::jsonb,
    n % 3 = 0, now() - (n || ' minutes')::interval, 'checkout', false, false,
    now() - interval '2 years', now(), n % 7, now() - interval '1 year', now() - (n % 300 || ' days')::interval,
    (n % 7) * 45990, CASE WHEN n % 7 = 0 THEN 0 ELSE 45990 END
FROM generate_series(1, :count) AS n
"""


def load(url: str, count: int) -> None:
    from lojal.db.engine import create_db_engine

    shop_with_key(url, "Benchmark")
    engine = create_db_engine(url)
    with engine.begin() as connection:
        shop = connection.execute(text("SELECT id FROM shops WHERE slug = 'benchmark'")).scalar_one()
        connection.execute(text(LOAD), {"shop": shop, "count": count})
        connection.execute(text("ANALYZE customers"))
    engine.dispose()


def run_side(side: str, url: str, target: Path) -> None:
    from lojal.db.engine import create_db_engine, make_session_factory
    from lojal.shops.service import get_shop
    from lojal.transfer import export

    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = get_shop(session, "benchmark")
        started = time.perf_counter()
        if side == "export":
            with target.open("wb") as out:
                rows = export.export(session, shop, "customers", "csv", out)
        else:
            rows = sum(len(page) for page in export.pages(session, shop, "customers")[1])
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(orjson.dumps({"side": side, "rows": rows, "seconds": round(seconds, 2), "peak_mb": round(peak),
                        "bytes": target.stat().st_size if side == "export" else 0}).decode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database of an earlier run")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    target = DATA / "customers-export.csv"
    if arguments.side:
        run_side(arguments.side, arguments.url, target)
        return
    url = POSTGRES_URL
    if not arguments.reuse:
        url = fresh_database(POSTGRES_URL)
        started = time.perf_counter()
        load(url, arguments.customers)
        print(f"loaded {arguments.customers:,} customers in {time.perf_counter() - started:.0f} s")
    for side in ("read", "export"):
        output = subprocess.run([sys.executable, __file__, "--side", side, "--url", url], check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
        print(output)


if __name__ == "__main__":
    main()
