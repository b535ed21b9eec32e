"""A real Chromium, driven by Playwright, against a real Lojal server on loopback: a shop owner
logs in, reads the dashboard, finds a customer and opens the timeline. Needs Debian's chromium
(``apt-get install chromium``) or LOJAL_TEST_CHROMIUM pointing at a Chromium binary; skips without."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lojal.app import create_app
from lojal.auth import service as users
from lojal.config import Settings
from lojal.db.engine import create_db_engine, make_session_factory
from lojal.db.migrate import upgrade
from lojal.orders.schemas import ORDER_EXAMPLE
from lojal.shops.schemas import ShopIn
from lojal.shops.service import create_api_key, create_shop
from tests.fixtures.server import serving

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LOJAL_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
PASSWORD = "korrekt-hest-batteri"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A server on a fresh SQLite file with one shop, its owner and two orders; yields (url, api key)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'lojal.sqlite'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        shop = create_shop(session, ShopIn(name="Nordlys Sport", slug="nordlys", currency="NOK"))
        key = create_api_key(session, shop, "browser test", ["ingest", "read"]).key
        users.grant_role(session, users.create_user(session, "eier@nordlys.no", PASSWORD), shop, "owner")
        session.commit()
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path, secret_key="s" * 48, environment="test")
    try:
        with serving(create_app(settings, engine=engine)) as url:
            yield url, key
    finally:
        engine.dispose()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium) or LOJAL_TEST_CHROMIUM")
def test_owner_logs_in_and_follows_a_customer(live_server: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, key = live_server
    headers = {"Authorization": f"Bearer {key}"}
    for number, email in ((1, "kari.nordmann@example.no"), (2, "ola@example.no")):
        body = ORDER_EXAMPLE | {"customer": {"external_id": f"c-{number}", "email": email, "first_name": "Kari" if number == 1 else "Ola"}}
        assert httpx.put(f"{url}/api/v1/orders/o-{number}", json=body, headers=headers).status_code == 201
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en-GB"})
        page.goto(f"{url}/admin")
        expect(page).to_have_url(f"{url}/admin/login")
        page.get_by_label("E-mail").fill("eier@nordlys.no")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{url}/admin/shops/nordlys")
        expect(page.locator('[data-metric="orders"]')).to_have_text("2")
        expect(page.locator('[data-metric="revenue"]')).to_have_text("NOK\xa01,076")
        expect(page.locator("svg.chart")).to_be_visible()
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        page.get_by_role("link", name="Customers").click()
        page.get_by_role("searchbox").fill("ola")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("table.grid tbody tr")).to_have_count(1)
        page.get_by_role("link", name="Ola").click()
        expect(page.locator("h1")).to_have_text("Ola")
        expect(page.locator(".timeline .entry.order")).to_have_count(1)
        page.select_option("select[name=language]", "nb")
        expect(page.get_by_role("heading", name="Tidslinje")).to_be_visible()
        page.get_by_role("button", name="Logg ut").click()
        expect(page).to_have_url(f"{url}/admin/login")
        browser.close()
