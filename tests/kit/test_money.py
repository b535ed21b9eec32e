import pytest

from lojal.kit.money import format_money, to_minor


@pytest.mark.parametrize(("minor", "currency", "locale", "expected"), [
    (53780, "NOK", "nb_NO", "537,80\xa0kr"),
    (-53780, "SEK", "nb_NO", "-537,80\xa0SEK"),
    (161340, "NOK", "en_GB", "NOK\xa01,613.40"),
    (-3990, "NOK", "en_GB", "-NOK\xa039.90"),
    (53780, "EUR", "en_GB", "€537.80"),
    (500, "JPY", "en_GB", "JP¥500"),
])
def test_money_is_written_as_the_locale_writes_it(minor: int, currency: str, locale: str, expected: str) -> None:
    assert format_money(minor, currency, locale) == expected


def test_headline_figures_round_to_whole_units() -> None:
    assert format_money(2995053698, "NOK", "nb_NO", whole=True) == "29\xa0950\xa0537\xa0kr"
    assert format_money(2995053698, "NOK", "en_GB", whole=True) == "NOK\xa029,950,537"
    assert format_money(-53750, "NOK", "nb_NO", whole=True) == "-538\xa0kr"


def test_decimal_strings_become_exact_minor_units() -> None:
    assert to_minor("129.90", "NOK") == 12990 and to_minor("500", "JPY") == 500
    with pytest.raises(ValueError, match="more decimals"):
        to_minor("1.005", "NOK")
