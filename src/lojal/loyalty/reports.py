"""What the admin pages show of the club: the programme's numbers, a member's card and ledger,
and overviews of rules (with every version), tiers, rewards (with redemptions) and offers.

Read-only use cases for the web layer, which calls no repository itself."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lojal.loyalty import repository, tiers
from lojal.models import EarningRule, LedgerEntry, LoyaltyAccount, LoyaltyProgram, MemberOffer, Reward, Shop, Tier

RATE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ProgramNumbers:
    """Points are whole points; ``liability`` is minor units of ``currency``."""

    members: int
    issued: int
    redeemed: int
    expired: int
    reversed: int
    pending: int
    available: int
    outstanding: int
    liability: int
    currency: str
    point_value_per_1000: int
    earned_recently: int
    redeemed_recently: int
    redemption_rate: float | None
    """Redeemed / earned over the last ``RATE_WINDOW_DAYS`` days; None when nothing was earned."""
    since: datetime


def liability_of(points: int, point_value_per_1000: int) -> int:
    """What ``points`` are worth in minor units, rounded half up (never a float)."""
    value = points * point_value_per_1000
    return (value + 500) // 1000 if value >= 0 else -((-value + 500) // 1000)


def program_numbers(session: Session, shop: Shop, program: LoyaltyProgram, now: datetime) -> ProgramNumbers:
    since = now - timedelta(days=RATE_WINDOW_DAYS)
    numbers = repository.program_numbers(session, shop.id, since)
    outstanding = numbers["pending"] + numbers["available"]
    earned, spent = numbers["earned_recently"], numbers["spent_recently"]
    return ProgramNumbers(
        members=numbers["members"], issued=numbers["earned"], redeemed=numbers["spent"], expired=numbers["expired"],
        reversed=numbers["reversed"], pending=numbers["pending"], available=numbers["available"],
        outstanding=outstanding, liability=liability_of(outstanding, program.point_value_per_1000),
        currency=program.currency, point_value_per_1000=program.point_value_per_1000, earned_recently=earned,
        redeemed_recently=spent, redemption_rate=(spent / earned) if earned > 0 else None, since=since)


@dataclass
class LedgerLine:
    """Entries of one act summed (same kind, description and actor, and the same operation or the
    same moment): an order of three lines is one line here, and so is one run releasing three lots."""

    at: datetime
    operation: str
    kind: str
    description: str
    actor: str
    points: int = 0
    """The change of the points the member holds (pending + available - debt)."""
    pending: int = 0
    available: int = 0
    notes: list[str] = field(default_factory=list)
    entries: int = 0
    order_id: int | None = None
    redemption_id: int | None = None


def ledger_lines(entries: list[LedgerEntry]) -> list[LedgerLine]:
    """Newest first (as given), neighbouring entries of the same act merged (see ``LedgerLine``)."""
    lines: list[LedgerLine] = []
    for entry in entries:
        last = lines[-1] if lines else None
        same_act = last is not None and (last.kind, last.description, last.actor) == (
            entry.kind, entry.description, entry.actor) and (last.operation == entry.operation or last.at == entry.created_at)
        if last is None or not same_act:
            last = LedgerLine(entry.created_at, entry.operation, entry.kind, entry.description, entry.actor,
                              order_id=entry.order_id, redemption_id=entry.redemption_id)
            lines.append(last)
        last.points += entry.pending_delta + entry.available_delta - entry.debt_delta
        last.pending += entry.pending_delta
        last.available += entry.available_delta
        last.entries += 1
        if entry.note and entry.note not in last.notes:
            last.notes.append(entry.note)
    return lines


def member_card(session: Session, shop: Shop, customer_id: int, now: datetime, limit: int = 200) -> dict[str, Any] | None:
    """A member's balances by state, tier and progress, ledger and codes; None without a programme."""
    program = repository.program(session, shop.id)
    if program is None:
        return None
    account = repository.account(session, shop.id, customer_id)
    entries = repository.entries_of_member(session, shop.id, customer_id, limit=limit) if account else []
    return {"program": program, "account": account, "member": account is not None,
            "balances": _balances(account), "progress": tiers.progress_view(session, shop, program, account, customer_id, now),
            "ledger": ledger_lines(entries), "more": len(entries) == limit,
            "redemptions": repository.redemptions_of_member(session, shop.id, customer_id, 20) if account else [],
            "tiers": repository.tiers(session, shop.id)}


def _balances(account: LoyaltyAccount | None) -> dict[str, int]:
    names = ("pending", "available", "spent", "expired", "reversed", "debt", "lifetime_earned")
    return {name: getattr(account, name) if account else 0 for name in names}


def all_tiers(session: Session, shop: Shop) -> list[Tier]:
    return repository.tiers(session, shop.id, active_only=False)


def offers(session: Session, shop: Shop) -> list[MemberOffer]:
    return repository.offers(session, shop.id)


@dataclass
class RuleHistory:
    key: str
    live: EarningRule | None
    versions: list[EarningRule]
    """Newest first."""


def rule_histories(session: Session, shop: Shop) -> list[RuleHistory]:
    """Every rule key with its live version (None once retired) and all its versions."""
    by_key: dict[str, list[EarningRule]] = defaultdict(list)
    for rule in repository.all_rule_versions(session, shop.id):
        by_key[rule.key].append(rule)
    histories = [RuleHistory(key, next((rule for rule in versions if rule.retired_at is None), None), versions)
                 for key, versions in by_key.items()]
    order = {"spend": 0, "multiplier": 1, "campaign": 2, "action": 3}
    return sorted(histories, key=lambda history: (history.live is None, order.get(history.versions[0].kind, 9),
                                                  history.key))


def rule_history(session: Session, shop: Shop, key: str) -> RuleHistory | None:
    versions = list(reversed(repository.rule_versions(session, shop.id, key)))
    if not versions:
        return None
    return RuleHistory(key, next((rule for rule in versions if rule.retired_at is None), None), versions)


@dataclass
class RewardRow:
    reward: Reward
    redemptions: dict[str, int]
    """Codes by status: issued, used, cancelled, expired."""

    @property
    def redeemed(self) -> int:
        return sum(count for status, count in self.redemptions.items() if status != "cancelled")


def reward_rows(session: Session, shop: Shop) -> list[RewardRow]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for reward_id, status, count in repository.redemptions_by_reward_and_status(session, shop.id):
        counts[reward_id][status] = count
    return [RewardRow(reward, counts.get(reward.id, {})) for reward in repository.rewards(session, shop.id)]


def reward(session: Session, shop: Shop, reward_id: int) -> Reward | None:
    return repository.reward(session, shop.id, reward_id)
