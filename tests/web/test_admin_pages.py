"""The admin web shell: log in, choose a shop, dashboard, customers, a customer's timeline;
CSRF on every form, rate-limited logins, one shop's user never sees another shop's pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.auth import service as users
from lojal.models import LoginAttempt
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload
from tests.orders.test_refunds import REFUND

PASSWORD = "korrekt-hest-batteri"
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


@pytest.fixture
def owner(db: Session, shop: ShopWithKeys) -> str:
    user = users.create_user(db, "eier@nordlys.no", PASSWORD, "Eier")
    users.grant_role(db, user, shop.shop, "owner")
    db.commit()
    return user.email


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/admin/login", headers=headers).text)
    return client.post("/admin/login", data={"csrf_token": token, "email": email, "password": password},
                       headers=headers, follow_redirects=False)


def metric(html: str, name: str) -> str:
    match = re.search(rf'data-metric="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1)


def test_pages_need_a_login(client: TestClient, shop: ShopWithKeys) -> None:
    for path in ("/admin", "/admin/shops", f"/admin/shops/{shop.shop.slug}",
                 f"/admin/shops/{shop.shop.slug}/customers"):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/login"), path


def test_login_leads_to_the_only_shop_and_its_dashboard(client: TestClient, shop: ShopWithKeys, owner: str) -> None:
    for external_id, customer in (("o-1", "c-1"), ("o-2", "c-1"), ("o-3", "c-2")):
        body = order_payload(customer={"external_id": customer, "email": f"{customer}@example.no"})
        assert client.put(f"/api/v1/orders/{external_id}", json=body, headers=auth(shop.ingest_key)).status_code == 201
    response = log_in(client, owner, headers=ENGLISH)
    assert (response.status_code, response.headers["location"]) == (303, "/admin")
    home = client.get("/admin", follow_redirects=False)
    assert home.headers["location"] == f"/admin/shops/{shop.shop.slug}"
    page = client.get(home.headers["location"], headers=ENGLISH)
    assert page.status_code == 200
    assert (metric(page.text, "customers"), metric(page.text, "orders"), metric(page.text, "repeat")) == ("2", "3", "1")
    assert metric(page.text, "revenue") == "NOK\xa01,613"
    assert metric(page.text, "aov") == "NOK\xa0537.80"
    assert "<svg" in page.text and "Orders per week" in page.text


def test_norwegian_pages_format_money_the_norwegian_way(client: TestClient, shop: ShopWithKeys, owner: str) -> None:
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    norwegian = {"Accept-Language": "nb-NO,nb;q=0.9"}
    log_in(client, owner, headers=norwegian)
    page = client.get(f"/admin/shops/{shop.shop.slug}", headers=norwegian).text
    assert '<html lang="nb">' in page and "Kunder" in page and "Ordrer per uke" in page
    assert metric(page, "revenue") == "538\xa0kr"
    token = csrf_of(page)
    client.post("/admin/language", data={"csrf_token": token, "language": "en", "next": "/admin/shops"},
                headers=norwegian, follow_redirects=False)
    assert "Choose a shop" in client.get("/admin/shops", headers=norwegian).text  # the choice beats the browser


def test_wrong_password_is_refused_and_counted(client: TestClient, owner: str, db: Session) -> None:
    response = log_in(client, owner, "not-the-password", headers=ENGLISH)
    assert response.status_code == 401 and "Wrong e-mail or password." in response.text
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/login"
    assert db.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))) == 2


def test_logins_are_rate_limited(client: TestClient, owner: str, app) -> None:  # type: ignore[no-untyped-def]
    limit = app.state.settings.login_attempts_per_15_minutes
    for _ in range(limit):
        assert log_in(client, owner, "not-the-password").status_code == 401
    response = log_in(client, owner, headers=ENGLISH)  # even the right password waits now
    assert response.status_code == 429 and "Too many failed attempts" in response.text
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/login"


def test_forms_without_the_csrf_token_are_refused(client: TestClient, owner: str) -> None:
    client.get("/admin/login")
    refused = client.post("/admin/login", data={"email": owner, "password": PASSWORD, "csrf_token": "forged"},
                          headers=ENGLISH, follow_redirects=False)
    assert refused.status_code == 403 and "reload the page" in refused.text
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/login"
    log_in(client, owner)
    assert client.post("/admin/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/admin/shops").status_code == 200  # still logged in
    token = csrf_of(client.get("/admin/shops").text)
    assert client.post("/admin/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/login"


def test_a_user_never_sees_another_shops_pages(client: TestClient, shop: ShopWithKeys, other_shop: ShopWithKeys,
                                                owner: str) -> None:
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(other_shop.ingest_key))
    log_in(client, owner)
    other = other_shop.shop.slug
    customer_id = client.get("/api/v1/customers/c-981", headers=auth(other_shop.read_key)).json()["id"]
    for path in (f"/admin/shops/{other}", f"/admin/shops/{other}/customers",
                 f"/admin/shops/{other}/customers/{customer_id}",
                 f"/admin/shops/{shop.shop.slug}/customers/{customer_id}"):
        assert client.get(path).status_code == 404, path
    assert other_shop.shop.name not in client.get("/admin/shops").text


def test_customer_list_searches_and_customer_page_shows_the_timeline(client: TestClient, shop: ShopWithKeys,
                                                                     owner: str) -> None:
    headers = auth(shop.ingest_key)
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=headers)
    client.put("/api/v1/customers/c-2", json={"email": "ola@example.no", "first_name": "Ola", "interests": ["golf"]},
               headers=headers)
    assert client.post("/api/v1/refunds", json=REFUND, headers=headers).status_code == 201
    log_in(client, owner, headers=ENGLISH)
    listing = client.get(f"/admin/shops/{shop.shop.slug}/customers", params={"q": "kari"}, headers=ENGLISH).text
    assert "kari.nordmann@example.no" in listing and "ola@example.no" not in listing
    assert "(2)" in client.get(f"/admin/shops/{shop.shop.slug}/customers", headers=ENGLISH).text
    customer_id = client.get("/api/v1/customers/c-981", headers=auth(shop.read_key)).json()["id"]
    page = client.get(f"/admin/shops/{shop.shop.slug}/customers/{customer_id}", headers=ENGLISH).text
    assert metric(page, "order-count") == "1"
    assert metric(page, "spent") == "NOK\xa0497.90"
    timeline = page[page.index('class="timeline"'):]
    assert timeline.index("Refund") < timeline.index("#10234")  # newest first
    assert "Feil størrelse" in timeline and "-NOK\xa039.90" in timeline


def test_a_bad_cursor_or_unknown_customer_is_a_page_not_a_crash(client: TestClient, shop: ShopWithKeys,
                                                                 owner: str) -> None:
    log_in(client, owner, headers=ENGLISH)
    assert client.get(f"/admin/shops/{shop.shop.slug}/customers", params={"cursor": "%%%"}).status_code == 200
    missing = client.get(f"/admin/shops/{shop.shop.slug}/customers/987654", headers=ENGLISH)
    assert missing.status_code == 404 and "This page does not exist." in missing.text


def test_session_cookie_is_http_only_and_signed(client: TestClient, owner: str) -> None:
    response = log_in(client, owner)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lojal_session=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    client.cookies.set("lojal_session", cookie.split(";")[0].split("=", 1)[1][:-4] + "AAAA")
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/login"
