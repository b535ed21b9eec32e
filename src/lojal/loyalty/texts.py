"""What the club writes for the member (ledger descriptions) is written in the shop's language."""

from __future__ import annotations

from lojal.kit.i18n import N_, Translator, choose_language, translator
from lojal.models import Shop


def texts_for(shop: Shop) -> Translator:
    return translator(choose_language(None, None, shop.locale))


SETTLED = N_("Points owed from a refund were settled")
AVAILABLE = N_("Points are now available")


def settled_text(texts: Translator) -> str:
    return texts.gettext(SETTLED)
