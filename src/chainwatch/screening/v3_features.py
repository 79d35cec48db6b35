"""chainwatch-v3's feature table: small pure functions, each one piece of evidence.

An algorithm is a name plus a list of weighted features (nomenklatura's ``logic_v2`` is the
model). Each function here returns ``(value, evidence)`` or ``None`` when it has nothing to
say; ``value`` is in [-1, 1] (negative: counter-evidence), and the score adds
``value * weight`` for it, the weight read from the version's weight table
(``chainwatch/data/screening/chainwatch-v3.json``, part of the version). The name feature is
the exception: its contribution is ``slope * (name - midpoint)``, and the final score is
``sigmoid(slope * (name - midpoint) + sum of the other contributions)``.

Why the bound used for pruning is cheap and safe (docs/screening.md §4a): the score rises
with the name feature and every other contribution is at most its positive weight, so
``name >= midpoint + (logit(threshold) - sum of positive weights the query can earn) / slope``
is necessary for a hit, and retrieval bounds the name feature from above per listed name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from chainwatch.model.lists import Address, Identifier
from chainwatch.screening.v3_tokens import JOINED_SIMILARITY
from chainwatch.text.countries import to_iso2
from chainwatch.text.legal_forms_v3 import legal_forms_conflict

Evidence = tuple[float, str] | None

# Features whose value can be positive (up to 1); every other feature is counter-evidence only
# (value <= 0), so only these enter the bound used for pruning.
EVIDENCE_FOR = frozenset(
    {"legal_form_agreement", "country", "nationality", "date_of_birth", "identifier", "address"}
)


@dataclass(frozen=True, slots=True)
class WeightTable:
    """The weights of one version, as stored in its JSON file."""

    version: str
    slope: float
    midpoint: float
    midpoint_person: float
    query_loss: float
    query_loss_person: float
    listed_loss_company: float
    listed_loss_person: float
    weights: dict[str, float]

    def midpoint_for(self, listed_type: str) -> float:
        """The name value at which a listed person or other party scores one half: lower for
        persons, whose aliases drop and respell given names more than companies do."""
        return self.midpoint_person if listed_type == "person" else self.midpoint

    @property
    def lowest_midpoint(self) -> float:
        return min(self.midpoint, self.midpoint_person)

    def weight(self, feature: str) -> float:
        return self.weights[feature]

    def max_bonus(self, features: Sequence[str]) -> float:
        """The most the named features can add together: the weights of those that can
        speak for a match (value up to 1); counter-evidence features add nothing."""
        return sum(max(self.weights[f], 0.0) for f in features if f in EVIDENCE_FOR)


@lru_cache(maxsize=4)
def load_weights(version: str = "chainwatch-v3") -> WeightTable:
    """The weight table of `version` from ``chainwatch/data/screening/<version>.json``."""
    path = resources.files("chainwatch.data") / "screening" / f"{version}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return WeightTable(
        version=data["version"],
        slope=float(data["slope"]),
        midpoint=float(data["midpoint"]),
        midpoint_person=float(data["midpoint_person"]),
        query_loss=float(data["query_loss"]),
        query_loss_person=float(data["query_loss_person"]),
        listed_loss_company=float(data["listed_loss_company"]),
        listed_loss_person=float(data["listed_loss_person"]),
        weights={k: float(v) for k, v in data["weights"].items()},
    )


# -- word commonness ----------------------------------------------------------------------------

# Zipf frequencies (log10 of uses per billion words) from which a word counts as common, and at
# which it is as common as words get in names ("bank", "china", "cool" are about 5).
COMMON_FROM, COMMON_FULL = 3.0, 5.0


@lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    """The shipped table ``word_commonness_v3.tsv`` (derived from wordfreq, CC-BY-SA 4.0;
    bench/build_word_commonness.py writes it): folded English word -> Zipf frequency."""
    path = resources.files("chainwatch.data") / "screening" / "word_commonness_v3.tsv"
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, zipf = line.split("\t")
            table[word] = float(zipf)
    return table


def word_commonness(token: str) -> float:
    """How common `token` (lower case, plural-folded) is as an English word, in [0, 1]: 0 for
    a word used less than once per million words (brands such as "tencent", "hikvision",
    "netposa", and every word the table lacks), rising linearly with its Zipf frequency to 1
    for the most common words ("target" 0.91, "atlas" 0.40, "cool" 1). A common word starts
    many companies' names; a rare one names few. Two words written as one ("hik vision") are
    looked up joined."""
    zipf = _zipf_table().get(token.replace(" ", ""), 0.0)
    return round(min(max((zipf - COMMON_FROM) / (COMMON_FULL - COMMON_FROM), 0.0), 1.0), 4)


# -- name-form features -------------------------------------------------------------------------


def legal_form_agreement(query_forms: Sequence[str], listed_forms: Sequence[str]) -> Evidence:
    """Both names carry the same legal form: a little evidence for ("Siemens AG" / "Siemens
    Aktiengesellschaft" are both ``ag``). Different forms are the conflict feature's."""
    common = set(query_forms) & set(listed_forms) - {"co"}
    if common:
        return 1.0, f"both {'/'.join(sorted(common))}"
    return None


# Legal forms that exist under one law only (German-speaking, UAE free zones) and the US-style
# corporation: two names whose forms all belong to different groups are two entities, though
# rigour's families put an Inc., a GmbH and an FZCO together ("PTC Inc." / "PTC GmbH",
# "Griffon Corp" / "Griffon FZC"). Russian forms stay out: the lists alias a Russian company
# and its UAE twin as one entry ("GURGEN HOUSE OOO" / "GURGEN HOUSE FZCO").
_NATIONAL_FORMS = {
    "inc": "corporation",
    **dict.fromkeys(("gmbh", "ag", "kg", "ug"), "german"),
    **dict.fromkeys(("fze", "fzco", "fzllc"), "uae free zone"),
}


def _national(forms: Sequence[str]) -> set[str] | None:
    groups = {_NATIONAL_FORMS.get(f) for f in forms}
    return None if not forms or None in groups else {g for g in groups if g}


def legal_form_conflict(query_forms: Sequence[str], listed_forms: Sequence[str]) -> Evidence:
    """Legal forms of no common family ("Deutsche Bank AG" / "Deutsche Bank GmbH", "LLC" /
    "LP"): two entities of one group rather than one entity (text/legal_forms_v3); or forms
    of different laws (`_NATIONAL_FORMS`: "PTC Inc." / "PTC GmbH")."""
    query_law, listed_law = _national(query_forms), _national(listed_forms)
    if legal_forms_conflict(query_forms, listed_forms) or (
        query_law and listed_law and not query_law & listed_law
    ):
        return -1.0, f"{'/'.join(query_forms)} vs listed {'/'.join(listed_forms)}"
    return None


def legal_form_against_type(query_forms: Sequence[str], listed_type: str) -> Evidence:
    """A company's legal form in the query against a listed person, vessel or aircraft."""
    forms = [f for f in query_forms if f != "co"] or list(query_forms)
    if forms and listed_type in ("person", "vessel", "aircraft"):
        return -1.0, f"{'/'.join(forms)} against a listed {listed_type}"
    return None


def series_conflict(
    query_series: Sequence[str], listed_series: Sequence[str], listed_type: str = "unknown"
) -> Evidence:
    """Different numbered-series markers ("Fund X" / "Fund XI", "Trust I" / "Trust II",
    "Solutions" / "Solutions II", years): funds and trusts of one sponsor are different
    parties. Markers on one side only count too: "… Solutions II" is not "… Solutions".
    Not for persons: "Jinping Xi" ends in a name, not in the numeral eleven."""
    if listed_type != "person" and set(query_series) != set(listed_series):
        shown_q = " ".join(query_series) or "none"
        shown_c = " ".join(listed_series) or "none"
        return -1.0, f"series {shown_q} vs listed {shown_c}"
    return None


def qualifier_conflict(
    query_qualifiers: Sequence[str], listed_qualifiers: Sequence[str]
) -> Evidence:
    """Subsidiaries qualified by different places ("Bank of China (Hong Kong)" / "Bank of
    China (Singapore)"): -1. A qualifier on one side only ("Huawei Technologies" / "Huawei
    Technologies Canada"): -0.5, the parent and its subsidiary."""
    q, c = set(query_qualifiers), set(listed_qualifiers)
    if q == c:
        return None
    if q and c and not q & c:
        return -1.0, f"({', '.join(sorted(q))}) vs listed ({', '.join(sorted(c))})"
    if not q or not c:
        return -0.5, f"qualifier only on one side: {', '.join(sorted(q | c))}"
    return None


def acronym_only(
    aligned: Sequence[tuple[str, str]], unaligned_count: int, listed_type: str
) -> Evidence:
    """The match rests on short tokens only (three letters or fewer: acronyms such as "ZTE",
    "ABC") while other words stay unexplained: an acronym is shared by many parties. Not for
    persons, whose short names ("Li", "Xi") are names, not acronyms."""
    if (
        listed_type != "person"
        and aligned
        and unaligned_count
        and all(len(c) <= 3 and len(q) <= 3 for q, c in aligned)
    ):
        return -1.0, "only short tokens agree: " + " ".join(c for _, c in aligned)
    return None


def single_word(words: tuple[int, int], unaligned: tuple[int, int]) -> Evidence:
    """One side is a single word that the other holds beside other words (a brand "Atlas"
    against a listed "ATLAS HOLDING"): a common word is the start of many names. `words`
    and `unaligned` count (query, listed) words, legal-form words left out; two words
    written as one ("Hik Vision" / "Hikvision") leave nothing unaligned."""
    if min(words) == 1 and max(unaligned) > 0:
        return -1.0, "one word against a longer name"
    return None


def single_word_edited(words: tuple[int, int], pairs: Sequence[tuple[str, str, float]]) -> Evidence:
    """A one-word name matched through an edited word only ("Sonos" / "Sonis", "Tesla" /
    "Tesa", "Softlink" / "Softline"): with nothing else to agree, one letter apart is often
    another name. The shorter the word, the stronger the counter-evidence: -1 up to six
    letters, then -(6 / length)^2 (eight letters -0.56, twelve -0.25, seventeen
    ("Pskovnefteprodukt") -0.12). Words joined or split otherwise are no edit."""
    if min(words) != 1 or len(pairs) != 1:
        return None
    q, c, sim = pairs[0]
    if sim >= JOINED_SIMILARITY:
        return None
    length = max(len(q), len(c))
    value = -min(1.0, (6.0 / length) ** 2)
    return round(value, 4), f"one word, matched with an edit: '{q}' ~ '{c}'"


def common_word(words: tuple[int, int], matched: Sequence[float]) -> Evidence:
    """One side is a single word and it is a common English word ("Target", "Premier",
    "Atlas" / "ATLAS HOLDING"): many companies are called so, a brand ("Tencent", "NetPosa")
    names one. `words` counts (query, listed) words, legal-form words left out; `matched`
    holds the commonness (:func:`word_commonness`) of the agreeing words; the rarest decides:
    value -commonness."""
    if min(words) != 1 or not matched:
        return None
    value = min(matched)
    if value <= 0.0:
        return None
    return -round(value, 4), f"one common word (commonness {value:.2f})"


def common_words_partial(
    words: tuple[int, int], unaligned: tuple[int, int], matched: Sequence[float]
) -> Evidence:
    """Names of several words that agree only in common English words while one of them keeps
    other words ("Iron Mountain Inc" / "Iron Mountain Enterprises Limited", "Premier Financial"
    / "Premier Financial Services Group"): value -commonness of the rarest agreeing word.
    Equal names, or a name with one brand among its agreeing words, are left alone."""
    if min(words) < 2 or max(unaligned) == 0 or not matched:
        return None
    value = min(matched)
    if value <= 0.0:
        return None
    return -round(value, 4), f"only common words agree (commonness {value:.2f})"


def common_word_edited(
    pairs: Sequence[tuple[str, str, float]], commonness: Sequence[float]
) -> Evidence:
    """A word the query writes as a common English word matched to a different listed word by
    an edit ("Boston Technology" / "Boson Technology", "Nova Electronics" / "Neva
    Electronica", "Alive Technologies" / "Alite Technologies"): someone who typed a real word
    most likely meant it; a typo seldom makes one ("technolgy", "hikvsion" are no words).
    `pairs` are the alignment's (query, listed, similarity), `commonness` the query words'
    :func:`word_commonness`; value -(the highest commonness of an edited query word). Joined
    or split words are no edit."""
    edited = [
        c for (_, _, sim), c in zip(pairs, commonness, strict=True) if sim < JOINED_SIMILARITY
    ]
    value = max(edited, default=0.0)
    if value <= 0.0:
        return None
    return -round(value, 4), f"a common word matched by an edit (commonness {value:.2f})"


def company_words_against_person(business_words: Sequence[str], listed_type: str) -> Evidence:
    """Business words in the query ("technology", "systems", "trading") against a listed
    person ("Strix Systems" / "STRIX", "Adura Technologies" / "DURA, Abu"): a company's
    name, not a person's; the legal form's case is `legal_form_against_type`."""
    if business_words and listed_type == "person":
        return -1.0, f"company words against a listed person: {' '.join(business_words)}"
    return None


def words_disagree(
    unaligned_query: Sequence[str], unaligned_listed: Sequence[str], listed_type: str
) -> Evidence:
    """Each name keeps a word the other lacks ("Madison Technologies" / "Madison
    Engineering", "Frontier Group Holdings" / "Frontier Services Group"): two parties that
    share a word and say different things about themselves. (Legal-form words are left out
    by the caller.) Not for persons: one given name spelt beyond recognition ("Gil" / "Gi")
    is common among a person's aliases, and the name feature already weighs it."""
    if listed_type != "person" and unaligned_query and unaligned_listed:
        shown = f"{' '.join(unaligned_query)} vs listed {' '.join(unaligned_listed)}"
        return -1.0, f"each name keeps its own words: {shown}"
    return None


# -- evidence given with the query ------------------------------------------------------------


def country(query_country: str, listed_countries: frozenset[str]) -> Evidence:
    """The query's country among the entry's countries (+1) or not (-1); nothing when
    either side has none."""
    if not query_country or not listed_countries:
        return None
    code = to_iso2(query_country) or query_country.upper()
    if code in listed_countries:
        return 1.0, f"{code} listed"
    return -1.0, f"{code} not in {','.join(sorted(listed_countries))}"


def nationality(
    query_nationality: str, listed_countries: frozenset[str], listed_type: str
) -> Evidence:
    """A person's nationality among the listed person's countries (+1) or not (-0.5: lists
    give countries of residence and of citizenship alike, so absence is weak)."""
    if not query_nationality or not listed_countries or listed_type != "person":
        return None
    code = to_iso2(query_nationality) or query_nationality.upper()
    if code in listed_countries:
        return 1.0, f"nationality {code} listed"
    return -0.5, f"nationality {code} not in {','.join(sorted(listed_countries))}"


_YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_ISO_RE = re.compile(r"(?<!\d)(\d{4})-(\d\d)(?:-(\d\d))?")


def _dates(text: str) -> tuple[set[str], set[str]]:
    """(years, full ISO dates) found in a date-of-birth string."""
    years = set(_YEAR_RE.findall(text))
    full = {m.group(0) for m in _ISO_RE.finditer(text) if m.group(3)}
    return years, full


def date_of_birth(query_date: str, listed_dates: Sequence[str]) -> Evidence:
    """A person's date of birth: the same full date +1, the same year (or a year of a listed
    range "1960 to 1962") +0.6, a year more than one away from every listed one -1."""
    if not query_date or not listed_dates:
        return None
    q_years, q_full = _dates(query_date)
    if not q_years:
        return None
    years: set[str] = set()
    full: set[str] = set()
    for text in listed_dates:
        y, f = _dates(text)
        years |= y
        full |= f
    if not years:
        return None
    if q_full & full:
        return 1.0, f"born {sorted(q_full & full)[0]}"
    if q_years & years:
        return 0.6, f"born {sorted(q_years & years)[0]}"
    if min(abs(int(a) - int(b)) for a in q_years for b in years) <= 1:
        return None
    return -1.0, f"born {'/'.join(sorted(q_years))}, listed {'/'.join(sorted(years))}"


def _ident_key(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def identifier(query_identifiers: Sequence[str], listed: Sequence[Identifier]) -> Evidence:
    """An identifier of the query (registration, passport, IMO ...) printed on the entry."""
    if not query_identifiers or not listed:
        return None
    wanted = {_ident_key(v) for v in query_identifiers if _ident_key(v)}
    hits = [i for i in listed if _ident_key(i.value) in wanted]
    if hits:
        return 1.0, "; ".join(f"{i.scheme} {i.value}" for i in hits)
    return None


def address(
    query_tokens: frozenset[str], listed: Sequence[tuple[frozenset[str], Address]]
) -> Evidence:
    """Share of the query address's words found in the best listed address (at least half)."""
    if not query_tokens or not listed:
        return None
    best, shown = 0.0, ""
    for tokens, addr in listed:
        overlap = len(query_tokens & tokens) / len(query_tokens)
        if overlap > best:
            best, shown = overlap, addr.full
    if best >= 0.5:
        return best, shown[:200]
    return None


def entity_type(query_type: str, listed_type: str) -> Evidence:
    """A query said to be a person against a listed company, or the reverse."""
    if query_type != "unknown" and listed_type != "unknown" and query_type != listed_type:
        return -1.0, f"query is a {query_type}, listed {listed_type}"
    return None
