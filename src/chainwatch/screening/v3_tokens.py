"""chainwatch-v3 token similarity and the exact lookup of similar vocabulary tokens.

Two tokens are similar when their optimal-string-alignment distance (Damerau-Levenshtein
without repeated edits of one substring: a transposition is one edit) is within a budget
that grows with the longer token's length: no edit below four letters, one edit from four to
seven letters, two from eight. The first letter is edited like any other: people mistype it
as often as the rest ("Jikvision", "Hkivision").

:class:`DeletionIndex` finds *every* vocabulary token within that budget of a query token,
never a sample: it is SymSpell's deletion neighbourhood. If ``osa(a, b) <= k`` then deleting at
most ``k`` letters from each side reaches a common string (a substitution or a transposition
costs one deletion on each side, an insertion one on the longer side); more precisely, a
token of length ``L`` needs at most ``budget(L)`` deletions of its own whichever the other
side's length (see :func:`own_deletions`). The index holds the CRC-32 of each deletion of
each vocabulary token (sorted NumPy arrays: a few MB, picklable, the same in every process);
a query token's deletions are looked up with one ``searchsorted`` and every candidate is
verified with RapidFuzz's OSA distance, so a hash collision costs a comparison, never a miss.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from chainwatch.text.transliteration import romanised_key

IntArray = npt.NDArray[np.int32]

# Credit of a token pair by edits and the longer token's length. One edit in a long word is a
# typo of the same word; in a four-letter word it may be another word ("bank"/"bunk"), so it
# earns less. Values are part of chainwatch-v3 (docs/screening.md §4a).
ONE_EDIT = ((8, 0.90), (5, 0.87), (4, 0.82))
TWO_EDITS = ((10, 0.80), (8, 0.76))
JOINED_SIMILARITY = 0.95  # "hik vision" / "hikvision": the same letters, split otherwise
INITIAL_SIMILARITY = 0.6  # "j" / "john": an initial says the first letter only
INITIAL_WEIGHT_CAP = 1.5  # an initial explains at most this much of the listed token's weight


def edit_budget(length: int) -> int:
    """Edits allowed between two tokens whose longer one has `length` letters.

    >>> [edit_budget(n) for n in (3, 4, 7, 8, 12)]
    [0, 1, 1, 2, 2]
    """
    return 0 if length < 4 else 1 if length < 8 else 2


def own_deletions(length: int) -> int:
    """Deletions a token of `length` letters needs to reach a common string with any token
    within budget: ``budget(length)``. With ``d = osa(a, b) <= budget(max)``: the shorter side
    needs at most ``d - (len difference) <= budget(its own length)`` deletions (the budget
    grows by one at most per letter), the longer at most ``d <= budget(its own length)``."""
    return edit_budget(length)


def edit_similarity(distance: int, longer: int) -> float:
    """Credit of two different tokens `distance` edits apart, the longer one `longer` letters:
    0 beyond the budget.

    >>> edit_similarity(1, 9), edit_similarity(1, 4), edit_similarity(2, 8), edit_similarity(2, 7)
    (0.9, 0.82, 0.76, 0.0)
    """
    if distance <= 0 or distance > edit_budget(longer):
        return 0.0
    table = ONE_EDIT if distance == 1 else TWO_EDITS
    for min_length, credit in table:
        if longer >= min_length:
            return credit
    return 0.0


ROMANISED_SIMILARITY = 0.85  # two romanisations of one word: "qadhafi" / "kaddafi"


def romanised_variant(a: str, b: str) -> bool:
    """Two spellings of one word through different romanisations: equal romanised keys
    (:func:`chainwatch.text.transliteration.romanised_key`: "qadhafi"/"kaddafi",
    "kalai"/"qalei", "qods"/"ghods"), four letters or more, letters only, and a RapidFuzz
    ratio of 70 or more (so that "cemex" and "zomex", one key, stay apart)."""
    if min(len(a), len(b)) < 4 or not (a.isalpha() and b.isalpha()):
        return False
    if romanised(a) != romanised(b):
        return False
    return bool(fuzz.ratio(a, b) >= 70.0)


SKELETON_SIMILARITY = 0.8  # an unvocalised romanisation: "hmzy" (الحمزي) / "hamzi"


@lru_cache(maxsize=1 << 17)
def romanised(token: str) -> str:
    """:func:`chainwatch.text.transliteration.romanised_key`, cached (queries repeat words)."""
    return romanised_key(token)


@lru_cache(maxsize=1 << 17)
def skeleton(token: str) -> str:
    """The consonants of a token's romanised key, a leading vowel kept: what a name written
    in Arabic script (short vowels unwritten) shares with its Latin spellings.

    >>> skeleton("hmzy"), skeleton("hamzi"), skeleton("kashf"), skeleton("kashif")
    ('hms', 'hms', 'kshf', 'kshf')
    """
    key = romanised(token)
    if not key:
        return ""
    return key[0] + "".join(ch for ch in key[1:] if ch not in "aeiou")


@lru_cache(maxsize=1 << 18)
def token_similarity(a: str, b: str, script: bool = False) -> float:
    """Similarity of two (normalised, plural-folded) tokens in [0, 1]: 1 when equal, else the
    best of the edit credit (:func:`edit_token_similarity`), the romanisation credit
    (:func:`romanised_variant`, 0.85) and, when one of the names was romanised from another
    script (`script`), equal consonant skeletons of three letters or more (0.8)."""
    if a == b:
        return 1.0
    sim = edit_token_similarity(a, b)
    if sim < ROMANISED_SIMILARITY and romanised_variant(a, b):
        return ROMANISED_SIMILARITY
    if (
        script
        and sim < SKELETON_SIMILARITY
        and a.isalpha()
        and b.isalpha()
        and len(skeleton(a)) >= 3
        and skeleton(a) == skeleton(b)
    ):
        return SKELETON_SIMILARITY
    return sim


@lru_cache(maxsize=1 << 18)
def edit_token_similarity(a: str, b: str) -> float:
    """Similarity of two tokens by edits alone: 1 when equal, else the edit credit of
    :func:`edit_similarity`; digits must be equal (``2021`` is not ``2012``) and a
    three-letter token is never an edit of another ("zte" / "zti")."""
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) < 3:
        return 0.0
    longer = max(len(a), len(b))
    budget = edit_budget(longer)
    if budget == 0 or abs(len(a) - len(b)) > budget:
        return 0.0
    distance = OSA.distance(a, b, score_cutoff=budget)
    return edit_similarity(distance, longer)


def _key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def deletions(token: str, depth: int) -> set[str]:
    """`token` and every string made from it by deleting up to `depth` letters.

    >>> sorted(deletions("abc", 1))
    ['ab', 'abc', 'ac', 'bc']
    """
    out = {token}
    frontier = {token}
    for _ in range(depth):  # one letter at a time: far cheaper than all combinations
        frontier = {t[:i] + t[i + 1 :] for t in frontier for i in range(len(t))}
        out |= frontier
    return out


class DeletionIndex:
    """Every vocabulary token within the edit budget of a query token (see the module
    docstring), with its similarity."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.vocabulary = tuple(vocabulary)
        keys: list[int] = []
        ids: list[int] = []
        for token_id, token in enumerate(self.vocabulary):
            if token.isdigit() or len(token) < 3:
                continue  # digits and short tokens match exactly only
            for piece in deletions(token, own_deletions(len(token))):
                keys.append(_key(piece))
                ids.append(token_id)
        key_array = np.asarray(keys, dtype=np.uint32)
        order = np.argsort(key_array, kind="stable")
        self.keys = key_array[order]
        self.ids: IntArray = np.asarray(ids, dtype=np.int32)[order]

    def similar(self, token: str) -> list[tuple[int, float]]:
        """(vocabulary id, similarity) of every vocabulary token other than `token` itself
        with a non-zero :func:`token_similarity`."""
        if token.isdigit() or len(token) < 3:
            return []
        pieces = deletions(token, own_deletions(len(token)))
        wanted = np.fromiter((_key(p) for p in pieces), dtype=np.uint32, count=len(pieces))
        left = np.searchsorted(self.keys, wanted, side="left")
        lengths = np.searchsorted(self.keys, wanted, side="right") - left
        hit = lengths > 0
        if not hit.any():
            return []
        left, lengths = left[hit], lengths[hit]
        # the positions of every run [left, left + length) at once
        starts = np.repeat(left - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        found = np.unique(self.ids[starts + np.arange(int(lengths.sum()))])
        out = []
        for token_id in found.tolist():
            other = self.vocabulary[token_id]
            if other != token:
                sim = edit_token_similarity(token, other)
                if sim > 0.0:
                    out.append((token_id, sim))
        return out


def brute_force_similar(token: str, vocabulary: Iterable[str]) -> list[tuple[str, float]]:
    """What :meth:`DeletionIndex.similar` must return, by comparing with every token (tests)."""
    out = []
    for other in vocabulary:
        if other != token:
            sim = edit_token_similarity(token, other)
            if sim > 0.0:
                out.append((other, sim))
    return out
