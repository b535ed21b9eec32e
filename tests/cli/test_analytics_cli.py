"""`lojal analytics` on the CDNOW sample: no database needed."""

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from lojal.cli.analytics import app

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_sample.txt"
CDNOW = ["clv", str(SAMPLE), "--customer-col", "2", "--date-col", "3", "--time-unit", "week",
         "--calibration-end", "1997-09-30", "--observation-end", "1998-06-30"]


def significant(value: float) -> float:
    return float(f"{value:.3g}")


def test_clv_json_gives_the_published_estimates(tmp_path: Path) -> None:
    output = tmp_path / "predictions.parquet"
    result = runner.invoke(app, [*CDNOW, "--amount-col", "5", "--json", "--output", str(output)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model"] == "bg-nbd"
    assert {name: significant(value) for name, value in report["params"].items()} == {
        "r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.43}
    assert round(report["log_likelihood"], 1) == -9582.4
    assert report["customers"] == 2357
    assert {name: significant(value) for name, value in report["spend_model"]["params"].items()} == {
        "p": 6.25, "q": 3.74, "gamma": 15.4}
    assert report["holdout"]["actual_total"] == 1882
    assert [group["calibration_frequency"] for group in report["holdout"]["groups"]][-1] == "7+"
    predictions = pl.read_parquet(output)
    assert predictions.height == 2357
    assert {"customer_id", "expected_purchases", "probability_alive", "churn_risk", "churn_risk_band",
            "predicted_clv", "next_order_date"} <= set(predictions.columns)


def test_clv_other_models_and_human_output(tmp_path: Path) -> None:
    pareto = runner.invoke(app, [*CDNOW, "--model", "pareto-nbd", "--json"])
    assert pareto.exit_code == 0, pareto.output
    report = json.loads(pareto.stdout)
    assert "spend_model" not in report
    assert round(report["params"]["r"], 2) == 0.55 and round(report["log_likelihood"], 1) == -9595.0
    output = tmp_path / "predictions.csv"
    human = runner.invoke(app, [*CDNOW, "--model", "auto", "--amount-col", "5", "--output", str(output)])
    assert human.exit_code == 0, human.output
    assert "Holdout check" in human.output and "mbg-nbd" in human.output
    assert pl.read_csv(output).height == 2357


def test_clv_refusals_are_clear() -> None:
    missing = runner.invoke(app, ["clv", str(SAMPLE), "--customer-col", "2", "--date-col", "9"])
    assert missing.exit_code == 1 and "no column 9" in missing.output
    bad_model = runner.invoke(app, [*CDNOW, "--model", "nbd"])
    assert bad_model.exit_code == 1 and "unknown model" in bad_model.output
    auto_without_holdout = runner.invoke(app, ["clv", str(SAMPLE), "--customer-col", "2", "--date-col", "3",
                                               "--model", "auto"])
    assert auto_without_holdout.exit_code == 1 and "calibration end" in auto_without_holdout.output
    too_short = runner.invoke(app, ["clv", str(SAMPLE), "--customer-col", "2", "--date-col", "3",
                                    "--observation-end", "1997-01-20"])
    assert too_short.exit_code == 1 and "days" in too_short.output


def test_sbg_fits_and_projects() -> None:
    result = runner.invoke(app, ["sbg", "--alive", "1000,631,468,382,326,289,262,241", "--project", "12", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {name: round(value, 3) for name, value in report["params"].items()} == {"alpha": 0.704, "beta": 1.182}
    assert round(report["log_likelihood"], 1) == -1680.3
    assert len(report["projection"]) == 13 and report["projection"][12]["observed"] is None
    assert round(report["projection"][12]["alive"]) == 170
    human = runner.invoke(app, ["sbg", "--alive", "1000,631,468"])
    assert human.exit_code == 0 and "Projection" in human.output
    rising = runner.invoke(app, ["sbg", "--alive", "1000,1200,900"])
    assert rising.exit_code == 1 and "cannot rise" in rising.output
