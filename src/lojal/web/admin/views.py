"""The admin pages: log in, choose a shop, dashboard, customers, a customer's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from lojal.api.deps import get_session
from lojal.analytics import reports as analytics_reports
from lojal.auth import service as auth
from lojal.customers import service as customers
from lojal.customers.timeline import timeline
from lojal.errors import NotFound, TooManyRequests, ValidationFailed
from lojal.kit.pagination import decode_cursor, encode_cursor
from lojal.models import AdminUser, Shop
from lojal.reports import service as reports
from lojal.web.admin.charts import bar_chart
from lojal.web.admin.nav import nav_items
from lojal.web.admin.security import PageNotFound, check_csrf, csrf_token, current_user, log_in, shop_of_user
from lojal.web.i18n import LANGUAGES, Formatter, choose_language, translator
from lojal.web.templates import templates

router = APIRouter(include_in_schema=False)
SessionDependency = Annotated[Session, Depends(get_session)]
PAGE_SIZE = 50


def render(request: Request, name: str, context: dict[str, Any], *, shop: Shop | None = None,
           user: AdminUser | None = None, status_code: int = 200) -> HTMLResponse:
    settings = request.app.state.settings
    language = choose_language(request.session.get("language") or (user.locale if user else None),
                               request.headers.get("accept-language"), shop.locale if shop else settings.default_locale)
    catalogue = translator(language)
    formatter = Formatter(language, shop.timezone if shop else settings.default_timezone)
    base = {"_": catalogue.gettext, "ngettext": catalogue.ngettext, "format": formatter, "language": language,
            "languages": LANGUAGES, "csrf_token": csrf_token(request), "shop": shop, "user": user,
            "nav": nav_items(), "path": request.url.path}
    return templates.TemplateResponse(request, name, base | context, status_code=status_code)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/admin", status_code=303)


@router.get("/admin")
def admin_home(request: Request, session: SessionDependency) -> Response:
    user = current_user(request, session)
    shops = auth.shops_of_user(session, user)
    if len(shops) == 1:
        return RedirectResponse(f"/admin/shops/{shops[0][0].slug}", status_code=303)
    return RedirectResponse("/admin/shops", status_code=303)


@router.get("/admin/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "admin/login.html", {"error": None, "email": ""})


@router.post("/admin/login")
def login(request: Request, session: SessionDependency, email: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf: Annotated[str | None, Form(alias="csrf_token")] = None) -> Response:
    check_csrf(request, csrf)
    settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    catalogue = translator(choose_language(request.session.get("language"), request.headers.get("accept-language"), None))
    try:
        user = auth.authenticate(session, email, password, client, settings.login_attempts_per_15_minutes)
    except TooManyRequests:
        session.commit()
        return render(request, "admin/login.html", {"email": email, "error": catalogue.gettext(
            "Too many failed attempts. Wait 15 minutes and try again.")}, status_code=429)
    session.commit()
    if user is None:
        return render(request, "admin/login.html", {"email": email, "error": catalogue.gettext(
            "Wrong e-mail or password.")}, status_code=401)
    log_in(request, user)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/logout")
def logout(request: Request, csrf: Annotated[str | None, Form(alias="csrf_token")] = None) -> Response:
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/admin/login", status_code=303)


@router.post("/admin/language")
def set_language(request: Request, language: Annotated[str, Form()], csrf: Annotated[str | None, Form(alias="csrf_token")] = None,
                 back: Annotated[str, Form(alias="next")] = "/admin") -> Response:
    check_csrf(request, csrf)
    if language in LANGUAGES:
        request.session["language"] = language
    return RedirectResponse(back if back.startswith("/admin") else "/admin", status_code=303)


@router.get("/admin/shops")
def shops_page(request: Request, session: SessionDependency) -> HTMLResponse:
    user = current_user(request, session)
    return render(request, "admin/shops.html", {"shops": auth.shops_of_user(session, user)}, user=user)


@router.get("/admin/shops/{slug}")
def dashboard(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    user = current_user(request, session)
    shop, _ = shop_of_user(session, user, slug)
    weeks = reports.orders_per_week(session, shop)
    language = choose_language(request.session.get("language") or user.locale, request.headers.get("accept-language"), shop.locale)
    formatter = Formatter(language, shop.timezone)
    chart = bar_chart([(formatter.short_date(week), count) for week, count in weeks],
                      title=translator(language).gettext("Orders per week"))
    return render(request, "admin/dashboard.html", {"headline": reports.headline(session, shop), "chart": chart,
                                                    "weeks": weeks}, shop=shop, user=user)


@router.get("/admin/shops/{slug}/customers")
def customers_page(request: Request, slug: str, session: SessionDependency, q: str = "",
                   cursor: Annotated[str | None, Query()] = None) -> HTMLResponse:
    user = current_user(request, session)
    shop, _ = shop_of_user(session, user, slug)
    rows = customers.page(session, shop, limit=PAGE_SIZE, search=q or None, after=_after_id(cursor))
    next_cursor = encode_cursor([rows[-1].id]) if len(rows) == PAGE_SIZE else None
    return render(request, "admin/customers.html", {"customers": rows, "q": q, "next_cursor": next_cursor,
                                                    "total": customers.count(session, shop)}, shop=shop, user=user)


def _after_id(cursor: str | None) -> tuple[datetime, int] | None:
    """The id a page of customers starts after; a cursor not made here starts at the beginning."""
    try:
        values = decode_cursor(cursor)
        return (datetime.min, int(values[0])) if values else None
    except (ValidationFailed, ValueError, TypeError, IndexError):
        return None


@router.get("/admin/shops/{slug}/customers/{customer_id}")
def customer_page(request: Request, slug: str, customer_id: int, session: SessionDependency) -> HTMLResponse:
    from lojal.web.admin.analytics import BAND_LABELS, SEGMENT_LABELS  # imports this module
    from lojal.web.admin.loyalty import member_club  # the club's pages import this module

    user = current_user(request, session)
    shop, role = shop_of_user(session, user, slug)
    try:
        customer = customers.get(session, shop, customer_id)
    except NotFound as error:
        raise PageNotFound() from error
    return render(request, "admin/customer.html", {"customer": customer, "entries": timeline(session, shop, customer, 200),
                                                   "club": member_club(request, session, shop, role, customer.id),
                                                   "prediction": analytics_reports.prediction_of(session, shop, customer.id),
                                                   "segment_labels": SEGMENT_LABELS, "band_labels": BAND_LABELS},
                  shop=shop, user=user)
