"""chainwatch-v3's index: listed name forms as rows, token postings, weights, similar-token tables.

The listed forms are :func:`chainwatch.text.normalize_v3.forms_v3` of every name and alias,
plural-folded. Per token: postings (NumPy row ids), a weight from document frequency over
entries (v2's damped place and generic word lists; legal-form words left in the tokens, and
their misspellings, a tenth); two neighbours joined as extra keys ("hik vision" ->
"hikvision"); the deletion neighbourhood of the vocabulary, romanised keys and consonant
skeletons, so that the matcher finds every similar token exactly (docs/screening.md §4a).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, SupportsIndex

import numpy as np

from chainwatch.model.lists import ListEntry
from chainwatch.screening.damping import GENERIC_FACTOR, PLACE_FACTOR, damped_words
from chainwatch.screening.v3_tokens import DeletionIndex, IntArray, romanised, skeleton
from chainwatch.text.normalize_v3 import FormV3, fold_plural, forms_v3

# Words of legal forms that normalisation left in the tokens because the form was broken
# ("Limited Liability Gulfwind", "Joint Stock Helicopter Service Company", "AD Cytrox"): they
# say nothing about who the party is, so they weigh a tenth of their frequency weight.
LEGAL_WORD_FACTOR = 0.1


@lru_cache(maxsize=1)
def legal_words() -> frozenset[str]:
    """Words of legal forms, plural-folded: text/legal_forms_v3's spelt-out form words and
    the short words and codes of data/screening/legal_words_v3.txt."""
    from chainwatch.text.legal_forms_v3 import form_vocabulary

    path = resources.files("chainwatch.data") / "screening" / "legal_words_v3.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    short = {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}
    return frozenset(fold_plural(w) for w in form_vocabulary() | short)


def folded(form: FormV3) -> tuple[str, ...]:
    """The tokens of `form`, plural-folded."""
    return tuple(fold_plural(t) for t in form.tokens)


@dataclass(frozen=True, slots=True)
class V3Row:
    """One normalised form of one listed name."""

    entry: int
    name: str
    is_primary: bool
    form: FormV3
    tokens: tuple[str, ...]
    weights: tuple[float, ...]


# Every attribute of a built index, in the order the artifact writes them
# (:mod:`chainwatch.screening.v3_artifact` has the codec of each): a field added here and
# there is the whole change. The built and the artifact-loaded index are one class.
PARTS = (
    "entries",
    "snapshot",
    "legal_vocabulary",
    "legal_deletions",
    "generic",
    "entry_countries",
    "entry_forms",
    "entry_count",
    "unknown_weight",
    "token_weight",
    "vocabulary",
    "token_id",
    "vocab_weight",
    "rows",
    "joined_weight",
    "postings",
    "joined",
    "row_total",
    "row_person",
    "deletions",
    "romanised",
    "skeleton_all",
    "skeleton_script",
    "sources",
)


class V3Index:
    """The chainwatch-v3 index over one snapshot's entries (see the module docstring).

    Built from entries (``V3Index(entries, snapshot)``), or made from the parts an index
    artifact holds (:meth:`from_parts`, :mod:`chainwatch.screening.v3_artifact`); the sequences
    and mappings are then lazy views of memory-mapped arrays, with the same interface.
    """

    entries: Sequence[ListEntry]
    snapshot: str
    legal_vocabulary: frozenset[str]
    legal_deletions: DeletionIndex
    entry_countries: Sequence[frozenset[str]]
    entry_forms: Sequence[tuple[str, ...]]  # legal forms of each primary name
    entry_count: int
    unknown_weight: float
    token_weight: Mapping[str, float]
    vocabulary: tuple[str, ...]
    token_id: Mapping[str, int]
    vocab_weight: np.ndarray
    rows: Sequence[V3Row]
    joined_weight: Mapping[str, float]
    postings: Sequence[IntArray]
    joined: Mapping[str, IntArray]
    row_total: np.ndarray
    row_person: np.ndarray
    deletions: DeletionIndex
    romanised: Mapping[str, tuple[int, ...]]
    skeleton_all: Mapping[str, tuple[int, ...]]
    skeleton_script: Mapping[str, tuple[int, ...]]
    sources: tuple[str, ...]
    artifact: str  # the artifact file this index was opened from ("" when built)
    _legal_like: dict[str, bool]

    @classmethod
    def from_parts(cls, parts: Mapping[str, Any], artifact: str = "") -> V3Index:
        """The index made of `parts` (every name of :data:`PARTS`), as :meth:`parts` gave."""
        missing = [name for name in PARTS if name not in parts]
        if missing:
            raise ValueError(f"index parts missing: {', '.join(missing)}")
        index = cls.__new__(cls)
        for name in PARTS:
            setattr(index, name, parts[name])
        index._legal_like = {}
        index.artifact = artifact
        return index

    def parts(self) -> dict[str, Any]:
        """The attributes that make this index (:data:`PARTS`)."""
        return {name: getattr(self, name) for name in PARTS}

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        if self.artifact:  # mapped arrays and lazy views: the other process opens the file
            from chainwatch.screening.v3_artifact import open_index

            return (open_index, (self.artifact,))
        return super().__reduce_ex__(protocol)

    def __init__(self, entries: Sequence[ListEntry], snapshot: str = "") -> None:
        self.artifact = ""
        self.entries = tuple(entries)
        self.snapshot = snapshot
        places, generic = damped_words()
        places = frozenset(fold_plural(t) for t in places)
        generic = frozenset(fold_plural(t) for t in generic)
        self.generic = generic  # business words ("technology", "trading"): company_words_vs_person
        form_words = legal_words()
        self.legal_vocabulary = form_words
        self.legal_deletions = DeletionIndex(sorted(form_words))
        self._legal_like = {}
        entry_countries: list[frozenset[str]] = []
        entry_forms: list[tuple[str, ...]] = []
        raw: list[tuple[int, str, bool, FormV3, tuple[str, ...]]] = []
        doc_freq: dict[str, int] = defaultdict(int)
        for position, entry in enumerate(self.entries):
            countries = {c for c in entry.countries if c}
            countries.update(a.country for a in entry.addresses if a.country)
            entry_countries.append(frozenset(countries))
            seen_tokens: set[str] = set()
            seen_forms: set[tuple[object, ...]] = set()
            primary_forms = forms_v3(entry.name)
            entry_forms.append(
                tuple(dict.fromkeys(c for f in primary_forms for c in f.legal_forms))
            )
            for name in entry.all_names:
                for form in forms_v3(name):
                    tokens = folded(form)
                    key = (tokens, form.legal_forms, form.qualifiers, form.series)
                    if key in seen_forms:
                        continue
                    seen_forms.add(key)
                    raw.append((position, name, name == entry.name, form, tokens))
                    seen_tokens.update(tokens)
            for token in seen_tokens:
                doc_freq[token] += 1
        self.entry_countries = entry_countries
        self.entry_forms = entry_forms
        self.entry_count = max(len(self.entries), 1)
        self.unknown_weight = math.log(self.entry_count + 1.0)
        token_weight: dict[str, float] = {}
        self.token_weight = token_weight
        for token, df in doc_freq.items():
            weight = math.log((self.entry_count + 1.0) / (df + 0.5))
            if self.legal_like(token):
                weight *= LEGAL_WORD_FACTOR
            elif token in places:
                weight *= PLACE_FACTOR
            elif token in generic:
                weight *= GENERIC_FACTOR
            elif token.isdigit():
                weight *= 0.5
            token_weight[token] = max(weight, 0.05)
        self.vocabulary = tuple(sorted(self.token_weight))
        self.token_id = {t: i for i, t in enumerate(self.vocabulary)}
        self.vocab_weight = np.asarray([self.token_weight[t] for t in self.vocabulary])
        rows: list[V3Row] = []
        self.rows = rows
        postings: list[list[int]] = [[] for _ in self.vocabulary]
        joined: dict[str, list[int]] = defaultdict(list)
        joined_weight: dict[str, float] = {}
        self.joined_weight = joined_weight
        for position, name, primary, form, tokens in raw:
            weights = tuple(self.token_weight[t] for t in tokens)
            row = len(rows)
            rows.append(V3Row(position, name, primary, form, tokens, weights))
            for token in set(tokens):
                postings[self.token_id[token]].append(row)
            for k in range(len(tokens) - 1):
                pair_key = tokens[k] + tokens[k + 1]
                joined[pair_key].append(row)
                weight = weights[k] + weights[k + 1]
                joined_weight[pair_key] = max(joined_weight.get(pair_key, 0.0), weight)
        self.postings = [np.asarray(p, dtype=np.int32) for p in postings]
        self.joined = {k: np.unique(np.asarray(v, dtype=np.int32)) for k, v in joined.items()}
        self.row_total = np.asarray([sum(r.weights) for r in self.rows])
        self.row_person = np.asarray(
            [self.entries[r.entry].entity_type == "person" for r in self.rows], dtype=bool
        )
        self.deletions = DeletionIndex(self.vocabulary)
        keys: dict[str, list[int]] = defaultdict(list)
        for token_id, token in enumerate(self.vocabulary):
            if token.isalpha() and len(token) >= 4:
                keys[romanised(token)].append(token_id)
        self.romanised = {k: tuple(v) for k, v in keys.items()}
        script_tokens = {t for r in self.rows if r.form.variant == "script" for t in r.tokens}
        skeletons: dict[str, list[int]] = defaultdict(list)
        skeletons_script: dict[str, list[int]] = defaultdict(list)
        for token_id, token in enumerate(self.vocabulary):
            if token.isalpha() and len(skeleton(token)) >= 3:
                skeletons[skeleton(token)].append(token_id)
                if token in script_tokens:
                    skeletons_script[skeleton(token)].append(token_id)
        self.skeleton_all = {k: tuple(v) for k, v in skeletons.items()}
        self.skeleton_script = {k: tuple(v) for k, v in skeletons_script.items()}
        self.sources = tuple(sorted({e.source for e in self.entries}))

    def legal_like(self, token: str) -> bool:
        """A legal-form word, or a word of seven letters or more within the edit budget of one
        ("compnay", "ogranicennoi", "limitd": a legal form broken by a typo; shorter words
        are too often other words: "point" / "joint")."""
        if token in self.legal_vocabulary:
            return True
        if len(token) < 7:
            return False
        known = self._legal_like.get(token)
        if known is None:
            known = bool(self.legal_deletions.similar(token))
            if len(self._legal_like) < 200_000:
                self._legal_like[token] = known
        return known

    def weight(self, token: str) -> float:
        """Weight of a listed token; tokens the lists never contain weigh the most, unless
        they misspell a legal-form word."""
        weight = self.token_weight.get(token)
        if weight is not None:
            return weight
        return self.unknown_weight * (LEGAL_WORD_FACTOR if self.legal_like(token) else 1.0)
