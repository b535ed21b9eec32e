"""The programme's settings and its versioned earning rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lojal.errors import NotFound, ValidationFailed
from lojal.loyalty import repository
from lojal.loyalty.schemas import ProgramIn, RuleIn
from lojal.models import EarningRule, LoyaltyProgram, Shop

SPEND_RULE = "spend"


def get_program(session: Session, shop: Shop) -> LoyaltyProgram | None:
    return repository.program(session, shop.id)


def require_program(session: Session, shop: Shop) -> LoyaltyProgram:
    program = repository.program(session, shop.id)
    if program is None:
        raise NotFound("this shop has no customer club yet: set it up with PUT /api/v1/loyalty/program",
                       field="program")
    return program


def spend_rule(session: Session, shop: Shop) -> EarningRule | None:
    return next((rule for rule in repository.current_rules(session, shop.id) if rule.key == SPEND_RULE), None)


def set_up(session: Session, shop: Shop, settings: ProgramIn, actor: str, now: datetime) -> LoyaltyProgram:
    """Create the programme or change its settings. A new earning rate is a new spend-rule version."""
    program = repository.program(session, shop.id)
    values = settings.model_dump(exclude={"points", "per_amount"})
    if program is None:
        program = LoyaltyProgram(shop_id=shop.id, currency=shop.currency, created_at=now, updated_at=now, **values)
        session.add(program)
    else:
        for name, value in values.items():
            setattr(program, name, value)
        program.updated_at = now
    current = spend_rule(session, shop)
    if current is None or (current.points, current.per_amount) != (settings.points, settings.per_amount):
        _new_version(session, shop, SPEND_RULE, now, actor, kind="spend", name="Points per spend",
                     points=settings.points, per_amount=settings.per_amount)
    session.flush()
    return program


def save_rule(session: Session, shop: Shop, rule: RuleIn, actor: str, now: datetime) -> EarningRule:
    """Add a rule, or a new version of the rule with this key (the old version is retired; lots
    it made keep pointing at it)."""
    require_program(session, shop)
    if rule.key == SPEND_RULE:
        raise ValidationFailed("the spend rule is set with the programme's points and per_amount", field="key")
    action = f"custom:{rule.custom_event}" if rule.action == "custom" else rule.action
    values = rule.model_dump(exclude={"key", "custom_event", "action"})
    return _new_version(session, shop, rule.key, now, actor, action=action, **values)


def retire_rule(session: Session, shop: Shop, key: str, now: datetime) -> EarningRule:
    versions = repository.rule_versions(session, shop.id, key)
    live = [version for version in versions if version.retired_at is None]
    if not live or key == SPEND_RULE:
        raise NotFound(f"no live rule {key!r}", field="key")
    live[0].retired_at = now
    session.flush()
    return live[0]


def _new_version(session: Session, shop: Shop, key: str, now: datetime, actor: str, **values: object) -> EarningRule:
    versions = repository.rule_versions(session, shop.id, key)
    for version in versions:
        if version.retired_at is None:
            version.retired_at = now
    rule = EarningRule(shop_id=shop.id, key=key, version=(versions[-1].version + 1) if versions else 1,
                       created_at=now, created_by=actor, retired_at=None, **values)
    session.add(rule)
    session.flush()
    return rule


def program_view(session: Session, shop: Shop, program: LoyaltyProgram) -> dict[str, object]:
    rule = spend_rule(session, shop)
    values = {name: getattr(program, name) for name in ProgramIn.model_fields if name not in ("points", "per_amount")}
    return values | {"points": rule.points if rule else 0, "per_amount": rule.per_amount if rule else 100,
                     "currency": program.currency, "spend_rule_id": rule.id if rule else None,
                     "spend_rule_version": rule.version if rule else None}
