"""The "Data" admin pages: a shop owner connects Shopify by pasting the webhook secret, sees
signed webhooks arrive and forged ones refused, imports a Shopify CSV export (a file with a bad
row imports nothing and says which line), downloads the customer register, and adds an outgoing
webhook whose secret is shown once. Roles decide who may change what; another shop sees nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import lojal.events.tasks  # noqa: F401  (registers the dispatcher)
import lojal.integrations.tasks  # noqa: F401  (registers the delivery job)
from lojal.config import Settings, WebhookSettings
from lojal.models import Order, WebhookSubscription
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys
from tests.integrations.helpers import SHOPIFY_SECRET, count, payload, post_shopify, run_jobs
from tests.web.test_admin_pages import ENGLISH, csrf_of
from tests.web.test_loyalty_pages import logged_in, post

DATA = Path(__file__).resolve().parent.parent / "transfer" / "data"


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(database_url="sqlite://", data_dir=tmp_path, secret_key="test-secret-key-" + "x" * 32,
                    environment="test", bulk_batch_size=50, webhooks=WebhookSettings(allow_private_urls=True))


def data_base(client: TestClient, db: Session, shop: ShopWithKeys, role: str = "owner") -> str:
    return logged_in(client, db, shop, role).removesuffix("/loyalty") + "/data"


def upload(client: TestClient, path: str, name: str, content: bytes, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(path, headers=ENGLISH).text)
    return client.post(path, data={"csrf_token": token, **fields}, files={"file": (name, content, "text/csv")},
                       headers=ENGLISH, follow_redirects=False)


def test_the_pages_are_in_the_menu_and_another_shop_sees_none(client: TestClient, db: Session, shop: ShopWithKeys,
                                                               other_shop: ShopWithKeys) -> None:
    assert client.get(f"/admin/shops/{shop.shop.slug}/data", follow_redirects=False).headers["location"] == "/admin/login"
    base = data_base(client, db, shop)
    home = client.get(f"/admin/shops/{shop.shop.slug}", headers=ENGLISH).text
    assert f'href="{base}"' in home and ">Data<" in home
    for path in ("", "/import", "/export", "/webhooks"):
        assert client.get(base + path, headers=ENGLISH).status_code == 200, path
    page = client.get(base, headers=ENGLISH).text
    assert f"/webhooks/shopify/{shop.shop.slug}" in page and "orders/create" in page and "Not connected" in page
    norwegian = client.get(base, headers={"Accept-Language": "nb-NO"}).text
    assert "Data inn og ut" in norwegian and "Ikke tilkoblet" in norwegian
    other = f"/admin/shops/{other_shop.shop.slug}/data"
    for path in ("", "/import", "/export", "/webhooks", "/export/customers"):
        assert client.get(other + path, headers=ENGLISH).status_code == 404, path
    assert post(client, other + "/connections/shopify/secret", {"secret": SHOPIFY_SECRET}).status_code == 404


def test_owner_sets_the_secret_and_sees_signed_webhooks_applied_and_forged_ones_refused(
        client: TestClient, db: Session, shop: ShopWithKeys, session_factory: sessionmaker[Session]) -> None:
    base = data_base(client, db, shop)
    short = post(client, f"{base}/connections/shopify/secret", {"secret": "kort"})
    assert short.status_code == 422 and 'data-error-field="secret-shopify"' in short.text
    assert post(client, f"{base}/connections/shopify/secret", {"secret": SHOPIFY_SECRET}).status_code == 303
    page = client.get(base, headers=ENGLISH).text
    assert "A secret is set (since" in page and SHOPIFY_SECRET not in page
    assert client.post(f"{base}/connections/shopify/secret", data={"secret": "x" * 20},
                       headers=ENGLISH).status_code == 403  # no CSRF token

    assert post_shopify(client, "orders/create", payload("shopify_order"), slug=shop.shop.slug,
                        webhook_id="signed-1").status_code == 200
    assert post_shopify(client, "orders/create", payload("shopify_order"), slug=shop.shop.slug, webhook_id="forged-1",
                        secret="not-the-shops-secret").status_code == 401
    run_jobs(Worker(session_factory, name="test"))
    page = client.get(base, headers=ENGLISH).text
    assert 'data-delivery="webhook:shopify:signed-1" data-status="applied"' in page
    assert "forged-1" not in page
    assert count(db, Order) == 1

    assert post(client, f"{base}/connections/shopify/remove", {}).status_code == 303
    assert "Not connected" in client.get(base, headers=ENGLISH).text


def test_support_may_look_but_not_connect_import_or_export(client: TestClient, db: Session,
                                                            shop: ShopWithKeys) -> None:
    base = data_base(client, db, shop, "support")
    page = client.get(base, headers=ENGLISH).text
    assert "Only the shop owner can connect" in page and 'name="secret"' not in page
    assert post(client, f"{base}/connections/shopify/secret", {"secret": SHOPIFY_SECRET}).status_code == 403
    assert client.get(f"{base}/export/customers", headers=ENGLISH).status_code == 403
    refused = upload(client, f"{base}/import", "orders.csv", (DATA / "shopify_orders.csv").read_bytes(),
                     what="orders", format="shopify")
    assert refused.status_code == 403 and count(db, Order) == 0
    assert post(client, f"{base}/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": "*"}).status_code == 403


def imported(client: TestClient, session_factory: sessionmaker[Session], path: str, name: str, content: bytes,
             **fields: str):  # type: ignore[no-untyped-def]
    """Upload (the import runs as a job: see test_data_import_jobs.py), run the job, open its report."""
    import lojal.transfer.tasks  # noqa: F401  (registers transfer.import_file)

    queued = upload(client, path, name, content, **fields)
    assert queued.status_code == 303, queued.text
    run_jobs(Worker(session_factory))
    return client.get(queued.headers["location"], headers=ENGLISH)


def test_a_shopify_export_imports_and_a_file_with_a_bad_row_imports_nothing(
        client: TestClient, db: Session, shop: ShopWithKeys, session_factory: sessionmaker[Session]) -> None:
    base = data_base(client, db, shop, "marketer")
    form = client.get(f"{base}/import", headers=ENGLISH).text
    assert 'enctype="multipart/form-data"' in form and 'id="upload-bar"' in form and "data-import.js" in form
    missing = post(client, f"{base}/import", {"what": "orders", "format": "shopify"})
    assert missing.status_code == 422 and 'data-error-field="file"' in missing.text
    woo_customers = upload(client, f"{base}/import", "c.csv", b"a,b\n1,2\n", what="customers", format="woocommerce")
    assert woo_customers.status_code == 422 and 'data-error-field="format"' in woo_customers.text

    report = imported(client, session_factory, f"{base}/import", "orders_export_1.csv",
                      (DATA / "shopify_orders.csv").read_bytes(), what="orders", format="shopify")
    assert report.status_code == 200 and 'data-imported="yes"' in report.text
    stored = count(db, Order)
    assert stored >= 3

    broken = (DATA / "generic_orders.csv").read_text(encoding="utf-8").replace("349.00", "349.001").encode()
    refused = imported(client, session_factory, f"{base}/import", "broken.csv", broken, what="orders", format="generic")
    assert refused.status_code == 200 and 'data-imported="no"' in refused.text
    assert 'data-line="4"' in refused.text and "349.001" in refused.text and "Nothing was imported" in refused.text
    assert count(db, Order) == stored
    skipped = imported(client, session_factory, f"{base}/import", "broken.csv", broken, what="orders",
                       format="generic", skip_bad_rows="on")
    assert 'data-imported="yes"' in skipped.text and count(db, Order) > stored


def test_the_customer_register_downloads_as_csv(client: TestClient, db: Session, shop: ShopWithKeys,
                                                session_factory: sessionmaker[Session]) -> None:
    base = data_base(client, db, shop)
    imported(client, session_factory, f"{base}/import", "orders.csv", (DATA / "shopify_orders.csv").read_bytes(),
             what="orders", format="shopify")
    page = client.get(f"{base}/export", headers=ENGLISH).text
    assert f'href="{base}/export/customers?format=csv"' in page and f'href="{base}/export/events?format=ndjson"' in page
    response = client.get(f"{base}/export/customers?format=csv", headers=ENGLISH)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert f'filename="{shop.shop.slug}-customers.csv"' in response.headers["content-disposition"]
    header, *rows = response.text.lstrip("\ufeff").splitlines()
    assert "email" in header.split(",") and any("kari.nordmann@example.no" in row for row in rows)
    lines = client.get(f"{base}/export/order-lines?format=ndjson", headers=ENGLISH)
    assert lines.status_code == 200 and lines.text.count("\n") >= 3
    assert client.get(f"{base}/export/customers?format=xml", headers=ENGLISH).status_code == 404


def test_an_outgoing_webhook_shows_its_secret_once(client: TestClient, db: Session, shop: ShopWithKeys) -> None:
    base = data_base(client, db, shop)
    bad = post(client, f"{base}/webhooks", {"url": "ftp://crm.example.no/hook", "event_types": "order.paid"})
    assert bad.status_code == 422 and 'data-error-field="url"' in bad.text
    none = post(client, f"{base}/webhooks", {"url": "http://127.0.0.1:9/hook"})
    assert none.status_code == 422 and 'data-error-field="event_types"' in none.text
    created = post(client, f"{base}/webhooks", [("url", "http://127.0.0.1:9/hook"), ("event_types", "order.*"),
                                                ("event_types", "customer.created")])
    assert created.status_code == 200
    secret = re.search(r'value="(whsec_[^"]+)"', created.text)
    assert secret and "shown only this once" in created.text
    subscription = db.scalars(select(WebhookSubscription)).one()
    assert subscription.secret == secret.group(1) and subscription.event_types == ["customer.created", "order.*"]
    listing = client.get(f"{base}/webhooks", headers=ENGLISH).text
    assert "http://127.0.0.1:9/hook" in listing and secret.group(1) not in listing
    assert post(client, f"{base}/webhooks/{subscription.id}/delete", {}).status_code == 303
    db.expire_all()
    assert db.scalars(select(WebhookSubscription)).first() is None
