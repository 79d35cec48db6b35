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
side's length (see :func:`own_deletions`). The index holds a 64-bit polynomial key of each
deletion of each vocabulary token (flat NumPy arrays: a few MB, picklable, the same in every
process); all the deletions of a token are keyed at once by NumPy (:func:`deletion_keys`),
looked up in a bucket table by their top bits, and every candidate is verified with
RapidFuzz's OSA distance, so a key collision costs a comparison, never a miss.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from itertools import combinations
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from chainwatch.text.transliteration import romanised_key

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]

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


# The 64-bit key of a string of code points ``c_0 .. c_n-1`` is ``sum(c_j * P**(j+1)) mod
# 2**64``: a polynomial, so the keys of every deletion of a token are one integer
# matrix-vector product (row ``d`` of the matrix of a length holds ``P**(k+1)`` at the k-th
# position that deletion ``d`` keeps, 0 at the positions it drops), with no Python loop per
# deletion piece (that loop, and hashing each piece, cost more than the lookup itself).
# ``P`` is odd and its powers are spread over all 64 bits, so the top bits are uniform enough
# to pick a bucket.
_P = 0x9E3779B97F4A7C15


@lru_cache(maxsize=256)
def _key_matrix(length: int) -> npt.NDArray[np.uint64]:
    """The key matrix of `length`-letter tokens: one row per deletion of up to
    ``own_deletions(length)`` letters (deleting none first), one column per letter."""
    rows = []
    for dropped in range(own_deletions(length) + 1):
        for kept in combinations(range(length), length - dropped):
            row = [0] * length
            for k, position in enumerate(kept):
                row[position] = pow(_P, k + 1, 1 << 64)
            rows.append(row)
    return np.asarray(rows, dtype=np.uint64).reshape(len(rows), length)


def deletion_keys(tokens: Sequence[str], length: int) -> npt.NDArray[np.uint64]:
    """The keys of every deletion of each of `tokens` (all `length` letters long) within the
    token's own budget (:func:`own_deletions`): one row per token, duplicates kept (a
    deletion reached by dropping either of two equal letters)."""
    points = np.frombuffer("".join(tokens).encode("utf-32-le"), dtype=np.uint32)
    codes = points.astype(np.uint64).reshape(len(tokens), length)
    keys: npt.NDArray[np.uint64] = codes @ _key_matrix(length).T
    return keys


class DeletionIndex:
    """Every vocabulary token within the edit budget of a query token (see the module
    docstring), with its similarity.

    Flat NumPy arrays: the keys of every deletion of every vocabulary token of three letters
    or more (digits left out), sorted, kept as `fingerprints` (their low 32 bits) beside the
    token of each (`ids`); `bucket_start[b]` is the first key whose top `bits` bits are
    ``b``. A lookup reads one bucket per deletion of the query token (a binary search of a
    few MB cost more, memory-bound, than everything else of the lookup)."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.vocabulary = tuple(vocabulary)
        by_length: dict[int, list[int]] = defaultdict(list)
        for token_id, token in enumerate(self.vocabulary):
            if not token.isdigit() and len(token) >= 3:  # digits and short tokens: exact only
                by_length[len(token)].append(token_id)
        key_parts = [np.zeros(0, dtype=np.uint64)]
        id_parts = [np.zeros(0, dtype=np.int32)]
        for length, token_ids in sorted(by_length.items()):
            keys = deletion_keys([self.vocabulary[i] for i in token_ids], length)
            key_parts.append(keys.ravel())
            id_parts.append(np.repeat(np.asarray(token_ids, dtype=np.int32), keys.shape[1]))
        keys, ids = np.concatenate(key_parts), np.concatenate(id_parts)
        order = np.lexsort((ids, keys))
        keys, ids = keys[order], ids[order]
        distinct = np.ones(len(keys), dtype=bool)  # one (key, token) pair once
        distinct[1:] = (keys[1:] != keys[:-1]) | (ids[1:] != ids[:-1])
        keys = keys[distinct]
        # about three keys a bucket: a table of a MB that stays in cache, one line per key read
        self.bits = max(len(keys).bit_length() - 2, 8)
        self._shift = np.uint64(64 - self.bits)
        buckets = np.arange(1 << self.bits, dtype=np.uint64) << self._shift
        self.bucket_start: IntArray = np.append(np.searchsorted(keys, buckets), len(keys)).astype(
            np.int32
        )
        self.fingerprints: npt.NDArray[np.uint32] = keys.astype(np.uint32)  # the low 32 bits
        self.ids: IntArray = ids[distinct]

    def similar(self, token: str) -> list[tuple[int, float]]:
        """(vocabulary id, similarity) of every vocabulary token other than `token` itself
        with a non-zero :func:`token_similarity`, by vocabulary id."""
        return self.similar_many((token,))[0]

    def similar_many(self, tokens: Sequence[str]) -> list[list[tuple[int, float]]]:
        """:meth:`similar` of each of `tokens`, the bucket reads of all of them in one NumPy
        pass: a lookup is a dozen NumPy calls on arrays of a few dozen keys, so their fixed
        cost, not the memory read, was most of it; a name's (or a batch's) new tokens and
        joined pairs share them. Tokens of one length share one key-matrix product."""
        out: list[list[tuple[int, float]]] = [[] for _ in tokens]
        by_length: defaultdict[int, list[int]] = defaultdict(list)
        for i, token in enumerate(tokens):
            if not (token.isdigit() or len(token) < 3):
                by_length[len(token)].append(i)
        if not by_length:
            return out
        key_parts: list[npt.NDArray[np.uint64]] = []
        owner_parts: list[npt.NDArray[np.int64]] = []
        for length, members in by_length.items():
            keys = deletion_keys([tokens[i] for i in members], length)
            key_parts.append(keys.ravel())
            owner_parts.append(np.repeat(np.asarray(members, dtype=np.int64), keys.shape[1]))
        wanted = np.concatenate(key_parts) if len(key_parts) > 1 else key_parts[0]
        owner = np.concatenate(owner_parts) if len(owner_parts) > 1 else owner_parts[0]
        bucket = wanted >> self._shift
        left = self.bucket_start[bucket]
        lengths = self.bucket_start[bucket + np.uint64(1)] - left
        total = int(lengths.sum())
        if not total:
            return out
        # the positions of every bucket [left, left + length) at once
        positions = np.repeat(left - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
        same = self.fingerprints[positions] == np.repeat(wanted.astype(np.uint32), lengths)
        # (owner, vocabulary id) pairs once each, by owner and then by id
        size = len(self.vocabulary)
        pairs = np.unique(np.repeat(owner, lengths)[same] * size + self.ids[positions[same]])
        vocabulary = self.vocabulary
        for i, token_id in zip((pairs // size).tolist(), (pairs % size).tolist(), strict=True):
            token, other = tokens[i], vocabulary[token_id]
            if other != token:
                sim = edit_token_similarity(token, other)
                if sim > 0.0:
                    out[i].append((token_id, sim))
        return out


class LRU(Generic[K, V]):
    """A bounded least-recently-used cache, safe to share between threads (one lock): a
    matcher's caches of per-token work (names in a batch share most of their words: "inc",
    "technology", "holding" ...) without growing with the number of distinct words."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            if len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def brute_force_similar(token: str, vocabulary: Iterable[str]) -> list[tuple[str, float]]:
    """What :meth:`DeletionIndex.similar` must return, by comparing with every token (tests)."""
    out = []
    for other in vocabulary:
        if other != token:
            sim = edit_token_similarity(token, other)
            if sim > 0.0:
                out.append((other, sim))
    return out
