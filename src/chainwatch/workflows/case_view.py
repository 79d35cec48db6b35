"""What the case page shows: the query and the listed entry side by side, with the parts of
each listed name that the query shares marked.

A listed word is marked when its normalised form (``chainwatch.text.normalize.name_forms``:
case, accents, scripts folded) is one of the query's tokens, or when the pair is close
(Jaro-Winkler >= 0.9, the similarity the matcher's token features build on; Winkler 1990,
"String comparator metrics and enhanced decision rules in the Fellegi-Sunter model of record
linkage"). Example: query "Hangzhou Hikvision Digital Tech" against "HANGZHOU HIKVISION
DIGITAL TECHNOLOGY CO., LTD.": HANGZHOU, HIKVISION, DIGITAL and TECHNOLOGY are marked (the
normaliser reads "Tech" as "technology"; Jaro-Winkler alone would give 0.88), CO. and LTD.
are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jellyfish

from chainwatch.text.normalize import name_forms

WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    marked: bool


def query_tokens(name: str) -> set[str]:
    tokens: set[str] = set()
    for form in name_forms(name):
        tokens.update(form.tokens)
    return tokens


def _word_tokens(word: str) -> set[str]:
    found: set[str] = set()
    for form in name_forms(word):
        found.update(form.tokens)
    return found


def mark(text: str, tokens: set[str]) -> list[Segment]:
    """`text` cut into segments, the words sharing a token with `tokens` marked."""
    out: list[Segment] = []
    last = 0
    for found in WORD.finditer(text):
        if found.start() > last:
            out.append(Segment(text[last : found.start()], False))
        words = _word_tokens(found.group())
        hit = bool(words & tokens) or any(
            len(w) >= 4 and jellyfish.jaro_winkler_similarity(w, t) >= 0.9
            for w in words
            for t in tokens
            if len(t) >= 4
        )
        out.append(Segment(found.group(), hit))
        last = found.end()
    if last < len(text):
        out.append(Segment(text[last:], False))
    return out


def side_by_side(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (label, query side, listed side) for the case page; names marked."""
    party = case["counterparty"]
    entry = case["entry"]
    tokens = query_tokens(party["name"])
    names = [mark(str(entry.get("name", "")), tokens)]
    aliases = [mark(str(a), tokens) for a in entry.get("aliases") or []]
    addresses = [", ".join(p for p in a if p) for a in entry.get("addresses") or []]
    identifiers = [
        f"{scheme}: {value}" + (f" ({country})" if country else "")
        for scheme, value, country in entry.get("identifiers") or []
    ]
    query_ids = list(party.get("identifiers") or [])
    return [
        {"label": "Name", "query": [mark(party["name"], tokens)], "listed": names, "names": True},
        {"label": "Aliases", "query": [], "listed": aliases, "names": True},
        {"label": "Address", "query": [party.get("address") or ""], "listed": addresses},
        {
            "label": "Country",
            "query": [party.get("country") or ""],
            "listed": entry.get("countries") or [],
        },
        {"label": "Identifiers", "query": query_ids, "listed": identifiers},
        {"label": "Date of birth", "query": [], "listed": entry.get("dates_of_birth") or []},
        {"label": "Programmes", "query": [], "listed": entry.get("programs") or []},
        {"label": "Listed on", "query": [], "listed": [entry.get("listed_on") or ""]},
        {"label": "Federal Register", "query": [], "listed": [entry.get("federal_register") or ""]},
        {
            "label": "Licence requirement",
            "query": [],
            "listed": [entry.get("license_requirement") or ""],
        },
        {"label": "Licence policy", "query": [], "listed": [entry.get("license_policy") or ""]},
        {"label": "Remarks", "query": [], "listed": [entry.get("remarks") or ""]},
        {
            "label": "Record",
            "query": [f"{party.get('origin') or ''}, {str(party.get('created_at') or '')[:10]}"],
            "listed": [entry.get("source_url") or ""],
        },
    ]
