"""Whatever arrives, the API answers with a 2xx or a 4xx in the error shape — never a 500.
Hypothesis mutates valid example bodies (a field replaced by any JSON value, or removed)."""

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lojal.catalog.schemas import ProductIn
from lojal.customers.schemas import CustomerIn
from lojal.events.schemas import CustomerEventIn
from lojal.orders.schemas import ORDER_EXAMPLE, RefundIn
from tests.fixtures.api import ShopWithKeys, auth

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither: the client could not send them
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=6,
)


def example(model: Any) -> dict[str, Any]:
    return copy.deepcopy(model.model_config["json_schema_extra"]["examples"][0])


ENDPOINTS = [
    ("PUT", "/api/v1/orders/o-fuzz", ORDER_EXAMPLE),
    ("PUT", "/api/v1/customers/c-fuzz", example(CustomerIn)),
    ("PUT", "/api/v1/products/p-fuzz", example(ProductIn)),
    ("POST", "/api/v1/refunds", example(RefundIn)),
    ("POST", "/api/v1/events", example(CustomerEventIn)),
]


def mutate(body: dict[str, Any], path: list[Any], value: Any, remove: bool) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    if remove:
        target.pop(path[-1], None) if isinstance(target, dict) else None
    else:
        target[path[-1]] = value
    return body


def paths(value: Any, prefix: list[Any]) -> list[list[Any]]:
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append(prefix + [key])
            found += paths(child, prefix + [key])
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.append(prefix + [index])
            found += paths(child, prefix + [index])
    return found


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS, ids=[endpoint[1] for endpoint in ENDPOINTS])
def test_mutated_bodies_never_cause_a_500(client: TestClient, shop: ShopWithKeys, method: str, url: str,
                                          body: dict[str, Any]) -> None:
    client.put("/api/v1/orders/o-10234", json=ORDER_EXAMPLE, headers=auth(shop.ingest_key))
    candidates = paths(body, [])

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(index=st.integers(min_value=0, max_value=len(candidates) - 1), value=json_values, remove=st.booleans())
    def check(index: int, value: Any, remove: bool) -> None:
        mutated = mutate(body, candidates[index], value, remove)
        response = client.request(method, url, json=mutated, headers=auth(shop.ingest_key))
        assert response.status_code < 500, (mutated, response.text)
        if response.status_code >= 400:
            assert set(response.json()["error"]) >= {"code", "message", "field"}

    check()


def test_text_with_a_nul_character_is_refused_not_crashed(client: TestClient, shop: ShopWithKeys) -> None:
    response = client.put("/api/v1/customers/c-nul", json={"first_name": "Kari\u0000"}, headers=auth(shop.ingest_key))
    assert response.status_code == 422 and "NUL" in response.json()["error"]["message"]
    bulk = b'{"type": "customer", "external_id": "c-1", "first_name": "x"}\n{"type": "customer", "external_id": "c-\\u0000"}\n'
    report = client.post("/api/v1/bulk", content=bulk, headers=auth(shop.ingest_key)).json()
    assert (report["succeeded"], report["failed"], report["errors"][0]["line"]) == (1, 1, 2)


def test_a_nul_character_in_a_path_or_query_is_refused_not_crashed(client: TestClient, shop: ShopWithKeys) -> None:
    """PostgreSQL refuses NUL even in a look-up: an external id or a filter holding one is a 422 on
    both databases, before any endpoint (the PUT order short path included) sees it."""
    from tests.orders.test_order_endpoints import order_payload

    requests = [("PUT", "/api/v1/orders/o-%00", order_payload(customer={"external_id": "c-1"}), shop.ingest_key, "path"),
                ("PUT", "/api/v1/orders/o-1?x=%00", order_payload(customer={"external_id": "c-1"}), shop.ingest_key,
                 "query"),
                ("PUT", "/api/v1/customers/c-%00", {"first_name": "Kari"}, shop.ingest_key, "path"),
                ("GET", "/api/v1/customers?external_id=c-%00", None, shop.read_key, "query"),
                ("GET", "/api/v1/customers?email=a%00@example.no", None, shop.read_key, "query"),
                ("GET", "/api/v1/orders/o-%00", None, shop.read_key, "path")]
    for method, url, body, key, field in requests:
        response = client.request(method, url, json=body, headers=auth(key))
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["field"] == field and "NUL" in response.json()["error"]["message"]
    assert client.get("/api/v1/orders/o-1", headers=auth(shop.read_key)).status_code == 404  # nothing was written
