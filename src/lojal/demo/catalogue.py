"""The demo shop's catalogue: consumables with a rhythm of use, and durables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoProduct:
    external_id: str
    name: str
    category: tuple[str, ...]
    brand: str
    price: int
    """øre, VAT included"""
    days_of_use: int | None = None
    """set for consumables"""
    interest: str | None = None
    group: str | None = None
    """the B2B customer group that buys it in bulk"""


P = DemoProduct
PRODUCTS: tuple[DemoProduct, ...] = (
    P("p-1001", "Multivitamin, 90 tabletter", ("Helse", "Vitaminer"), "Nordvit", 24900, 90),
    P("p-1002", "Omega-3 fiskeolje, 120 kapsler", ("Helse", "Kosttilskudd"), "Nordvit", 29900, 60),
    P("p-1003", "D-vitamin 20 µg, 60 tabletter", ("Helse", "Vitaminer"), "Nordvit", 9900, 60),
    P("p-1004", "Magnesium, 100 tabletter", ("Helse", "Kosttilskudd"), "Fjellhelse", 17900, 50),
    P("p-1005", "Proteinpulver sjokolade, 1 kg", ("Helse", "Sportsernæring"), "Fjellhelse", 39900, 30, "running"),
    P("p-1006", "Sportsdrikk-pulver, 500 g", ("Sport", "Løping", "Ernæring"), "Fjellhelse", 14900, 30, "running"),
    P("p-1101", "Kaffefilter str. 4, 100 stk", ("Kjøkken", "Kaffe", "Filter"), "Melitta", 3990, 50, "kitchen"),
    P("p-1102", "Kaffebønner mørkbrent, 1 kg", ("Kjøkken", "Kaffe", "Bønner"), "Friele", 21900, 30, "kitchen"),
    P("p-1103", "Avkalkingsmiddel for kaffetrakter", ("Kjøkken", "Kaffe", "Tilbehør"), "Durgol", 12900, 90, "kitchen"),
    P("p-1104", "Oppvasktabletter, 60 stk", ("Kjøkken", "Rengjøring"), "Sun", 9900, 45, "kitchen"),
    P("p-1201", "Skokrem sort, 50 ml", ("Sko", "Pleie"), "Kiwi", 7900, 120),
    P("p-1202", "Impregneringsspray, 300 ml", ("Sko", "Pleie"), "Grangers", 19900, 90, "outdoor"),
    P("p-1301", "Tennisballer, 4-pakning", ("Sport", "Tennis", "Baller"), "Wilson", 8990, 30, "tennis"),
    P("p-1302", "Grep til tennisracket, 3 stk", ("Sport", "Tennis", "Tilbehør"), "Babolat", 12900, 60, "tennis"),
    P("p-1303", "Tennisracket Pro Staff", ("Sport", "Tennis", "Racketer"), "Wilson", 249900, None, "tennis"),
    P("p-1304", "Tennissko innendørs", ("Sport", "Tennis", "Sko"), "Asics", 119900, None, "tennis"),
    P("p-1305", "Tennisbag 6 racketer", ("Sport", "Tennis", "Tilbehør"), "Head", 89900, None, "tennis"),
    P("p-1401", "Golfballer, 12 stk", ("Sport", "Golf", "Baller"), "Titleist", 54900, 45, "golf"),
    P("p-1402", "Golfhansker", ("Sport", "Golf", "Tilbehør"), "FootJoy", 24900, 90, "golf"),
    P("p-1403", "Tees, 100 stk", ("Sport", "Golf", "Tilbehør"), "Pride", 7900, 60, "golf"),
    P("p-1404", "Driver 10,5°", ("Sport", "Golf", "Køller"), "Callaway", 499900, None, "golf"),
    P("p-1405", "Golfbag på stativ", ("Sport", "Golf", "Bager"), "Ping", 299900, None, "golf"),
    P("p-1501", "Løpesko dame", ("Sport", "Løping", "Sko"), "Brooks", 169900, None, "running"),
    P("p-1502", "Løpesko herre", ("Sport", "Løping", "Sko"), "Hoka", 179900, None, "running"),
    P("p-1503", "Løpetights", ("Sport", "Løping", "Klær"), "Swix", 79900, None, "running"),
    P("p-1504", "Energigel, 6 stk", ("Sport", "Løping", "Ernæring"), "Maurten", 19900, 21, "running"),
    P("p-1505", "Pulsklokke", ("Sport", "Løping", "Elektronikk"), "Garmin", 349900, None, "running"),
    P("p-1601", "Skalljakke", ("Friluft", "Klær"), "Norrøna", 299900, None, "outdoor"),
    P("p-1602", "Ullundertøy", ("Friluft", "Klær"), "Devold", 89900, None, "outdoor"),
    P("p-1603", "Termos 1 l", ("Friluft", "Utstyr"), "Stanley", 44900, None, "outdoor"),
    P("p-1604", "Turkart-app, 1 år", ("Friluft", "Digitalt"), "UT", 29900, 365, "outdoor"),
    P("p-1605", "Ullsokker, 3-pakning", ("Friluft", "Klær"), "Devold", 29900, 120, "outdoor"),
    P("p-1701", "Stekepanne 28 cm", ("Kjøkken", "Kokekar"), "Scanpan", 99900, None, "kitchen"),
    P("p-1702", "Kokkekniv", ("Kjøkken", "Kniver"), "Victorinox", 59900, None, "kitchen"),
    P("p-1703", "Kaffetrakter", ("Kjøkken", "Kaffe", "Maskiner"), "Moccamaster", 249900, None, "kitchen"),
    P("p-1704", "Skjærebrett eik", ("Kjøkken", "Redskap"), "Skagerak", 49900, None, "kitchen"),
    P("p-1801", "Hårvoks, 100 ml", ("Frisør", "Styling"), "Label.m", 19900, 45, None, "frisør"),
    P("p-1802", "Sjampo salongstørrelse, 1 l", ("Frisør", "Hårpleie"), "Redken", 39900, 30, None, "frisør"),
    P("p-1803", "Hårfarge, 60 ml", ("Frisør", "Farge"), "Wella", 12900, 20, None, "frisør"),
    P("p-1804", "Engangshansker, 100 stk", ("Frisør", "Forbruk"), "Abena", 14900, 30, None, "frisør"),
    P("p-1901", "Blomsternæring, 1 l", ("Blomster", "Stell"), "Chrysal", 12900, 30, None, "florist"),
    P("p-1902", "Oasis steinull, 20 stk", ("Blomster", "Binderi"), "Oasis", 29900, 30, None, "florist"),
    P("p-1903", "Gavepapir rull", ("Blomster", "Emballasje"), "Nordpak", 17900, 45, None, "florist"),
    P("p-2001", "Skruer 4x40, 500 stk", ("Verktøy", "Festemidler"), "Essve", 29900, 30, None, "tømrer"),
    P("p-2002", "Sagblad sirkelsag", ("Verktøy", "Forbruk"), "Bosch", 39900, 60, None, "tømrer"),
    P("p-2003", "Arbeidshansker, 12 par", ("Verktøy", "Verneutstyr"), "Ejendals", 34900, 45, None, "tømrer"),
    P("p-2004", "Batteridrill 18 V", ("Verktøy", "Elektroverktøy"), "Makita", 199900, None, None, "tømrer"),
    P("p-2101", "Gavekort 500 kr", ("Gavekort",), "Nordlys", 50000),
)

INTERESTS = ("tennis", "golf", "running", "outdoor", "kitchen")
GROUPS = ("frisør", "florist", "tømrer")
