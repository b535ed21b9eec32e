"""Exports: exact columns and values, streaming API endpoints, tenant isolation, Parquet."""

from __future__ import annotations

import csv
import io

import orjson
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lojal.transfer.export import export
from tests.fixtures.api import ShopWithKeys, auth
from tests.transfer.helpers import run_import

CUSTOMER_HEADER = [
    "id", "external_id", "email", "phone", "first_name", "last_name", "locale", "birth_date", "country",
    "company_name", "customer_group", "interests", "email_consent", "email_consent_at", "email_consent_source",
    "sms_consent", "sms_consent_at", "sms_consent_source", "is_guest", "created_at", "updated_at", "order_count",
    "first_order_at", "last_order_at", "total_spent_minor", "total_spent", "average_order_value_minor",
    "average_order_value", "currency"]


def _load(db: Session, shop: ShopWithKeys) -> None:
    run_import(db, shop.shop, "customers", "shopify_customers.csv")
    run_import(db, shop.shop, "orders", "shopify_orders.csv")


def test_customer_export_round_trip(db: Session, shop: ShopWithKeys) -> None:
    _load(db, shop)
    buffer = io.BytesIO()
    assert export(db, shop.shop, "customers", "csv", buffer) == 3
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8"))))
    assert list(rows[0].keys()) == CUSTOMER_HEADER
    kari = next(row for row in rows if row["external_id"] == "7001")
    assert {key: value for key, value in kari.items() if key not in ("id", "created_at", "updated_at",
                                                                      "email_consent_at")} == {
        "external_id": "7001", "email": "kari.nordmann@example.no", "phone": "+4791234567", "first_name": "Kari",
        "last_name": "Nordmann", "locale": "", "birth_date": "", "country": "NO", "company_name": "",
        "customer_group": "", "interests": "tennis, vip", "email_consent": "true", "email_consent_source": "shopify-csv",
        "sms_consent": "false", "sms_consent_at": kari["sms_consent_at"], "sms_consent_source": "shopify-csv",
        "is_guest": "false", "order_count": "2", "first_order_at": "2026-01-15T09:12:45Z",
        "last_order_at": "2026-03-01T19:04:30Z", "total_spent_minor": "175450", "total_spent": "1754.50",
        "average_order_value_minor": "87725", "average_order_value": "877.25", "currency": "NOK"}
    # The customers file gave the consent without a time (dated at its import); her orders restate
    # it, and the earliest of them shows since when it stands.
    assert kari["email_consent_at"] == "2026-01-15T09:12:45Z"


def test_orders_and_lines_export(db: Session, shop: ShopWithKeys) -> None:
    _load(db, shop)
    buffer = io.BytesIO()
    export(db, shop.shop, "orders", "ndjson", buffer)
    orders = [orjson.loads(line) for line in buffer.getvalue().splitlines()]
    ola = next(order for order in orders if order["order_number"] == "#1002")
    assert (ola["customer_external_id"], ola["total_minor"], ola["total"], ola["refunded_total"], ola["net_total_minor"],
            ola["net_total"], ola["placed_at"], ola["status"]) == (
        "7002", 129900, "1299.00", "299.00", 100000, "1000.00", "2026-02-03T17:40:00Z", "fulfilled")
    buffer = io.BytesIO()
    assert export(db, shop.shop, "order-lines", "csv", buffer) == 7
    lines = list(csv.DictReader(io.StringIO(buffer.getvalue().decode())))
    assert [(line["order_external_id"], line["sku"], line["quantity"], line["unit_price"], line["discount_minor"],
             line["total"]) for line in lines[:2]] == [("5001000001", "KF-4-100", "2", "39.90", "0", "79.80"),
                                                       ("5001000001", "TR-PRO", "1", "459.00", "5000", "409.00")]


def test_parquet_export(db: Session, shop: ShopWithKeys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    _load(db, shop)
    target = tmp_path / "customers.parquet"
    with target.open("wb") as file:
        export(db, shop.shop, "customers", "parquet", file)
    table = pq.read_table(target)
    assert table.column_names == CUSTOMER_HEADER
    assert sorted(table.column("total_spent_minor").to_pylist()) == [0, 100000, 175450]
    assert sorted(map(sorted, table.column("interests").to_pylist())) == [[], ["løping"], ["tennis", "vip"]]


def test_export_api_streams_and_keeps_shops_apart(client: TestClient, db: Session, shop: ShopWithKeys,
                                                   other_shop: ShopWithKeys) -> None:
    _load(db, shop)
    run_import(db, other_shop.shop, "orders", "generic_orders.csv", file_format="generic")
    response = client.get("/api/v1/export/customers?format=csv", headers=auth(shop.read_key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    emails = sorted(row["email"] for row in csv.DictReader(io.StringIO(response.text)))
    assert emails == ["ase.odegard@example.no", "kari.nordmann@example.no", "ola.normann@example.no"]
    other = client.get("/api/v1/export/orders?format=ndjson", headers=auth(other_shop.read_key))
    assert sorted(orjson.loads(line)["external_id"] for line in other.text.splitlines()) == ["g-1", "g-2"]
    lines = client.get("/api/v1/export/order-lines", headers=auth(other_shop.read_key))
    assert len(list(csv.DictReader(io.StringIO(lines.text)))) == 3
    events = client.get("/api/v1/export/events?format=ndjson", headers=auth(other_shop.read_key))
    assert events.status_code == 200 and events.text == ""
    assert client.get("/api/v1/export/customers", headers=auth(shop.ingest_key)).status_code == 403
    bad = client.get("/api/v1/export/customers?format=parquet", headers=auth(shop.read_key))
    assert bad.status_code == 422 and bad.json()["error"]["field"]


def test_import_api_multipart_and_raw_body(client: TestClient, db: Session, shop: ShopWithKeys) -> None:
    from tests.transfer.helpers import DATA, orders_state

    body = (DATA / "shopify_orders_excel_nb.csv").read_bytes()
    response = client.post("/api/v1/imports/orders?format=shopify", headers=auth(shop.ingest_key),
                           files={"file": ("orders.csv", body, "text/csv")})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["imported"], report["rows"], report["encoding"], report["delimiter"], report["counts"]) == (
        True, 7, "cp1252", ";", {"order": 4, "refund": 1})
    state = orders_state(db, shop.shop.id)
    assert len(state) == 4
    raw = client.post("/api/v1/imports/orders?format=shopify", headers={**auth(shop.ingest_key), "Content-Type": "text/csv"},
                      content=(DATA / "shopify_orders.csv").read_bytes())
    assert raw.status_code == 200 and raw.json()["imported"] and raw.json()["failed"] == 0
    assert orders_state(db, shop.shop.id) == state
    bad = client.post("/api/v1/imports/orders?format=generic", headers=auth(shop.ingest_key),
                      content=b"order_id,placed_at,quantity,unit_price,email\r\no-1,2026-01-01T10:00:00Z,1,12.345,a@b.no\r\n")
    assert bad.status_code == 200 and bad.json()["imported"] is False
    assert bad.json()["errors"] == [{"line": 2, "type": "order", "external_id": "o-1", "field": "unit_price",
                                     "message": "not an amount: '12.345'"}]
    assert len(orders_state(db, shop.shop.id)) == 4
    assert client.post("/api/v1/imports/orders", headers=auth(shop.read_key), content=body).status_code == 403
    unknown = client.post("/api/v1/imports/customers?format=woocommerce", headers=auth(shop.ingest_key), content=body)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "format"
