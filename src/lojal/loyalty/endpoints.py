"""The club's API: the programme and its rules, tiers, rewards and offers (admin scope); a
member's state, ledger, rewards and redemptions; code validation and simulation for checkouts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from lojal.api.deps import Admin, Ingest, Read, SessionDependency
from lojal.api.idempotency import run_idempotently
from lojal.customers import service as customers
from lojal.errors import NotFound
from lojal.kit.clock import utcnow
from lojal.loyalty import accrual, program as programs, repository, rewards, service, tiers
from lojal.loyalty.schemas import (
    AdjustmentIn,
    CodeValidationIn,
    CodeValidationOut,
    OfferIn,
    OfferOut,
    ProgramIn,
    ProgramOut,
    RedemptionIn,
    RedemptionOut,
    RewardIn,
    RewardOut,
    RuleIn,
    RuleOut,
    SimulationIn,
    TierIn,
    TierOut,
)

router = APIRouter(prefix="/api/v1", tags=["loyalty"])
CustomerPath = Annotated[str, Path(description="The shop's external id, or id:<n> for Lojal's id", examples=["c-981"])]


class ManualTierIn(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"tier_id": 3, "until": "2027-01-01T00:00:00+01:00"}]}}

    tier_id: int
    until: AwareDatetime = Field(description="The tier holds until then; afterwards the member is reviewed")


@router.get("/loyalty/program", response_model=ProgramOut, summary="The club's settings")
def get_program(principal: Read, session: SessionDependency) -> Any:
    return programs.program_view(session, principal.shop, programs.require_program(session, principal.shop))


@router.put("/loyalty/program", response_model=ProgramOut, summary="Set up the club or change its settings")
def put_program(data: Annotated[ProgramIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    """A new earning rate (``points`` per ``per_amount``) makes a new version of the spend rule;
    points already earned keep the version that earned them."""
    program = programs.set_up(session, principal.shop, data, f"api:key-{principal.api_key_id}", utcnow())
    view = programs.program_view(session, principal.shop, program)
    session.commit()
    return view


@router.get("/loyalty/rules", response_model=list[RuleOut], summary="Earning rules (live versions, or all)")
def list_rules(principal: Read, session: SessionDependency,
               all_versions: Annotated[bool, Query(description="Retired versions too")] = False) -> Any:
    if all_versions:  # retired rules too, by key and version
        return sorted(repository.all_rule_versions(session, principal.shop.id), key=lambda rule: (rule.key, rule.version))
    return repository.current_rules(session, principal.shop.id)


@router.post("/loyalty/rules", response_model=RuleOut, status_code=201, summary="Add a rule, or a new version of one")
def post_rule(data: Annotated[RuleIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    rule = programs.save_rule(session, principal.shop, data, f"api:key-{principal.api_key_id}", utcnow())
    view = RuleOut.model_validate(rule)
    session.commit()
    return view


@router.delete("/loyalty/rules/{key}", response_model=RuleOut, summary="Retire a rule")
def delete_rule(key: str, principal: Admin, session: SessionDependency) -> Any:
    rule = programs.retire_rule(session, principal.shop, key, utcnow())
    view = RuleOut.model_validate(rule)
    session.commit()
    return view


@router.get("/loyalty/tiers", response_model=list[TierOut], summary="Tiers, lowest first")
def list_tiers(principal: Read, session: SessionDependency) -> Any:
    return repository.tiers(session, principal.shop.id, active_only=False)


@router.post("/loyalty/tiers", response_model=TierOut, status_code=201, summary="Add a tier")
def post_tier(data: Annotated[TierIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    return _commit(session, TierOut.model_validate(tiers.save_tier(session, principal.shop, data)))


@router.put("/loyalty/tiers/{tier_id}", response_model=TierOut, summary="Change a tier")
def put_tier(tier_id: int, data: Annotated[TierIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    return _commit(session, TierOut.model_validate(tiers.save_tier(session, principal.shop, data, tier_id)))


@router.get("/loyalty/rewards", response_model=list[RewardOut], summary="The rewards catalogue")
def list_rewards(principal: Read, session: SessionDependency) -> Any:
    return repository.rewards(session, principal.shop.id)


@router.post("/loyalty/rewards", response_model=RewardOut, status_code=201, summary="Add a reward")
def post_reward(data: Annotated[RewardIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    return _commit(session, RewardOut.model_validate(rewards.save_reward(session, principal.shop, data, utcnow())))


@router.put("/loyalty/rewards/{reward_id}", response_model=RewardOut, summary="Change a reward")
def put_reward(reward_id: int, data: Annotated[RewardIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    reward = rewards.save_reward(session, principal.shop, data, utcnow(), reward_id)
    return _commit(session, RewardOut.model_validate(reward))


@router.get("/loyalty/offers", response_model=list[OfferOut], summary="Member-only offers")
def list_offers(principal: Read, session: SessionDependency) -> Any:
    return repository.offers(session, principal.shop.id)


@router.post("/loyalty/offers", response_model=OfferOut, status_code=201, summary="Add a member-only offer")
def post_offer(data: Annotated[OfferIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    return _commit(session, OfferOut.model_validate(rewards.save_offer(session, principal.shop, data, utcnow())))


@router.put("/loyalty/offers/{offer_id}", response_model=OfferOut, summary="Change a member-only offer")
def put_offer(offer_id: int, data: Annotated[OfferIn, Body()], principal: Admin, session: SessionDependency) -> Any:
    offer = rewards.save_offer(session, principal.shop, data, utcnow(), offer_id)
    return _commit(session, OfferOut.model_validate(offer))


def _commit(session: Any, view: Any) -> Any:
    session.commit()
    return view


@router.get("/customers/{customer}/loyalty", summary="A member's points, tier, progress and next reward")
def member_state(customer: CustomerPath, principal: Read, session: SessionDependency) -> Any:
    """Balances by state (pending, available, spent, expired, reversed, owed, lifetime earned), the
    tier with what is left to the next one and to keep this one, and the nearest reward."""
    found = customers.find(session, principal.shop, customer)
    return service.member_state(session, principal.shop, found, utcnow())


@router.get("/customers/{customer}/loyalty/ledger", summary="A member's ledger, newest first, with reasons")
def member_ledger(customer: CustomerPath, principal: Read, session: SessionDependency,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  before: Annotated[int | None, Query(description="Entries older than this entry id")] = None) -> Any:
    found = customers.find(session, principal.shop, customer)
    entries = service.history(session, principal.shop, found, limit, before)
    return {"data": entries, "next_before": entries[-1]["id"] if len(entries) == limit else None}


@router.get("/customers/{customer}/loyalty/rewards", summary="Rewards, and whether this member can redeem each now")
def member_rewards(customer: CustomerPath, principal: Read, session: SessionDependency) -> Any:
    found = customers.find(session, principal.shop, customer)
    return rewards.available_rewards(session, principal.shop, repository.account(session, principal.shop.id, found.id),
                                     utcnow())


@router.get("/customers/{customer}/redemptions", response_model=list[RedemptionOut], summary="A member's codes")
def member_redemptions(customer: CustomerPath, principal: Read, session: SessionDependency) -> Any:
    found = customers.find(session, principal.shop, customer)
    return repository.redemptions_of_member(session, principal.shop.id, found.id)


@router.post("/customers/{customer}/redemptions", response_model=RedemptionOut, status_code=201,
             summary="Redeem a reward: spend points, get a code",
             responses={409: {"description": "Not enough points, out of stock, tier too low, limit reached"}})
def redeem(customer: CustomerPath, data: Annotated[RedemptionIn, Body()], principal: Ingest, session: SessionDependency,
           request: Request, idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Response:
    """Send an ``Idempotency-Key``: a retried request then answers with the same code and spends nothing more."""
    found = customers.find(session, principal.shop, customer)

    def work() -> tuple[int, Any]:
        program = programs.require_program(session, principal.shop)
        redemption = rewards.redeem(session, principal.shop, program, found.id, data.reward_id,
                                    f"api:key-{principal.api_key_id}", utcnow())
        return 201, RedemptionOut.model_validate(redemption).model_dump(mode="json")

    return run_idempotently(session, principal.shop.id, idempotency_key, "POST", request.url.path,
                            data.model_dump_json().encode(), work)


@router.post("/customers/{customer}/redemptions/{redemption_id}/cancel", response_model=RedemptionOut,
             summary="Cancel an unused code: its points go back to the lots they came from")
def cancel_redemption(customer: CustomerPath, redemption_id: int, principal: Ingest, session: SessionDependency,
                      request: Request, idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
                      ) -> Response:
    found = customers.find(session, principal.shop, customer)

    def work() -> tuple[int, Any]:
        redemption = rewards.cancel(session, principal.shop, found.id, redemption_id, f"api:key-{principal.api_key_id}",
                                    utcnow())
        return 200, RedemptionOut.model_validate(redemption).model_dump(mode="json")

    return run_idempotently(session, principal.shop.id, idempotency_key, "POST", request.url.path, b"", work)


@router.post("/customers/{customer}/loyalty/adjustments", status_code=201, summary="Add or take points, with a reason")
def adjust(customer: CustomerPath, data: Annotated[AdjustmentIn, Body()], principal: Admin, session: SessionDependency,
           request: Request, idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Response:
    found = customers.find(session, principal.shop, customer)

    def work() -> tuple[int, Any]:
        now = utcnow()
        accrual.adjust(session, principal.shop, found.id, data.points, data.reason, data.note,
                       f"api:key-{principal.api_key_id}", now, f"adjust:{idempotency_key or uuid4()}")
        return 201, service.member_state(session, principal.shop, found, now)

    return run_idempotently(session, principal.shop.id, idempotency_key, "POST", request.url.path,
                            data.model_dump_json().encode(), work)


@router.put("/customers/{customer}/loyalty/tier", summary="Give a member a tier until a date")
def manual_tier(customer: CustomerPath, data: Annotated[ManualTierIn, Body()], principal: Admin,
                session: SessionDependency) -> Any:
    found = customers.find(session, principal.shop, customer)
    now = utcnow()
    tiers.set_manual_tier(session, principal.shop, found.id, data.tier_id, data.until, now)
    state = service.member_state(session, principal.shop, found, now)
    session.commit()
    return state


@router.post("/codes/validate", response_model=CodeValidationOut, summary="May this customer use this code now?")
def validate_code(data: Annotated[CodeValidationIn, Body()], principal: Read, session: SessionDependency) -> Any:
    """For the shop's checkout: a member's reward code, or a member-only offer code, checked for
    this customer (none for a guest) and order total. Answers ``valid`` and a ``reason``."""
    customer_id = None
    if data.customer:
        try:
            customer_id = customers.find(session, principal.shop, data.customer).id
        except NotFound:
            customer_id = None
    return rewards.validate(session, principal.shop, data.code, customer_id, data.order_total, utcnow())


@router.post("/loyalty/simulate", summary="The points an order would earn (changes nothing)")
def simulate(data: Annotated[SimulationIn, Body()], principal: Read, session: SessionDependency) -> Any:
    body = data.model_dump()
    customer = None
    reference = (body.get("customer") or {}).get("external_id")
    if reference:
        try:
            customer = customers.find(session, principal.shop, reference)
        except NotFound:
            customer = None
    return service.simulate(session, principal.shop, body, customer)

