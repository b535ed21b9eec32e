"""Reusable Pydantic field types for what arrives from outside: e-mail, phone, country, currency."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from lojal.kit.money import is_currency

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+[1-9][0-9]{6,14}$")


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 320:
        raise ValueError("not an e-mail address")
    return email


def normalise_phone(value: str) -> str:
    """E.164: '+47 912 34 567' and '0047 91234567' become '+4791234567'."""
    phone = re.sub(r"[\s().-]", "", value)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not PHONE_PATTERN.match(phone):
        raise ValueError("not a phone number in E.164 form (+ country code and number)")
    return phone


def normalise_currency(value: str) -> str:
    code = value.strip().upper()
    if not is_currency(code):
        raise ValueError(f"unknown currency {value!r} (ISO 4217 code expected, e.g. NOK)")
    return code


def normalise_country(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError("not an ISO 3166-1 alpha-2 country code (e.g. NO)")
    return code


def normalise_tag(value: str) -> str:
    tag = value.strip().lower()
    if not tag:
        raise ValueError("empty tag")
    return tag


Email = Annotated[str, AfterValidator(normalise_email)]
Phone = Annotated[str, AfterValidator(normalise_phone)]
Currency = Annotated[str, AfterValidator(normalise_currency)]
Country = Annotated[str, AfterValidator(normalise_country)]
Tag = Annotated[str, Field(max_length=100), AfterValidator(normalise_tag)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
"""Stripped, then 1-255 characters (checked in pydantic-core: it is on every bulk line)."""
MinorUnits = Annotated[int, Field(ge=0, le=10**15, strict=True)]
"""A non-negative amount in the currency's minor units (øre, cents): 12990 is 129.90 NOK."""
