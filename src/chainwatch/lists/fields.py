"""Field helpers shared by the list adapters: names and aliases, dates, ids, entity types.

The rules here are written against the real files in ../shared/data/lists (CSL 2022, OFAC SDN
and non-SDN CSV, BIS DPL, the 2026-07 US list extract) and are deliberately conservative: a
primary name keeps what the list publishes, apart from alias text that lists embed in it
("..., a.k.a. X", "X D/B/A Y", "(a.k.a. X)"), which moves to the aliases.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date

from chainwatch.model.lists import EntityType

# --- aliases -----------------------------------------------------------------------------

# Alias markers as the lists write them. A bare "aka" counts only in lower case, so that
# names such as "YK-AKA" or "AJAKA" are left alone.
_MARKER = (
    r"(?:(?i:a\.\s?k\.\s?a\.?|a/k/a|f\.\s?k\.\s?a\.?|f/k/a|n\.\s?k\.\s?a\.?|n/k/a|d/b/a|d\.b\.a\.?"
    r"|also\s+known\s+as|formerly\s+known\s+as|doing\s+business\s+as)"
    r"|(?<![\w-])aka(?![\w-])|(?<![\w-])fka(?![\w-]))"
)
_PAREN_ALIAS = re.compile(r"[\(\[]\s*" + _MARKER + r"\s*[:,]?\s*([^\)\]]*)(?:[\)\]]|$)")
_INLINE_ALIAS = re.compile(
    r"(?:\s*[,;])?\s+" + _MARKER + r"\s*[:,]?\s+|^\s*" + _MARKER + r"[:,]?\s*"
)
_LEADING_AND = re.compile(r"^(?:and|or)\s+|\s+(?:and|or)$", re.IGNORECASE)
_JUNK_ALIAS = re.compile(r"^(?:the\s+following\b.*aliases?:?|aliases?:?|none|n/a|-0-)$", re.I)
_SPACES = re.compile(r"\s+")
_QUOTES = "\"'“”‘’«»"
_TRAILING_ABBREVIATION = re.compile(r"(?:\b[A-Za-z]{1,4}|\b(?:[A-Za-z]\.){1,4}[A-Za-z]?)\.$")

# Parenthesised short forms that are locations or legal forms, not aliases of the party.
_NOT_ACRONYMS = frozenset(
    [
        "HK",
        "PRC",
        "UK",
        "USA",
        "US",
        "UAE",
        "EU",
        "DPRK",
        "ROK",
        "ROC",
        "RF",
        "KSA",
        "CJSC",
        "JSC",
        "OJSC",
        "PJSC",
        "LLC",
        "LLP",
        "LTD",
        "OOO",
        "ZAO",
        "OAO",
        "AO",
        "PAO",
        "TOO",
        "FZE",
        "FZCO",
        "FZC",
        "FZ",
        "LLC-FZ",
        "GMBH",
        "SA",
        "SAS",
        "SARL",
        "SRL",
        "BV",
        "NV",
        "AG",
        "PLC",
        "PTE",
        "SDN",
        "BHD",
        "PVT",
        "INC",
        "CO",
        "CORP",
        "SPA",
        "KG",
        "OHG",
        "DOO",
        "EOOD",
        "OU",
        "SIA",
        "UAB",
        "AB",
        "AS",
        "OY",
        "APS",
        "FZ-LLC",
    ]
)
_ACRONYM = re.compile(r"^[A-Z0-9][A-Za-z0-9&\-./]{1,15}$")
_TRAILING_PAREN = re.compile(r"^(.*\S)\s*\(([^()]+)\)\s*\.?$")


def clean_text(value: str | None) -> str:
    """Whitespace collapsed and stripped; None → ""."""
    if not value:
        return ""
    return _SPACES.sub(" ", value).strip()


def split_values(value: str | None, sep: str = ";") -> list[str]:
    """A `sep`-joined field as a list of stripped, non-empty values."""
    if not value:
        return []
    return [part for part in (clean_text(p) for p in value.split(sep)) if part]


def clean_alias(value: str) -> str:
    """One alias without list punctuation: markers, a leading "and", quotes, a trailing period.

    A trailing period stays when it ends an abbreviation ("Ltd.", "Inc.", "S.A.").
    """
    text = clean_text(value)
    text = _INLINE_ALIAS.sub("", text) if _INLINE_ALIAS.match(text) else text
    text = _LEADING_AND.sub("", text).strip().strip(",;:").strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    elif text and text[0] in '“"' and text.count(text[0]) == 1 and "”" not in text:
        text = text[1:].strip()
    if text.endswith(".") and not _TRAILING_ABBREVIATION.search(text):
        text = text[:-1].rstrip()
    if text.count("(") > text.count(")") and text.endswith("("):
        text = text[:-1].rstrip()
    return "" if _JUNK_ALIAS.match(text) else text


def split_aliases(values: Iterable[str] | str | None, sep: str = ";") -> list[str]:
    """Aliases from one `sep`-joined string or a list, with embedded "a.k.a." splits.

    >>> split_aliases("Open JSC 140 Repair Plant; and JSC 140 Repair Plant")
    ['Open JSC 140 Repair Plant', 'JSC 140 Repair Plant']
    >>> split_aliases("Thermal Institute, a.k.a., Hot Working Institute")
    ['Thermal Institute', 'Hot Working Institute']
    """
    if values is None:
        return []
    parts = values.split(sep) if isinstance(values, str) else list(values)
    out: dict[str, None] = {}
    for part in parts:
        for piece in _INLINE_ALIAS.split(clean_text(part)):
            alias = clean_alias(piece) if piece else ""
            if alias:
                out.setdefault(alias, None)
    return list(out)


def _acronym_aliases(name: str) -> list[str]:
    """Aliases implied by a parenthesised short form at the end of a name, in both directions.

    "Emal Bilal Construction Company (EBCC)" → ["EBCC", "Emal Bilal Construction Company"];
    "ARIEP (All Russian Institute for Experimental Physics)" → [..., "ARIEP"]. A short form in
    the middle ("CASIC" in "China Aerospace ... (CASIC) 3rd Academy") names a parent, so it
    is not taken.
    """
    match = _TRAILING_PAREN.match(name)
    if not match:
        return []
    outer, inner = match.group(1).strip(), match.group(2).strip()
    found: list[str] = []
    upper = sum(ch.isupper() for ch in inner)
    if (
        _ACRONYM.match(inner)
        and upper >= 2
        and inner.upper() not in _NOT_ACRONYMS
        and len(outer.split()) >= 2
    ):
        found += [inner, outer.rstrip(",")]
    elif _ACRONYM.match(outer) and len(inner.split()) >= 3 and ":" not in inner:
        found += [inner, outer]
    return found


def name_and_aliases(raw_name: str) -> tuple[str, list[str]]:
    """Split a published name into the primary name and the aliases embedded in it.

    >>> name_and_aliases("Mesbah Energy Company (a.k.a. “MEC”)")
    ('Mesbah Energy Company', ['MEC'])
    >>> name_and_aliases("SIBERIAN AIRLINES D/B/A S7 AIRLINES")
    ('SIBERIAN AIRLINES', ['S7 AIRLINES'])
    >>> name_and_aliases("Emal Bilal Construction Company (EBCC)")
    ('Emal Bilal Construction Company (EBCC)', ['EBCC', 'Emal Bilal Construction Company'])
    """
    name = clean_text(raw_name)
    aliases: list[str] = []
    if _PAREN_ALIAS.search(name):
        for match in _PAREN_ALIAS.finditer(name):
            aliases += split_aliases(match.group(1))
        name = clean_text(_PAREN_ALIAS.sub(" ", name))
    parts = _INLINE_ALIAS.split(name)
    if len(parts) > 1 and parts[0].strip():
        name = clean_text(parts[0]).rstrip(",;")
        for part in parts[1:]:
            aliases += split_aliases(part)
    aliases += _acronym_aliases(name)
    seen: dict[str, None] = {}
    for alias in aliases:
        if alias and alias != name:
            seen.setdefault(alias, None)
    return name, list(seen)


def merge_aliases(name: str, *groups: Iterable[str]) -> tuple[str, ...]:
    """Aliases of several groups, each also expanded by its trailing short form, without the
    primary name and without duplicates (first spelling kept)."""
    seen: dict[str, None] = {}
    for group in groups:
        for alias in group:
            for candidate in (alias, *_acronym_aliases(alias)):
                if candidate and candidate != name:
                    seen.setdefault(candidate, None)
    return tuple(seen)


# --- dates -------------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
_MDY = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),\s*(\d{4})\b")
_DMY = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})\b")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _two_digit_year(year: str) -> int:
    value = int(year)
    if len(year) == 4:
        return value
    return 2000 + value if value < 70 else 1900 + value


def dates_in(text: str | None) -> list[date]:
    """Every calendar date written in `text`, in order: ISO, M/D/Y(Y), "June 10, 2026",
    "03 Jun 2021". Federal Register citations carry their publication dates this way."""
    if not text:
        return []
    found: list[tuple[int, date]] = []
    for m in _ISO.finditer(text):
        # The 2022 CSL writes two Entity List start dates as "0097-06-30" and "0017-05-26":
        # a two-digit year padded with zeros, read like one.
        year = m.group(1)
        d = _make(
            _two_digit_year(year[2:]) if year.startswith("00") else int(year),
            int(m.group(2)),
            int(m.group(3)),
        )
        if d:
            found.append((m.start(), d))
    for m in _US.finditer(text):
        d = _make(_two_digit_year(m.group(3)), int(m.group(1)), int(m.group(2)))
        if d:
            found.append((m.start(), d))
    for m in _MDY.finditer(text):
        month = _MONTHS.get(m.group(1).lower())
        d = _make(int(m.group(3)), month, int(m.group(2))) if month else None
        if d:
            found.append((m.start(), d))
    for m in _DMY.finditer(text):
        month = _MONTHS.get(m.group(2).lower())
        d = _make(int(m.group(3)), month, int(m.group(1))) if month else None
        if d:
            found.append((m.start(), d))
    return [d for _, d in sorted(found, key=lambda pair: pair[0])]


def parse_date(text: str | None) -> date | None:
    """The date a field holds (ISO, M/D/Y, "June 21, 2022", "03 Jun 2021"), or None."""
    text = clean_text(text)
    if not text:
        return None
    found = dates_in(text)
    return found[0] if found else None


def earliest_date(text: str | None) -> date | None:
    """The earliest date written in `text` (e.g. the first Federal Register notice)."""
    found = dates_in(text)
    return min(found) if found else None


def join_citations(value: str | None) -> str:
    """Federal Register citations on several lines or `;`-joined, as one `; `-joined string."""
    parts = re.split(r"\s*(?:\n|;)\s*", value or "")
    return "; ".join(p.strip().rstrip(".").strip() for p in parts if p.strip())


# --- entity types, ids -------------------------------------------------------------------

_ORG_WORDS = re.compile(
    r"\b(?:co|corp|corporation|company|companies|inc|incorporated|ltd|limited|llc|l\.l\.c|llp|"
    r"plc|gmbh|ag|s\.?a|s\.?a\.?s|s\.?r\.?l|b\.?v|n\.?v|jsc|ojsc|cjsc|pjsc|ooo|zao|oao|fze|"
    r"fzco|fzc|pte|pvt|bhd|sdn|group|holdings?|industr(?:y|ies|ial)|technolog(?:y|ies)|"
    r"trading|enterprises?|institute|university|academy|laboratory|laboratories|center|"
    r"centre|bureau|plant|factory|works|organi[sz]ation|agency|ministry|department|bank|"
    r"association|foundation|establishment|services?|systems?|electronics?|engineering|"
    r"international|logistics|shipping|airlines?|aviation|import|export|commission|council|"
    r"committee|office|force|forces|army|navy|guard|party|front|brigade|network|solutions|"
    r"research|development|manufacturing|factory|base|station|school|college|hospital|"
    r"government|authority|society|fund|partnership|firm|store|shop|market)\b\.?",
    re.IGNORECASE,
)


def looks_like_organisation(name: str) -> bool:
    """True when the name carries a legal form or an organisation word ("Co.", "Institute")."""
    return bool(_ORG_WORDS.search(name))


def infer_entity_type(name: str, default: EntityType) -> EntityType:
    """The type of an entry whose list does not say: an organisation word makes it a company,
    otherwise the list's default (documented per adapter / mapping)."""
    if looks_like_organisation(name):
        return "company"
    return default


def stable_id(code: str, *parts: str) -> str:
    """`CODE:` + the first 12 hex digits of the SHA-1 of the parts: stable across loads of the
    same record, for lists without their own record id."""
    digest = hashlib.sha1("\x1f".join(clean_text(p).casefold() for p in parts).encode("utf-8"))
    return f"{code}:{digest.hexdigest()[:12]}"


class IdAllocator:
    """Keeps entry ids unique within a feed: a repeated id gets `#2`, `#3` ... in file order,
    so identical duplicate rows (the lists have a few) stay separate and stable."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def take(self, entry_id: str) -> str:
        count = self._seen.get(entry_id, 0) + 1
        self._seen[entry_id] = count
        return entry_id if count == 1 else f"{entry_id}#{count}"


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values without duplicates, first-seen order kept."""
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return tuple(seen)
