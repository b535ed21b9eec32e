"""The customer club's admin pages: a new owner sets up the club from the forms, rule edits make
versions, bad input is a 422 that names the field and stores nothing, roles decide who changes
what, a member's ledger shows every adjustment with its reason and note, the numbers are exact,
and another shop's user sees none of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.auth import service as users
from lojal.kit.clock import FrozenClock, set_clock
from lojal.loyalty import accrual, maintenance, program, repository
from lojal.models import Customer, EarningRule, LedgerEntry, LoyaltyProgram, MemberOffer, Reward, Tier
from tests.fixtures.api import ShopWithKeys
from tests.loyalty.helpers import T0, club, order_body, put_order
from tests.web.test_admin_pages import ENGLISH, PASSWORD, csrf_of, log_in, metric

NORWEGIAN = {"Accept-Language": "nb-NO,nb;q=0.9"}

SETTINGS = {"name": "Nordlys-klubben", "enabled": "on", "points": "1", "per_amount": "1", "rounding": "down",
            "include_tax": "on", "excluded_skus": "GAVEKORT, FRAKT", "excluded_categories": "Gavekort", "earn_from": "",
            "pending_days": "14", "expiry_policy": "lot_age", "expiry_months": "24", "expiry_warning_days": "30",
            "point_value_per_1000": "10", "tier_basis": "spend", "tier_window": "rolling_12", "code_prefix": "NORDLYS-",
            "code_length": "10", "code_valid_days": "90", "refund_points_on_code_expiry": "on"}
TIERS = [{"name": "Bronse", "position": "1", "threshold": "0", "multiplier_percent": "100", "early_access_hours": "0",
          "active": "on"},
         {"name": "Sølv", "position": "2", "threshold": "5 000", "retain_threshold": "4000", "multiplier_percent": "125",
          "early_access_hours": "24", "active": "on"},
         {"name": "Gull", "position": "3", "threshold": "15000,50", "multiplier_percent": "150", "free_shipping": "on",
          "early_access_hours": "48", "active": "on", "description": "Fri frakt og 1,5x poeng"}]
REWARDS = [{"name": "50 kr rabatt", "kind": "amount_off", "points_cost": "500", "value": "50", "active": "on"},
           {"name": "10 % rabatt", "kind": "percent_off", "points_cost": "800", "value": "10", "minimum_order": "300",
            "active": "on"},
           {"name": "Fri frakt", "kind": "free_shipping", "points_cost": "300", "active": "on", "stock": "100"},
           {"name": "Gratis drikkeflaske", "kind": "free_product", "points_cost": "1200", "product_sku": "FLASKE-1",
            "per_member_limit": "1", "active": "on"}]
CAMPAIGN = {"kind": "campaign", "key": "weekend-double", "name": "Dobbel poeng i helgen", "active": "on",
            "multiplier_percent": "200", "starts_at": "2026-03-13T00:00", "ends_at": "2026-03-16T00:00"}


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(T0 + timedelta(days=1))
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


def user_with_role(db: Session, shop: ShopWithKeys, email: str, role: str) -> str:
    user = users.create_user(db, email, PASSWORD, email.split("@")[0])
    users.grant_role(db, user, shop.shop, role)
    db.commit()
    return email


def logged_in(client: TestClient, db: Session, shop: ShopWithKeys, role: str = "owner") -> str:
    """Logs in a user with the role and returns the club's base path."""
    log_in(client, user_with_role(db, shop, f"{role}@nordlys.no", role), headers=ENGLISH)
    return f"/admin/shops/{shop.shop.slug}/loyalty"


def post(client: TestClient, path: str, data: dict[str, str] | list[tuple[str, str]],
         headers: dict[str, str] = ENGLISH):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/admin/shops", headers=headers).text)
    body: dict[str, list[str]] = {"csrf_token": [token]}
    for name, value in (data.items() if isinstance(data, dict) else data):
        body.setdefault(name, []).append(value)
    return client.post(path, data=body, headers=headers, follow_redirects=False)


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_owner_sets_up_the_club_with_three_tiers_and_four_rewards(client: TestClient, db: Session,
                                                                        shop: ShopWithKeys) -> None:
    base = logged_in(client, db, shop)
    nav = client.get(f"/admin/shops/{shop.shop.slug}", headers=ENGLISH).text
    assert f'href="{base}"' in nav and "Customer club" in nav
    empty = client.get(base, headers=ENGLISH).text
    assert "The customer club is not set up yet" in empty and "Set up the club" in empty
    form = client.get(f"{base}/settings", headers=ENGLISH).text
    assert 'name="per_amount" type="text" value="1"' in form and 'value="NORDLYS-"' in form  # defaults filled in

    response = post(client, f"{base}/settings", SETTINGS)
    assert (response.status_code, response.headers["location"]) == (303, f"{base}/settings")
    assert "The customer club is set up." in client.get(response.headers["location"], headers=ENGLISH).text
    stored = db.get(LoyaltyProgram, shop.shop.id)
    assert stored is not None
    db.refresh(stored)
    assert (stored.name, stored.pending_days, stored.point_value_per_1000, stored.code_prefix) == (
        "Nordlys-klubben", 14, 1000, "NORDLYS-")
    assert (stored.excluded_skus, stored.include_shipping, stored.include_tax) == (["GAVEKORT", "FRAKT"], False, True)
    spend = program.spend_rule(db, shop.shop)
    assert spend is not None and (spend.points, spend.per_amount, spend.version) == (1, 100, 1)

    for tier in TIERS:
        assert post(client, f"{base}/tiers", tier).status_code == 303
    for reward in REWARDS:
        assert post(client, f"{base}/rewards", reward).status_code == 303, reward
    tiers = db.scalars(select(Tier).where(Tier.shop_id == shop.shop.id).order_by(Tier.position)).all()
    assert [(tier.name, tier.threshold, tier.retain_threshold, tier.multiplier_percent, tier.free_shipping)
            for tier in tiers] == [("Bronse", 0, 0, 100, False), ("Sølv", 500000, 400000, 125, False),
                                   ("Gull", 1500050, 1500050, 150, True)]
    rewards = db.scalars(select(Reward).where(Reward.shop_id == shop.shop.id).order_by(Reward.points_cost)).all()
    assert [(reward.name, reward.kind, reward.points_cost, reward.value, reward.minimum_order, reward.stock)
            for reward in rewards] == [("Fri frakt", "free_shipping", 300, 0, 0, 100),
                                       ("50 kr rabatt", "amount_off", 500, 5000, 0, None),
                                       ("10 % rabatt", "percent_off", 800, 10, 30000, None),
                                       ("Gratis drikkeflaske", "free_product", 1200, 0, 0, None)]
    listing = client.get(f"{base}/tiers", headers=ENGLISH).text
    assert "NOK\xa05,000.00" in listing and "NOK\xa015,000.50" in listing and "1.5× points" in listing
    edit = client.get(f"{base}/tiers", params={"edit": tiers[2].id}, headers=ENGLISH).text
    assert 'name="threshold" type="text" value="15000.50"' in edit
    overview = client.get(base, headers=ENGLISH).text
    assert "1 point per NOK\xa01.00 spent" in overview and "spend rule version 1" in overview

    changed = post(client, f"{base}/settings", SETTINGS | {"points": "10", "per_amount": "100"})
    assert changed.status_code == 303
    assert program.spend_rule(db, shop.shop).version == 2  # type: ignore[union-attr]
    assert "Spend rule version 2" in client.get(f"{base}/settings", headers=ENGLISH).text


def test_a_rule_edit_makes_version_2_and_retiring_keeps_the_history(client: TestClient, db: Session,
                                                                     shop: ShopWithKeys) -> None:
    base = logged_in(client, db, shop)
    post(client, f"{base}/settings", SETTINGS)
    assert post(client, f"{base}/rules", CAMPAIGN).status_code == 303
    page = client.get(f"{base}/rules", headers=ENGLISH).text
    assert "Saved Dobbel poeng i helgen as version 1." in page and "2× points on everything" in page
    assert post(client, f"{base}/rules", CAMPAIGN).status_code == 422  # a new rule may not take a live key

    edited = post(client, f"{base}/rules", CAMPAIGN | {"editing": "weekend-double", "multiplier_percent": "300",
                                                       "categories": "Tennis, Padel"})
    assert edited.status_code == 303
    versions = db.scalars(select(EarningRule).where(EarningRule.key == "weekend-double")
                          .order_by(EarningRule.version)).all()
    assert [(rule.version, rule.multiplier_percent, rule.retired_at is None) for rule in versions] == [
        (1, 200, False), (2, 300, True)]
    assert versions[1].categories == ["Tennis", "Padel"] and versions[1].created_by == "admin:owner@nordlys.no"
    page = client.get(f"{base}/rules", headers=ENGLISH).text
    assert re.search(r'data-version="weekend-double">2<', page)
    assert "3× points on categories Tennis, Padel" in page and "2 versions" in page

    action = {"kind": "action", "key": "birthday", "name": "Bursdagspoeng", "active": "on", "action": "birthday",
              "points": "200", "limit_count": "1", "limit_period": "year"}
    assert post(client, f"{base}/rules", action).status_code == 303
    assert "200 points for: Birthday, at most 1 per year" in client.get(f"{base}/rules", headers=ENGLISH).text

    assert post(client, f"{base}/rules/weekend-double/retire", {}).status_code == 303
    db.expire_all()
    assert repository.rule_versions(db, shop.shop.id, "weekend-double")[-1].retired_at is not None
    page = client.get(f"{base}/rules", headers=ENGLISH).text
    assert 'data-retired="weekend-double"' in page and 'data-rule="weekend-double"' not in page
    assert post(client, f"{base}/rules/weekend-double/retire", {}).status_code == 404


def test_wrong_input_answers_422_naming_the_field_and_stores_nothing(client: TestClient, db: Session,
                                                                      shop: ShopWithKeys) -> None:
    base = logged_in(client, db, shop)
    refused = post(client, f"{base}/settings", SETTINGS | {"points": "-5"})
    assert refused.status_code == 422
    assert 'data-error-field="points"' in refused.text and "Must be at least 0." in refused.text
    assert 'value="-5"' in refused.text  # what was typed stays in the form
    assert db.get(LoyaltyProgram, shop.shop.id) is None and count(db, EarningRule) == 0

    assert post(client, f"{base}/settings", SETTINGS).status_code == 303
    bad_amount = post(client, f"{base}/settings", SETTINGS | {"per_amount": "one krone", "points": "5"})
    assert bad_amount.status_code == 422 and 'data-error-field="per_amount"' in bad_amount.text
    assert "Enter an amount in NOK, like 129.90." in bad_amount.text
    assert program.spend_rule(db, shop.shop).version == 1  # type: ignore[union-attr]

    tier = post(client, f"{base}/tiers", TIERS[1] | {"threshold": "a lot"})
    assert tier.status_code == 422 and 'data-error-field="threshold"' in tier.text
    keep = post(client, f"{base}/tiers", TIERS[1] | {"retain_threshold": "6000"})
    assert keep.status_code == 422 and 'data-error-field="retain_threshold"' in keep.text
    assert count(db, Tier) == 0

    reward = post(client, f"{base}/rewards", REWARDS[0] | {"points_cost": "-1"})
    assert reward.status_code == 422 and 'data-error-field="points_cost"' in reward.text
    no_value = post(client, f"{base}/rewards", REWARDS[0] | {"value": "0"})
    assert no_value.status_code == 422 and 'data-error-field="value"' in no_value.text
    assert "An amount off needs an amount above 0." in no_value.text
    assert count(db, Reward) == 0

    rule = post(client, f"{base}/rules", CAMPAIGN | {"key": "Weekend Double", "multiplier_percent": "x2"})
    assert rule.status_code == 422
    assert 'data-error-field="key"' in rule.text and 'data-error-field="multiplier_percent"' in rule.text
    endless = post(client, f"{base}/rules", CAMPAIGN | {"ends_at": ""})
    assert endless.status_code == 422 and "A campaign needs a start and an end." in endless.text
    assert count(db, EarningRule) == 1  # the spend rule only

    offer = post(client, f"{base}/offers", {"code": "GULL SALG", "name": "Gull først", "active": "on"})
    assert offer.status_code == 422 and 'data-error-field="code"' in offer.text and count(db, MemberOffer) == 0
    norwegian = post(client, f"{base}/tiers", TIERS[1] | {"threshold": "mye"}, headers=NORWEGIAN)
    assert norwegian.status_code == 422 and "Terskel for å nå" in norwegian.text and "Skriv et beløp i NOK" in norwegian.text


def test_support_cannot_change_the_club_but_can_adjust_points(client: TestClient, db: Session,
                                                               shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 2, 39900)]))
    db.commit()
    customer_id = db.scalar(select(Customer.id).where(Customer.external_id == "c-1"))
    base = logged_in(client, db, shop, "support")
    assert "Customer club" in client.get(base, headers=ENGLISH).text  # support may look
    for path, data in ((f"{base}/settings", SETTINGS | {"points": "7"}), (f"{base}/tiers", TIERS[0]),
                       (f"{base}/rewards", REWARDS[0]), (f"{base}/rules", CAMPAIGN),
                       (f"{base}/rules/spend/retire", {})):
        refused = post(client, path, data)
        assert refused.status_code == 403 and "cannot make this change" in refused.text, path
    assert program.spend_rule(db, shop.shop).points == 1  # type: ignore[union-attr]
    assert (count(db, Tier), count(db, Reward), count(db, EarningRule)) == (0, 0, 1)

    page_path = f"/admin/shops/{shop.shop.slug}/customers/{customer_id}"
    adjust = f"{page_path}/loyalty/adjust"
    assert post(client, adjust, {"points": "250", "reason": "Beklager forsinket levering",
                                 "note": "Sak #4411"}).status_code == 303
    assert post(client, adjust, {"points": "-50", "reason": "Feil i forrige justering", "note": ""}).status_code == 303
    refused = post(client, adjust, {"points": "-1000", "reason": "For mye", "note": ""})
    assert refused.status_code == 422 and "Not enough points: the member has 200 available." in refused.text
    zero = post(client, adjust, {"points": "0", "reason": "Null", "note": ""})
    assert zero.status_code == 422 and "Enter points other than 0." in zero.text
    blank = post(client, adjust, {"points": "ti", "reason": "", "note": ""})
    assert blank.status_code == 422
    assert 'data-error-field="points"' in blank.text and 'data-error-field="reason"' in blank.text

    entries = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == "adjust").order_by(LedgerEntry.id)).all()
    assert [(entry.description, entry.note, entry.actor, entry.available_delta) for entry in entries] == [
        ("Beklager forsinket levering", "Sak #4411", "admin:support@nordlys.no", 250),
        ("Feil i forrige justering", None, "admin:support@nordlys.no", -50)]
    page = client.get(page_path, headers=ENGLISH).text
    assert metric(page, "club-available") == "200" and metric(page, "club-pending") == "798"
    ledger = page[page.index("Points history"):]
    assert ledger.index("Feil i forrige justering") < ledger.index("Beklager forsinket levering") < ledger.index(
        "Poeng for ordre o-1")  # newest first; what the member reads is in the shop's language
    assert "Sak #4411" in ledger and "admin:support@nordlys.no" in ledger and "+250" in ledger and "-50" in ledger
    assert "+798" in ledger and "(2 entries)" not in ledger

    operation = re.search(r'name="operation" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    for _ in range(2):  # a double click sends the same form twice: one adjustment
        assert post(client, adjust, {"points": "10", "reason": "Dobbeltklikk", "note": "",
                                     "operation": operation}).status_code == 303
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.description == "Dobbeltklikk")) == 1


def test_a_marketer_changes_the_club_but_not_a_members_points(client: TestClient, db: Session,
                                                               shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)]))
    db.commit()
    customer_id = db.scalar(select(Customer.id).where(Customer.external_id == "c-1"))
    base = logged_in(client, db, shop, "marketer")
    assert post(client, f"{base}/tiers", TIERS[0]).status_code == 303
    page_path = f"/admin/shops/{shop.shop.slug}/customers/{customer_id}"
    assert "Adjust points" not in client.get(page_path, headers=ENGLISH).text
    refused = post(client, f"{page_path}/loyalty/adjust", {"points": "100", "reason": "Hei"})
    assert refused.status_code == 403 and count(db, LedgerEntry) == 1


def test_a_manual_tier_shows_on_the_members_card(client: TestClient, db: Session, shop: ShopWithKeys,
                                                  frozen: FrozenClock) -> None:
    club(db, shop.shop)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 100000)]))
    db.commit()
    customer_id = db.scalar(select(Customer.id).where(Customer.external_id == "c-1"))
    base = logged_in(client, db, shop)
    for tier in TIERS:
        post(client, f"{base}/tiers", tier)
    gold = db.scalar(select(Tier.id).where(Tier.name == "Gull"))
    page_path = f"/admin/shops/{shop.shop.slug}/customers/{customer_id}"
    page = client.get(page_path, headers=ENGLISH).text
    assert metric(page, "club-tier") == "No tier yet" and "Bronse is reached" in page  # moves up with the next order
    past = post(client, f"{page_path}/loyalty/tier", {"tier_id": str(gold), "until": "2026-01-01"})
    assert past.status_code == 422 and 'data-error-field="until"' in past.text
    assert post(client, f"{page_path}/loyalty/tier", {"tier_id": str(gold), "until": "2026-12-31"}).status_code == 303
    page = client.get(page_path, headers=ENGLISH).text
    assert metric(page, "club-tier") == "Gull" and "set by hand through 31 Dec 2026" in page
    assert "The highest tier." in page


def test_the_numbers_are_exact_for_a_small_ledger(client: TestClient, db: Session, shop: ShopWithKeys,
                                                  frozen: FrozenClock) -> None:
    club(db, shop.shop, expiry_months=1, point_value_per_1000=2500)
    for customer in ("c-2", "c-3"):  # customers without a paid order
        put_order(db, shop.shop, f"o-{customer}", order_body(customer, [("l-1", 1, 100)], status="placed"))
    ids = dict(db.execute(select(Customer.external_id, Customer.id)).all())
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 100000)]))  # 1000 pending
    accrual.adjust(db, shop.shop, ids["c-3"], 300, "Velkommen", None, "test", T0 - timedelta(days=60), "adjust:old")
    maintenance.expire_due(db, shop.shop, repository.program(db, shop.shop.id), T0)  # the 300 expire
    accrual.adjust(db, shop.shop, ids["c-2"], 500, "Gave", None, "test", T0, "adjust:gift")
    accrual.adjust(db, shop.shop, ids["c-2"], -200, "Brukt i butikk", None, "test", T0, "adjust:used")
    db.commit()
    base = logged_in(client, db, shop)
    page = client.get(base, headers=ENGLISH).text
    figures = {name: metric(page, name) for name in ("members", "issued", "redeemed", "expired", "outstanding",
                                                     "liability", "redemption-rate", "reversed")}
    assert figures == {"members": "3", "issued": "1,800", "redeemed": "200", "expired": "300", "outstanding": "1,300",
                       "liability": "NOK\xa032.50", "redemption-rate": "13.3%", "reversed": "0"}
    assert "1,000 pending, 300 available" in page and "200 redeemed of 1,500 earned" in page
    norwegian = client.get(base, headers=NORWEGIAN).text
    assert metric(norwegian, "liability") == "32,50\xa0kr" and metric(norwegian, "issued") == "1\xa0800"


def test_another_shops_user_sees_none_of_the_club(client: TestClient, db: Session, shop: ShopWithKeys,
                                                  other_shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)]))
    db.commit()
    customer_id = db.scalar(select(Customer.id).where(Customer.external_id == "c-1"))
    log_in(client, user_with_role(db, other_shop, "eier@fjell.no", "owner"), headers=ENGLISH)
    base = f"/admin/shops/{shop.shop.slug}/loyalty"
    for path in (base, f"{base}/settings", f"{base}/rules", f"{base}/tiers", f"{base}/rewards", f"{base}/offers"):
        assert client.get(path).status_code == 404, path
    for path, data in ((f"{base}/settings", SETTINGS), (f"{base}/tiers", TIERS[0]),
                       (f"/admin/shops/{shop.shop.slug}/customers/{customer_id}/loyalty/adjust",
                        {"points": "100", "reason": "x"})):
        assert post(client, path, data).status_code == 404, path
    assert count(db, Tier) == 0 and count(db, LedgerEntry) == 1
    other_page = client.get(f"/admin/shops/{other_shop.shop.slug}/customers/{customer_id}")
    assert other_page.status_code == 404


def test_pages_need_a_login_and_forms_the_csrf_token(client: TestClient, db: Session, shop: ShopWithKeys) -> None:
    base = f"/admin/shops/{shop.shop.slug}/loyalty"
    assert client.get(base, follow_redirects=False).headers["location"] == "/admin/login"
    logged_in(client, db, shop)
    forged = client.post(f"{base}/settings", data=SETTINGS | {"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and db.get(LoyaltyProgram, shop.shop.id) is None


def test_offers_are_listed_and_edited(client: TestClient, db: Session, shop: ShopWithKeys) -> None:
    base = logged_in(client, db, shop)
    post(client, f"{base}/settings", SETTINGS)
    for tier in TIERS:
        post(client, f"{base}/tiers", tier)
    gold = db.scalar(select(Tier.id).where(Tier.name == "Gull"))
    offer = [("code", "GULLSALG"), ("name", "Gull først"), ("tier_ids", str(gold)), ("starts_at", "2026-11-27T00:00"),
             ("ends_at", "2026-11-30T23:59"), ("use_tier_early_access", "on"), ("active", "on")]
    assert post(client, f"{base}/offers", offer).status_code == 303
    stored = db.scalars(select(MemberOffer)).one()
    assert (stored.code, stored.tier_ids, stored.starts_at.isoformat()) == ("GULLSALG", [gold], "2026-11-26T23:00:00+00:00")
    page = client.get(f"{base}/offers", headers=ENGLISH).text
    assert "GULLSALG" in page and "Gull først" in page
    edit = client.get(f"{base}/offers", params={"edit": stored.id}, headers=ENGLISH).text
    assert 'value="2026-11-27T00:00"' in edit and f'value="{gold}" checked' in edit
    renamed = [(name, "Gull-helg" if name == "name" else value) for name, value in offer] + [("editing", str(stored.id))]
    assert post(client, f"{base}/offers", renamed).status_code == 303
    db.refresh(stored)
    assert stored.name == "Gull-helg" and count(db, MemberOffer) == 1
