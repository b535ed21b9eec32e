"""PUT orders written together (orders.endpoints.write_orders, used by the batching writer): one
transaction for the batch, and each request answered as it would have been alone."""

import asyncio
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lojal.app import create_app
from lojal.errors import ValidationFailed
from lojal.models import Customer, Order
from lojal.orders.endpoints import write_orders
from lojal.orders.schemas import OrderIn
from tests.fixtures.api import ShopWithKeys, auth
from tests.orders.test_order_endpoints import events_of, order_payload


def items(*orders: tuple[str, dict[str, Any]]) -> list[tuple[str, OrderIn]]:
    return [(external_id, OrderIn.model_validate(payload)) for external_id, payload in orders]


def test_a_batch_is_answered_order_by_order_as_get_answers(session_factory: sessionmaker[Session], client: TestClient,
                                                            shop: ShopWithKeys, db: Session) -> None:
    answers = write_orders(session_factory, shop.shop, items(
        ("o-1", order_payload()), ("o-2", order_payload(customer={"external_id": "c-2", "email": "b@example.no"})),
        ("o-3", order_payload())))
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    for external_id, answer in zip(("o-1", "o-2", "o-3"), answers, strict=True):
        assert answer.body == client.get(f"/api/v1/orders/{external_id}", headers=auth(shop.read_key)).content
    customers = db.scalars(select(Customer).where(Customer.shop_id == shop.shop.id).order_by(Customer.external_id)).all()
    assert [(customer.external_id, customer.order_count) for customer in customers] == [("c-2", 1), ("c-981", 2)]
    assert events_of(db, shop.shop.id).count("order.placed") == 3


def test_a_bad_order_in_a_batch_fails_alone(session_factory: sessionmaker[Session], shop: ShopWithKeys,
                                             db: Session) -> None:
    answers = write_orders(session_factory, shop.shop, items(
        ("o-1", order_payload()), ("o-2", order_payload(currency="SEK")), ("o-3", order_payload())))
    assert [answers[0].status_code, answers[2].status_code] == [201, 201]
    assert isinstance(answers[1], ValidationFailed) and answers[1].field == "currency"
    stored = db.scalars(select(Order.external_id).where(Order.shop_id == shop.shop.id).order_by(Order.id)).all()
    assert stored == ["o-1", "o-3"]


def test_the_same_order_twice_in_a_batch_is_answered_as_two_requests(session_factory: sessionmaker[Session],
                                                                     shop: ShopWithKeys, db: Session) -> None:
    answers = write_orders(session_factory, shop.shop, items(
        ("o-1", order_payload(status="paid")), ("o-1", order_payload(status="fulfilled"))))
    assert [answer.status_code for answer in answers] == [201, 200]
    assert [b'"status":"paid"' in answers[0].body, b'"status":"fulfilled"' in answers[1].body] == [True, True]
    assert db.scalar(select(func.count()).select_from(Order).where(Order.shop_id == shop.shop.id)) == 1


def test_concurrent_puts_through_the_app_each_get_their_answer(settings, session_factory: sessionmaker[Session],  # type: ignore[no-untyped-def]
                                                              shop: ShopWithKeys, client: TestClient) -> None:
    app = create_app(settings.model_copy(update={"put_writers": 1}), session_factory=session_factory)
    # The key is checked once first: the tests' sessions share one connection, so only one may use it at a time.
    assert client.put("/api/v1/orders/o-first", json=order_payload(), headers=auth(shop.ingest_key)).status_code == 201

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lojal") as concurrent:
            return await asyncio.gather(*(
                concurrent.put(f"/api/v1/orders/o-{number}", headers=auth(shop.ingest_key),
                               json=order_payload(currency="SEK") if number == 3 else order_payload())
                for number in range(6)))

    responses = asyncio.run(send_all())
    assert [response.status_code for response in responses] == [201, 201, 201, 422, 201, 201]
    for number, response in enumerate(responses):
        if number != 3:
            assert response.json() == client.get(f"/api/v1/orders/o-{number}", headers=auth(shop.read_key)).json()
