"""Norwegian first and last names for the demo shop's customers."""

FIRST_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Silje", "Jonas", "Marte", "Henrik", "Nora", "Magnus", "Emma", "Sander",
    "Ida", "Kristian", "Thea", "Eirik", "Sofie", "Håkon", "Hanna", "Øyvind", "Maja", "Bjørn", "Astrid", "Petter",
    "Solveig", "Anders", "Tone", "Jørgen", "Åse", "Sindre", "Live", "Tor", "Ragnhild", "Even", "Synnøve", "Geir",
    "Frida", "Mats", "Hege", "Trond", "Linnea", "Arne", "Vilde", "Knut", "Eline", "Stian", "Guro", "Morten",
)
LAST_NAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen",
    "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl",
    "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand",
    "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen", "Lie",
    "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde", "Solheim", "Berge", "Moe", "Nygård", "Bakke", "Kristensen",
    "Fredriksen", "Holm", "Lien", "Hauge", "Christensen", "Andresen", "Nielsen", "Knudsen", "Evensen", "Sæther",
    "Aas", "Myhre", "Hanssen", "Ahmed", "Haugland", "Thomassen", "Sivertsen", "Simonsen", "Danielsen", "Berntsen",
)
COMPANY_WORDS = {
    "frisør": ("Frisør", "Hårstudio", "Salong", "Klipp og Krøll"),
    "florist": ("Blomster", "Blomsterverksted", "Floristen", "Bukett"),
    "tømrer": ("Bygg", "Tømrerservice", "Snekkerverksted", "Byggmester"),
}
