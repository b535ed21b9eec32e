"""The club as a shop developer uses it: set it up through the API, send orders, let the worker
react, read the member's state, redeem, validate the code at checkout, use it, refund."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

import lojal.events.tasks  # noqa: F401  (registers the dispatcher)
import lojal.loyalty.tasks  # noqa: F401  (registers the club's reactions)
from lojal.kit.clock import FrozenClock
from lojal.loyalty.schemas import PROGRAM_EXAMPLE
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys, auth
from tests.fixtures.clock import frozen_clock
from tests.orders.test_order_endpoints import order_payload

NOW = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    with frozen_clock(NOW) as frozen:
        yield frozen


def run_jobs(session_factory: sessionmaker[Session]) -> None:
    worker = Worker(session_factory, name="test")
    while worker.run_once():
        pass


def set_up_club(client: TestClient, shop: ShopWithKeys) -> dict[str, int]:
    admin = auth(shop.admin_key)
    response = client.put("/api/v1/loyalty/program", json=PROGRAM_EXAMPLE | {"pending_days": 14}, headers=admin)
    assert response.status_code == 200, response.text
    tiers = {}
    for name, position, threshold in (("Bronse", 1, 0), ("Sølv", 2, 500000), ("Gull", 3, 1500000)):
        tier = client.post("/api/v1/loyalty/tiers", json={"name": name, "position": position, "threshold": threshold},
                           headers=admin)
        assert tier.status_code == 201, tier.text
        tiers[name] = tier.json()["id"]
    reward = client.post("/api/v1/loyalty/rewards", json={"name": "100 kr rabatt", "kind": "amount_off",
                                                          "points_cost": 400, "value": 10000}, headers=admin)
    assert reward.status_code == 201, reward.text
    return tiers | {"reward": reward.json()["id"]}


def test_a_member_earns_redeems_and_uses_a_code(client: TestClient, shop: ShopWithKeys, clock: FrozenClock,
                                                 session_factory: sessionmaker[Session]) -> None:
    ids = set_up_club(client, shop)
    assert client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key)).status_code == 201
    run_jobs(session_factory)
    state = client.get("/api/v1/customers/c-981/loyalty", headers=auth(shop.read_key)).json()
    # 538.80 kr of goods less the 50 kr order discount, shipping left out: 488 points at 1 per krone
    assert state["balances"]["pending"] == 488 and state["balances"]["available"] == 0
    assert state["tier"]["tier"]["name"] == "Bronse"
    assert state["tier"]["to_next"]["tier"] == "Sølv" and state["tier"]["to_next"]["left"] == 500000 - 53780
    assert state["next_reward"]["points_missing"] == 400

    too_early = client.post("/api/v1/customers/c-981/redemptions", json={"reward_id": ids["reward"]},
                            headers=auth(shop.ingest_key))
    assert too_early.status_code == 409 and "not enough points: 0 available" in too_early.json()["error"]["message"]

    clock.advance(days=14)
    run_jobs(session_factory)  # housekeeping releases the pending points
    headers = auth(shop.ingest_key) | {"Idempotency-Key": "redeem-1"}
    first = client.post("/api/v1/customers/c-981/redemptions", json={"reward_id": ids["reward"]}, headers=headers)
    again = client.post("/api/v1/customers/c-981/redemptions", json={"reward_id": ids["reward"]}, headers=headers)
    assert first.status_code == 201 and again.json() == first.json()
    code = first.json()["code"]
    assert code.startswith("NORDLYS-") and len(code) == len("NORDLYS-") + 10
    state = client.get("/api/v1/customers/c-981/loyalty", headers=auth(shop.read_key)).json()
    assert (state["balances"]["available"], state["balances"]["spent"]) == (88, 400)

    check = {"code": code.lower(), "customer": "c-981", "order_total": 20000}
    assert client.post("/api/v1/codes/validate", json=check, headers=auth(shop.read_key)).json()["valid"] is True
    guest = client.post("/api/v1/codes/validate", json=check | {"customer": None}, headers=auth(shop.read_key)).json()
    assert (guest["valid"], guest["reason"]) == (False, "not_logged_in")

    order = order_payload(placed_at=clock.now().isoformat(), discount_codes=[code])
    assert client.put("/api/v1/orders/o-2", json=order, headers=auth(shop.ingest_key)).status_code == 201
    run_jobs(session_factory)
    used = client.post("/api/v1/codes/validate", json=check, headers=auth(shop.read_key)).json()
    assert (used["valid"], used["reason"]) == (False, "used")

    ledger = client.get("/api/v1/customers/c-981/loyalty/ledger", headers=auth(shop.read_key)).json()["data"]
    assert [(entry["kind"], entry["points"]) for entry in ledger] == [
        ("earn", 416), ("earn", 72), ("spend", -328), ("spend", -72), ("release", 416), ("release", 72), ("earn", 416),
        ("earn", 72)]  # newest first; the redemption took the oldest lots first
    assert {entry["description"] for entry in ledger} >= {"Poeng for ordre #10234", "Innløst: 100 kr rabatt",
                                                          "Poengene kan nå brukes"}  # in the shop's language


def test_a_partial_refund_takes_back_exactly_that_lines_points(client: TestClient, shop: ShopWithKeys,
                                                                clock: FrozenClock,
                                                                session_factory: sessionmaker[Session]) -> None:
    set_up_club(client, shop)
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    run_jobs(session_factory)
    refund = {"external_id": "r-1", "order_external_id": "o-1", "refunded_at": NOW.isoformat(),
              "lines": [{"line_external_id": "l-1", "quantity": 1, "amount": 3990}]}
    assert client.post("/api/v1/refunds", json=refund, headers=auth(shop.ingest_key)).status_code == 201
    run_jobs(session_factory)
    state = client.get("/api/v1/customers/c-981/loyalty", headers=auth(shop.read_key)).json()
    # line l-1 (2 x 39.90 less its 7.41 kr share of the order discount) earned 72 of the order's 488 points;
    # one of its two comes back: 36
    ledger = client.get("/api/v1/customers/c-981/loyalty/ledger", headers=auth(shop.read_key)).json()["data"]
    reversal = next(entry for entry in ledger if entry["kind"] == "reverse")
    assert reversal["points"] == -36 and reversal["description"] == "Refusjon eller kansellering av ordre #10234"
    assert state["balances"]["pending"] == 488 - 36


def test_simulate_changes_nothing(client: TestClient, shop: ShopWithKeys, clock: FrozenClock, db: Session) -> None:
    set_up_club(client, shop)
    response = client.post("/api/v1/loyalty/simulate", json=order_payload(), headers=auth(shop.read_key))
    assert response.status_code == 200, response.text
    assert response.json()["points"] == 488
    assert [(line["line"], line["points"]) for line in response.json()["lines"]] == [("l-1", 72), ("l-2", 416)]
    assert client.get("/api/v1/customers/c-981", headers=auth(shop.read_key)).status_code == 404


def test_bad_club_input_names_the_field_and_stores_nothing(client: TestClient, shop: ShopWithKeys) -> None:
    admin = auth(shop.admin_key)
    assert client.get("/api/v1/loyalty/program", headers=admin).status_code == 404
    bad = client.put("/api/v1/loyalty/program", json=PROGRAM_EXAMPLE | {"pending_days": -1}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "pending_days"
    assert client.get("/api/v1/loyalty/program", headers=admin).status_code == 404
    client.put("/api/v1/loyalty/program", json=PROGRAM_EXAMPLE, headers=admin)
    campaign = {"key": "helg", "kind": "campaign", "name": "Helg", "multiplier_percent": 200}
    refused = client.post("/api/v1/loyalty/rules", json=campaign, headers=admin)
    assert refused.status_code == 422 and "starts_at" in refused.json()["error"]["message"]
    reward = client.post("/api/v1/loyalty/rewards", json={"name": "x", "kind": "percent_off", "points_cost": 10,
                                                           "value": 150}, headers=admin)
    assert reward.status_code == 422
    assert client.get("/api/v1/loyalty/rewards", headers=admin).json() == []
    assert client.put("/api/v1/loyalty/program", json=PROGRAM_EXAMPLE, headers=auth(shop.ingest_key)).status_code == 403


def test_rule_changes_make_versions(client: TestClient, shop: ShopWithKeys) -> None:
    admin = auth(shop.admin_key)
    client.put("/api/v1/loyalty/program", json=PROGRAM_EXAMPLE, headers=admin)
    rule = {"key": "tennis", "kind": "multiplier", "name": "Tennis x2", "multiplier_percent": 200,
            "categories": ["Tennis"]}
    first = client.post("/api/v1/loyalty/rules", json=rule, headers=admin).json()
    second = client.post("/api/v1/loyalty/rules", json=rule | {"multiplier_percent": 300}, headers=admin).json()
    assert (first["version"], second["version"]) == (1, 2)
    live = client.get("/api/v1/loyalty/rules", headers=admin).json()
    assert [(rule["key"], rule["version"]) for rule in live if rule["key"] == "tennis"] == [("tennis", 2)]
    history = client.get("/api/v1/loyalty/rules?all_versions=true", headers=admin).json()
    assert [rule["version"] for rule in history if rule["key"] == "tennis"] == [1, 2]
    client.put("/api/v1/loyalty/program", json=PROGRAM_EXAMPLE | {"points": 2}, headers=admin)
    assert client.get("/api/v1/loyalty/program", headers=admin).json()["spend_rule_version"] == 2


def test_another_shop_sees_none_of_the_club(client: TestClient, shop: ShopWithKeys, other_shop: ShopWithKeys,
                                            clock: FrozenClock, session_factory: sessionmaker[Session]) -> None:
    ids = set_up_club(client, shop)
    client.put("/api/v1/orders/o-1", json=order_payload(), headers=auth(shop.ingest_key))
    run_jobs(session_factory)
    other = auth(other_shop.admin_key)
    assert client.get("/api/v1/customers/c-981/loyalty", headers=other).status_code == 404
    assert client.get("/api/v1/loyalty/rewards", headers=other).status_code == 200
    assert client.get("/api/v1/loyalty/rewards", headers=other).json() == []
    assert client.post("/api/v1/customers/c-981/redemptions", json={"reward_id": ids["reward"]},
                       headers=other).status_code == 404
    assert client.put(f"/api/v1/loyalty/tiers/{ids['Gull']}", json={"name": "x", "position": 1, "threshold": 0},
                      headers=other).status_code == 404


def test_actions_earn_through_the_hubs_events_once(client: TestClient, shop: ShopWithKeys, clock: FrozenClock,
                                                   session_factory: sessionmaker[Session]) -> None:
    admin = auth(shop.admin_key)
    client.put("/api/v1/loyalty/program", json=PROGRAM_EXAMPLE, headers=admin)
    for rule in ({"key": "velkommen", "kind": "action", "name": "Velkommen i klubben", "action": "signup", "points": 100},
                 {"key": "nyhetsbrev", "kind": "action", "name": "Takk for at du vil ha nyhetsbrev",
                  "action": "newsletter_consent", "points": 50},
                 {"key": "anmeldelse", "kind": "action", "name": "Ønskeliste delt", "action": "custom",
                  "custom_event": "wishlist_shared", "points": 20, "limit_count": 1, "limit_period": "day"}):
        assert client.post("/api/v1/loyalty/rules", json=rule, headers=admin).status_code == 201
    customer = {"email": "ola@example.no", "email_consent": {"granted": True, "source": "checkout"}}
    for _ in range(2):
        assert client.put("/api/v1/customers/c-1", json=customer, headers=auth(shop.ingest_key)).status_code in (200, 201)
        for number in (1, 2):
            event = {"name": "wishlist_shared", "external_id": f"e-{number}",
                     "customer": {"external_id": "c-1"}, "occurred_at": NOW.isoformat()}
            assert client.post("/api/v1/events", json=event, headers=auth(shop.ingest_key)).status_code in (200, 201)
        run_jobs(session_factory)
    ledger = client.get("/api/v1/customers/c-1/loyalty/ledger", headers=auth(shop.read_key)).json()["data"]
    assert sorted((entry["description"], entry["points"]) for entry in ledger) == [
        ("Takk for at du vil ha nyhetsbrev", 50), ("Velkommen i klubben", 100), ("Ønskeliste delt", 20)]
