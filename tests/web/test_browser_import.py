"""A real Chromium (Playwright, Debian's chromium) uploads a Shopify orders export on the admin
"Data > Import" page of a real Lojal server with its in-process worker: the upload bar and the
import bar reach 100 %, and the import report appears with its counts. Skips without chromium
(``apt-get install chromium`` or LOJAL_TEST_CHROMIUM)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lojal.app import create_app
from lojal.auth import service as users
from lojal.config import Settings, WorkerSettings
from lojal.db.engine import create_db_engine, make_session_factory
from lojal.db.migrate import upgrade
from lojal.shops.schemas import ShopIn
from lojal.shops.service import create_shop
from tests.fixtures.server import serving
from tests.web.test_browser import CHROMIUM, CHROMIUM_FLAGS, PASSWORD

pytestmark = pytest.mark.browser
ORDERS = 400

RECORD_PROGRESS = """
new MutationObserver(function (changes) {
  changes.forEach(function (change) {
    var bar = change.target;
    if (bar.tagName !== "PROGRESS" || !bar.id) return;
    var key = "max-" + bar.id, value = Number(bar.getAttribute("value") || 0);
    if (value > Number(sessionStorage.getItem(key) || -1)) sessionStorage.setItem(key, String(value));
  });
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["value"]});
"""


def shopify_orders_csv(count: int) -> bytes:
    header = ("Name,Email,Financial Status,Paid at,Created at,Currency,Subtotal,Shipping,Taxes,Total,"
              "Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Id")
    lines = [header]
    for number in range(1, count + 1):
        when = f"2026-03-{1 + number % 28:02d} 12:00:00 +0100"
        lines.append(f"#{1000 + number},kunde{number % 150}@example.no,paid,{when},{when},NOK,538.80,49.00,0.00,"
                     f"587.80,2,Kaffefilter str. 4,39.90,KF-4-100,{5800000000 + number}")
        lines.append(f"#{1000 + number},,,,,,,,,,1,Tennisracket Pro,459.00,TR-PRO,")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def live_server_with_worker(tmp_path: Path) -> Iterator[str]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'lojal.sqlite'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        shop = create_shop(session, ShopIn(name="Nordlys Sport", slug="nordlys", currency="NOK"))
        users.grant_role(session, users.create_user(session, "eier@nordlys.no", PASSWORD), shop, "owner")
        session.commit()
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path, secret_key="s" * 48, environment="test",
                        bulk_batch_size=50, worker=WorkerSettings(poll_interval_seconds=0.2))
    try:
        with serving(create_app(settings, engine=engine, start_worker=True)) as url:
            yield url
    finally:
        engine.dispose()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium) or LOJAL_TEST_CHROMIUM")
def test_upload_shows_progress_and_then_the_report(live_server_with_worker: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = live_server_with_worker
    export = tmp_path / "orders_export_1.csv"
    export.write_bytes(shopify_orders_csv(ORDERS))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en-GB"})
        context.add_init_script(RECORD_PROGRESS)
        page = context.new_page()
        page.goto(f"{url}/admin/login")
        page.get_by_label("E-mail").fill("eier@nordlys.no")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{url}/admin/shops/nordlys")
        page.goto(f"{url}/admin/shops/nordlys/data/import")
        expect(page.locator("#import-bars")).to_be_hidden()
        page.set_input_files("#f-file", str(export))
        page.get_by_role("button", name="Import the file").click()
        report = page.locator(".import-report")
        expect(report).to_be_visible(timeout=60_000)
        expect(page).to_have_url(re.compile(r"/data/import/jobs/\d+$"))
        expect(report).to_have_attribute("data-imported", "yes")
        expect(page.locator('[data-count="rows"]')).to_have_text(f"{2 * ORDERS:,}")
        expect(page.locator('[data-count="order"]')).to_have_text(f"{ORDERS:,}")
        maxima = page.evaluate("() => [sessionStorage.getItem('max-upload-bar'), sessionStorage.getItem('max-import-bar')]")
        assert maxima == ["100", "100"]
        page.screenshot(path=str(tmp_path / "import-report.png"), full_page=True)
        browser.close()
