"""The retention pages: the explanation before the first run, "Run now" (owners and marketers, with
the CSRF token), the dashboard's exact figures, cohort cells and RFM grid from the stored run, the
minimum-data message, a customer's prediction card, the model page with the holdout chart on the
demo shop, and another shop's user sees none of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.analytics import service
from lojal.demo.generator import DemoConfig, generate
from lojal.ingest.bulk import BulkIngestor
from lojal.kit.clock import FrozenClock, set_clock
from lojal.models import AnalyticsRun, Customer
from tests.analytics.test_product_run import NOW, send_orders
from tests.fixtures.api import ShopWithKeys
from tests.web.test_admin_pages import ENGLISH, csrf_of, log_in, metric
from tests.web.test_loyalty_pages import NORWEGIAN, user_with_role

DEMO_END = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(NOW)
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def small_shop(client: TestClient, shop: ShopWithKeys, frozen: FrozenClock) -> ShopWithKeys:
    """Three customers with known orders (see tests/analytics/test_product_run.py), as of 20 March 2026."""
    send_orders(client, shop)
    return shop


def base(shop: ShopWithKeys) -> str:
    return f"/admin/shops/{shop.shop.slug}/analytics"


def runs(db: Session, shop: ShopWithKeys) -> int:
    return db.scalar(select(func.count()).select_from(AnalyticsRun).where(AnalyticsRun.shop_id == shop.shop.id)) or 0


def run_now(client: TestClient, shop: ShopWithKeys, headers: dict[str, str] = ENGLISH):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(base(shop), headers=headers).text)
    return client.post(base(shop) + "/run", data={"csrf_token": token}, headers=headers, follow_redirects=False)


def cell(html: str, attributes: str) -> str:
    match = re.search(rf"<td[^>]*{attributes}[^>]*>(.*?)</td>", html, re.S)
    assert match, attributes
    return match.group(1)


def test_pages_need_a_login(client: TestClient, shop: ShopWithKeys) -> None:
    for path in (base(shop), base(shop) + "/model"):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/login"), path
    response = client.post(base(shop) + "/run", data={"csrf_token": "x"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/admin/login")


def test_another_shops_user_finds_nothing(client: TestClient, db: Session, shop: ShopWithKeys,
                                          other_shop: ShopWithKeys) -> None:
    log_in(client, user_with_role(db, other_shop, "eier@fjell.no", "owner"), headers=ENGLISH)
    token = csrf_of(client.get(base(other_shop), headers=ENGLISH).text)
    for path in (base(shop), base(shop) + "/model"):
        assert client.get(path, headers=ENGLISH).status_code == 404, path
    assert client.post(base(shop) + "/run", data={"csrf_token": token}, headers=ENGLISH).status_code == 404
    assert runs(db, shop) == 0


def test_before_a_run_the_page_explains_the_analysis(client: TestClient, db: Session, shop: ShopWithKeys) -> None:
    log_in(client, user_with_role(db, shop, "eier@nordlys.no", "owner"), headers=ENGLISH)
    for path in (base(shop), base(shop) + "/model"):
        page = client.get(path, headers=ENGLISH)
        assert page.status_code == 200
        assert 'data-state="no-run"' in page.text and "The analysis has not run yet" in page.text
        assert "Run the analysis now" in page.text and f'action="{base(shop)}/run"' in page.text
    norwegian = client.get(base(shop), headers=NORWEGIAN).text
    assert "Analysen har ikke kjørt ennå" in norwegian and "Kjør analysen nå" in norwegian
    assert ">Lojalitet og verdi</a>" in norwegian


def test_support_sees_no_button_and_is_refused(client: TestClient, db: Session, small_shop: ShopWithKeys) -> None:
    log_in(client, user_with_role(db, small_shop, "kundeservice@nordlys.no", "support"), headers=ENGLISH)
    page = client.get(base(small_shop), headers=ENGLISH).text
    assert "The analysis has not run yet" in page and "Run the analysis now" not in page
    assert "An owner or a marketer can start it now." in page
    response = client.post(base(small_shop) + "/run", data={"csrf_token": csrf_of(page)}, headers=ENGLISH)
    assert response.status_code == 403 and "cannot run the analysis" in response.text
    assert runs(db, small_shop) == 0


def test_run_now_checks_the_csrf_token(client: TestClient, db: Session, small_shop: ShopWithKeys) -> None:
    log_in(client, user_with_role(db, small_shop, "eier@nordlys.no", "owner"), headers=ENGLISH)
    for data in ({}, {"csrf_token": "not-the-token"}):
        assert client.post(base(small_shop) + "/run", data=data, headers=ENGLISH).status_code == 403
    assert runs(db, small_shop) == 0


def test_a_marketer_runs_it_and_sees_the_exact_figures(client: TestClient, db: Session,
                                                       small_shop: ShopWithKeys) -> None:
    log_in(client, user_with_role(db, small_shop, "marked@nordlys.no", "marketer"), headers=ENGLISH)
    response = run_now(client, small_shop)
    assert (response.status_code, response.headers["location"]) == (303, base(small_shop))
    assert runs(db, small_shop) == 1
    page = client.get(base(small_shop), headers=ENGLISH).text
    assert "The analysis has run" in page and "February 2026" in page and "March 2026 so far" in page
    # February 2026 in Oslo: c-a (returning, 1 order: a-3 is 1 March in Oslo) and c-b (new).
    figures = {name: metric(page, name) for name in ("customers", "retention", "retention-month", "churn",
                                                      "repeat-rate", "aov", "revenue-per-customer", "historical-clv")}
    assert figures == {"customers": "2", "retention": "100.0%", "retention-month": "100.0%", "churn": "0.0%",
                       "repeat-rate": "0.0%", "aov": "NOK\xa0300.00", "revenue-per-customer": "NOK\xa0300.00",
                       "historical-clv": "NOK\xa0283.33"}
    assert "1 new, 1 returning" in page and "1 of the 1 customers of the month before bought again" in page
    # March so far: c-a's a-3 (300 kr, 50 kr refunded); c-b's cancelled order does not count.
    march = client.get(base(small_shop) + "?period=current", headers=ENGLISH).text
    assert (metric(march, "customers"), metric(march, "aov"), metric(march, "revenue-per-customer")) == (
        "1", "NOK\xa0300.00", "NOK\xa0250.00")
    # Minimum data: no model, said plainly.
    assert "The shop has 3 customers with orders; a purchase model needs at least 100." in page
    assert "Predicted customer lifetime value" not in page


def test_the_rfm_grid_and_cohort_cells_show_the_stored_run(client: TestClient, db: Session,
                                                          small_shop: ShopWithKeys) -> None:
    log_in(client, user_with_role(db, small_shop, "eier@nordlys.no", "owner"), headers=ENGLISH)
    run_now(client, small_shop)
    run = service.latest_run(db, small_shop.shop)
    page = client.get(base(small_shop), headers=ENGLISH).text
    grid = {f"{recency}-{fm}": re.search(r'class="count">([^<]*)<', cell(page, f'data-rfm="{recency}-{fm}"')).group(1)
            for recency in range(1, 6) for fm in range(1, 6)}
    assert {key: value for key, value in grid.items() if value != "0"} == {"5-5": "1", "3-3": "1", "1-2": "1"}
    stored = {row["segment"]: row["customers"] for row in run.rfm_summary}
    for segment in ("champions", "need_attention", "lost", "loyal"):
        assert metric(page, f"segment-{segment}") == str(stored[segment])
    assert "Champions" in cell(page, 'data-rfm="5-5"') and "Lost" in cell(page, 'data-rfm="1-2"')
    shown = {(found.group(1), int(found.group(2))): int(found.group(3)) for found in re.finditer(
        r'data-cohort="([0-9-]+)" data-period="(\d+)" data-active="(\d+)"', page)}
    assert shown == {(row["cohort"][:7], row["period_number"]): row["active_customers"]
                     for row in run.cohorts if row["period_number"] > 0}
    assert shown == {("2025-12", 1): 0, ("2025-12", 2): 0, ("2025-12", 3): 0, ("2026-01", 1): 1,
                     ("2026-01", 2): 1, ("2026-02", 1): 0}
    assert cell(page, 'data-cohort="2026-01" data-period="2"') == "100%"
    norwegian = client.get(base(small_shop), headers=NORWEGIAN).text
    assert metric(norwegian, "retention") == "100,0%" and metric(norwegian, "aov") == "300,00\xa0kr"
    assert "Butikken har 3 kunder med ordrer; en kjøpsmodell trenger minst 100." in norwegian
    assert "Mestere" in cell(norwegian, 'data-rfm="5-5"')


def test_the_customer_page_shows_the_prediction_card(client: TestClient, db: Session,
                                                      small_shop: ShopWithKeys) -> None:
    log_in(client, user_with_role(db, small_shop, "eier@nordlys.no", "owner"), headers=ENGLISH)
    customer_id = db.scalars(select(Customer.id).where(Customer.shop_id == small_shop.shop.id,
                                                       Customer.external_id == "c-a")).one()
    path = f"/admin/shops/{small_shop.shop.slug}/customers/{customer_id}"
    assert 'data-card="prediction"' not in client.get(path, headers=ENGLISH).text
    run_now(client, small_shop)
    page = client.get(path, headers=ENGLISH).text
    assert metric(page, "rfm-segment") == "Champions" and "R5 F5 M5" in page
    assert "The last analysis fitted no purchase model" in page and 'data-metric="churn-band"' not in page


def test_the_demo_shop_shows_predictions_and_the_holdout_chart(client: TestClient, db: Session,
                                                               shop: ShopWithKeys) -> None:
    ingestor = BulkIngestor(db, shop.shop, batch_size=2000)
    for number, record in enumerate(generate(DemoConfig(customers=1500, seed=7, end=DEMO_END.date())), start=1):
        ingestor.feed_record(number, record)
    assert ingestor.finish().failed == 0
    run = service.run_for_shop(db, shop.shop, DEMO_END)
    db.commit()
    log_in(client, user_with_role(db, shop, "eier@nordlys.no", "owner"), headers=ENGLISH)

    model = client.get(base(shop) + "/model", headers=ENGLISH).text
    names = {"bg-nbd": "BG/NBD", "mbg-nbd": "MBG/NBD"}
    assert metric(model, "model") == names[run.model]
    chart = re.search(r'data-chart="holdout">(.*?)</figure>', model, re.S).group(1)
    assert "<svg" in chart and f"Predicted by {names[run.model]} (chosen)" in chart and "Actual" in chart
    assert chart.count("<polyline") >= 2
    chosen = next(report for report in run.holdout["compared"] if report["model"] == run.model)
    labels = [group["calibration_frequency"] for group in chosen["groups"]]
    assert labels == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    table = re.search(rf'data-model="{run.model}">(.*?)</table>', model, re.S).group(1)
    customers = re.findall(r'<td class="num">([^<]*)</td>', table.split("</tr>")[1])
    assert customers[:8] == [f"{group['customers']:,}" for group in chosen["groups"]]
    assert metric(model, "log-likelihood") == f"{run.params['log_likelihood']:,.2f}"

    dashboard = client.get(base(shop), headers=ENGLISH).text
    assert dashboard.count('class="chart histogram"') == 1 and dashboard.count('class="chart line-chart"') == 1
    top = service.top_customers(db, shop.shop, limit=10)
    valuable = re.search(r'data-table="most-valuable">(.*?)</table>', dashboard, re.S).group(1)
    assert re.findall(r'/customers/(\d+)"', valuable) == [str(customer.id) for _, customer in top]
    at_risk = re.search(r'data-table="at-risk">(.*?)</table>', dashboard, re.S).group(1)
    assert re.findall(r'/customers/(\d+)"', at_risk) == [
        str(customer.id) for _, customer in service.customers_at_risk(db, shop.shop, limit=10)]
    prediction, customer = top[0]
    card = client.get(f"/admin/shops/{shop.shop.slug}/customers/{customer.id}", headers=NORWEGIAN).text
    assert metric(card, "churn-band") in ("lav", "middels", "høy")
    assert metric(card, "predicted-clv").endswith("\xa0kr") and 'data-metric="next-order"' in card
