"""Every message the pages and views mark for translation has a Norwegian translation, and the
template catalogue (.pot) is up to date with the code."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from lojal.web.i18n import LANGUAGES, LOCALE_DIR, Translator

SOURCE = Path(__file__).resolve().parents[2] / "src" / "lojal"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("**.py", "python"), ("web/templates/**.html", "jinja2")]


def extracted_messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(SOURCE), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_language_translates_every_message() -> None:
    messages = extracted_messages()
    assert {"Dashboard", "Orders per week", "This page does not exist.", "owner"} <= messages
    for language in set(LANGUAGES) - {"en"}:
        with (LOCALE_DIR / language / "LC_MESSAGES" / "lojal.po").open("rb") as source:
            catalogue = read_po(source, locale=language)
        untranslated = {message for message in messages if not (catalogue.get(message) and catalogue.get(message).string)}
        assert not untranslated, f"{language} lacks: {sorted(untranslated)}"


def test_the_template_catalogue_lists_every_message() -> None:
    with (LOCALE_DIR / "lojal.pot").open("rb") as source:
        template = {message.id for message in read_po(source) if message.id}
    assert extracted_messages() == template, "run: pybabel extract -F babel.cfg ... (see docs/translations.md)"


def test_placeholders_are_filled_after_translation() -> None:
    norwegian = Translator("nb")
    assert norwegian.gettext("%(share)s of customers who bought", share="40 %") == "40 % av kundene som har handlet"
    assert Translator("en").gettext("Orders") == "Orders" and norwegian.gettext("Orders") == "Ordrer"
