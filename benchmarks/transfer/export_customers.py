"""benchmarks/transfer/export_customers.py: the customer register of a shop with 1,000,000
customers (aggregates and consents filled in) exported to CSV through ``export`` (what ``lojal
export customers`` and ``GET /api/v1/export/customers`` run), timed in wall-clock and CPU seconds
(the machine is shared), with the peak memory of the exporting process (ru_maxrss). Beside it, in
the same run, the references:

* PostgreSQL: ``psql -c "\\copy (SELECT * FROM customers WHERE shop_id = ..) TO FILE csv header"``
  (the database's own CSV of the raw table);
* SQLite: ``sqlite3 -csv -header DB "SELECT * FROM customers WHERE shop_id = .."`` (the CLI's CSV of
  the raw table);
* on both, Lojal's generic path (``use_copy=False``: every value formatted in Python), whose file
  must be byte for byte the export's.

The customers are loaded with one INSERT ... SELECT over generate_series (PostgreSQL) or a recursive
CTE (SQLite); loading is not measured. Targets (issue #3): <= 10 s, peak < 300 MB.
Run: .venv/bin/python benchmarks/transfer/export_customers.py [--customers 1000000] [--database sqlite]
[--reuse] [--no-generic]"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA, POSTGRES_URL, fresh_database, shop_with_key

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


LOAD_SQLITE = """
WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < :count)
INSERT INTO customers (shop_id, id, external_id, email, phone, first_name, last_name, locale, country,
    customer_group, interests, attributes, email_consent, email_consent_at, email_consent_source, sms_consent,
    is_guest, created_at, updated_at, order_count, first_order_at, last_order_at, total_spent, average_order_value)
SELECT :shop, n, 'c-' || n, 'kunde' || n || '@example.no', '+479' || substr('0000000' || n, -7), 'Kari',
    'Nordmann ' || n, 'nb-NO', 'NO', CASE WHEN n % 10 = 0 THEN 'frisør' END, '["tennis", "løping"]', '{}',
    n % 3 = 0, strftime('%Y-%m-%d %H:%M:%f000', 'now', '-' || n || ' minutes'), 'checkout', 0, 0,
    strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-2 years'), strftime('%Y-%m-%d %H:%M:%f000', 'now'), n % 7,
    strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-1 year'),
    strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-' || (n % 300) || ' days'),
    (n % 7) * 45990, CASE WHEN n % 7 = 0 THEN 0 ELSE 45990 END
FROM numbers
"""


def load(url: str, count: int) -> None:
    from lojal.db.engine import create_db_engine

    shop_with_key(url, "Benchmark")
    engine = create_db_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        shop = connection.execute(text("SELECT id FROM shops WHERE slug = 'benchmark'")).scalar_one()
        connection.execute(text(LOAD_SQLITE if sqlite else LOAD), {"shop": shop, "count": count})
        connection.execute(text("ANALYZE" if sqlite else "ANALYZE customers"))
    engine.dispose()


def reference(url: str, target: Path) -> dict[str, object]:
    """The database's own CLI writing the raw table as CSV (no Lojal formatting, all columns)."""
    parsed = make_url(url)
    query = "SELECT * FROM customers WHERE shop_id = (SELECT id FROM shops WHERE slug = 'benchmark') ORDER BY id"
    started, cpu_before = time.perf_counter(), _children_cpu()
    if parsed.get_backend_name() == "sqlite":
        with target.open("wb") as out:
            subprocess.run([shutil.which("sqlite3") or "sqlite3", "-csv", "-header", parsed.database, query],
                           stdout=out, check=True)
        side = "sqlite3 -csv (reference)"
    else:
        plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["psql", plain, "-q", "-c", f"\\copy ({query}) TO '{target}' WITH (FORMAT csv, HEADER)"],
                       check=True)
        side = "psql \\copy (reference)"
    return {"side": side, "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(_children_cpu() - cpu_before, 2), "bytes": target.stat().st_size}


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (the CLI of the reference; on
    PostgreSQL the server's own work is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_side(side: str, url: str, target: Path) -> None:
    from lojal.db.engine import create_db_engine, make_session_factory
    from lojal.shops.service import get_shop
    from lojal.transfer import export

    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = get_shop(session, "benchmark")
        started, cpu_started = time.perf_counter(), time.process_time()
        if side in ("export", "generic"):
            with target.open("wb") as out:
                rows = export.export(session, shop, "customers", "csv", out, use_copy=side == "export")
        else:
            rows = sum(len(chunk) for chunk in export.chunks(session, shop, "customers")[2])
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(orjson.dumps({"side": side, "rows": rows, "seconds": round(seconds, 2),
                        "cpu_seconds": round(cpu_seconds, 2), "peak_mb": round(peak),
                        "bytes": target.stat().st_size if side != "read" else 0}).decode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database of an earlier run")
    parser.add_argument("--no-generic", action="store_true", help="skip the generic path (the slow side)")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    target = DATA / "customers-export.csv"
    if arguments.side:
        run_side(arguments.side, arguments.url, target.with_name(f"customers-{arguments.side}.csv"))
        return
    url = POSTGRES_URL if arguments.database == "postgresql" else f"sqlite:///{DATA / 'export-customers.sqlite'}"
    DATA.mkdir(exist_ok=True)
    if not arguments.reuse:
        url = fresh_database(url)
        started = time.perf_counter()
        load(url, arguments.customers)
        print(f"loaded {arguments.customers:,} customers in {time.perf_counter() - started:.0f} s")
    url = str(make_url(url).render_as_string(hide_password=False))
    print(orjson.dumps(reference(url, DATA / "customers-reference.csv")).decode())
    sides = ("read", "export") if arguments.no_generic else ("read", "export", "generic")
    for side in sides:
        output = subprocess.run([sys.executable, __file__, "--side", side, "--url", url], check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
        print(output)
    if "generic" in sides:
        same = (DATA / "customers-export.csv").read_bytes() == (DATA / "customers-generic.csv").read_bytes()
        print(f"export identical to the generic path's: {same}")


if __name__ == "__main__":
    main()
