"""Who is logged in, which shops they may see, and CSRF tokens for every form."""

from __future__ import annotations

import secrets

from fastapi import Request
from sqlalchemy.orm import Session

from lojal.auth.service import get_user, shops_of_user
from lojal.kit.crypto import constant_time_equals
from lojal.models import AdminUser, Shop


class LoginRequired(Exception):
    """Raised on an admin page without a logged-in user: answered with a redirect to the login."""


class PageNotFound(Exception):
    """A page that does not exist for this user (including another shop's pages)."""


class CsrfRefused(Exception):
    """A form posted without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not constant_time_equals(expected, submitted):
        raise CsrfRefused()


def current_user(request: Request, session: Session) -> AdminUser:
    user_id = request.session.get("user_id")
    user = get_user(session, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise LoginRequired()
    return user


def log_in(request: Request, user: AdminUser) -> None:
    request.session.clear()  # a fresh session (and CSRF token) on every login
    request.session["user_id"] = user.id
    csrf_token(request)


def shop_of_user(session: Session, user: AdminUser, slug: str) -> tuple[Shop, str]:
    for shop, role in shops_of_user(session, user):
        if shop.slug == slug:
            return shop, role
    raise PageNotFound()
