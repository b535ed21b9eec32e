"""``lojal analytics run --shop S``: compute and store a shop's analytics now (what the nightly job
does), with the phases as they run and a summary."""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.table import Table

from lojal.analytics import service
from lojal.analytics.clv.fitting import model_class_of
from lojal.cli.common import console, transaction
from lojal.kit.clock import utcnow
from lojal.shops.service import get_shop


def run_command(
    shop: str = typer.Option(..., "--shop", help="The shop's slug or id."),
    horizon: float = typer.Option(12.0, "--horizon", help="Prediction horizon in months."),
    discount_rate: float = typer.Option(0.01, "--discount-rate", help="Monthly discount rate for CLV."),
    models: str = typer.Option(",".join(service.RunOptions().candidates), "--models",
                               help="Purchase models compared on the holdout, comma-separated: "
                                    "bg-nbd, mbg-nbd, pareto-nbd."),
) -> None:
    """Compute metrics, cohorts, RFM and the CLV models for a shop and store the per-customer results."""
    started = time.perf_counter()
    candidates = tuple(name.strip() for name in models.split(",") if name.strip())
    options = service.RunOptions(horizon_months=horizon, monthly_discount_rate=discount_rate,
                                 candidates=candidates or service.RunOptions().candidates)
    with transaction() as session, console.status("starting") as status:
        for name in options.candidates:
            model_class_of(name)  # a clear error for an unknown name, before any work
        found = get_shop(session, shop)
        run = service.run_for_shop(session, found, utcnow(), options,
                                   progress=lambda phase: status.update(f"{found.slug}: {phase}"))
        view = service.run_view(session, run)
    console.print(_summary(found.name, view))
    console.print(_phases(view["phases"]))
    console.print(f"done in {time.perf_counter() - started:.2f} s (run {run.seconds:.2f} s, then committed)")


def _summary(shop_name: str, view: dict[str, Any]) -> Table:
    table = Table(title=f"Analytics of {shop_name}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("status", view["status"] + (f": {view['message']}" if view["message"] else ""))
    table.add_row("customers / orders", f"{view['customers']:,} / {view['orders']:,}")
    if view["model"]:
        parameters = ", ".join(f"{name} {value:.4g}" for name, value in view["params"]["params"].items())
        table.add_row("purchase model", f"{view['model']} ({parameters})")
    if view["spend_params"]:
        parameters = ", ".join(f"{name} {value:.4g}" for name, value in view["spend_params"]["params"].items())
        table.add_row("spend model", f"gamma-gamma ({parameters})")
    if view["holdout"]:
        errors = ", ".join(f"{report['model']} {report['mean_absolute_error']:.4f}"
                           for report in view["holdout"]["compared"])
        table.add_row("holdout MAE", f"{errors} over {view['holdout']['holdout_days']} days")
        for model, reason in view["holdout"]["refused"].items():
            table.add_row(f"{model} refused", reason)
    bands = view["churn_risk_bands"]
    table.add_row("churn risk", " · ".join(f"{band} {bands.get(band, 0):,}" for band in ("low", "medium", "high", "none")))
    this_month = view["metrics"]["this_month"]
    table.add_row("this month", f"{this_month['customers']:,} customers, {this_month['orders']:,} orders")
    return table


def _phases(phases: dict[str, float]) -> Table:
    table = Table(title="Phases")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for name, seconds in phases.items():
        table.add_row(name, f"{seconds:.3f}")
    return table
