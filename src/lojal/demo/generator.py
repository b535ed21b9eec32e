"""A deterministic Norwegian demo shop: the same (seed, customers, start, end) give the same
records, byte for byte. Purchases follow a BG/NBD-like process (each customer buys at their own
rate and may drop out after any purchase), consumables are bought again near their rhythm of use,
interests steer what people buy, B2B groups buy their supplies in bulk, November and December
sell most, and some orders are by guests, refunded, or preceded by abandoned carts.

Records come out in the order the bulk API needs them: every product first, then customer by
customer (in order of sign-up): the customer, then their orders, refunds and events in time
order. A guest's orders come first and their registration (same e-mail) later, if it happens."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import orjson

from lojal.demo.catalogue import GROUPS, INTERESTS, PRODUCTS, DemoProduct
from lojal.demo.names import COMPANY_WORDS, FIRST_NAMES, LAST_NAMES

OSLO = ZoneInfo("Europe/Oslo")
MONTH_WEIGHT = {1: 0.75, 2: 0.65, 3: 0.7, 4: 0.75, 5: 0.75, 6: 0.6, 7: 0.45, 8: 0.6, 9: 0.75, 10: 0.8, 11: 1.0, 12: 1.0}
REFUND_REASONS = ("Feil størrelse", "Skadet ved levering", "Angrerett", "Ikke som beskrevet", "Feil vare levert")
DISCOUNT_CODES = ("VELKOMMEN10", "BLACKWEEK", "SOMMER10", "KLUBB10")
SHIPPING = 4900
FREE_SHIPPING_FROM = 100000


@dataclass(frozen=True)
class DemoConfig:
    customers: int = 5000
    seed: int = 42
    start: date | None = None
    """Defaults to two years before ``end``."""
    end: date = date(2026, 11, 1)

    @property
    def first_day(self) -> date:
        return self.start or self.end.replace(year=self.end.year - 2)


def count_estimate(config: DemoConfig) -> int:
    """About how many records ``generate`` yields (for a progress bar)."""
    return len(PRODUCTS) + config.customers * 9


def generate(config: DemoConfig) -> Iterator[dict[str, Any]]:
    for product in PRODUCTS:
        yield _product_record(product)
    start = datetime.combine(config.first_day, datetime.min.time(), OSLO)
    end = datetime.combine(config.end, datetime.min.time(), OSLO)
    signups = _signup_times(config, start, end)
    for index, signed_up in enumerate(signups):
        customer = _Customer(index, random.Random(config.seed * 1_000_003 + index), signed_up, end)
        yield from customer.records()


def write_ndjson(config: DemoConfig, target: str | Path | IO[bytes]) -> dict[str, int]:
    counts: dict[str, int] = {}
    handle = open(target, "wb") if isinstance(target, (str, Path)) else target  # noqa: SIM115
    try:
        for record in generate(config):
            counts[record["type"]] = counts.get(record["type"], 0) + 1
            handle.write(orjson.dumps(record) + b"\n")
    finally:
        if isinstance(target, (str, Path)):
            handle.close()
    return counts


def _signup_times(config: DemoConfig, start: datetime, end: datetime) -> list[datetime]:
    """Sign-ups grow over the period (density rising 1 to 2.5) and follow the season."""
    generator = random.Random(config.seed)
    span = (end - start).total_seconds()
    times = []
    while len(times) < config.customers:
        share = generator.random()
        if generator.random() * 2.5 > 1 + 1.5 * share:
            continue
        moment = start + timedelta(seconds=share * span)
        if generator.random() <= MONTH_WEIGHT[moment.month]:
            times.append(moment)
    return sorted(times)


def _iso(moment: datetime) -> str:
    return moment.astimezone(OSLO).isoformat(timespec="seconds")


def _product_record(product: DemoProduct) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "product", "external_id": product.external_id, "name": product.name,
                              "sku": product.external_id.replace("p-", "NL-"), "category_path": list(product.category),
                              "brand": product.brand, "price": product.price, "currency": "NOK",
                              "cost": product.price * 45 // 100, "consumable": product.days_of_use is not None,
                              "url": f"https://nordlys.example.no/produkt/{product.external_id}"}
    if product.days_of_use is not None:
        record["days_of_use"] = product.days_of_use
    return record


@dataclass
class _Customer:
    index: int
    random: random.Random
    signed_up: datetime
    end: datetime
    records_out: list[tuple[datetime, int, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        pick = self.random
        self.first, self.last = pick.choice(FIRST_NAMES), pick.choice(LAST_NAMES)
        self.external_id = f"c-{self.index:06d}"
        self.email = f"{_ascii(self.first)}.{_ascii(self.last)}{self.index}@example.no".lower()
        self.is_guest = pick.random() < 0.10
        self.group = pick.choice(GROUPS) if pick.random() < 0.08 else None
        self.interests = sorted(set(pick.sample(INTERESTS, pick.choice((0, 1, 1, 2)))))
        self.rate = pick.gammavariate(0.9, 1 / 60) * (2.5 if self.group else 1.0)
        self.dropout = pick.betavariate(1.0, 4.0 if not self.group else 9.0)
        self.sequence = 0

    def records(self) -> list[dict[str, Any]]:
        registered_at = None if self.is_guest else self.signed_up
        if self.is_guest and self.random.random() < 0.3:
            registered_at = self.signed_up + timedelta(days=self.random.uniform(20, 300))
        if registered_at is not None and registered_at < self.end:
            self._emit(registered_at, self._customer_record(registered_at))
        else:
            registered_at = None
        if self.random.random() < 0.25:
            joined = self.signed_up + timedelta(minutes=1)
            self._emit(joined, self._event("newsletter_signup", joined, registered_at))
        self._purchases(registered_at)
        self.records_out.sort(key=lambda item: (item[0], item[1]))
        return [record for _, _, record in self.records_out]

    def _emit(self, moment: datetime, record: dict[str, Any]) -> None:
        self.sequence += 1
        self.records_out.append((moment, self.sequence, record))

    def _customer_ref(self, moment: datetime, registered_at: datetime | None) -> dict[str, Any]:
        if registered_at is not None and moment >= registered_at:
            return {"external_id": self.external_id}
        return {"email": self.email}

    def _customer_record(self, moment: datetime) -> dict[str, Any]:
        pick = self.random
        record: dict[str, Any] = {"type": "customer", "external_id": self.external_id, "email": self.email,
                                  "first_name": self.first, "last_name": self.last,
                                  "locale": "nb-NO" if pick.random() < 0.9 else "en",
                                  "country": pick.choices(("NO", "SE", "DK"), (0.92, 0.05, 0.03))[0],
                                  "interests": self.interests, "created_at": _iso(moment)}
        if pick.random() < 0.8:
            record["phone"] = f"+47{pick.choice('49')}{pick.randrange(10**6, 10**7)}"
        if pick.random() < 0.7:
            record["birth_date"] = date(pick.randint(1950, 2006), pick.randint(1, 12), pick.randint(1, 28)).isoformat()
        if self.group:
            record["customer_group"] = self.group
            record["company_name"] = f"{self.last} {pick.choice(COMPANY_WORDS[self.group])} AS"
        if pick.random() < 0.65:
            record["email_consent"] = {"granted": True, "at": _iso(moment), "source": pick.choice(("checkout", "signup", "popup"))}
        if pick.random() < 0.3:
            record["sms_consent"] = {"granted": True, "at": _iso(moment), "source": "checkout"}
        return record

    def _purchases(self, registered_at: datetime | None) -> None:
        """Orders until the customer drops out; a consumable in the basket is, more often than
        not, bought again when it runs out (its days of use per unit, give or take 20 %)."""
        moment = self.signed_up
        order_number = 0
        refill: tuple[DemoProduct, int] | None = None
        while moment < self.end:
            if self.random.random() <= MONTH_WEIGHT[moment.month] or order_number == 0 or refill:
                order_number += 1
                basket = self._order(moment, order_number, registered_at, refill)
                if self.random.random() < self.dropout:
                    break
                consumables = [(product, quantity) for product, quantity in basket if product.days_of_use]
                refill = self.random.choice(consumables) if consumables and self.random.random() < 0.65 else None
            if refill is not None:
                product, quantity = refill
                days = product.days_of_use * quantity * self.random.uniform(0.8, 1.2)  # type: ignore[operator]
            else:
                days = self._days_to_next()
            moment = moment + timedelta(days=days, minutes=self.random.randint(0, 600))
        if self.random.random() < 0.06:  # an abandoned cart that never turned into an order
            last = min(moment, self.end - timedelta(days=1))
            self._checkout(last - timedelta(hours=self.random.randint(2, 200)), self._basket(), registered_at, converted=False)

    def _days_to_next(self) -> float:
        return -math.log(1.0 - self.random.random()) / max(self.rate, 1e-4)

    def _basket(self) -> list[tuple[DemoProduct, int]]:
        pick = self.random
        basket: dict[str, tuple[DemoProduct, int]] = {}
        for _ in range(pick.choices((1, 2, 3, 4), (0.45, 0.3, 0.17, 0.08))[0]):
            product = self._choose_product()
            quantity = pick.randint(3, 10) if product.group and product.group == self.group else pick.choice((1, 1, 1, 2))
            basket[product.external_id] = (product, quantity)
        return list(basket.values())

    def _choose_product(self) -> DemoProduct:
        pick = self.random
        if self.group and pick.random() < 0.7:
            return pick.choice([product for product in PRODUCTS if product.group == self.group])
        if self.interests and pick.random() < 0.6:
            interest = pick.choice(self.interests)
            return pick.choice([product for product in PRODUCTS if product.interest == interest])
        return pick.choice([product for product in PRODUCTS if product.group is None])

    def _order(self, moment: datetime, number: int, registered_at: datetime | None,
               refill: tuple[DemoProduct, int] | None) -> list[tuple[DemoProduct, int]]:
        pick = self.random
        basket = self._basket()
        if refill is not None:
            basket = [refill] + [item for item in basket if item[0].external_id != refill[0].external_id][:2]
        lines = [{"external_id": str(position), "product_external_id": product.external_id,
                  "sku": product.external_id.replace("p-", "NL-"), "name": product.name, "quantity": quantity,
                  "unit_price": product.price, "total": quantity * product.price}
                 for position, (product, quantity) in enumerate(basket, start=1)]
        subtotal = sum(line["total"] for line in lines)
        code = pick.choice(DISCOUNT_CODES) if pick.random() < 0.15 else None
        discount = subtotal // 10 if code else 0
        shipping = 0 if subtotal - discount >= FREE_SHIPPING_FROM else SHIPPING
        total = subtotal - discount + shipping
        age = self.end - moment
        status = "fulfilled" if age > timedelta(days=5) else ("paid" if age > timedelta(days=1) else "placed")
        if pick.random() < 0.03:
            status = "cancelled"
        external_id = f"o-{self.index:06d}-{number:03d}"
        record = {"type": "order", "external_id": external_id, "order_number": f"#{100000 + self.index * 50 + number}",
                  "customer": self._customer_ref(moment, registered_at), "placed_at": _iso(moment), "currency": "NOK",
                  "status": status, "subtotal": subtotal, "discount_total": discount, "shipping_total": shipping,
                  "tax_total": total * 20 // 100, "taxes_included": True, "total": total,
                  "discount_codes": [code] if code else [], "lines": lines}
        if pick.random() < 0.3:
            self._checkout(moment - timedelta(minutes=pick.randint(5, 90)), basket, registered_at, converted=True)
        if pick.random() < 0.4:
            viewed_at = moment - timedelta(minutes=pick.randint(10, 300))
            self._emit(viewed_at, self._event("product_viewed", viewed_at, registered_at,
                                              product_external_id=basket[0][0].external_id))
        self._emit(moment, record)
        if status == "fulfilled" and pick.random() < 0.06:
            self._refund(moment, external_id, lines, subtotal, discount, total, registered_at)
        return basket

    def _refund(self, moment: datetime, order_external_id: str, lines: list[dict[str, Any]], subtotal: int,
                discount: int, total: int, registered_at: datetime | None) -> None:
        pick = self.random
        line = pick.choice(lines)
        quantity = pick.randint(1, line["quantity"])
        amount = line["unit_price"] * quantity * (subtotal - discount) // subtotal
        at = moment + timedelta(days=pick.uniform(3, 25))
        if at >= self.end:
            return
        self._emit(at, {"type": "refund", "external_id": f"r-{order_external_id[2:]}", "order_external_id": order_external_id,
                        "refunded_at": _iso(at), "reason": pick.choice(REFUND_REASONS), "amount": min(amount, total),
                        "lines": [{"line_external_id": line["external_id"], "quantity": quantity, "amount": min(amount, total)}]})

    def _checkout(self, moment: datetime, basket: list[tuple[DemoProduct, int]], registered_at: datetime | None,
                  converted: bool) -> None:
        cart = {"currency": "NOK", "total": sum(product.price * quantity for product, quantity in basket),
                "items": [{"product_external_id": product.external_id, "sku": product.external_id.replace("p-", "NL-"),
                           "name": product.name, "quantity": quantity, "unit_price": product.price}
                          for product, quantity in basket]}
        token = f"{self.index:06d}{int(moment.timestamp()):x}"
        self._emit(moment, self._event("checkout_started", moment, registered_at, cart=cart,
                                       recovery_url=f"https://nordlys.example.no/cart/recover/{token}",
                                       properties={"converted": converted}))

    def _event(self, name: str, moment: datetime, registered_at: datetime | None, **fields: Any) -> dict[str, Any]:
        self.sequence += 1
        return {"type": "event", "external_id": f"evt-{self.index:06d}-{self.sequence:04d}", "name": name,
                "customer": self._customer_ref(moment, registered_at), "occurred_at": _iso(moment),
                **{key: value for key, value in fields.items() if value is not None}}


def _ascii(name: str) -> str:
    return name.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a").replace(" ", "").replace("-", "")

