"""What every feature's admin pages share: the page a request is on (who, which shop, which role,
which language), opening it from the URL's shop slug, form bodies, and the refusal for a role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lojal.api.deps import get_session
from lojal.models import AdminUser, Shop
from lojal.web.admin.security import check_csrf, current_user, shop_of_user
from lojal.web.admin.views import render
from lojal.web.i18n import N_, Formatter, Translator, choose_language, translator

SessionDependency = Annotated[Session, Depends(get_session)]


async def form_data(request: Request) -> FormData:
    return await request.form()


FormDependency = Annotated[FormData, Depends(form_data)]


@dataclass
class Page:
    request: Request
    session: Session
    user: AdminUser
    shop: Shop
    role: str
    language: str
    base: str
    """The section's path pattern, e.g. ``/admin/shops/{slug}/loyalty``."""

    @property
    def translator(self) -> Translator:
        return translator(self.language)

    @property
    def format(self) -> Formatter:
        return Formatter(self.language, self.shop.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.shop.timezone)

    def url(self, rest: str = "") -> str:
        return self.base.format(slug=self.shop.slug) + rest


def open_page(request: Request, session: Session, slug: str, *, base: str) -> Page:
    """The logged-in user's page in the shop named by the slug (404 for a shop not theirs)."""
    user = current_user(request, session)
    shop, role = shop_of_user(session, user, slug)
    language = choose_language(request.session.get("language") or user.locale, request.headers.get("accept-language"),
                               shop.locale)
    return Page(request, session, user, shop, role, language, base)


CHANGE_REFUSED = N_("Your role in this shop cannot make this change. Ask the shop's owner.")


def forbidden(page: Page, message: str = CHANGE_REFUSED) -> HTMLResponse:
    return render(page.request, "admin/error.html", {"status": 403, "message": message}, shop=page.shop,
                  user=page.user, status_code=403)


class ChangeRefused(Exception):
    """The user's role in the shop may not make this change: answered with ``forbidden``."""

    def __init__(self, page: Page, message: str = CHANGE_REFUSED) -> None:
        super().__init__(message)
        self.page, self.message = page, message


def open_change(request: Request, session: Session, slug: str, csrf: object, roles: frozenset[str] | set[str] |
                tuple[str, ...], *, base: str, message: str = CHANGE_REFUSED) -> Page:
    """The page of a form that changes something: ``open_page``, the form's CSRF token checked,
    and the user's role one of ``roles`` (else ChangeRefused, a 403 page)."""
    page = open_page(request, session, slug, base=base)
    check_csrf(request, csrf if isinstance(csrf, str) else None)
    if page.role not in roles:
        raise ChangeRefused(page, message)
    return page
