"""``lojal import`` and ``lojal export`` against a real SQLite file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lojal.cli.main import app
from lojal.config import get_settings
from lojal.db.engine import create_db_engine, make_session_factory
from lojal.models import Order
from tests.transfer.helpers import DATA

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("LOJAL_DATABASE_URL", url)
    monkeypatch.setenv("LOJAL_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["shop", "create", "Nordlys Sport"]).exit_code == 0
    yield url
    get_settings.cache_clear()


def _orders(url: str) -> int:
    with make_session_factory(create_db_engine(url))() as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_import_and_export_from_the_command_line(database: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "orders", str(DATA / "shopify_orders_excel_nb.csv"), "--shop", "nordlys-sport",
                                 "--format", "shopify"])
    assert result.exit_code == 0, result.output
    assert "cp1252" in result.output and "imported 4 order(s), 1 refund(s) from 7 row(s)" in result.output
    assert _orders(database) == 4
    again = runner.invoke(app, ["import", "orders", str(DATA / "shopify_orders.csv"), "--shop", "nordlys-sport"])
    assert again.exit_code == 0 and _orders(database) == 4
    customers = runner.invoke(app, ["import", "customers", str(DATA / "shopify_customers.csv"), "--shop", "nordlys-sport"])
    assert customers.exit_code == 0, customers.output
    target = tmp_path / "kunder.csv"
    exported = runner.invoke(app, ["export", "customers", "--shop", "nordlys-sport", "--format", "csv", "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert sorted((row["external_id"], row["total_spent"]) for row in rows) == [
        ("7001", "1754.50"), ("7002", "1000.00"), ("7003", "0.00")]
    parquet = tmp_path / "linjer.parquet"
    assert runner.invoke(app, ["export", "order-lines", "--shop", "nordlys-sport", "--format", "parquet",
                               "-o", str(parquet)]).exit_code == 0
    import pyarrow.parquet as pq

    assert pq.read_table(parquet).num_rows == 7


def test_a_file_with_bad_rows_imports_nothing_unless_asked(database: str, tmp_path: Path) -> None:
    broken = tmp_path / "orders.csv"
    text = (DATA / "generic_orders.csv").read_text(encoding="utf-8").replace("349.00", "349.001")
    broken.write_text(text, encoding="utf-8")
    refused = runner.invoke(app, ["import", "orders", str(broken), "--shop", "nordlys-sport", "--format", "generic"])
    assert refused.exit_code == 1
    assert "nothing was imported" in refused.output and "line 4 order g-2 unit_price: not an amount: '349.001'" in refused.output
    assert _orders(database) == 0
    skipped = runner.invoke(app, ["import", "orders", str(broken), "--shop", "nordlys-sport", "--format", "generic",
                                  "--skip-bad-rows"])
    assert skipped.exit_code == 0, skipped.output
    assert "1 bad row(s) skipped" in skipped.output and _orders(database) == 1
    missing = runner.invoke(app, ["import", "orders", str(tmp_path / "nope.csv"), "--shop", "nordlys-sport"])
    assert missing.exit_code == 1
    unknown = runner.invoke(app, ["import", "orders", str(broken), "--shop", "no-such-shop"])
    assert unknown.exit_code == 1
