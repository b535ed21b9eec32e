"""A key that is not trusted in memory is checked against the database once for all the requests
that present it at the same time, and each of them gets the answer it would have had alone."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from lojal.api import deps
from lojal.app import create_app
from lojal.config import Settings
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import order_payload


def concurrent_puts(settings: Settings, session_factory: sessionmaker[Session], key: str,
                    count: int) -> list[httpx.Response]:
    app = create_app(settings, session_factory=session_factory)

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lojal") as client:
            return await asyncio.gather(*(client.put(f"/api/v1/orders/o-{number}", json=order_payload(),
                                                     headers=auth(key)) for number in range(count)))

    return asyncio.run(send_all())


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    presented: list[str] = []
    original = deps.authenticate_api_key

    def counting(session: Session, key: str) -> Any:
        presented.append(key)
        return original(session, key)

    monkeypatch.setattr(deps, "authenticate_api_key", counting)
    return presented


def test_requests_presenting_a_key_at_once_share_one_check(settings: Settings, checks: list[str],
                                                           session_factory: sessionmaker[Session],
                                                           shop: ShopWithKeys) -> None:
    responses = concurrent_puts(settings, session_factory, shop.ingest_key, 6)
    assert [response.status_code for response in responses] == [201] * 6
    assert checks == [shop.ingest_key]


def test_an_unknown_key_is_refused_to_each_request_after_one_check(settings: Settings, checks: list[str],
                                                                    session_factory: sessionmaker[Session],
                                                                    shop: ShopWithKeys) -> None:
    responses = concurrent_puts(settings, session_factory, shop.ingest_key + "x", 4)
    assert [response.status_code for response in responses] == [401] * 4
    assert {response.json()["error"]["message"] for response in responses} == {"unknown API key"}
    assert checks == [shop.ingest_key + "x"]
