"""The customer club: a shop's programme, its versioned earning rules, members' accounts, the
points lots and the append-only ledger, tiers, rewards, redemptions (with their discount codes)
and member-only offers.

The ledger is the truth. Every entry carries signed deltas per state (pending, available, spent,
expired, reversed, debt, lifetime earned); an account's balances are the sums of its entries'
deltas, and a lot's ``remaining`` is what its own entries left in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import JSONType, UTCDateTime

LOT_STATES = ("pending", "available")
ENTRY_KINDS = ("earn", "release", "reverse", "spend", "spend_cancel", "expire", "adjust", "settle", "write_off")


class LoyaltyProgram(Base):
    """One programme per shop: what counts, when points become available and when they expire."""

    __tablename__ = "loyalty_programs"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    rounding: Mapped[str] = mapped_column(String(8), default="down")
    include_shipping: Mapped[bool] = mapped_column(default=False)
    include_tax: Mapped[bool] = mapped_column(default=True)
    excluded_skus: Mapped[list[str]] = mapped_column(JSONType, default=list)
    excluded_categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    earn_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Orders placed before this earn nothing (so importing years of history pays nothing out)."""
    pending_days: Mapped[int] = mapped_column(Integer, default=14)
    expiry_policy: Mapped[str] = mapped_column(String(16), default="lot_age")
    expiry_months: Mapped[int] = mapped_column(Integer, default=24)
    expiry_warning_days: Mapped[int] = mapped_column(Integer, default=30)
    allow_negative_balance: Mapped[bool] = mapped_column(default=False)
    point_value_per_1000: Mapped[int] = mapped_column(BigInteger, default=1000)
    """What 1,000 points are worth in minor units of the programme currency (for the liability)."""
    tier_basis: Mapped[str] = mapped_column(String(8), default="spend")
    tier_window: Mapped[str] = mapped_column(String(16), default="rolling_12")
    code_prefix: Mapped[str] = mapped_column(String(16), default="LOJAL-")
    code_length: Mapped[int] = mapped_column(Integer, default=10)
    code_valid_days: Mapped[int] = mapped_column(Integer, default=90)
    refund_points_on_code_expiry: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EarningRule(ShopScoped, Base):
    """One version of an earning rule. Changing a rule adds a version and retires the old one;
    lots keep the id of the version that made them, so a refund reverses by that version."""

    __tablename__ = "loyalty_earning_rules"
    __table_args__ = (
        Index("uq_loyalty_earning_rules_key_version", "shop_id", "key", "version", unique=True),
        Index("ix_loyalty_earning_rules_current", "shop_id", "retired_at"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    """spend (the base rate), multiplier (products/categories), campaign (time-boxed), action."""
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    """spend: points per ``per_amount``; action: points per occurrence."""
    per_amount: Mapped[int] = mapped_column(BigInteger, default=100)
    multiplier_percent: Mapped[int] = mapped_column(Integer, default=100)
    skus: Mapped[list[str]] = mapped_column(JSONType, default=list)
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    tiers: Mapped[list[int]] = mapped_column(JSONType, default=list)
    action: Mapped[str | None] = mapped_column(String(64))
    limit_count: Mapped[int | None] = mapped_column(Integer)
    limit_period: Mapped[str | None] = mapped_column(String(8))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(320))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoyaltyAccount(Base):
    """A member's balances by state: always the sums of the ledger (cached here, locked per change)."""

    __tablename__ = "loyalty_accounts"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "customer_id"], ["customers.shop_id", "customers.id"]),
        Index("ix_loyalty_accounts_shop_tier", "shop_id", "tier_id"),
    )

    shop_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pending: Mapped[int] = mapped_column(BigInteger, default=0)
    available: Mapped[int] = mapped_column(BigInteger, default=0)
    spent: Mapped[int] = mapped_column(BigInteger, default=0)
    expired: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    debt: Mapped[int] = mapped_column(BigInteger, default=0)
    """Points clawed back after they were spent, owed out of the next points (when allowed)."""
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    tier_id: Mapped[int | None] = mapped_column(BigInteger)
    tier_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """End of the qualification period: the earliest a downgrade can happen."""
    manual_tier_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointLot(ShopScoped, Base):
    """One earning of points, keyed by what earned it, with what is left of it."""

    __tablename__ = "loyalty_lots"
    __table_args__ = (
        Index("uq_loyalty_lots_source", "shop_id", "source_key", unique=True),
        Index("ix_loyalty_lots_member", "shop_id", "customer_id", "earned_at", "id"),
        Index("ix_loyalty_lots_order", "shop_id", "order_id"),
        Index("ix_loyalty_lots_due", "shop_id", "state", "available_at",
              postgresql_where=text("remaining > 0"), sqlite_where=text("remaining > 0")),
        Index("ix_loyalty_lots_expiring", "shop_id", "expires_at",
              postgresql_where=text("remaining > 0"), sqlite_where=text("remaining > 0")),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    source_key: Mapped[str] = mapped_column(String(200))
    """order:<id>:line:<id>:rule:<id> | order:<id>:shipping:rule:<id> | action:<...> | adjust:<entry>."""
    rule_id: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    order_line_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10))
    earned: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    uncollected: Mapped[int] = mapped_column(BigInteger, default=0)
    """Of ``reversed``, what could not be taken back because it was spent (debt or written off)."""
    remaining: Mapped[int] = mapped_column(BigInteger, default=0)
    spent: Mapped[int] = mapped_column(BigInteger, default=0)
    expired: Mapped[int] = mapped_column(BigInteger, default=0)
    settled: Mapped[int] = mapped_column(BigInteger, default=0)
    """Paid out of this lot towards a debt from an earlier clawback."""
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerEntry(ShopScoped, Base):
    """Append-only. ``description`` is for the customer, ``note`` for the merchant only."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        Index("ix_loyalty_entries_member", "shop_id", "customer_id", "id"),
        Index("ix_loyalty_entries_lot", "shop_id", "lot_id"),
        Index("ix_loyalty_entries_shop_created", "shop_id", "created_at"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    operation: Mapped[str] = mapped_column(String(200))
    """Groups the entries of one act (a redemption touching three lots is one operation)."""
    pending_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    available_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    expired_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    debt_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    earned_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    rule_id: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    order_line_id: Mapped[int | None] = mapped_column(BigInteger)
    redemption_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(320))
    """system, job:<name>, api:<key prefix>, admin:<e-mail>."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Tier(ShopScoped, Base):
    __tablename__ = "loyalty_tiers"
    __table_args__ = (Index("ix_loyalty_tiers_shop_position", "shop_id", "position"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(BigInteger)
    """Spend (minor units) or points earned in the window, by the programme's ``tier_basis``."""
    retain_threshold: Mapped[int] = mapped_column(BigInteger)
    multiplier_percent: Mapped[int] = mapped_column(Integer, default=100)
    free_shipping: Mapped[bool] = mapped_column(default=False)
    member_prices: Mapped[bool] = mapped_column(default=False)
    early_access_hours: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class Reward(ShopScoped, Base):
    __tablename__ = "loyalty_rewards"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    """amount_off, percent_off, free_shipping, free_product, gift."""
    points_cost: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    """amount_off: minor units; percent_off: percent; others: 0."""
    product_sku: Mapped[str | None] = mapped_column(String(255))
    minimum_order: Mapped[int] = mapped_column(BigInteger, default=0)
    min_tier_id: Mapped[int | None] = mapped_column(BigInteger)
    available_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    available_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stock: Mapped[int | None] = mapped_column(BigInteger)
    """How many are left; None is unlimited. Taken under the redemption's row lock."""
    per_member_limit: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Redemption(ShopScoped, Base):
    """Points turned into a reward, with its unique discount code bound to the member."""

    __tablename__ = "loyalty_redemptions"
    __table_args__ = (
        Index("uq_loyalty_redemptions_code", "shop_id", "code", unique=True),
        Index("ix_loyalty_redemptions_member", "shop_id", "customer_id", "created_at"),
        Index("ix_loyalty_redemptions_expiring", "shop_id", "status", "expires_at"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    reward_id: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    """issued, used, cancelled, expired."""
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_order_id: Mapped[int | None] = mapped_column(BigInteger)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reward_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """The reward as it was when redeemed (kind, value, name), so later edits change nothing."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberOffer(ShopScoped, Base):
    """A code or campaign valid only for members of given tiers, with early access per tier."""

    __tablename__ = "loyalty_member_offers"
    __table_args__ = (Index("uq_loyalty_member_offers_code", "shop_id", "code", unique=True),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tier_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    """Empty: every member."""
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    use_tier_early_access: Mapped[bool] = mapped_column(default=True)
    """Members of a tier with early access may use it that many hours before ``starts_at``."""
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
