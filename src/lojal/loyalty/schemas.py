"""What the club's API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lojal.kit.validation import ExternalId

Rounding = Literal["down", "nearest", "up"]
ExpiryPolicy = Literal["never", "lot_age", "inactivity"]
TierBasis = Literal["spend", "points"]
TierWindow = Literal["rolling_12", "calendar_year", "lifetime"]
RuleKind = Literal["multiplier", "campaign", "action"]
Action = Literal["signup", "birthday", "profile_completed", "review", "review_with_photo", "newsletter_consent",
                 "referral", "custom"]
LimitPeriod = Literal["day", "week", "month", "year", "lifetime"]
RewardKind = Literal["amount_off", "percent_off", "free_shipping", "free_product", "gift"]

PROGRAM_EXAMPLE = {
    "name": "Nordlys-klubben", "points": 1, "per_amount": 100, "rounding": "down", "include_shipping": False,
    "include_tax": True, "excluded_skus": ["GAVEKORT"], "excluded_categories": ["Gavekort"], "pending_days": 14,
    "expiry_policy": "lot_age", "expiry_months": 24, "expiry_warning_days": 30, "allow_negative_balance": False,
    "point_value_per_1000": 1000, "tier_basis": "spend", "tier_window": "rolling_12", "code_prefix": "NORDLYS-",
    "code_length": 10, "code_valid_days": 90, "refund_points_on_code_expiry": True,
}


class ProgramIn(BaseModel):
    """The programme's settings. ``points`` per ``per_amount`` minor units is the base earning
    rate (1 per 100 øre = 1 point per krone); changing it makes a new version of the spend rule."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PROGRAM_EXAMPLE]})

    name: str = Field(default="Kundeklubb", min_length=1, max_length=200)
    enabled: bool = True
    points: int = Field(default=1, ge=0, le=1_000_000)
    per_amount: int = Field(default=100, ge=1, le=100_000_000)
    rounding: Rounding = "down"
    include_shipping: bool = False
    include_tax: bool = True
    excluded_skus: list[str] = Field(default_factory=list, max_length=1000)
    excluded_categories: list[str] = Field(default_factory=list, max_length=1000)
    earn_from: AwareDatetime | None = None
    pending_days: int = Field(default=14, ge=0, le=365)
    expiry_policy: ExpiryPolicy = "lot_age"
    expiry_months: int = Field(default=24, ge=1, le=240)
    expiry_warning_days: int = Field(default=30, ge=0, le=365)
    allow_negative_balance: bool = False
    point_value_per_1000: int = Field(default=1000, ge=0, le=10**9)
    tier_basis: TierBasis = "spend"
    tier_window: TierWindow = "rolling_12"
    code_prefix: str = Field(default="LOJAL-", max_length=16, pattern=r"^[A-Za-z0-9_-]*$")
    code_length: int = Field(default=10, ge=8, le=32)
    code_valid_days: int = Field(default=90, ge=1, le=3650)
    refund_points_on_code_expiry: bool = True


class ProgramOut(ProgramIn):
    currency: str
    spend_rule_id: int | None
    spend_rule_version: int | None


RULE_EXAMPLE = {"key": "weekend-double", "kind": "campaign", "name": "Dobbel poeng i helgen",
                "multiplier_percent": 200, "starts_at": "2026-03-13T00:00:00+01:00",
                "ends_at": "2026-03-16T00:00:00+01:00"}


class RuleIn(BaseModel):
    """A multiplier (products or categories, or tiers), a time-boxed campaign, or points for an
    action. Saving a rule with an existing ``key`` makes a new version of it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        RULE_EXAMPLE,
        {"key": "tennis-x3", "kind": "multiplier", "name": "Trippel poeng på tennis", "multiplier_percent": 300,
         "categories": ["Tennis"]},
        {"key": "birthday", "kind": "action", "name": "Bursdagspoeng", "action": "birthday", "points": 200,
         "limit_count": 1, "limit_period": "year"},
    ]})

    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: RuleKind
    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    points: int = Field(default=0, ge=0, le=10_000_000)
    multiplier_percent: int = Field(default=100, ge=100, le=10_000)
    skus: list[str] = Field(default_factory=list, max_length=1000)
    categories: list[str] = Field(default_factory=list, max_length=1000)
    tiers: list[int] = Field(default_factory=list, max_length=100)
    action: Action | None = None
    custom_event: str | None = Field(default=None, max_length=64)
    """For ``action: custom``: the name of the custom event (POST /api/v1/events) that earns."""
    limit_count: int | None = Field(default=None, ge=1, le=1_000_000)
    limit_period: LimitPeriod | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RuleIn:
        if self.kind == "action":
            if self.action is None:
                raise ValueError("an action rule needs 'action'")
            if self.points <= 0:
                raise ValueError("an action rule needs 'points' above 0")
            if self.action == "custom" and not self.custom_event:
                raise ValueError("action 'custom' needs 'custom_event'")
        elif self.multiplier_percent <= 100:
            raise ValueError("a multiplier or campaign needs 'multiplier_percent' above 100")
        if self.kind == "campaign" and (self.starts_at is None or self.ends_at is None):
            raise ValueError("a campaign needs 'starts_at' and 'ends_at'")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("'ends_at' must be after 'starts_at'")
        return self


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    version: int
    kind: str
    name: str
    active: bool
    points: int
    per_amount: int
    multiplier_percent: int
    skus: list[str]
    categories: list[str]
    tiers: list[int]
    action: str | None
    limit_count: int | None
    limit_period: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime
    created_by: str | None
    retired_at: datetime | None


TIER_EXAMPLE = {"name": "Gull", "position": 3, "threshold": 1500000, "retain_threshold": 1200000,
                "multiplier_percent": 150, "free_shipping": True, "early_access_hours": 48,
                "description": "Fri frakt, 1,5x poeng og 48 timers forsprang på salg"}


class TierIn(BaseModel):
    """A level. ``threshold`` and ``retain_threshold`` are spend in minor units or points earned in
    the programme's window, by its ``tier_basis``; the lowest tier usually has threshold 0."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [TIER_EXAMPLE]})

    name: str = Field(min_length=1, max_length=100)
    position: int = Field(ge=0, le=1000)
    threshold: int = Field(ge=0, le=10**12)
    retain_threshold: int | None = Field(default=None, ge=0, le=10**12)
    multiplier_percent: int = Field(default=100, ge=100, le=10_000)
    free_shipping: bool = False
    member_prices: bool = False
    early_access_hours: int = Field(default=0, ge=0, le=24 * 90)
    description: str = Field(default="", max_length=2000)
    active: bool = True

    @model_validator(mode="after")
    def _retain(self) -> TierIn:
        if self.retain_threshold is not None and self.retain_threshold > self.threshold:
            raise ValueError("'retain_threshold' cannot be above 'threshold'")
        return self


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    position: int
    threshold: int
    retain_threshold: int
    multiplier_percent: int
    free_shipping: bool
    member_prices: bool
    early_access_hours: int
    description: str
    active: bool


REWARD_EXAMPLE = {"name": "100 kr rabatt", "kind": "amount_off", "points_cost": 1000, "value": 10000,
                  "minimum_order": 50000, "per_member_limit": 5}


class RewardIn(BaseModel):
    """``value``: minor units for ``amount_off``, percent for ``percent_off``, else 0."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        REWARD_EXAMPLE, {"name": "Gratis kaffefilter", "kind": "free_product", "points_cost": 400,
                         "product_sku": "KF-4-100", "min_tier_id": None, "stock": 200}]})

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    kind: RewardKind
    points_cost: int = Field(ge=1, le=10**9)
    value: int = Field(default=0, ge=0, le=10**10)
    product_sku: str | None = Field(default=None, max_length=255)
    minimum_order: int = Field(default=0, ge=0, le=10**10)
    min_tier_id: int | None = None
    available_from: AwareDatetime | None = None
    available_until: AwareDatetime | None = None
    stock: int | None = Field(default=None, ge=0, le=10**9)
    per_member_limit: int | None = Field(default=None, ge=1, le=10_000)
    active: bool = True

    @model_validator(mode="after")
    def _value(self) -> RewardIn:
        if self.kind == "amount_off" and self.value <= 0:
            raise ValueError("an amount_off reward needs 'value' in minor units")
        if self.kind == "percent_off" and not 1 <= self.value <= 100:
            raise ValueError("a percent_off reward needs 'value' between 1 and 100")
        if self.kind == "free_product" and not self.product_sku:
            raise ValueError("a free_product reward needs 'product_sku'")
        return self


class RewardOut(RewardIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class RedemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reward_id": 12}]})

    reward_id: int


class RedemptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reward_id: int
    points: int
    code: str
    status: str
    expires_at: datetime
    used_at: datetime | None
    cancelled_at: datetime | None
    reward: dict[str, Any] = Field(validation_alias="reward_snapshot")
    created_at: datetime


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"points": 250, "reason": "Beklager forsinket levering", "note": "Sak #4411"}]})

    points: int = Field(ge=-10**9, le=10**9)
    reason: str = Field(min_length=1, max_length=500)
    """Shown to the customer."""
    note: str | None = Field(default=None, max_length=2000)
    """Only for the shop."""

    @model_validator(mode="after")
    def _not_zero(self) -> AdjustmentIn:
        if self.points == 0:
            raise ValueError("points cannot be 0")
        return self


class CodeValidationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "NORDLYS-7K2M9QX4TB", "customer": "c-981", "order_total": 79900}]})

    code: str = Field(min_length=1, max_length=64)
    customer: ExternalId | None = None
    """The shop's id of the logged-in customer (``id:<n>`` for Lojal's id); none for a guest."""
    order_total: int | None = Field(default=None, ge=0)


class CodeValidationOut(BaseModel):
    valid: bool
    reason: str
    """``ok``, ``unknown_code``, ``not_logged_in``, ``other_member``, ``used``, ``expired``, ``cancelled``,
    ``not_started``, ``ended``, ``tier_required``, ``minimum_order``."""
    message: str
    kind: str | None = None
    value: int | None = None
    product_sku: str | None = None
    expires_at: datetime | None = None


class SimulationIn(BaseModel):
    """An order as PUT /api/v1/orders takes it (only what counts for points is read)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "customer": {"external_id": "c-981"}, "placed_at": "2026-03-14T18:22:05+01:00", "currency": "NOK",
        "status": "paid", "subtotal": 53880, "discount_total": 5000, "shipping_total": 4900, "total": 53780,
        "lines": [{"external_id": "l-1", "sku": "KF-4-100", "quantity": 2, "unit_price": 3990, "total": 7980}]}]})


OFFER_EXAMPLE = {"code": "GULLSALG", "name": "Gull-medlemmer først", "tier_ids": [3],
                 "starts_at": "2026-11-27T00:00:00+01:00", "ends_at": "2026-11-30T23:59:59+01:00"}


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [OFFER_EXAMPLE]})

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    tier_ids: list[int] = Field(default_factory=list, max_length=100)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    use_tier_early_access: bool = True
    active: bool = True


class OfferOut(OfferIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
