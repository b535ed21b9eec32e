"""Admin users: created from the CLI, argon2-hashed passwords, a role in one or more shops."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lojal.errors import Conflict, TooManyRequests, ValidationFailed
from lojal.kit.clock import utcnow
from lojal.kit.validation import normalise_email
from lojal.models import AdminUser, LoginAttempt, Shop, ShopMembership

ROLES = ("owner", "marketer", "support")
RATE_WINDOW = timedelta(minutes=15)
password_hasher = PasswordHasher()


def create_user(session: Session, email: str, password: str, name: str = "") -> AdminUser:
    try:
        email = normalise_email(email)
    except ValueError as error:
        raise ValidationFailed(str(error), field="email") from error
    if len(password) < 10:
        raise ValidationFailed("the password needs at least 10 characters", field="password")
    if session.scalars(select(AdminUser).where(AdminUser.email == email)).first():
        raise Conflict(f"a user {email} exists already", field="email")
    user = AdminUser(email=email, name=name, password_hash=password_hasher.hash(password),
                     is_active=True, created_at=utcnow())
    session.add(user)
    session.flush()
    return user


def grant_role(session: Session, user: AdminUser, shop: Shop, role: str) -> ShopMembership:
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
    membership = session.get(ShopMembership, (shop.id, user.id))
    if membership is None:
        membership = ShopMembership(shop_id=shop.id, user_id=user.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def get_user(session: Session, user_id: int) -> AdminUser | None:
    return session.get(AdminUser, user_id)


def get_user_by_email(session: Session, email: str) -> AdminUser | None:
    return session.scalars(select(AdminUser).where(AdminUser.email == email.strip().lower())).first()


def check_rate_limit(session: Session, key: str, limit: int) -> None:
    since = utcnow() - RATE_WINDOW
    failures = session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.attempted_at >= since,
               LoginAttempt.succeeded.is_(False))
    )
    if failures is not None and failures >= limit:
        raise TooManyRequests("too many failed logins; wait 15 minutes and try again")


def authenticate(session: Session, email: str, password: str, client: str, limit: int) -> AdminUser | None:
    """The user if the password is right. Failed attempts per e-mail and per client address are
    counted over 15 minutes and refused past the limit."""
    email = email.strip().lower()
    keys = [f"email:{email}", f"client:{client}"]
    for key in keys:
        check_rate_limit(session, key, limit)
    user = get_user_by_email(session, email)
    ok = False
    if user is not None and user.is_active:
        try:
            ok = password_hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        password_hasher.hash(password)  # the same work whether or not the user exists
    now = utcnow()
    for key in keys:
        session.add(LoginAttempt(key=key, attempted_at=now, succeeded=ok))
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - RATE_WINDOW * 4))
    if not ok or user is None:
        session.flush()
        return None
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = password_hasher.hash(password)
    user.last_login_at = now
    session.flush()
    return user


def shops_of_user(session: Session, user: AdminUser) -> list[tuple[Shop, str]]:
    rows = session.execute(
        select(Shop, ShopMembership.role).join(ShopMembership, ShopMembership.shop_id == Shop.id)
        .where(ShopMembership.user_id == user.id).order_by(Shop.name)
    )
    return [(shop, role) for shop, role in rows]
