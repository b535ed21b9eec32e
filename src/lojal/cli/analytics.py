"""``lojal analytics``: customer lifetime value and retention models for an analyst with a file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.table import Table

from lojal.analytics.clv.fitting import PURCHASE_MODELS
from lojal.analytics.clv.pipeline import AUTOMATIC, ClvOptions, ClvResult, run_clv
from lojal.analytics.clv.shifted_beta_geometric import ShiftedBetaGeometricFit, fit_shifted_beta_geometric
from lojal.analytics.clv.validation import HoldoutReport
from lojal.analytics.transactions import TransactionColumns, read_transactions
from lojal.cli.analytics_metrics import metrics_command
from lojal.cli.analytics_run import run_command
from lojal.cli.common import console, errors
from lojal.errors import LojalError, ValidationFailed

app = typer.Typer(help="Retention analytics and customer lifetime value from a transactions file.",
                  no_args_is_help=True)
app.command("metrics")(metrics_command)
app.command("run")(run_command)


MODEL_CHOICES = ", ".join([*PURCHASE_MODELS, AUTOMATIC])


@contextmanager
def clear_errors() -> Iterator[None]:
    """A LojalError becomes a one-line message on stderr and exit code 1."""
    try:
        yield
    except LojalError as error:
        field = f" ({error.field})" if error.field else ""
        errors.print(f"[red]error{field}:[/red] {error.message}")
        raise typer.Exit(1) from error


def _parse_date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValidationFailed(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from error


@app.command("clv")
def clv(
    file: Path = typer.Argument(..., help="Transactions: CSV (, ; tab or spaces) or Parquet."),
    customer_col: str = typer.Option(..., "--customer-col", help="Customer column name, or 1-based position."),
    date_col: str = typer.Option(..., "--date-col", help="Date column name, or 1-based position."),
    amount_col: str | None = typer.Option(None, "--amount-col", help="Amount column: fits the spend model too."),
    date_format: str | None = typer.Option(None, "--date-format", help="strftime format, e.g. %Y%m%d."),
    observation_end: str | None = typer.Option(None, "--observation-end", help="Last day observed (default: last purchase)."),
    calibration_end: str | None = typer.Option(None, "--calibration-end", help="Fit up to this day; check on the rest."),
    time_unit: str = typer.Option("day", "--time-unit", help="day or week."),
    model: str = typer.Option("bg-nbd", "--model", help=f"One of {MODEL_CHOICES} (auto needs --calibration-end)."),
    horizon: float = typer.Option(12.0, "--horizon", help="Prediction horizon in months (30 days / 4.345 weeks)."),
    discount_rate: float = typer.Option(0.01, "--discount-rate", help="Monthly discount rate for CLV."),
    output: Path | None = typer.Option(None, "--output", help="Write per-customer predictions (.csv or .parquet)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Fit a purchase model (and the Gamma-Gamma spend model) and predict per customer."""
    with clear_errors():
        if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
            raise ValidationFailed("--output must end in .csv or .parquet", field="output")
        if model != AUTOMATIC and model not in PURCHASE_MODELS:
            raise ValidationFailed(f"unknown model {model!r}: choose one of {MODEL_CHOICES}", field="model")
        columns = TransactionColumns(customer_col, date_col, amount_col)
        transactions = read_transactions(file, columns, date_format=date_format)
        options = ClvOptions(model=model, time_unit=time_unit,
                             observation_end=_parse_date(observation_end, "observation_end"),
                             calibration_end=_parse_date(calibration_end, "calibration_end"),
                             horizon_months=horizon, monthly_discount_rate=discount_rate)
        result = run_clv(transactions, options)
        if output is not None:
            _write(result.predictions, output)
    if as_json:
        typer.echo(json.dumps(clv_report(result, options)))
    else:
        _print_clv(result, options, output)


def clv_report(result: ClvResult, options: ClvOptions) -> dict[str, Any]:
    """The JSON answer: model, params, log_likelihood, customers, and the spend model and holdout
    table when there are."""
    predictions = result.predictions
    report: dict[str, Any] = {
        "model": result.fit.model.name,
        "params": result.fit.model.parameters(),
        "log_likelihood": result.fit.log_likelihood,
        "customers": result.fit.customers,
        "repeat_buyers": result.fit.repeat_buyers,
        "time_unit": options.time_unit,
        "as_of": result.as_of.isoformat(),
        "horizon_months": options.horizon_months,
        "monthly_discount_rate": options.monthly_discount_rate,
        "expected_purchases_total": float(predictions["expected_purchases"].sum()),
        "churn_risk_bands": _band_counts(predictions),
    }
    if result.spend_fit is not None:
        report["spend_model"] = {"model": result.spend_fit.model.name, "params": result.spend_fit.model.parameters(),
                                 "log_likelihood": result.spend_fit.log_likelihood,
                                 "repeat_buyers": result.spend_fit.repeat_buyers,
                                 "frequency_spend_correlation": result.spend_fit.frequency_spend_correlation}
        report["predicted_clv_total"] = float(predictions["predicted_clv"].sum())
    if result.holdout is not None:
        report["holdout"] = result.holdout.as_dict()
    if result.compared:
        report["compared"] = [compared.as_dict() for compared in result.compared]
    return report


def _band_counts(predictions: pl.DataFrame) -> dict[str, int]:
    counts = dict(predictions.group_by("churn_risk_band").len().iter_rows())
    return {band: int(counts.get(band, 0)) for band in ("low", "medium", "high")}


def _write(predictions: pl.DataFrame, output: Path) -> None:
    if output.suffix.lower() == ".parquet":
        predictions.write_parquet(output)
    else:
        predictions.write_csv(output)


def _print_clv(result: ClvResult, options: ClvOptions, output: Path | None) -> None:
    fit = result.fit
    console.print(f"[bold]{fit.model.name}[/bold] on {fit.customers:,} customers ({fit.repeat_buyers:,} repeat "
                  f"buyers), as of {result.as_of}, time unit {options.time_unit}")
    console.print(_parameter_table("Purchase model", fit.model.parameters(), fit.log_likelihood))
    if result.spend_fit is not None:
        console.print(_parameter_table("Spend model (Gamma-Gamma)", result.spend_fit.model.parameters(),
                                       result.spend_fit.log_likelihood))
    for report in result.compared or ((result.holdout,) if result.holdout else ()):
        console.print(_holdout_table(report))
    bands = _band_counts(result.predictions)
    console.print(f"Churn risk: low {bands['low']:,} · medium {bands['medium']:,} · high {bands['high']:,}")
    console.print(f"Expected purchases in {options.horizon_months:g} months: "
                  f"{result.predictions['expected_purchases'].sum():,.1f}")
    if result.spend_fit is not None:
        console.print(f"Predicted CLV in {options.horizon_months:g} months: {result.predictions['predicted_clv'].sum():,.2f}")
    if output is not None:
        console.print(f"Predictions for {result.predictions.height:,} customers written to {output}")


def _parameter_table(title: str, parameters: dict[str, float], log_likelihood: float) -> Table:
    table = Table(title=title)
    for name in parameters:
        table.add_column(name, justify="right")
    table.add_column("log-likelihood", justify="right")
    table.add_row(*(f"{value:.4g}" for value in parameters.values()), f"{log_likelihood:,.1f}")
    return table


def _holdout_table(report: HoldoutReport) -> Table:
    table = Table(title=f"Holdout check: {report.model} (MAE {report.mean_absolute_error:.4f})")
    for heading in ("calibration purchases", "customers", "actual mean", "predicted mean"):
        table.add_column(heading, justify="right")
    for group in report.groups:
        table.add_row(group.calibration_frequency, f"{group.customers:,}", f"{group.actual_mean:.3f}",
                      f"{group.predicted_mean:.3f}")
    table.add_row("total", "", f"{report.actual_total:,.0f}", f"{report.predicted_total:,.1f}")
    return table


@app.command("sbg")
def sbg(
    alive: str = typer.Option(..., "--alive", help="Customers alive at the start of periods 0, 1, ...: 1000,631,468"),
    project: int | None = typer.Option(None, "--project", help="Project up to this period (default: observed + 5)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Fit the shifted-beta-geometric model to a cohort's survivor counts and project it."""
    with clear_errors():
        counts = _parse_counts(alive)
        fit = fit_shifted_beta_geometric(counts)
        periods = project if project is not None else fit.periods_observed + 5
        if periods < 1:
            raise ValidationFailed("--project must be at least 1", field="project")
    report = sbg_report(fit, counts, periods)
    if as_json:
        typer.echo(json.dumps(report))
        return
    console.print(_parameter_table("Shifted-beta-geometric", report["params"], fit.log_likelihood))
    table = Table(title=f"Projection for a cohort of {fit.cohort_size:,}")
    for heading in ("period", "observed", "projected", "retention rate"):
        table.add_column(heading, justify="right")
    for row in report["projection"]:
        observed = "" if row["observed"] is None else f"{row['observed']:,}"
        rate = "" if row["retention_rate"] is None else f"{row['retention_rate']:.3f}"
        table.add_row(str(row["period"]), observed, f"{row['alive']:,.1f}", rate)
    console.print(table)


def _parse_counts(alive: str) -> list[int]:
    try:
        return [int(part) for part in alive.replace(" ", "").split(",") if part]
    except ValueError as error:
        raise ValidationFailed("--alive takes whole numbers separated by commas", field="alive") from error


def sbg_report(fit: ShiftedBetaGeometricFit, counts: list[int], periods: int) -> dict[str, Any]:
    survival = fit.model.survival(periods) * fit.cohort_size
    retention = fit.model.retention_rates(periods)
    projection = [{"period": period, "observed": counts[period] if period < len(counts) else None,
                   "alive": float(survival[period]),
                   "retention_rate": None if period == 0 else float(retention[period - 1])}
                  for period in range(periods + 1)]
    return {"model": fit.model.name, "params": fit.model.parameters(), "log_likelihood": fit.log_likelihood,
            "cohort_size": fit.cohort_size, "periods_observed": fit.periods_observed,
            "expected_lifetime": fit.model.expected_lifetime(), "projection": projection}
