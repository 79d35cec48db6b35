"""Country names and codes as restricted-party lists spell them → ISO 3166-1 alpha-2.

Resolution order: a small table of list-specific spellings (below), then an exact lookup in
pycountry (alpha-2, alpha-3, official, common and historic names, case-insensitive). pycountry's
lookup is read from data/text/country_lookup.tsv, made from pycountry by
:func:`pycountry_lookup_table` (a test checks it equals what pycountry gives today): importing
pycountry and loading its database cost a cold ``chainwatch screen`` ~0.04 s. Fuzzy
search is deliberately *not* used: it maps "UK" to Ukraine candidates and "Kosovo" to Serbia.
Unknown values give "" (the raw text stays in the address).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

# Spellings found in the OFAC, BIS, State, UN and CSL files that pycountry does not resolve,
# plus region names the lists use as a country heading. "XK" (Kosovo) is the user-assigned code
# that OFAC, the EU and the UN lists use.
_EXTRA: dict[str, str] = {
    "burma": "MM",
    "turkey": "TR",
    "turkiye": "TR",
    "turkey (turkiye)": "TR",
    "türkiye": "TR",
    "russia": "RU",
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "great britain": "GB",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "kosovo": "XK",
    "crimea": "UA",
    "crimea region of ukraine": "UA",
    "region: crimea": "UA",
    "palestinian": "PS",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "palestinian territories": "PS",
    "north korea": "KP",
    "north korea (dprk)": "KP",
    "korea, north": "KP",
    "dprk": "KP",
    "democratic people's republic of korea": "KP",
    "south korea": "KR",
    "korea, south": "KR",
    "republic of korea": "KR",
    "prc": "CN",
    "people's republic of china": "CN",
    "peoples republic of china": "CN",
    "china (prc)": "CN",
    "hong kong sar": "HK",
    "macau": "MO",
    "taiwan": "TW",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "vietnam": "VN",
    "venezuela": "VE",
    "bolivia": "BO",
    "moldova": "MD",
    "tanzania": "TZ",
    "czech republic": "CZ",
    "democratic republic of the congo": "CD",
    "democratic republic of congo": "CD",
    "congo, democratic republic of the": "CD",
    "drc": "CD",
    "republic of the congo": "CG",
    "congo, republic of the": "CG",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    "the gambia": "GM",
    "the bahamas": "BS",
    "bahamas, the": "BS",
    "gambia, the": "GM",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "east timor": "TL",
    "vatican": "VA",
    "holy see": "VA",
    "micronesia": "FM",
    "st. kitts and nevis": "KN",
    "st. lucia": "LC",
    "st. vincent and the grenadines": "VC",
    "netherlands antilles": "CW",
    "british virgin islands": "VG",
    "virgin islands, british": "VG",
    "u.s.": "US",
    "u.s.a.": "US",
    "usa": "US",
    "united states of america": "US",
    "uae": "AE",
    "u.a.e.": "AE",
    "emirates": "AE",
    "occupied palestinian territory": "PS",
}

_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


@lru_cache(maxsize=4096)
def to_iso2(value: str) -> str:
    """ISO 3166-1 alpha-2 for a country name or code as lists write it, or "" when unknown.

    >>> to_iso2("Burma"), to_iso2("CN"), to_iso2("People’s Republic of China"), to_iso2("Nowhere")
    ('MM', 'CN', 'CN', '')
    """
    text = _SPACES.sub(" ", value.translate(_QUOTES)).strip().strip(".,;").strip()
    if not text:
        return ""
    key = text.casefold()
    if key in _EXTRA:
        return _EXTRA[key]
    if len(text) == 2 and text.isalpha():
        if text.upper() == "XK":
            return "XK"
        return text.upper() if text.upper() in _alpha2() else ""
    return _lookup().get(text.lower(), "")


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    """pycountry.countries.lookup as a table: lowercased value -> alpha-2 (country_lookup.tsv)."""
    path = resources.files("chainwatch.data") / "text" / "country_lookup.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = (ln.split("\t") for ln in lines if ln and not ln.startswith("#"))
    return {key: code for key, code in rows}


@lru_cache(maxsize=1)
def _alpha2() -> frozenset[str]:
    """The alpha-2 codes pycountry.countries.get(alpha_2=...) knows."""
    return frozenset(_lookup().values())


def pycountry_lookup_table() -> dict[str, str]:
    """What :func:`_lookup` holds, from pycountry: every lowercased field value of every
    country (what pycountry's lookup compares with value.lower()) -> the alpha-2 code
    pycountry.countries.lookup gives for it."""
    import pycountry

    keys = {
        str(value).lower()
        for country in pycountry.countries
        for value in country._fields.values()
        if isinstance(value, str)
    }
    return {key: str(pycountry.countries.lookup(key).alpha_2) for key in sorted(keys)}


def countries_in(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The distinct ISO2 codes of several values, in first-seen order, unknown ones dropped."""
    seen: dict[str, None] = {}
    for value in values:
        code = to_iso2(value)
        if code:
            seen.setdefault(code, None)
    return tuple(seen)
