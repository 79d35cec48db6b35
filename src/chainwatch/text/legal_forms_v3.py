"""Legal forms for chainwatch-v3: found at the ends of a name, in any language and script.

Sources, in order of precedence:

1. ``data/text/legal_forms_v3.csv``: the few forms rigour lacks or codes differently (``corp``,
   ``co``, ``kk``, ``sp zoo`` once single letters are joined, the CJK-English compounds like
   ``pte ltd``, ``пао``), each with a note.
2. rigour's organisation-type database (``rigour.names.org_types``, MIT, maintained by
   OpenSanctions; built from OCCRP's table, ISO 20275 ELF and Wikipedia). Its "compare" form is
   the code (``aktiengesellschaft`` -> ``ag``, ``общество с ограниченной ответственностью`` ->
   ``ooo``), its "generic" form the family (``ag`` -> ``jsc``, ``gmbh`` -> ``llc``).

A name is first cut into tokens in its own script (so rigour sees "общество" rather than a
romanisation of it); forms are then looked for in runs of those tokens. Only forms at the end
of the name (and, for the forms that languages put first, "OOO", "PT", "JSC", at the start) are
legal forms of *this* name: "AS" in "Ross AS" is one, "as" in "Bank as Agent Ltd" is not.

A misspelt or truncated form at the end ("Siemens Aktiengesellschft", "Foo Co., Lt") is repaired
against the words of the known forms, but only when the repaired tokens become a known form, so
a distinctive word is never eaten: "Siemens Limted" loses "limted", "Lumen Lighting" keeps both.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

# rigour's org-type matcher is called through rigour._core (the Rust functions
# rigour.names.org_types wraps) with the flags that module passes by default: importing
# rigour.names pulls in normality, ICU, chardet and rigour's language tables (~0.1 s of a cold
# `chainwatch screen`), none of which the matcher uses. tests/text/test_legal_forms_v3.py
# checks the two values against rigour.text.normalize and the results against
# rigour.names.org_types.
RIGOUR_CASEFOLD = 4  # int(rigour.text.normalize.Normalize.CASEFOLD)
RIGOUR_NOOP = 0  # int(rigour.text.normalize.Cleanup.Noop)


try:  # rigour._core is not public: a rigour 2.x that moves it costs only the import time
    from rigour import _core as _rigour_core
except ImportError:  # pragma: no cover - depends on the installed rigour
    _rigour_core = None  # type: ignore[assignment]


def extract_org_types(name: str, generic: bool = False) -> list[tuple[str, str]]:
    """rigour.names.org_types.extract_org_types(name, generic=generic), its default flags."""
    if _rigour_core is not None:
        found: list[tuple[str, str]] = _rigour_core.extract_org_types(
            name, RIGOUR_CASEFOLD, RIGOUR_NOOP, generic
        )
        return found
    from rigour.names import org_types  # pragma: no cover

    return org_types.extract_org_types(name, generic=generic)  # pragma: no cover


def remove_org_types(name: str, replacement: str = "") -> str:
    """rigour.names.org_types.remove_org_types(name, replacement), its default flags."""
    if _rigour_core is not None:
        removed: str = _rigour_core.remove_org_types(
            name, RIGOUR_CASEFOLD, RIGOUR_NOOP, replacement
        )
        return removed
    from rigour.names import org_types  # pragma: no cover

    return org_types.remove_org_types(name, replacement)  # pragma: no cover


_MARK = "\ue000"  # a private-use character: the place rigour found a form in a token run
_ROMAN_RE = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})")


@dataclass(frozen=True, slots=True)
class FoundForm:
    """A legal form found in a name: its code, its family and the tokens it spans."""

    code: str
    family: str
    start: int  # index of the first token
    end: int  # index after the last token


@lru_cache(maxsize=1)
def _own_table() -> tuple[dict[tuple[str, ...], tuple[str, str]], int]:
    """legal_forms_v3.csv: spelling tokens -> (code, family), and the longest spelling."""
    path = resources.files("chainwatch.data") / "text" / "legal_forms_v3.csv"
    table: dict[tuple[str, ...], tuple[str, str]] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [ln for ln in lines[1:] if ln.strip() and not ln.startswith("#")]
    for row in rows:
        spelling, code, family = row.split(",", 3)[:3]
        table[tuple(spelling.split())] = (code, family)
    return table, max(len(k) for k in table)


# rigour's compare codes that name one form two ways, and families rigour leaves empty.
_CODE_ALIASES = {
    "coltd": "ltd",
    "pteltd": "ltd",
    "ltda": "ltd",
    "disticltd": "ltd",
    "kft.": "kft",
    "sdnbhd": "bhd",
    # one code per form across languages: the Ukrainian and Belarusian names of the forms
    # that Russian calls OOO and OAO
    "tov": "ooo",
    "taa": "ooo",
    "vat": "oao",
    "aat": "oao",
}
_FAMILY_OVERRIDES = {"ab": "jsc", "pt": "llc", "pc": "llc", "nl": "jsc", "co": "co"}


def _code(raw: str) -> str:
    """An ASCII code for rigour's compare form (rigour writes a few in Cyrillic: ват, таа)."""
    code = re.sub(r"[^0-9a-z]+", "", anyascii(raw).casefold())
    return _CODE_ALIASES.get(code, code)


@lru_cache(maxsize=512)
def legal_form_family(code: str) -> str:
    """The family of a legal-form code: "llc" (private limited), "jsc" (stock corporation),
    "lp"/"gp"/"llp" (partnerships), "ngo", "coop", "co" (any company) or "" when unknown.

    Two names whose forms are of different families are likely different entities ("Deutsche
    Bank AG" jsc vs "Deutsche Bank GmbH" llc); "co" agrees with every family.

    >>> legal_form_family("ag"), legal_form_family("gmbh"), legal_form_family("co")
    ('jsc', 'llc', 'co')
    """
    table, _ = _own_table()
    for code_family in table.values():
        if code_family[0] == code:
            return code_family[1]
    if code in _FAMILY_OVERRIDES:
        return _FAMILY_OVERRIDES[code]
    found = extract_org_types(code, generic=True)
    return _code(found[0][1]) if found else ""


# Families of rigour's org types that are legal forms of companies and partnerships. The others
# describe rather than incorporate ("charity", "joint venture", "state enterprise",
# "scientific and production enterprise", "unlimited", sole traders' "e.k."), or are codes that
# are also words of personal names: they stay words of the name.
_COMPANY_FAMILIES = frozenset({"llc", "jsc", "lp", "gp", "llp", "coop"})
_UNFAMILIED_FORMS = {"ab": "jsc", "pt": "llc", "ae": "jsc"}  # rigour gives no generic form
# Spellings rigour knows that are, at the end of a list name, more often a word of a personal
# name (Chinese "Yu", Arabic "Sa'd", Turkish "Ay") or of the name ("Made In") than a form.
_NOT_FORMS = frozenset({"in", "yu", "sad", "ay", "sd", "ky", "ks", "na", "ku", "is"})


@lru_cache(maxsize=4096)
def _rigour_family(matched: str, code: str) -> str:
    """The family of a form rigour found, or "" when it is not taken as a legal form."""
    if not code or matched in _NOT_FORMS or _ROMAN_RE.fullmatch(matched):
        return ""  # "II" is a series marker; an empty code is no code
    if code in _UNFAMILIED_FORMS:
        return _UNFAMILIED_FORMS[code]
    generic = extract_org_types(matched, generic=True)
    family = _code(generic[0][1]) if generic else ""
    return family if family in _COMPANY_FAMILIES else ""


def legal_forms_conflict(one: Sequence[str], other: Sequence[str]) -> bool:
    """True when two names both carry legal forms and no form of one shares a family with a
    form of the other: counter-evidence that they name different entities ("Deutsche Bank
    AG" / "Deutsche Bank GmbH"). A name without a form, or with "co", conflicts with none.

    >>> legal_forms_conflict(["ag"], ["gmbh"]), legal_forms_conflict(["ag"], ["sa"])
    (True, False)
    >>> legal_forms_conflict(["ltd"], []), legal_forms_conflict(["co"], ["ag"])
    (False, False)
    """
    if not one or not other:
        return False
    families = {legal_form_family(code) for code in one}
    others = {legal_form_family(code) for code in other}
    if "co" in families or "co" in others or "" in families or "" in others:
        return False
    return not families & others


def _rigour_forms(tokens: Sequence[str], offset: int) -> list[FoundForm]:
    """Forms rigour finds in a run of plain tokens, located by token index."""
    text = " ".join(tokens)
    found = extract_org_types(text)
    if not found:
        return []
    marked = remove_org_types(text, replacement=f" {_MARK} ").split()
    if marked.count(_MARK) != len(found):
        return []  # rigour's two passes disagree: trust neither
    forms: list[FoundForm] = []
    position = 0
    index = 0
    for item in marked:
        if item != _MARK:
            position += 1
            continue
        matched, compare = found[index]
        index += 1
        size = len(matched.split())
        code = _code(compare)
        family = _rigour_family(matched, code)
        if family:
            start = offset + position
            forms.append(FoundForm(code, family, start, start + size))
        position += size
    return forms if position == len(tokens) and index == len(found) else []


def find_forms(tokens: Sequence[str]) -> list[FoundForm]:
    """Every legal form in `tokens` (the own table first, longest spelling first, then rigour
    in the runs between), in token order.

    >>> [(f.code, f.start) for f in find_forms(["siemens", "aktiengesellschaft"])]
    [('ag', 1)]
    """
    table, longest = _own_table()
    forms: list[FoundForm] = []
    plain_start = 0
    position = 0
    while position < len(tokens):
        for size in range(min(longest, len(tokens) - position), 0, -1):
            hit = table.get(tuple(tokens[position : position + size]))
            if hit is not None:
                forms.extend(_rigour_forms(tokens[plain_start:position], plain_start))
                forms.append(FoundForm(hit[0], hit[1], position, position + size))
                position += size
                plain_start = position
                break
        else:
            position += 1
    forms.extend(_rigour_forms(tokens[plain_start:], plain_start))
    return forms


@lru_cache(maxsize=1)
def form_vocabulary() -> frozenset[str]:
    """Words of the spelt-out forms (six letters or more), the targets of typo repair."""
    table, _ = _own_table()
    path = resources.files("chainwatch.data") / "text" / "legal_form_phrases_v3.txt"
    phrases = [
        ln.strip()
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    words = {w for p in phrases for w in p.split()} | {w for k in table for w in k}
    return frozenset(w for w in words if len(w) >= 6)


def form_phrases() -> tuple[str, ...]:
    """The spelt-out forms of legal_form_phrases_v3.txt (tests check rigour knows each)."""
    path = resources.files("chainwatch.data") / "text" / "legal_form_phrases_v3.txt"
    return tuple(
        ln.strip()
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    )


def _edit_budget(length: int) -> int:
    """Edits allowed in a misspelt legal-form word: none below six letters, one up to eleven,
    two from twelve. Tighter than the matcher's budget on purpose: "Behrad" is one edit from
    "berhad" and "Cooperation" two from "corporation", and both are words of their names."""
    return 0 if length < 6 else 1 if length < 12 else 2


@lru_cache(maxsize=1)
def _vocabulary_list() -> list[str]:
    return sorted(form_vocabulary())


@lru_cache(maxsize=65536)
def _repair(token: str, last: bool) -> str | None:
    """The form word `token` is a misspelling of (within the edit budget; the nearest, ties
    alphabetically), or, when it ends the name and has six letters or more, a truncation of
    (the shortest completion); None when it is neither. Cached: names share their words."""
    if token in form_vocabulary() or not token.isalpha():
        return None
    budget = _edit_budget(len(token))
    if budget:
        hits = process.extract(
            token,
            _vocabulary_list(),
            scorer=DamerauLevenshtein.distance,
            score_cutoff=budget,
            limit=None,
        )
        # the first letter must agree ("ilimitada", unlimited, is no typo of "limitada"),
        # and a six-letter word may only become a longer one ("limted" -> "limited")
        near = [
            (int(distance), str(word))
            for word, distance, _ in hits
            if word[0] == token[0] and (len(token) > 6 or len(word) > len(token))
        ]
        if near:
            return min(near)[1]
    if last and len(token) >= 6:
        completions = [w for w in _vocabulary_list() if w.startswith(token)]
        if completions:
            return min(completions, key=lambda w: (len(w), w))
    return None


def repair_tail(tokens: list[str], stop: int) -> tuple[list[str], int]:
    """Repair misspelt legal-form words among the last four tokens before `stop`.

    Returns the tokens (repaired where the repair made a legal form that reaches `stop`) and
    the index where that form starts (`stop` when nothing was repaired). Never repairs the
    first token, so a name keeps at least one word of its own.
    """
    for size in range(min(4, stop - 1), 0, -1):
        start = stop - size
        window = tokens[start:stop]
        repaired = list(window)
        changed = False
        for i, token in enumerate(window):
            fixed = _repair(token, last=(start + i == len(tokens) - 1))
            if fixed is not None:
                repaired[i] = fixed
                changed = True
        if not changed:
            continue
        forms = find_forms(repaired)
        if forms and forms[0].start == 0 and forms[-1].end == size and _contiguous(forms):
            return tokens[:start] + repaired + tokens[stop:], start
    return tokens, stop


def _contiguous(forms: list[FoundForm]) -> bool:
    return all(a.end == b.start for a, b in itertools.pairwise(forms))


# CJK forms, longest first, matched at the end (and 株式会社/주식회사 at the start) of a name
# written without spaces, which rigour's word-boundary matcher cannot see. Simplified Han only:
# traditional text is folded to simplified first.
_CJK_FORMS: tuple[tuple[str, str, str], ...] = tuple(
    sorted(
        (
            ("股份有限公司", "ltd", "llc"),
            ("有限责任公司", "llc", "llc"),
            ("有限公司", "ltd", "llc"),
            ("公司", "co", "co"),
            ("总公司", "co", "co"),
            ("株式会社", "kk", "co"),
            ("有限会社", "yk", "llc"),
            ("合同会社", "gk", "llc"),
            ("주식회사", "kk", "co"),
            ("유한회사", "ltd", "llc"),
            ("(주)", "kk", "co"),
            ("㈜", "kk", "co"),
        ),
        key=lambda item: -len(item[0]),
    )
)
_CJK_PREFIXES = frozenset({"株式会社", "주식회사", "(주)", "㈜", "有限会社", "合同会社"})


def split_cjk_forms(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Strip CJK legal forms from the end (and the Japanese/Korean ones from the start).

    >>> split_cjk_forms("杭州海康威视数字技术股份有限公司")
    ('杭州海康威视数字技术', [('ltd', 'llc')])
    """
    stripped = text.strip()
    found: list[tuple[str, str]] = []
    changed = True
    while changed:
        changed = False
        for form, code, family in _CJK_FORMS:
            if stripped.endswith(form) and len(stripped) > len(form):
                stripped = stripped[: -len(form)].rstrip()
                found.append((code, family))
                changed = True
                break
            if stripped.startswith(form) and len(stripped) > len(form) and form in _CJK_PREFIXES:
                stripped = stripped[len(form) :].lstrip()
                found.append((code, family))
                changed = True
                break
    return stripped, found
