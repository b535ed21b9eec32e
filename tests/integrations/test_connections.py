"""Connecting a platform: the secret goes in through the API or the CLI and never comes back out."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lojal.cli.main import app
from lojal.config import get_settings
from lojal.db.engine import create_db_engine, make_session_factory
from lojal.models import Shop
from tests.fixtures.api import ShopWithKeys, auth
from tests.integrations.helpers import payload, post_shopify


def test_the_owner_connects_shopify_and_the_secret_is_never_shown(client: TestClient, shop: ShopWithKeys,
                                                                  db: Session) -> None:
    admin = auth(shop.admin_key)
    secret = "shpss_0123456789abcdef0123456789abcdef"
    response = client.put("/api/v1/integrations/shopify", json={"secret": secret}, headers=admin)
    assert response.status_code == 200, response.text
    assert secret not in response.text
    body = response.json()
    assert (body["platform"], body["connected"], body["secret_set"]) == ("shopify", True, True)
    assert body["webhook_url"] == "http://testserver/webhooks/shopify/nordlys-sport"
    assert "orders/create" in body["topics"] and "customers/redact" in body["topics"]
    listed = client.get("/api/v1/integrations", headers=admin)
    assert secret not in listed.text
    assert [(item["platform"], item["secret_set"]) for item in listed.json()] == [("shopify", True),
                                                                                 ("woocommerce", False)]
    assert post_shopify(client, "orders/create", payload("shopify_order"), secret=secret).status_code == 200
    assert client.delete("/api/v1/integrations/shopify", headers=admin).status_code == 204
    assert post_shopify(client, "orders/create", payload("shopify_order"), secret=secret).status_code == 401


def test_only_an_admin_key_connects_and_bad_input_names_the_field(client: TestClient, shop: ShopWithKeys) -> None:
    refused = client.put("/api/v1/integrations/shopify", json={"secret": "long-enough-secret"},
                         headers=auth(shop.ingest_key))
    assert refused.status_code == 403
    short = client.put("/api/v1/integrations/shopify", json={"secret": "kort"}, headers=auth(shop.admin_key))
    assert short.status_code == 422 and short.json()["error"]["field"] == "secret"
    unknown = client.put("/api/v1/integrations/magento", json={"secret": "long-enough-secret"},
                         headers=auth(shop.admin_key))
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "platform"
    assert client.get("/api/v1/integrations", headers=auth(shop.admin_key)).json()[0]["secret_set"] is False


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("LOJAL_DATABASE_URL", url)
    monkeypatch.setenv("LOJAL_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_lojal_shop_connect_stores_the_secret(database: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["shop", "create", "Nordlys Sport"]).exit_code == 0
    result = runner.invoke(app, ["shop", "connect", "woocommerce", "--shop", "nordlys-sport",
                                 "--base-url", "https://lojal.nordlys.no"], input="wc-hemmelig-nøkkel\n")
    assert result.exit_code == 0, result.output
    assert "https://lojal.nordlys.no/webhooks/woocommerce/nordlys-sport" in result.output
    assert "wc-hemmelig-nøkkel" not in result.output
    missing = runner.invoke(app, ["shop", "connect", "shopify", "--shop", "nowhere", "--secret", "long-enough"])
    assert missing.exit_code == 1
    with make_session_factory(create_db_engine(database))() as session:
        shop = session.scalars(select(Shop)).one()
        assert shop.settings["integrations"]["woocommerce"]["secret"] == "wc-hemmelig-nøkkel"
