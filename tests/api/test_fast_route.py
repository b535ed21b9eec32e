"""The PUT order's short path (api/fast_route.py) answers exactly as FastAPI's route does: each
request here is sent to the app and to the same app without the short path, and both answers
(status, headers, body) must be equal; the requests the short path must leave to the full app are
checked to have been left to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from lojal.api.fast_route import FastJsonRoute
from lojal.app import create_app
from lojal.config import Settings
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload


@pytest.fixture
def full_client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(settings, session_factory=session_factory)
    app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not FastJsonRoute]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def short_path_taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per request that reached the body check: True when the short path answered it."""
    taken: list[bool] = []
    original = FastJsonRoute._body

    def spy(self: FastJsonRoute, body: bytes) -> Any:
        data = original(self, body)
        taken.append(data is not None)
        return data

    monkeypatch.setattr(FastJsonRoute, "_body", spy)
    return taken


def answer(response: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {name: value for name, value in response.headers.items() if name != "date"}
    return response.status_code, headers, response.content


def put(client: TestClient, path: str, key: str, body: bytes, **headers: str) -> Any:
    return client.put(path, content=body, headers=auth(key) | {"Content-Type": "application/json"} | headers,
                      follow_redirects=False)


def test_orders_through_the_short_path_are_answered_as_through_the_route(
        client: TestClient, full_client: TestClient, shop: ShopWithKeys, short_path_taken: list[bool]) -> None:
    body = json.dumps(order_payload()).encode()
    assert put(full_client, "/api/v1/orders/o-0", shop.ingest_key, body).status_code == 201  # caches the key
    created = put(client, "/api/v1/orders/o-1", shop.ingest_key, body)
    assert created.status_code == 201 and short_path_taken == [True]
    assert created.content == client.get("/api/v1/orders/o-1", headers=auth(shop.read_key)).content
    # The same state again changes nothing: both paths answer 200 with the stored order.
    assert answer(put(client, "/api/v1/orders/o-1", shop.ingest_key, body)) == \
        answer(put(full_client, "/api/v1/orders/o-1", shop.ingest_key, body))
    # Errors raised while writing go through the app's exception handlers.
    other_currency = json.dumps(order_payload(currency="SEK")).encode()
    taken_email = json.dumps(order_payload(customer={"external_id": "c-2", "email": "kari.nordmann@example.no"})).encode()
    for path, refused, status in (("/api/v1/orders/o-2", other_currency, 422), ("/api/v1/orders/o-3", taken_email, 409)):
        short, full = put(client, path, shop.ingest_key, refused), put(full_client, path, shop.ingest_key, refused)
        assert short.status_code == status, short.text
        assert answer(short) == answer(full)
    assert short_path_taken == [True, True, True, True]


@pytest.mark.parametrize(("path", "body", "headers"), [
    ("/api/v1/orders/o-1", b'{"currency": ', {}),  # not JSON: 400
    ("/api/v1/orders/o-1", json.dumps(order_payload(total=-1)).encode(), {}),  # invalid: 422
    ("/api/v1/orders/o-1", json.dumps(order_payload(order_number="a\u0000b")).encode(), {}),  # NUL: 422
    ("/api/v1/orders/o-1", b"", {}),  # no body: 422
    ("/api/v1/orders/" + "x" * 256, json.dumps(order_payload()).encode(), {}),  # id too long: 422
    ("/api/v1/orders/o-1", json.dumps(order_payload()).encode(), {"Content-Type": "text/plain"}),  # 422
    ("/api/v1/orders/o-1", json.dumps(order_payload()).encode(), {"Authorization": "Basic a2FyaQ=="}),  # 401
    ("/api/v1/orders/o-1", json.dumps(order_payload()).encode(), {"Authorization": "Bearer lojal_no_such"}),  # 401
    ("/api/v1/orders/o-1/", json.dumps(order_payload()).encode(), {}),  # another path: 307
])
def test_what_the_short_path_does_not_take_gets_the_full_apps_answer(
        client: TestClient, full_client: TestClient, shop: ShopWithKeys, short_path_taken: list[bool],
        path: str, body: bytes, headers: dict[str, str]) -> None:
    ready = put(client, "/api/v1/orders/o-0", shop.ingest_key, json.dumps(order_payload()).encode())
    assert ready.status_code == 201  # the key is cached now: only the request itself can send it on
    short, full = put(client, path, shop.ingest_key, body, **headers), put(full_client, path, shop.ingest_key, body, **headers)
    assert short.status_code in (400, 401, 404, 405, 307, 422), short.text
    assert answer(short) == answer(full)
    assert True not in short_path_taken


def test_a_key_without_the_scope_or_a_cookie_goes_to_the_full_app(
        client: TestClient, full_client: TestClient, shop: ShopWithKeys, short_path_taken: list[bool]) -> None:
    body = json.dumps(order_payload()).encode()
    for _ in range(2):  # the second time the read key is cached
        short, full = put(client, "/api/v1/orders/o-1", shop.read_key, body), put(full_client, "/api/v1/orders/o-1", shop.read_key, body)
        assert short.status_code == 403 and answer(short) == answer(full)
    assert put(full_client, "/api/v1/orders/o-1", shop.ingest_key, body).status_code == 201  # caches the key
    assert put(client, "/api/v1/orders/o-1", shop.ingest_key, body, Cookie="lojal_session=none").status_code == 200
    assert short_path_taken == []
