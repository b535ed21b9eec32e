"""Admin pages of the retention analytics: the dashboard of the latest run (headline metrics,
retention over time, cohorts, RFM, the distribution of predicted CLV, the most valuable customers
and those at risk), the model page (the purchase model, its fit and the holdout check), and
"Run now". Every role may look; owners and marketers may run. The pages read what the last run
stored (``lojal.analytics.reports``); "Run now" calls the service and commits here, at the edge."""

from __future__ import annotations

import math
import re
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from lojal.analytics import reports
from lojal.analytics import service as analytics
from lojal.analytics.rfm import SEGMENT_GRID
from lojal.kit.clock import utcnow
from lojal.models import AnalyticsRun, Shop
from lojal.web.admin import pages
from lojal.web.admin.charts import HeatCell, Series, heatmap, histogram, line_chart
from lojal.web.admin.nav import register_nav
from lojal.web.admin.pages import Page, SessionDependency
from lojal.web.admin.views import render
from lojal.web.i18n import N_, Translator

router = APIRouter(include_in_schema=False)
register_nav(N_("Retention"), "analytics", 40)

BASE = "/admin/shops/{slug}/analytics"
RUN_ROLES = frozenset({"owner", "marketer"})
"""May start a run by hand (every role may look)."""
FLASH = "analytics_flash"
TABLE_ROWS = 10

SEGMENT_LABELS = {
    "champions": N_("Champions"), "loyal": N_("Loyal"), "potential_loyalists": N_("Potential loyalists"),
    "new": N_("New customers"), "promising": N_("Promising"), "need_attention": N_("Need attention"),
    "about_to_sleep": N_("About to sleep"), "at_risk": N_("At risk"), "cant_lose_them": N_("Can't lose them"),
    "hibernating": N_("Hibernating"), "lost": N_("Lost"),
}
BAND_LABELS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}
MODEL_NAMES = {"bg-nbd": "BG/NBD", "mbg-nbd": "MBG/NBD", "pareto-nbd": "Pareto/NBD", "gamma-gamma": "Gamma-Gamma"}
PARAMETER_MEANINGS = {
    "r": N_("Shape of the purchase rates across customers"),
    "alpha": N_("Scale of the purchase rates (weeks)"),
    "a": N_("Dropout after a purchase: first shape"),
    "b": N_("Dropout after a purchase: second shape"),
    "s": N_("Shape of the dropout rates across customers"),
    "beta": N_("Scale of the dropout rates (weeks)"),
    "p": N_("Shape of one customer's order values"),
    "q": N_("Shape of the average order values across customers"),
    "gamma": N_("Scale of the average order values (minor units)"),
}
MODEL_MESSAGES = (
    (re.compile(r"^(\d+) customers: at least (\d+) are needed to fit a purchase model$"),
     N_("The shop has %(found)s customers with orders; a purchase model needs at least %(needed)s.")),
    (re.compile(r"^(\d+) customers bought more than once: at least (\d+) repeat buyers"),
     N_("%(found)s customers have bought more than once; at least %(needed)s repeat buyers are needed to "
        "estimate how often customers buy and when they stop.")),
    (re.compile(r"^the history spans (\d+) days: at least (\d+) days are needed$"),
     N_("The order history spans %(found)s days; at least %(needed)s days are needed.")),
    (re.compile(r"^(\d+) repeat buyers with spend: at least (\d+) are needed"),
     N_("%(found)s repeat buyers with spend; at least %(needed)s are needed to model order values.")),
)
"""The minimum-data rules' messages as the pages say them."""


open_page = partial(pages.open_page, base=BASE)
open_change = partial(pages.open_change, base=BASE)


def show(page: Page, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    base = {"base": page.url(), "can_run": page.role in RUN_ROLES, "flash": page.request.session.pop(FLASH, None),
            "segment_labels": SEGMENT_LABELS, "band_labels": BAND_LABELS, "model_names": MODEL_NAMES}
    return render(page.request, name, base | context, shop=page.shop, user=page.user, status_code=status_code)


# ---- pages ---------------------------------------------------------------------------------


@router.get(BASE)
def dashboard(request: Request, slug: str, session: SessionDependency, period: str = "last") -> HTMLResponse:
    page = open_page(request, session, slug)
    run = reports.latest_run(session, page.shop)
    if run is None:
        return show(page, "admin/analytics/empty.html", {"section": "dashboard", "run": None})
    period = period if period in ("last", "current") else "last"
    metrics = run.metrics["previous_month" if period == "last" else "this_month"]
    context = {
        "section": "dashboard", "run": run, "period": period, "metrics": metrics,
        "months": {"last": date.fromisoformat(run.metrics["previous_month"]["period_start"][:10]),
                   "current": date.fromisoformat(run.metrics["this_month"]["period_start"][:10])},
        "money": money_of(metrics), "model_message": model_message(run, page.translator),
        "retention_chart": retention_chart(run, page), "cohorts": cohort_heatmap(run, page),
        "rfm": rfm_rows(session, page.shop), "segments": run.rfm_summary,
        "clv_chart": clv_chart(session, page), "bands": reports.churn_risk_bands(session, page.shop),
        "most_valuable": reports.most_valuable(session, page.shop, TABLE_ROWS),
        "at_risk": reports.at_risk(session, page.shop, TABLE_ROWS),
    }
    return show(page, "admin/analytics/dashboard.html", context)


@router.get(BASE + "/model")
def model_page(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    page = open_page(request, session, slug)
    run = reports.latest_run(session, page.shop)
    if run is None:
        return show(page, "admin/analytics/empty.html", {"section": "model", "run": None})
    holdout = holdout_view(run.holdout)
    context = {"section": "model", "run": run, "model_message": model_message(run, page.translator),
               "holdout": holdout, "holdout_chart": holdout_chart(holdout, page) if holdout else None,
               "parameters": parameters_of(run.params), "spend": run.spend_params,
               "spend_parameters": parameters_of(run.spend_params), "meanings": PARAMETER_MEANINGS}
    return show(page, "admin/analytics/model.html", context)


@router.post(BASE + "/run")
def run_now(request: Request, slug: str, session: SessionDependency,
            csrf: Annotated[str | None, Form(alias="csrf_token")] = None,
            back: Annotated[str, Form(alias="next")] = "") -> Response:
    page = open_change(request, session, slug, csrf, RUN_ROLES,
                       message=N_("Your role in this shop cannot run the analysis. Ask the shop's owner or a marketer."))
    analytics.run_for_shop(session, page.shop, utcnow())
    session.commit()
    request.session[FLASH] = N_("The analysis has run: the figures below are up to date.")
    return RedirectResponse(back if back == page.url("/model") else page.url(), status_code=303)


# ---- what the pages show -------------------------------------------------------------------


def finite(value: Any) -> float | None:
    """A stored number, or None for null and NaN (JSON from a fit that could not predict)."""
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def money_of(metrics: dict[str, Any]) -> dict[str, int | None]:
    """The averages of a period in whole minor units, for the formatter."""
    return {name: None if finite(metrics.get(name)) is None else round(metrics[name])
            for name in ("average_order_value", "revenue_per_customer", "historical_clv", "net_revenue")}


def model_message(run: AnalyticsRun, _: Translator) -> str | None:
    if run.message is None:
        return None
    for pattern, text in MODEL_MESSAGES:
        match = pattern.match(run.message)
        if match:
            return _.gettext(text, found=match.group(1), needed=match.group(2))
    return _.gettext("No purchase model could be fitted: %(reason)s", reason=run.message)


def retention_chart(run: AnalyticsRun, page: Page) -> str | None:
    series = run.metrics.get("series") or []
    if not series:
        return None
    _, format = page.translator.gettext, page.format
    labels = [format.month(date.fromisoformat(row["period_start"][:10]), short=True) for row in series]
    lines = [
        Series(_("Retention rate (CRR)"), [finite(row["retention_rate"]) for row in series], "s1"),
        Series(_("Retention, month over month"), [finite(row["retention_rate_period_over_period"]) for row in series],
               "s2"),
        Series(_("Repeat purchase rate"), [finite(row["repeat_purchase_rate"]) for row in series], "s3"),
    ]
    return line_chart(labels, lines, title=_("Retention and repeat purchases per month"),
                      value_text=lambda value: format.percent(value, 0), label_every=3 if len(labels) > 12 else 1)


def cohort_heatmap(run: AnalyticsRun, page: Page) -> str | None:
    cells = run.cohorts or []
    if not cells:
        return None
    _, format = page.translator.gettext, page.format
    cohorts: dict[str, list[dict[str, Any]]] = {}
    for cell in cells:
        cohorts.setdefault(cell["cohort"], []).append(cell)
    periods = max(cell["period_number"] for cell in cells)
    later = [cell["retention"] for cell in cells if cell["period_number"] > 0]
    scale = max(later, default=1.0) or 1.0
    rows = []
    for cohort, row in sorted(cohorts.items()):
        by_period = {cell["period_number"]: cell for cell in row}
        size = row[0]["cohort_customers"]
        heat: list[HeatCell | None] = []
        for period in range(1, periods + 1):
            cell = by_period.get(period)
            if cell is None:
                heat.append(None)
                continue
            heat.append(HeatCell(cell["retention"], format.percent(cell["retention"], 0), _(
                "%(active)s of %(customers)s customers bought in month %(period)s", active=cell["active_customers"],
                customers=size, period=period), {"cohort": cohort[:7], "period": str(period),
                                                 "active": str(cell["active_customers"])}))
        rows.append(([format.month(date.fromisoformat(cohort[:10]), short=True), format.number(size)], heat))
    return heatmap([str(period) for period in range(1, periods + 1)], rows, caption=_(
        "Share of each month's new customers who bought again, by months since their first order"),
        header_columns=[_("First order"), _("Customers")], scale_max=scale)


def rfm_rows(session: Session, shop: Shop) -> list[list[dict[str, Any]]]:
    """The 5 x 5 grid, R = 5 on top, FM = 1 on the left: each cell's segment and customers."""
    counts = reports.rfm_grid(session, shop)
    return [[{"recency": recency, "fm": fm, "segment": SEGMENT_GRID[recency][fm - 1],
              "customers": counts.get((recency, fm), 0)} for fm in range(1, 6)] for recency in range(5, 0, -1)]


def clv_chart(session: Session, page: Page) -> str | None:
    bins = reports.clv_distribution(session, page.shop)
    if not bins:
        return None
    _, format, currency = page.translator.gettext, page.format, page.shop.currency
    bars = []
    for item in bins:
        low = format.money(item.low, currency, whole=True)
        if item.high is None:
            tooltip = _("%(low)s or more: %(customers)s customers", low=low, customers=item.customers)
        else:
            tooltip = _("%(low)s to %(high)s: %(customers)s customers", low=low,
                        high=format.money(item.high, currency, whole=True), customers=item.customers)
        bars.append((low + ("+" if item.high is None else ""), tooltip, item.customers))
    return histogram(bars, title=_("Customers by predicted CLV"), count_text=lambda value: format.number(round(value)))


def holdout_view(holdout: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored check with NaN as None, the chosen model first."""
    if not holdout or not holdout.get("compared"):
        return None
    compared = []
    for report in holdout["compared"]:
        groups = [{"frequency": group["calibration_frequency"], "customers": group["customers"],
                   "actual": finite(group["actual_mean"]), "predicted": finite(group["predicted_mean"])}
                  for group in report["groups"]]
        compared.append({"model": report["model"], "groups": groups, "actual_total": finite(report["actual_total"]),
                         "predicted_total": finite(report["predicted_total"]),
                         "error": finite(report["mean_absolute_error"]), "chosen": report["model"] == holdout["chosen"]})
    compared.sort(key=lambda report: not report["chosen"])
    return {"days": holdout["holdout_days"], "weeks": holdout["holdout_days"] // 7, "chosen": holdout["chosen"],
            "compared": compared, "refused": holdout.get("refused") or {}}


def holdout_chart(holdout: dict[str, Any], page: Page) -> str:
    _, format = page.translator.gettext, page.format
    first = holdout["compared"][0]
    labels = [group["frequency"] for group in first["groups"]]
    lines = [Series(_("Actual"), [group["actual"] for group in first["groups"]], "s4")]
    for index, report in enumerate(holdout["compared"]):
        name = MODEL_NAMES.get(report["model"], report["model"])
        label = _("Predicted by %(model)s (chosen)", model=name) if report["chosen"] else _(
            "Predicted by %(model)s", model=name)
        lines.append(Series(label, [group["predicted"] for group in report["groups"]], "s1" if report["chosen"] else
                            ("s2", "s3")[index % 2], dashed=not report["chosen"]))
    return line_chart(labels, lines, title=_("Mean purchases in the holdout by purchases in the calibration period"),
                      value_text=lambda value: format.decimal(value, 1), height=260)


def parameters_of(fit: dict[str, Any] | None) -> list[tuple[str, float | None]]:
    if not fit:
        return []
    return [(name, finite(value)) for name, value in (fit.get("params") or {}).items()]
