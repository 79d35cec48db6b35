"""In-memory candidate index over the names of a list snapshot (blocking; no search server).

Every listed name and alias is normalised into one or more :class:`NameForm` s; each form gets a
row id. The index keeps, in NumPy arrays and plain dicts:

* token postings: token -> row ids holding it (exact token keys);
* a character-trigram index over the token *vocabulary*, for typo-tolerant token lookup
  ("hikvison" -> "hikvision"), verified with RapidFuzz;
* phonetic keys (Metaphone, via jellyfish) over the vocabulary ("haikang" ~ "heikang");
* joined neighbours ("hik vision" -> "hikvision") so names split differently still meet;
* token weights from document frequency over entries (an inverse document frequency), with
  place names and generic business words damped, so "Hikvision" decides and "Technology",
  "Trading", "Hangzhou" barely count.

Building is linear in the number of names; the index of the bundled snapshot plus SDN takes a
few seconds and well under 300 MB (see docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import jellyfish
import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from chainwatch.model.lists import ListEntry
from chainwatch.screening.damping import GENERIC_FACTOR, PLACE_FACTOR, damped_words
from chainwatch.text.normalize import NameForm, name_forms
from chainwatch.text.transliteration import romanised_key

IntArray = npt.NDArray[np.int32]

FUZZY_MIN_RATIO = 80.0  # RapidFuzz ratio a vocabulary token needs to count as a typo match
SOUND_ALIKE_SIMILARITY = 0.8  # two spellings of one sound (equal Metaphone keys)
ROMANISED_SIMILARITY = 0.85  # two romanisations of one word (equal romanised keys)


PREFIX_SIMILARITY = 0.7  # "trans" for "transportation", "elec" for "electronics"


def similarity_from_ratio(a: str, b: str, ratio: float) -> float:
    """Similarity credited to two different tokens whose RapidFuzz ratio is `ratio` (0-1).

    One edit weighs more in a short token than in a long one: "vistra"/"vista" (ratio 0.91)
    earns 0.77, "hikvison"/"hikvision" (0.94) earns 0.91, "oboronlogistika"/
    "oboronlogistics" (0.80) earns 0.80.
    """
    if len(a) < 3 or len(b) < 3 or (min(len(a), len(b)) == 3 and abs(len(a) - len(b)) > 1):
        return 0.0
    if ratio * 100.0 < FUZZY_MIN_RATIO:
        return 0.0
    shorter = min(len(a), len(b))
    penalty = 1.0 if shorter >= 10 else 1.5 if shorter >= 7 else 2.5
    return max(1.0 - penalty * (1.0 - ratio), 0.0)


def fuzzy_similarity(a: str, b: str) -> float:
    """Similarity credited to two different tokens, else 0:

    * a typo (see :func:`similarity_from_ratio`);
    * two romanisations of one word: equal romanised keys
      (:func:`chainwatch.text.transliteration.romanised_key`), four letters or more, a
      RapidFuzz ratio of 70 or more ("moghaddam"/"moqadam", "otkritie"/"otkrytie",
      "noor"/"nour"): 0.85, or the typo credit if higher;
    * a sound-alike: equal Metaphone keys, five letters or more, a ratio of 70 or more
      ("hassan"/"hasan", "hafez"/"hafiz"): 0.8, or the typo credit if higher;
    * a truncation ("trans" / "transportation", at least four letters): 0.7.
    """
    ratio = fuzz.ratio(a, b) / 100.0
    sim = similarity_from_ratio(a, b, ratio)
    if (
        sim < ROMANISED_SIMILARITY
        and min(len(a), len(b)) >= 4
        and ratio >= 0.7
        and a.isalpha()
        and b.isalpha()
        and romanised_key(a) == romanised_key(b)
    ):
        return ROMANISED_SIMILARITY
    if (
        sim < SOUND_ALIKE_SIMILARITY
        and min(len(a), len(b)) >= 5
        and ratio >= 0.7
        and a.isalpha()
        and b.isalpha()
        and abs(len(a) - len(b)) <= 2
        and jellyfish.metaphone(a) == jellyfish.metaphone(b)
    ):
        return SOUND_ALIKE_SIMILARITY
    if sim > 0.0:
        return sim
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long_.startswith(short) and short.isalpha():
        return PREFIX_SIMILARITY
    return 0.0


@dataclass(frozen=True, slots=True)
class IndexedName:
    """One normalised form of one listed name."""

    entry: int  # position of the entry in `ScreeningIndex.entries`
    name: str  # the name as listed
    is_primary: bool
    form: NameForm
    weights: tuple[float, ...]  # weight per token of `form.tokens`
    total_weight: float
    compact: str  # tokens joined without spaces


def trigrams(token: str) -> set[str]:
    padded = f"^{token}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class ScreeningIndex:
    """Candidate index over one snapshot's entries."""

    def __init__(self, entries: Sequence[ListEntry], snapshot: str = "") -> None:
        self.entries: tuple[ListEntry, ...] = tuple(entries)
        self.snapshot = snapshot
        self.entry_countries: list[frozenset[str]] = []
        places, generic = damped_words()
        rows: list[tuple[int, str, bool, NameForm]] = []
        doc_freq: dict[str, int] = defaultdict(int)
        for position, entry in enumerate(self.entries):
            countries = {c for c in entry.countries if c}
            countries.update(a.country for a in entry.addresses if a.country)
            self.entry_countries.append(frozenset(countries))
            seen: set[str] = set()
            for name in entry.all_names:
                for form in name_forms(name):
                    rows.append((position, name, name == entry.name, form))
                    seen.update(form.tokens)
            for token in seen:
                doc_freq[token] += 1
        self.entry_count = max(len(self.entries), 1)
        self.unknown_weight = math.log(self.entry_count + 1.0)
        self.token_weight: dict[str, float] = {}
        for token, df in doc_freq.items():
            weight = math.log((self.entry_count + 1.0) / (df + 0.5))
            if token in places:
                weight *= PLACE_FACTOR
            elif token in generic:
                weight *= GENERIC_FACTOR
            elif token.isdigit():
                weight *= 0.5
            self.token_weight[token] = max(weight, 0.05)
        self.names: list[IndexedName] = []
        postings: dict[str, list[int]] = defaultdict(list)
        joined_weight: dict[str, float] = {}
        for position, name, primary, form in rows:
            weights = tuple(self.token_weight[t] for t in form.tokens)
            row = len(self.names)
            self.names.append(
                IndexedName(
                    position, name, primary, form, weights, sum(weights), "".join(form.tokens)
                )
            )
            for token in set(form.tokens):
                postings[token].append(row)
            for left, right in zip(form.tokens, form.tokens[1:], strict=False):
                joined = left + right  # "hik vision" is found by "hikvision"
                postings[joined].append(row)
                if joined not in self.token_weight:
                    joined_weight[joined] = min(
                        joined_weight.get(joined, math.inf),
                        self.token_weight[left] + self.token_weight[right],
                    )
        self.token_weight.update(joined_weight)
        self.postings: dict[str, IntArray] = {
            token: np.asarray(ids, dtype=np.int32) for token, ids in postings.items()
        }
        self.vocabulary: list[str] = sorted(self.postings)
        gram_lists: dict[str, list[int]] = defaultdict(list)
        phonetic: dict[str, list[int]] = defaultdict(list)
        for token_id, token in enumerate(self.vocabulary):
            if len(token) >= 3:
                for gram in trigrams(token):
                    gram_lists[gram].append(token_id)
                if token.isalpha():
                    phonetic[jellyfish.metaphone(token)].append(token_id)
        self.grams: dict[str, IntArray] = {
            g: np.asarray(ids, dtype=np.int32) for g, ids in gram_lists.items()
        }
        self.phonetic: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in phonetic.items()}
        self.vocab_len = np.asarray([len(t) for t in self.vocabulary], dtype=np.int32)
        self._similar_cache: dict[str, tuple[tuple[str, float], ...]] = {}
        self.sources: tuple[str, ...] = tuple(sorted({e.source for e in self.entries}))

    # -- token lookup -------------------------------------------------------------------------

    def weight(self, token: str) -> float:
        """Weight of a token; tokens never seen on the lists are as distinctive as it gets."""
        return self.token_weight.get(token, self.unknown_weight)

    def similar_tokens(self, token: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary tokens similar to `token` with their similarity in (0, 1], best first."""
        cached = self._similar_cache.get(token)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        known = token in self.postings
        if known:
            found[token] = 1.0
        # A token the lists contain is looked up exactly; only unknown tokens (typos, other
        # spellings) go through the trigram and phonetic search.
        if len(token) >= 3 and not known:
            grams = [self.grams[g] for g in trigrams(token) if g in self.grams]
            if grams:
                counts = np.bincount(np.concatenate(grams), minlength=len(self.vocabulary))
                # Dice coefficient over trigram sets, a cheap prefilter for the ratio below;
                # a token within the ratio cutoff is at most three letters shorter.
                floor = max(1, int(0.225 * (2 * len(token) - 1)))
                ids = np.flatnonzero(counts >= floor)
                dice = 2.0 * counts[ids] / (len(token) + 2 + self.vocab_len[ids])
                keep = ids[dice >= 0.45]
                if len(keep) > 200:
                    keep = keep[np.argsort(-dice[dice >= 0.45])[:200]]
                others = [self.vocabulary[i] for i in keep.tolist()]
                for other, ratio, _ in process.extract(
                    token, others, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO, limit=None
                ):
                    if other not in found:
                        sim = similarity_from_ratio(token, other, ratio / 100.0)
                        if sim > 0.0:
                            found[other] = sim
            if token.isalpha():
                for token_id in self.phonetic.get(jellyfish.metaphone(token), ()):
                    other = self.vocabulary[token_id]
                    if other not in found:
                        sim = fuzzy_similarity(token, other)
                        if sim > 0.0:
                            found[other] = sim
        result = tuple(sorted(found.items(), key=lambda kv: -kv[1]))
        if len(self._similar_cache) > 200_000:
            self._similar_cache.clear()
        self._similar_cache[token] = result
        return result
