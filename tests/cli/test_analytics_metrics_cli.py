"""``lojal analytics metrics`` through Typer's test runner, on small files written per test."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from lojal.cli.analytics_metrics import metrics_command
from tests.analytics.test_metrics import seven_customers

runner = CliRunner()
app = typer.Typer()
app.command()(metrics_command)

CDNOW_LIKE = """\
00001 19970101  1  11.77
00002 19970112  1  12.00
00002 19970112  5  77.00
00003 19970102  2  20.76
00003 19970330  2  20.76
00003 19970402  2  19.54
00003 19971115  5  57.45
00004 19970101  2  29.33
00004 19970118  2  29.73
00004 19970802  1  14.96
"""


def run(*arguments: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(arguments))


def run_shop(path: Path, *arguments: str):  # type: ignore[no-untyped-def]
    return run(str(path), "--customer-col", "customer_id", "--date-col", "date", *arguments)


@pytest.fixture
def shop_csv(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    seven_customers().select(
        "customer_id", pl.col("placed_at").alias("date"), (pl.col("amount") / 100).alias("total")).write_csv(path)
    return path


def test_json_is_one_object_with_the_hand_computed_february(shop_csv: Path) -> None:
    result = run_shop(shop_csv, "--amount-col", "total", "--period-start", "2024-02-01",
                 "--period-end", "2024-03-01", "--marketing-spend", "2024-02=30,2024-03=99", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {name: report[name] for name in ("period_start", "customers", "new_customers", "orders",
                                            "retention_rate", "retention_rate_period_over_period",
                                            "revenue", "average_order_value", "historical_clv",
                                            "customer_acquisition_cost", "clv_to_cac_ratio")} == {
        "period_start": "2024-02-01T00:00:00", "customers": 2, "new_customers": 1, "orders": 4,
        "retention_rate": 0.75, "retention_rate_period_over_period": 1 / 3,
        # No refund column in the file: A 20 + 5 + 10 and C 15.
        "revenue": 50.0, "average_order_value": 12.5, "historical_clv": pytest.approx(149 / 6),
        "customer_acquisition_cost": 30.0, "clv_to_cac_ratio": pytest.approx(149 / 6 / 30),
    }


def test_the_default_period_is_the_last_full_month(shop_csv: Path) -> None:
    result = run_shop(shop_csv, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # The last order is on 20 March 2024: February is the last month covered in full.
    assert (report["period_start"], report["period_end"]) == ("2024-02-01T00:00:00", "2024-03-01T00:00:00")
    assert report["revenue"] is None
    only_start = json.loads(run_shop(shop_csv, "--period-start", "2024-03-01", "--json").stdout)
    assert only_start["period_end"] == "2024-03-21T00:00:00"
    only_end = json.loads(run_shop(shop_csv, "--period-end", "2024-02-01", "--json").stdout)
    assert only_end["period_start"] == "2024-01-01T00:00:00"


def test_a_headerless_file_separated_by_spaces(tmp_path: Path) -> None:
    path = tmp_path / "cdnow.txt"
    path.write_text(CDNOW_LIKE)
    result = run(str(path), "--customer-col", "1", "--date-col", "2", "--amount-col", "4",
                 "--period-start", "1997-01-01", "--period-end", "1997-04-01", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["customers"], report["orders"], report["repeat_customers"]) == (4, 7, 3)
    assert report["revenue"] == pytest.approx(201.35)
    # Customer 3: 87 days; customer 4: 17 days; customer 2's two rows of one day: 0 days.
    assert report["median_days_between_purchases"] == 17.0


def test_a_semicolon_file_with_a_date_format_and_a_parquet_file(tmp_path: Path) -> None:
    semicolons = tmp_path / "orders.csv"
    semicolons.write_text("kunde;dato;beløp\nk1;05.01.2024;100\nk1;10.02.2024;50\nk2;11.02.2024;25\n", encoding="utf-8")
    result = run(str(semicolons), "--customer-col", "kunde", "--date-col", "dato", "--amount-col", "beløp",
                 "--date-format", "%d.%m.%Y", "--period-start", "2024-02-01", "--period-end", "2024-03-01", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["customers"], report["new_customers"], report["revenue"]) == (2, 1, 75.0)
    parquet = tmp_path / "orders.parquet"
    seven_customers().rename({"placed_at": "date"}).write_parquet(parquet)
    result = run_shop(parquet, "--amount-col", "amount", "--period-start", "2024-03-01", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reactivated_customers"] == 1


def test_the_table(shop_csv: Path) -> None:
    result = run_shop(shop_csv, "--amount-col", "total")
    assert result.exit_code == 0, result.output
    assert "Metrics 2024-02-01 to 2024-03-01" in result.stdout
    lines = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.stdout.splitlines() if line.count("│") == 3}
    assert (lines["retention rate"], lines["churn rate"], lines["customers"], lines["average order value"]) == ("75.0%", "25.0%", "2", "12.50")
    assert lines["retention rate period over period"] == "33.3%"
    assert lines["customer acquisition cost"] == "-"


def test_refusals_are_clear_and_exit_non_zero(shop_csv: Path, tmp_path: Path) -> None:
    missing = run(str(shop_csv), "--customer-col", "kunde", "--date-col", "date")
    assert missing.exit_code == 1 and "no column 'kunde'" in missing.output
    assert run_shop(tmp_path / "nowhere.csv").exit_code == 1
    assert run(str(shop_csv), "--date-col", "date").exit_code == 2  # --customer-col is required
    backwards = run_shop(shop_csv, "--period-start", "2024-03-01", "--period-end", "2024-02-01")
    assert backwards.exit_code == 1 and "must end after" in backwards.output
    spend = run_shop(shop_csv, "--marketing-spend", "february:30")
    assert spend.exit_code == 1 and "2024-01=5000" in spend.output
    bad_dates = tmp_path / "bad.csv"
    bad_dates.write_text("customer_id,date\n1,yesterday\n")
    unreadable = run_shop(bad_dates)
    assert unreadable.exit_code == 1 and "yesterday" in unreadable.output
