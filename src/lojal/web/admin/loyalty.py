"""Admin pages of the customer club: the programme's numbers, its settings, earning rules (with
every version), tiers, rewards, member-only offers, and on a customer's page the member's card
with balances, tier progress, ledger, a manual adjustment and a manual tier.

Owners and marketers change the club; owners and support adjust a member's points and tier;
every role may look. Forms post with the CSRF token, the view commits, and bad input re-renders
the form (422) naming the field, with the session rolled back so nothing is half-written."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar
from uuid import uuid4
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lojal.customers import service as customers
from lojal.customers.timeline import timeline
from lojal.errors import LojalError, NotFound
from lojal.kit.clock import utcnow
from lojal.kit.money import from_minor, to_minor
from lojal.loyalty import accrual, reports, rewards, tiers
from lojal.loyalty import program as programs
from lojal.loyalty.schemas import AdjustmentIn, OfferIn, ProgramIn, RewardIn, RuleIn, TierIn
from lojal.models import LoyaltyProgram, Shop
from lojal.web.admin import pages
from lojal.web.admin.nav import register_nav
from lojal.web.admin.pages import FormDependency, Page, SessionDependency
from lojal.web.admin.security import PageNotFound
from lojal.web.admin.views import render
from lojal.web.i18n import N_, Translator

router = APIRouter(include_in_schema=False)
register_nav(N_("Customer club"), "loyalty", 30)

EDIT_ROLES = frozenset({"owner", "marketer"})
"""May change the programme, rules, tiers, rewards and offers."""
MEMBER_ROLES = frozenset({"owner", "support"})
"""May adjust a member's points and set a manual tier."""
OPERATION = re.compile(r"adjust:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BASE = "/admin/shops/{slug}/loyalty"

MODEL_MESSAGES = {
    "an action rule needs 'action'": ("action", N_("Choose the action that earns the points.")),
    "an action rule needs 'points' above 0": ("points", N_("An action rule needs points above 0.")),
    "action 'custom' needs 'custom_event'": ("custom_event", N_("Name the custom event that earns the points.")),
    "a multiplier or campaign needs 'multiplier_percent' above 100":
        ("multiplier_percent", N_("A multiplier or campaign needs a percentage above 100.")),
    "a campaign needs 'starts_at' and 'ends_at'": ("starts_at", N_("A campaign needs a start and an end.")),
    "'ends_at' must be after 'starts_at'": ("ends_at", N_("The end must be after the start.")),
    "'retain_threshold' cannot be above 'threshold'":
        ("retain_threshold", N_("The threshold to keep the tier cannot be above the threshold to reach it.")),
    "an amount_off reward needs 'value' in minor units": ("value", N_("An amount off needs an amount above 0.")),
    "a percent_off reward needs 'value' between 1 and 100": ("value", N_("A percent off needs a value from 1 to 100.")),
    "a free_product reward needs 'product_sku'": ("product_sku", N_("A free product needs the product's SKU.")),
    "points cannot be 0": ("points", N_("Enter points other than 0.")),
}
"""The schemas' own checks, as the pages say them (and which field they are about)."""

SERVICE_MESSAGES = (
    (re.compile(r"^not enough points: (-?\d+) available"), N_("Not enough points: the member has %(available)s available.")),
    (re.compile(r"^the code .* is taken$"), N_("This code is already in use.")),
    (re.compile(r"^the manual tier's end must be in the future$"), N_("The end date must be in the future.")),
)


Model = TypeVar("Model", bound=BaseModel)

LABELS = {
    "form": N_("Form"), "name": N_("Name"), "enabled": N_("The club is open"), "points": N_("Points"),
    "per_amount": N_("Per amount spent"), "rounding": N_("Rounding"), "include_shipping": N_("Shipping earns points"),
    "include_tax": N_("VAT earns points"), "excluded_skus": N_("Products that earn nothing (SKUs)"),
    "excluded_categories": N_("Categories that earn nothing"), "earn_from": N_("Orders earn points from"),
    "pending_days": N_("Pending period (days)"), "expiry_policy": N_("Points expire"),
    "expiry_months": N_("Months until points expire"), "expiry_warning_days": N_("Warn this many days before"),
    "allow_negative_balance": N_("A refund may leave a negative balance"),
    "point_value_per_1000": N_("What 1,000 points are worth"), "tier_basis": N_("Tiers are reached by"),
    "tier_window": N_("Counted over"), "code_prefix": N_("Code prefix"),
    "code_length": N_("Random characters in a code"), "code_valid_days": N_("Codes are valid for (days)"),
    "refund_points_on_code_expiry": N_("Unused codes give the points back"),
    "key": N_("Key"), "kind": N_("Kind"), "active": N_("Active"), "multiplier_percent": N_("Points multiplier (%)"),
    "skus": N_("Products (SKUs)"), "categories": N_("Categories"), "tiers": N_("Only for these tiers"),
    "action": N_("Action"), "custom_event": N_("Custom event name"), "limit_count": N_("At most"),
    "limit_period": N_("Per"), "starts_at": N_("Starts"), "ends_at": N_("Ends"),
    "position": N_("Position"), "threshold": N_("Threshold to reach"), "retain_threshold": N_("Threshold to keep"),
    "free_shipping": N_("Free shipping"), "member_prices": N_("Member prices"),
    "early_access_hours": N_("Early access (hours)"), "description": N_("Description"),
    "points_cost": N_("Cost in points"), "value": N_("Value"), "product_sku": N_("Product SKU"),
    "minimum_order": N_("Minimum order"), "min_tier_id": N_("Lowest tier"), "available_from": N_("Available from"),
    "available_until": N_("Available until"), "stock": N_("Stock"), "per_member_limit": N_("At most per member"),
    "code": N_("Code"), "tier_ids": N_("For these tiers"),
    "use_tier_early_access": N_("Tiers with early access may use it early"),
    "reason": N_("Reason (the customer sees it)"), "note": N_("Note (only the shop sees it)"), "tier_id": N_("Tier"),
    "until": N_("Until and including"),
}
"""Every form field's label, for the field and for the list of errors above the form."""


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


open_page = partial(pages.open_page, base=BASE)
open_change = partial(pages.open_change, base=BASE)


def show(page: Page, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    base = {"role": page.role, "can_edit": page.role in EDIT_ROLES, "base": page.url(),
            "flash": page.request.session.pop("loyalty_flash", None), "errors": {}, "kroner": kroner_text,
            "labels": LABELS}
    return render(page.request, name, base | context, shop=page.shop, user=page.user, status_code=status_code)


def saved(page: Page, location: str, message: str) -> RedirectResponse:
    page.request.session["loyalty_flash"] = message
    return RedirectResponse(location, status_code=303)


def kroner_text(minor: int | None, currency: str) -> str:
    """Minor units as a form shows them: 100 -> "1", 12990 -> "129.90"."""
    if minor is None:
        return ""
    value = from_minor(minor, currency)
    return str(int(value)) if value == value.to_integral_value() else str(value)


class FormReader:
    """Turns a posted form into the values a schema takes, noting what cannot be read (a number
    that is not one, a date that is not one) by field."""

    def __init__(self, form: FormData, currency: str, zone: ZoneInfo, translate: Translator) -> None:
        self.form, self.currency, self.zone, self._ = form, currency, zone, translate.gettext
        self.errors: dict[str, str] = {}

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def flag(self, name: str) -> bool:
        return self.text(name) in ("on", "true", "1", "yes")

    def whole(self, name: str, *, optional: bool = False) -> int | None:
        text = self.text(name).replace(" ", "").replace("\u00a0", "")
        if not text and optional:
            return None
        try:
            return int(text)
        except ValueError:
            self.errors[name] = self._("Enter a whole number.")
            return None

    def amount(self, name: str, *, optional: bool = False) -> int | None:
        text = self.text(name).replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not text and optional:
            return None
        try:
            return to_minor(text, self.currency)
        except ValueError:
            self.errors[name] = self._("Enter an amount in %(currency)s, like 129.90.", currency=self.currency)
            return None

    def words(self, name: str) -> list[str]:
        return [word.strip() for word in re.split(r"[,\n]", self.text(name)) if word.strip()]

    def numbers(self, name: str) -> list[int]:
        return [int(value) for value in self.form.getlist(name) if isinstance(value, str) and value.isdigit()]

    def moment(self, name: str) -> datetime | None:
        text = self.text(name)
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            self.errors[name] = self._("Enter a date and time.")
            return None
        return value.replace(tzinfo=self.zone) if value.tzinfo is None else value

    def day_end(self, name: str) -> datetime | None:
        """A date, meaning through the end of that day in the shop's time zone."""
        try:
            day = date.fromisoformat(self.text(name))
        except ValueError:
            self.errors[name] = self._("Enter a date.")
            return None
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=self.zone)

    def validated(self, model: type[Model], data: dict[str, Any]) -> Model:
        errors = dict(self.errors)
        result = None
        try:
            result = model.model_validate({name: value for name, value in data.items() if name not in errors})
        except ValidationError as error:
            for name, message in pydantic_errors(error, self._):
                errors.setdefault(name, message)
        if errors or result is None:
            raise FormInvalid(errors or {"form": self._("Check the form.")})
        return result


def pydantic_errors(error: ValidationError, _: Any) -> list[tuple[str, str]]:
    found = []
    for item in error.errors():
        message, context = str(item.get("msg", "")).removeprefix("Value error, "), item.get("ctx") or {}
        name = str(item["loc"][0]) if item.get("loc") else "form"
        kind = item.get("type", "")
        if message in MODEL_MESSAGES:
            name, text = MODEL_MESSAGES[message][0], _(MODEL_MESSAGES[message][1])
        elif kind in ("greater_than_equal", "greater_than"):
            text = _("Must be at least %(limit)s.", limit=context.get("ge", context.get("gt")))
        elif kind in ("less_than_equal", "less_than"):
            text = _("Must be at most %(limit)s.", limit=context.get("le", context.get("lt")))
        elif kind in ("string_too_short", "missing"):
            text = _("Fill this in.")
        elif kind == "string_too_long":
            text = _("Too long: at most %(limit)s characters.", limit=context.get("max_length"))
        elif kind == "string_pattern_mismatch":
            text = _("Use only letters, digits, dashes and underscores (a rule's key in lower case).")
        elif kind == "literal_error":
            text = _("Choose one of the options.")
        elif kind == "too_long":
            text = _("Too many entries.")
        else:
            text = message
        found.append((name, text))
    return found


def service_error(error: LojalError, _: Any) -> FormInvalid:
    for pattern, message in SERVICE_MESSAGES:
        match = pattern.match(error.message)
        if match:
            return FormInvalid({error.field or "form": _(message, available=match.group(1) if match.groups() else "")})
    return FormInvalid({error.field or "form": error.message})


def local_input(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""


def checked(value: bool) -> str:
    return "on" if value else ""


# ---- the programme -------------------------------------------------------------------------


def current_program(page: Page) -> LoyaltyProgram | None:
    return programs.get_program(page.session, page.shop)


@router.get(BASE)
def overview(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    page = open_page(request, session, slug)
    program = current_program(page)
    context: dict[str, Any] = {"program": program, "section": "overview"}
    if program is not None:
        context |= {"numbers": reports.program_numbers(session, page.shop, program, utcnow()),
                    "settings": programs.program_view(session, page.shop, program),
                    "tier_count": len(reports.all_tiers(session, page.shop)),
                    "reward_count": len(reports.reward_rows(session, page.shop))}
    return show(page, "admin/loyalty/overview.html", context)


def program_values(page: Page, program: LoyaltyProgram | None) -> dict[str, Any]:
    if program is None:
        settings = ProgramIn(name=page.translator.gettext("%(shop)s club", shop=page.shop.name)[:200],
                             code_prefix=(re.split(r"[^A-Z0-9]", page.shop.slug.upper())[0][:10] or "LOJAL") + "-")
        values: dict[str, Any] = settings.model_dump()
    else:
        values = programs.program_view(page.session, page.shop, program)
    currency = program.currency if program else page.shop.currency
    for name in ("per_amount", "point_value_per_1000"):
        values[name] = kroner_text(values[name], currency)
    for name in ProgramIn.model_fields:
        if isinstance(values.get(name), bool):
            values[name] = checked(values[name])
    values["excluded_skus"] = ", ".join(values["excluded_skus"])
    values["excluded_categories"] = ", ".join(values["excluded_categories"])
    values["earn_from"] = local_input(values["earn_from"], page.zone)
    return values


def program_from_form(reader: FormReader) -> ProgramIn:
    data = {name: reader.text(name) for name in ("name", "rounding", "expiry_policy", "tier_basis", "tier_window",
                                                 "code_prefix")}
    data |= {name: reader.flag(name) for name in ("enabled", "include_shipping", "include_tax",
                                                  "allow_negative_balance", "refund_points_on_code_expiry")}
    data |= {name: reader.whole(name) for name in ("points", "pending_days", "expiry_months", "expiry_warning_days",
                                                   "code_length", "code_valid_days")}
    data |= {"per_amount": reader.amount("per_amount"), "point_value_per_1000": reader.amount("point_value_per_1000"),
             "excluded_skus": reader.words("excluded_skus"), "excluded_categories": reader.words("excluded_categories"),
             "earn_from": reader.moment("earn_from")}
    return reader.validated(ProgramIn, data)


@router.get(BASE + "/settings")
def settings_page(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    page = open_page(request, session, slug)
    program = current_program(page)
    return show(page, "admin/loyalty/settings.html", settings_context(page, program, program_values(page, program)))


def settings_context(page: Page, program: LoyaltyProgram | None, values: dict[str, Any]) -> dict[str, Any]:
    view = programs.program_view(page.session, page.shop, program) if program else None
    return {"program": program, "section": "settings", "values": values,
            "currency": program.currency if program else page.shop.currency,
            "spend_rule_version": view["spend_rule_version"] if view else None}


@router.post(BASE + "/settings")
def save_settings(request: Request, slug: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), EDIT_ROLES)
    program = current_program(page)
    currency = program.currency if program else page.shop.currency
    try:
        settings = program_from_form(FormReader(form, currency, page.zone, page.translator))
        new = program is None
        programs.set_up(session, page.shop, settings, f"admin:{page.user.email}", utcnow())
        session.commit()
    except (FormInvalid, LojalError) as error:
        return form_failed(page, error, lambda: ("admin/loyalty/settings.html",
                                                 settings_context(page, current_program(page), dict(form))))
    message = N_("The customer club is set up.") if new else N_("Settings saved.")
    return saved(page, page.url("/settings"), message)


def form_failed(page: Page, error: Exception, context: Any) -> HTMLResponse:
    """Roll back whatever the failed save wrote, and show the form again with the errors."""
    page.session.rollback()
    errors = error.errors if isinstance(error, FormInvalid) else service_error(error, page.translator.gettext).errors  # type: ignore[arg-type]
    name, values = context()
    return show(page, name, values | {"errors": errors}, status_code=422)


# ---- earning rules -------------------------------------------------------------------------


def rule_values(rule: Any | None, zone: ZoneInfo, kind: str) -> dict[str, Any]:
    if rule is None:
        return {"kind": kind if kind in ("multiplier", "campaign", "action") else "multiplier", "active": "on",
                "multiplier_percent": "200", "points": "", "tiers": []}
    action, custom_event = rule.action, ""
    if action and action.startswith("custom:"):
        action, custom_event = "custom", action.removeprefix("custom:")
    return {"key": rule.key, "kind": rule.kind, "name": rule.name, "active": checked(rule.active),
            "points": str(rule.points) if rule.kind == "action" else "", "multiplier_percent": str(rule.multiplier_percent),
            "skus": ", ".join(rule.skus or []), "categories": ", ".join(rule.categories or []),
            "tiers": [str(tier) for tier in rule.tiers or []], "action": action or "", "custom_event": custom_event,
            "limit_count": str(rule.limit_count or ""), "limit_period": rule.limit_period or "",
            "starts_at": local_input(rule.starts_at, zone), "ends_at": local_input(rule.ends_at, zone)}


def rule_from_form(reader: FormReader) -> RuleIn:
    kind = reader.text("kind")
    data: dict[str, Any] = {"key": reader.text("key"), "kind": kind, "name": reader.text("name"),
                            "active": reader.flag("active"), "tiers": reader.numbers("tiers"),
                            "starts_at": reader.moment("starts_at"), "ends_at": reader.moment("ends_at")}
    if kind == "action":
        data |= {"points": reader.whole("points"), "action": reader.optional("action"),
                 "custom_event": reader.optional("custom_event"),
                 "limit_count": reader.whole("limit_count", optional=True),
                 "limit_period": reader.optional("limit_period")}
    else:
        data |= {"multiplier_percent": reader.whole("multiplier_percent"), "skus": reader.words("skus"),
                 "categories": reader.words("categories")}
    return reader.validated(RuleIn, data)


def rules_context(page: Page, values: dict[str, Any], editing: str | None) -> dict[str, Any]:
    program = current_program(page)
    histories = reports.rule_histories(page.session, page.shop)
    edited = next((history for history in histories if history.key == editing), None)
    return tier_context(page) | {
        "program": program, "section": "rules", "histories": histories, "values": values, "editing": editing,
        "currency": program.currency if program else page.shop.currency,
        "next_version": edited.versions[0].version + 1 if edited else 1}


def tier_context(page: Page) -> dict[str, Any]:
    """The shop's tiers for a form's choices and for naming them in lists."""
    known = reports.all_tiers(page.session, page.shop)
    names = {tier.id: tier.name for tier in known}
    return {"tiers": known, "tier_options": list(names.items()),
            "tier_names_of": lambda ids: ", ".join(names.get(tier_id, f"#{tier_id}") for tier_id in ids)}


@router.get(BASE + "/rules")
def rules_page(request: Request, slug: str, session: SessionDependency, edit: str = "", kind: str = "") -> HTMLResponse:
    page = open_page(request, session, slug)
    history = reports.rule_history(session, page.shop, edit) if edit and edit != programs.SPEND_RULE else None
    rule = (history.live or history.versions[0]) if history else None
    return show(page, "admin/loyalty/rules.html", rules_context(page, rule_values(rule, page.zone, kind),
                                                                 rule.key if rule else None))


@router.post(BASE + "/rules")
def save_rule(request: Request, slug: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), EDIT_ROLES)
    raw_key = form.get("editing")
    editing = raw_key if isinstance(raw_key, str) and raw_key else None
    reader = FormReader(form, page.shop.currency, page.zone, page.translator)
    try:
        rule_in = rule_from_form(reader)
        if editing is not None and rule_in.key != editing:
            raise FormInvalid({"key": page.translator.gettext("A rule's key cannot change.")})
        existing = reports.rule_history(session, page.shop, rule_in.key)
        if editing is None and existing is not None and existing.live is not None:
            raise FormInvalid({"key": page.translator.gettext("A rule with this key exists: edit it instead.")})
        rule = programs.save_rule(session, page.shop, rule_in, f"admin:{page.user.email}", utcnow())
        session.commit()
    except (FormInvalid, LojalError) as error:
        values = dict(form) | {"tiers": form.getlist("tiers")}
        return form_failed(page, error, lambda: ("admin/loyalty/rules.html", rules_context(page, values, editing)))
    return saved(page, page.url("/rules"), page.translator.gettext(
        "Saved %(name)s as version %(version)s.", name=rule.name, version=rule.version))


@router.post(BASE + "/rules/{key}/retire")
def retire_rule(request: Request, slug: str, key: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), EDIT_ROLES)
    try:
        programs.retire_rule(session, page.shop, key, utcnow())
    except NotFound as error:
        session.rollback()
        raise PageNotFound() from error
    session.commit()
    return saved(page, page.url("/rules"), N_("The rule is retired. Points it gave stay; it gives no more."))


# ---- tiers ---------------------------------------------------------------------------------


def tier_values(tier: Any | None, basis: str, currency: str, next_position: int) -> dict[str, Any]:
    if tier is None:
        return {"position": str(next_position), "multiplier_percent": "100", "active": "on", "early_access_hours": "0"}
    threshold = (lambda value: kroner_text(value, currency)) if basis == "spend" else str
    return {"name": tier.name, "position": str(tier.position), "threshold": threshold(tier.threshold),
            "retain_threshold": threshold(tier.retain_threshold), "multiplier_percent": str(tier.multiplier_percent),
            "free_shipping": checked(tier.free_shipping), "member_prices": checked(tier.member_prices),
            "early_access_hours": str(tier.early_access_hours), "description": tier.description,
            "active": checked(tier.active)}


def tier_from_form(reader: FormReader, basis: str) -> TierIn:
    threshold = reader.amount if basis == "spend" else reader.whole
    data = {"name": reader.text("name"), "position": reader.whole("position"), "threshold": threshold("threshold"),
            "retain_threshold": threshold("retain_threshold", optional=True),
            "multiplier_percent": reader.whole("multiplier_percent"), "free_shipping": reader.flag("free_shipping"),
            "member_prices": reader.flag("member_prices"), "early_access_hours": reader.whole("early_access_hours"),
            "description": reader.text("description"), "active": reader.flag("active")}
    return reader.validated(TierIn, data)


def tiers_context(page: Page, values: dict[str, Any], editing: int | None) -> dict[str, Any]:
    program = current_program(page)
    return {"program": program, "section": "tiers", "tiers": reports.all_tiers(page.session, page.shop),
            "values": values, "editing": editing, "currency": program.currency if program else page.shop.currency,
            "basis": program.tier_basis if program else "spend"}


@router.get(BASE + "/tiers")
def tiers_page(request: Request, slug: str, session: SessionDependency, edit: int | None = None) -> HTMLResponse:
    page = open_page(request, session, slug)
    program = current_program(page)
    known = reports.all_tiers(session, page.shop)
    tier = next((tier for tier in known if tier.id == edit), None)
    basis, currency = (program.tier_basis, program.currency) if program else ("spend", page.shop.currency)
    next_position = max((tier.position for tier in known), default=0) + 1
    return show(page, "admin/loyalty/tiers.html",
                tiers_context(page, tier_values(tier, basis, currency, next_position), tier.id if tier else None))


@router.post(BASE + "/tiers")
def save_tier(request: Request, slug: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), EDIT_ROLES)
    program = current_program(page)
    if program is None:
        return RedirectResponse(page.url("/settings"), status_code=303)
    editing = _id_of(form.get("editing"))
    try:
        tier_in = tier_from_form(FormReader(form, program.currency, page.zone, page.translator), program.tier_basis)
        tier = tiers.save_tier(session, page.shop, tier_in, editing)
        session.commit()
    except (FormInvalid, LojalError) as error:
        return form_failed(page, error, lambda: ("admin/loyalty/tiers.html", tiers_context(page, dict(form), editing)))
    return saved(page, page.url("/tiers"), page.translator.gettext("Saved the tier %(name)s.", name=tier.name))


def _id_of(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


# ---- rewards -------------------------------------------------------------------------------


def reward_values(reward: Any | None, currency: str, zone: ZoneInfo) -> dict[str, Any]:
    if reward is None:
        return {"kind": "amount_off", "active": "on"}
    value = kroner_text(reward.value, currency) if reward.kind == "amount_off" else (
        str(reward.value) if reward.kind == "percent_off" else "")
    return {"name": reward.name, "description": reward.description, "kind": reward.kind,
            "points_cost": str(reward.points_cost), "value": value, "product_sku": reward.product_sku or "",
            "minimum_order": kroner_text(reward.minimum_order, currency) if reward.minimum_order else "",
            "min_tier_id": str(reward.min_tier_id or ""), "available_from": local_input(reward.available_from, zone),
            "available_until": local_input(reward.available_until, zone),
            "stock": "" if reward.stock is None else str(reward.stock),
            "per_member_limit": "" if reward.per_member_limit is None else str(reward.per_member_limit),
            "active": checked(reward.active)}


def reward_from_form(reader: FormReader) -> RewardIn:
    kind = reader.text("kind")
    value = reader.amount("value") if kind == "amount_off" else reader.whole("value") if kind == "percent_off" else 0
    data = {"name": reader.text("name"), "description": reader.text("description"), "kind": kind,
            "points_cost": reader.whole("points_cost"), "value": value, "product_sku": reader.optional("product_sku"),
            "minimum_order": reader.amount("minimum_order", optional=True) or 0,
            "min_tier_id": _id_of(reader.text("min_tier_id")), "available_from": reader.moment("available_from"),
            "available_until": reader.moment("available_until"), "stock": reader.whole("stock", optional=True),
            "per_member_limit": reader.whole("per_member_limit", optional=True), "active": reader.flag("active")}
    return reader.validated(RewardIn, data)


def rewards_context(page: Page, values: dict[str, Any], editing: int | None) -> dict[str, Any]:
    program = current_program(page)
    return tier_context(page) | {"program": program, "section": "rewards", "values": values, "editing": editing,
                                 "rows": reports.reward_rows(page.session, page.shop),
                                 "currency": program.currency if program else page.shop.currency}


@router.get(BASE + "/rewards")
def rewards_page(request: Request, slug: str, session: SessionDependency, edit: int | None = None) -> HTMLResponse:
    page = open_page(request, session, slug)
    program = current_program(page)
    reward = reports.reward(session, page.shop, edit) if edit else None
    currency = program.currency if program else page.shop.currency
    return show(page, "admin/loyalty/rewards.html",
                rewards_context(page, reward_values(reward, currency, page.zone), reward.id if reward else None))


@router.post(BASE + "/rewards")
def save_reward(request: Request, slug: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), EDIT_ROLES)
    program = current_program(page)
    if program is None:
        return RedirectResponse(page.url("/settings"), status_code=303)
    editing = _id_of(form.get("editing"))
    try:
        reward_in = reward_from_form(FormReader(form, program.currency, page.zone, page.translator))
        reward = rewards.save_reward(session, page.shop, reward_in, utcnow(), editing)
        session.commit()
    except (FormInvalid, LojalError) as error:
        return form_failed(page, error, lambda: ("admin/loyalty/rewards.html", rewards_context(page, dict(form), editing)))
    return saved(page, page.url("/rewards"), page.translator.gettext("Saved the reward %(name)s.", name=reward.name))


# ---- member-only offers --------------------------------------------------------------------


def offer_values(offer: Any | None, zone: ZoneInfo) -> dict[str, Any]:
    if offer is None:
        return {"active": "on", "use_tier_early_access": "on", "tier_ids": []}
    return {"code": offer.code, "name": offer.name, "description": offer.description,
            "tier_ids": [str(tier) for tier in offer.tier_ids or []], "starts_at": local_input(offer.starts_at, zone),
            "ends_at": local_input(offer.ends_at, zone), "use_tier_early_access": checked(offer.use_tier_early_access),
            "active": checked(offer.active)}


def offer_from_form(reader: FormReader) -> OfferIn:
    data = {"code": reader.text("code"), "name": reader.text("name"), "description": reader.text("description"),
            "tier_ids": reader.numbers("tier_ids"), "starts_at": reader.moment("starts_at"),
            "ends_at": reader.moment("ends_at"), "use_tier_early_access": reader.flag("use_tier_early_access"),
            "active": reader.flag("active")}
    offer = reader.validated(OfferIn, data)
    if offer.starts_at and offer.ends_at and offer.ends_at <= offer.starts_at:
        raise FormInvalid({"ends_at": reader._("The end must be after the start.")})
    return offer


def offers_context(page: Page, values: dict[str, Any], editing: int | None) -> dict[str, Any]:
    return tier_context(page) | {"program": current_program(page), "section": "offers", "values": values,
                                 "offers": reports.offers(page.session, page.shop), "editing": editing}


@router.get(BASE + "/offers")
def offers_page(request: Request, slug: str, session: SessionDependency, edit: int | None = None) -> HTMLResponse:
    page = open_page(request, session, slug)
    offer = next((offer for offer in reports.offers(session, page.shop) if offer.id == edit), None)
    return show(page, "admin/loyalty/offers.html",
                offers_context(page, offer_values(offer, page.zone), offer.id if offer else None))


@router.post(BASE + "/offers")
def save_offer(request: Request, slug: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), EDIT_ROLES)
    if current_program(page) is None:
        return RedirectResponse(page.url("/settings"), status_code=303)
    editing = _id_of(form.get("editing"))
    try:
        offer_in = offer_from_form(FormReader(form, page.shop.currency, page.zone, page.translator))
        offer = rewards.save_offer(session, page.shop, offer_in, utcnow(), editing)
        session.commit()
    except (FormInvalid, LojalError) as error:
        values = dict(form) | {"tier_ids": form.getlist("tier_ids")}
        return form_failed(page, error, lambda: ("admin/loyalty/offers.html", offers_context(page, values, editing)))
    return saved(page, page.url("/offers"), page.translator.gettext("Saved the offer %(name)s.", name=offer.name))


# ---- a member, on the customer's page ------------------------------------------------------


def member_club(request: Request, session: Session, shop: Shop, role: str, customer_id: int,
                values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The customer page's "Customer club" card: what it shows and which forms the role gets."""
    card = reports.member_card(session, shop, customer_id, utcnow())
    manual_until = card["progress"]["manual_until"] if card else None
    return {"card": card, "can_adjust": role in MEMBER_ROLES, "operation": f"adjust:{uuid4()}",
            "manual_last_day": manual_until - timedelta(seconds=1) if manual_until else None,
            "form_values": values or {}, "form_errors": errors or {}, "labels": LABELS,
            "flash": request.session.pop("loyalty_flash", None)}


def customer_of(page: Page, customer_id: int) -> Any:
    try:
        return customers.get(page.session, page.shop, customer_id)
    except NotFound as error:
        raise PageNotFound() from error


def _operation(submitted: Any) -> str:
    """The adjustment's operation key, made when the form was shown: a form sent twice (a double
    click, a reload) adjusts once."""
    if isinstance(submitted, str) and OPERATION.fullmatch(submitted):
        return submitted
    return f"adjust:{uuid4()}"


def member_failed(page: Page, customer: Any, error: Exception, values: dict[str, Any]) -> HTMLResponse:
    page.session.rollback()
    errors = error.errors if isinstance(error, FormInvalid) else service_error(error, page.translator.gettext).errors  # type: ignore[arg-type]
    club = member_club(page.request, page.session, page.shop, page.role, customer.id, values, errors)
    return render(page.request, "admin/customer.html", {"customer": customer, "club": club,
                                                        "entries": timeline(page.session, page.shop, customer, 200)},
                  shop=page.shop, user=page.user, status_code=422)


@router.post("/admin/shops/{slug}/customers/{customer_id}/loyalty/adjust")
def adjust_points(request: Request, slug: str, customer_id: int, session: SessionDependency,
                  form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), MEMBER_ROLES)
    customer = customer_of(page, customer_id)
    reader = FormReader(form, page.shop.currency, page.zone, page.translator)
    try:
        adjustment = reader.validated(AdjustmentIn, {"points": reader.whole("points"), "reason": reader.text("reason"),
                                                     "note": reader.optional("note")})
        accrual.adjust(session, page.shop, customer.id, adjustment.points, adjustment.reason, adjustment.note,
                       f"admin:{page.user.email}", utcnow(), _operation(form.get("operation")))
        session.commit()
    except (FormInvalid, LojalError) as error:
        return member_failed(page, customer, error, dict(form))
    gettext, points = page.translator.gettext, abs(adjustment.points)
    if adjustment.points > 0:
        message = gettext("%(count)s point added.", count=points) if points == 1 else gettext(
            "%(count)s points added.", count=points)
    else:
        message = gettext("%(count)s point taken away.", count=points) if points == 1 else gettext(
            "%(count)s points taken away.", count=points)
    return saved(page, f"/admin/shops/{page.shop.slug}/customers/{customer.id}#club", message)


@router.post("/admin/shops/{slug}/customers/{customer_id}/loyalty/tier")
def manual_tier(request: Request, slug: str, customer_id: int, session: SessionDependency,
                form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), MEMBER_ROLES)
    customer = customer_of(page, customer_id)
    reader = FormReader(form, page.shop.currency, page.zone, page.translator)
    try:
        tier_id, until = _id_of(reader.text("tier_id")), reader.day_end("until")
        if tier_id is None:
            reader.errors["tier_id"] = page.translator.gettext("Choose one of the options.")
        if reader.errors or until is None or tier_id is None:
            raise FormInvalid(reader.errors)
        if current_program(page) is None:
            raise FormInvalid({"tier_id": page.translator.gettext("Set up the customer club first.")})
        tiers.set_manual_tier(session, page.shop, customer.id, tier_id, until, utcnow())
        session.commit()
    except (FormInvalid, LojalError) as error:
        return member_failed(page, customer, error, dict(form))
    return saved(page, f"/admin/shops/{page.shop.slug}/customers/{customer.id}#club", N_("The tier is set."))


__all__ = ["member_club", "router"]
