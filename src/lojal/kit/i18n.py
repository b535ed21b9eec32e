"""Translations without the web: gettext catalogues compiled from the .po files when first used
(a fresh install needs no build step), for pages, messages and texts the domains write, such as
the club's ledger descriptions in the shop's language."""

from __future__ import annotations

from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "lojal"
LANGUAGES = {"en": "English", "nb": "Norsk bokmål"}
"""Add a catalogue in locale/<code>/LC_MESSAGES/lojal.po and name it here (sv and da next)."""
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Marks a message for extraction where it is translated later (nav labels, statuses)."""
    return message


DYNAMIC_MESSAGES = (
    N_("owner"), N_("marketer"), N_("support"),
    N_("placed"), N_("paid"), N_("fulfilled"), N_("cancelled"), N_("refunded"), N_("partially refunded"),
)
"""Words that reach the templates as data (roles, order statuses) and are translated there."""


@lru_cache(maxsize=16)
def translations(language: str) -> NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


class Translator:
    """gettext and ngettext for templates, with named placeholders filled in after translation:
    ``_('%(count)s orders', count=3)``."""

    def __init__(self, language: str) -> None:
        self.catalogue = translations(language)

    def gettext(self, message: str, **variables: object) -> str:
        text = self.catalogue.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, count: int, **variables: object) -> str:
        text = self.catalogue.ngettext(singular, plural, count)
        return text % ({"count": count} | variables)


@lru_cache(maxsize=16)
def translator(language: str) -> Translator:
    return Translator(language)


def choose_language(preferred: str | None, accept_language: str | None, shop_locale: str | None) -> str:
    """The user's choice, else the browser's first supported language, else the shop's."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        for candidate in (code, code.split("-")[0], "nb" if code.split("-")[0] in ("no", "nn") else ""):
            if candidate in LANGUAGES:
                return candidate
    shop_language = (shop_locale or "").split("-")[0].lower()
    return shop_language if shop_language in LANGUAGES else DEFAULT_LANGUAGE
