"""``lojal analytics metrics FILE``: the retention metrics of a transactions file, for analysts
with a file and no shop. Registered by ``lojal.cli.analytics``; files are read by the shared
reader of ``lojal.analytics.transactions`` (every row one order, dates without time)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.table import Table

from lojal.analytics.metrics import PeriodMetrics, period_metrics
from lojal.analytics.periods import Period, add_months, default_period
from lojal.analytics.transactions import TransactionColumns, read_transactions
from lojal.cli.common import console, errors
from lojal.errors import LojalError, ValidationFailed

_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def metrics_command(
    file: Path = typer.Argument(..., help="Transactions: CSV (, ; tab or spaces) or Parquet."),
    customer_col: str = typer.Option(..., "--customer-col", help="Customer column name, or 1-based position."),
    date_col: str = typer.Option(..., "--date-col", help="Date column name, or 1-based position."),
    amount_col: str | None = typer.Option(None, "--amount-col", help="Amount column: adds the money metrics."),
    date_format: str | None = typer.Option(None, "--date-format", help="strftime format, e.g. %Y%m%d."),
    period_start: datetime | None = typer.Option(None, "--period-start", formats=_DATE_FORMATS,
                                                 help="First day of the period (default: see below)."),
    period_end: datetime | None = typer.Option(None, "--period-end", formats=_DATE_FORMATS,
                                               help="Day after the period, excluded."),
    active_window_days: int = typer.Option(365, "--active-window-days", min=1,
                                           help="Active = bought within this many days (for CRR)."),
    marketing_spend: str | None = typer.Option(None, "--marketing-spend",
                                               help="Spend per month: 2024-01=5000,2024-02=6500 (for CAC)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Retention metrics of a transactions file over a period: by default the last calendar month
    the file covers in full; with only --period-start, up to the day after the last order; with
    only --period-end, the month before it."""
    try:
        transactions = _read(file, TransactionColumns(customer_col, date_col, amount_col), date_format)
        if transactions.height == 0:
            raise ValidationFailed("the transactions file has no purchases", field="file")
        period = _period(transactions, period_start, period_end)
        spend = _parse_spend(marketing_spend) if marketing_spend else None
        metrics = period_metrics(transactions, period.start, period.end,
                                 active_window_days=active_window_days, marketing_spend=spend)
    except LojalError as error:
        field = f" ({error.field})" if error.field else ""
        errors.print(f"[red]error{field}:[/red] {error.message}")
        raise typer.Exit(1) from error
    except ValueError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    if json_output:
        typer.echo(json.dumps(metrics.as_dict()))
    else:
        console.print(_table(metrics))


def _read(file: Path, columns: TransactionColumns, date_format: str | None) -> pl.DataFrame:
    """The file through the shared reader of ``lojal.analytics.transactions`` (customer, date and
    amount), renamed to the input contract of the metrics."""
    frame = read_transactions(file, columns, date_format=date_format)
    return frame.rename({"date": "placed_at"})


def _period(transactions: pl.DataFrame, start: datetime | None, end: datetime | None) -> Period:
    placed_at = transactions.get_column("placed_at")
    if isinstance(placed_at.dtype, pl.Datetime) and placed_at.dtype.time_zone is not None:
        placed_at = placed_at.dt.replace_time_zone(None)
    placed_at = placed_at.cast(pl.Datetime("us"))
    first, last = placed_at.min(), placed_at.max()
    if start is None and end is None:
        return default_period(first, last)
    if start is None:
        return Period(add_months(end, -1), end)
    if end is None:
        end = datetime(last.year, last.month, last.day) + timedelta(days=1)
    return Period(start, end)


def _parse_spend(text: str) -> dict[str, float]:
    spend: dict[str, float] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        month, separator, amount = pair.partition("=")
        if not separator:
            raise ValueError(f"marketing spend must look like 2024-01=5000, not {pair!r}")
        spend[month.strip()] = float(amount)
    return spend


def _table(metrics: PeriodMetrics) -> Table:
    values = metrics.as_dict()
    table = Table(title=f"Metrics {values.pop('period_start')[:10]} to {values.pop('period_end')[:10]} (end excluded)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in values.items():
        table.add_row(name.replace("_", " "), _format(name, value))
    return table


def _format(name: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value[:10]
    if name.endswith(("_rate", "_share", "_period_over_period")):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"
