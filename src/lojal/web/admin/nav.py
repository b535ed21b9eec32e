"""The admin navigation. A feature adds its page with ``register_nav`` (the label is translated
when shown); the path is relative to the shop, e.g. ``"loyalty"`` for /admin/shops/{slug}/loyalty."""

from __future__ import annotations

from dataclasses import dataclass

from lojal.web.i18n import N_


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    order: int


NAV: dict[str, NavItem] = {}


def register_nav(label: str, path: str, order: int) -> None:
    NAV[path] = NavItem(label, path, order)


def nav_items() -> list[NavItem]:
    return sorted(NAV.values(), key=lambda item: item.order)


register_nav(N_("Dashboard"), "", 10)
register_nav(N_("Customers"), "customers", 20)
