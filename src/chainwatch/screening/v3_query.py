"""chainwatch-v3's query preparation: a name -> query forms with their retrieval units.

Each form of :func:`chainwatch.text.normalize_v3.forms_v3` (plural-folded, and respaced
where words run together or apart) becomes a :class:`QueryForm`: its tokens, what each loses
when unpaired, and its *units* — a token, or two neighbours joined — each with the postings
of **every** vocabulary token it is similar to (deletion neighbourhood, romanised keys,
consonant skeletons, initials, joined keys) and the credit and explained weight it can earn
there. Nothing is sampled or capped: retrieval (:mod:`chainwatch.screening.v3`) prunes only
by the bound these sums give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np

from chainwatch.screening.v3_index import LEGAL_WORD_FACTOR, V3Index, folded
from chainwatch.screening.v3_tokens import (
    INITIAL_SIMILARITY,
    INITIAL_WEIGHT_CAP,
    JOINED_SIMILARITY,
    LRU,
    FloatArray,
    IntArray,
    romanised,
    skeleton,
    token_similarity,
)
from chainwatch.text.normalize_v3 import FormV3, fold_plural, forms_v3

# the words normalize_v3 drops from a name (its _STOPWORDS that a query runs into a word)
_DROPPED = frozenset({"the", "and"})


@lru_cache(maxsize=1 << 16)
def _written_out(word: str) -> tuple[str, ...]:
    """`word` as normalisation writes it when it stands alone ("lab" -> "laboratory", "intl"
    -> "international"); the word itself when normalisation keeps it or drops it."""
    forms = forms_v3(word)
    tokens = folded(forms[0]) if forms else ()
    return tokens if len(tokens) == 1 else (word,)


@dataclass(slots=True)
class Unit:
    """A query unit for retrieval: one token (or two joined) and, for every listed form it
    may pair with (the union of the postings of every candidate vocabulary token, sorted row
    ids), the best credit and the most listed weight it can explain there."""

    positions: tuple[int, ...]
    rows: IntArray
    credit: FloatArray
    explained: FloatArray


# (postings, credit, explained listed weight) of each candidate token of a unit
_Candidates = list[tuple[IntArray, float, float]]
_UnitArrays = tuple[IntArray, FloatArray, FloatArray]


def _merged(candidates: _Candidates) -> _UnitArrays:
    """A unit's candidates merged by row: the union of their postings (sorted) with, per row,
    the largest credit and, separately, the largest explained weight of the candidates that
    hold the row. One candidate's postings are used as they are (they hold each row once)."""
    if len(candidates) == 1:
        rows, credit, explained = candidates[0]
        return rows, np.full(len(rows), credit), np.full(len(rows), explained)
    sizes = [len(rows) for rows, _, _ in candidates]
    all_rows = np.concatenate([rows for rows, _, _ in candidates])
    order = np.argsort(all_rows, kind="stable")
    ordered = all_rows[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(first)
    credits = np.repeat([c for _, c, _ in candidates], sizes)[order]
    most = np.repeat([e for _, _, e in candidates], sizes)[order]
    return (
        ordered[starts],
        np.maximum.reduceat(credits, starts),
        np.maximum.reduceat(most, starts),
    )


@dataclass(slots=True)
class QueryForm:
    form: FormV3
    tokens: tuple[str, ...]
    weights: tuple[float, ...]  # what each token loses when unpaired
    units: list[Unit]
    initials: int  # query tokens that are initials
    legal: frozenset[str]  # tokens that are legal-form words or misspell one


class QueryPreparer:
    """Turns query names into :class:`QueryForm` s against one index. The similar tokens of
    a token and its retrieval unit depend on the token alone (and on whether the name was
    romanised from another script): both are cached per token, bounded (:class:`LRU`), since
    the names of a batch share most of their words."""

    def __init__(self, index: V3Index) -> None:
        self.index = index
        self._similar: LRU[tuple[str, bool], list[tuple[int, float]]] = LRU(1 << 17)
        self._units: LRU[tuple[str, bool, bool], _UnitArrays | tuple[()]] = LRU(1 << 15)
        self._splits: LRU[str, tuple[str, ...]] = LRU(1 << 15)

    def similar(self, token: str, script: bool = False) -> list[tuple[int, float]]:
        """(vocabulary id, similarity) of every vocabulary token similar to `token`, itself
        included when listed (cached). With `script` (the query was romanised from another
        script) consonant skeletons count against every listed token, else only against
        tokens of listed names romanised from another script."""
        found = self._similar.get((token, script))
        if found is None:
            found = self._look_up([(token, script)])[0]
        return found

    def _look_up(self, keys: Sequence[tuple[str, bool]]) -> list[list[tuple[int, float]]]:
        """:meth:`similar` of each (token, script) of `keys`, computed and cached: the
        deletion lookups of all of them in one pass (:meth:`DeletionIndex.similar_many`)."""
        index = self.index
        deleted = index.deletions.similar_many([token for token, _ in keys])
        out = []
        for (token, script), found in zip(keys, deleted, strict=True):
            if token.isalpha() and len(token) >= 4:
                # romanisations of one word beyond the edit budget ("qadhafi" / "kaddafi")
                seen = {i for i, _ in found}
                for other_id in index.romanised.get(romanised(token), ()):
                    other = index.vocabulary[other_id]
                    if other_id not in seen and other != token:
                        sim = token_similarity(token, other)
                        if sim > 0.0:
                            found.append((other_id, sim))
                            seen.add(other_id)
            if token.isalpha():
                seen = {i for i, _ in found}
                skeletons = index.skeleton_all if script else index.skeleton_script
                for other_id in skeletons.get(skeleton(token), ()):
                    other = index.vocabulary[other_id]
                    if other_id not in seen and other != token:
                        sim = token_similarity(token, other, True)
                        if sim > 0.0:
                            found.append((other_id, sim))
            own = index.token_id.get(token)
            if own is not None:
                found.append((own, 1.0))
            self._similar.put((token, script), found)
            out.append(found)
        return out

    def _prefetch(self, shaped: Sequence[Sequence[tuple[FormV3, tuple[str, ...]]]]) -> None:
        """Look up at once (:meth:`_look_up`) the similar tokens that preparing the query
        forms `shaped` will ask for and no cache holds: the tokens and joined neighbours
        whose unit is not cached, and the unlisted tokens whose weight :meth:`query_weight`
        reads from them."""
        index = self.index
        wanted: dict[tuple[str, bool], None] = {}
        for forms in shaped:
            for form, tokens in forms:
                script = form.variant == "script"
                for token in tokens:
                    if len(token) < 2:
                        continue
                    if token not in index.token_weight:
                        wanted[(token, False)] = None
                    if self._units.get((token, False, script)) is None:
                        wanted[(token, script)] = None
                for a, b in pairwise(tokens):
                    if (
                        len(a) >= 2
                        and len(b) >= 2
                        and self._units.get((a + b, True, script)) is None
                    ):
                        wanted[(a + b, script)] = None
        missing = [key for key in wanted if self._similar.get(key) is None]
        if missing:
            self._look_up(missing)

    def query_weight(self, token: str) -> float:
        """What an unpaired query token loses: its weight when listed; else the lightest of
        the listed tokens it is most similar to (a typo of a generic word stays generic);
        else the weight of a word no list holds."""
        index = self.index
        legal = LEGAL_WORD_FACTOR * index.unknown_weight
        if len(token) == 1:
            cap = legal if token in index.legal_vocabulary else INITIAL_WEIGHT_CAP
            return min(index.token_weight.get(token, cap), cap)
        if token in index.token_weight:
            return index.token_weight[token]
        similar = self.similar(token)
        if similar:
            best = max(sim for _, sim in similar)
            return min(float(index.vocab_weight[i]) for i, sim in similar if sim == best)
        return legal if index.legal_like(token) else index.unknown_weight

    def is_legal_word(self, token: str) -> bool:
        """A legal-form word left in the tokens, or a misspelling of one (see
        :meth:`V3Index.legal_like`)."""
        return self.index.legal_like(token)

    def legal_words(self, tokens: Sequence[str]) -> frozenset[str]:
        """The tokens that are legal-form words or misspell one (:meth:`is_legal_word`), and
        the shorter misspellings of one beside such a word: "jojnt" in "Jojnt Stock Compnay",
        "ilability" in "Limited Ilability Company" (alone, "point" is not "joint")."""
        legal = {i for i, t in enumerate(tokens) if self.is_legal_word(t)}
        grown = True
        while grown:
            grown = False
            for i, token in enumerate(tokens):
                if (
                    i not in legal
                    and len(token) >= 4
                    and token.isalpha()
                    and (i - 1 in legal or i + 1 in legal)
                    and self.index.legal_deletions.similar(token)
                ):
                    legal.add(i)
                    grown = True
        return frozenset(tokens[i] for i in legal)

    def respaced(self, tokens: Sequence[str]) -> tuple[str, ...]:
        """`tokens` with words run together or split apart put back where the lists write
        them otherwise: an unlisted token that is two listed ones, one of them a legal-form
        word ("liabilitycompany", "companykrasnodar"), is split; two neighbours of which one
        is unlisted and whose join is listed ("liab ility", "obsh chestvo") are joined. Only
        unlisted tokens move."""
        known = self.index.token_id
        out: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if i + 1 < len(tokens):
                joined = fold_plural(token + tokens[i + 1])
                if joined in known and (token not in known or tokens[i + 1] not in known):
                    out.append(joined)
                    i += 2
                    continue
            if token not in known and len(token) >= 6 and token.isalpha():
                parts = self._split(token)
                if parts:
                    out.extend(parts)
                    i += 1
                    continue
            out.append(token)
            i += 1
        return tuple(out)

    def _split(self, token: str) -> tuple[str, ...]:
        """An unlisted token of six letters or more cut where :meth:`respaced` cuts it, or
        empty (cached: the same unlisted words recur across a batch, and each cut tried may
        normalise a part)."""
        parts = self._splits.get(token)
        if parts is None:
            known = self.index.token_id
            # only a legal-form word run into a name is split: "bankshares" or
            # "audiocodes" are words of their own, "liabilitycompany" is not
            cuts = [
                k
                for k in range(2, len(token) - 1)
                if token[:k] in known
                and fold_plural(token[k:]) in known
                and (self.index.legal_like(token[:k]) or self.index.legal_like(token[k:]))
            ]
            if cuts:
                k = max(cuts, key=lambda c: min(c, len(token) - c))
                parts = (token[:k], fold_plural(token[k:]))
            else:
                parts = self._split_run_in(token)
            self._splits.put(token, parts)
        return parts

    def _split_run_in(self, token: str) -> tuple[str, ...]:
        """An unlisted token that is a listed word run into a word the normaliser drops or
        expands, as the lists write them apart: "andexport", "electricityand",
        "theexploration" (the dropped "and"/"the" go), "medialab", "intlmanufacturing" ("lab"
        and "intl" written out). The listed word keeps five letters or more beside a dropped
        word ("theron" stays), three beside an expanded one; words of their own made of two
        listed words ("bankshares") stay. Empty when no cut fits."""
        known = self.index.token_id
        for k in range(2, len(token) - 1):
            head, tail = token[:k], fold_plural(token[k:])
            if head in _DROPPED and len(tail) >= 5 and tail in known:
                return (tail,)
            if tail in _DROPPED and len(head) >= 5 and head in known:
                return (head,)
            if min(len(head), len(tail)) < 3:
                continue
            # the head first: a cut whose head is not all listed fails whatever the tail
            # (most cuts of a misspelt word), and writing a word out is a normalisation
            first = _written_out(head)
            if not all(p in known for p in first):
                continue
            second = _written_out(tail)
            if first != (head,) or second != (tail,):
                parts = first + second
                if parts and all(p in known for p in parts):
                    return parts
        return ()

    def forms(self, name: str) -> list[tuple[FormV3, tuple[str, ...]]]:
        """The query's forms with their plural-folded tokens, and a respaced variant of each
        form whose words run together or apart (:meth:`respaced`)."""
        out: list[tuple[FormV3, tuple[str, ...]]] = []
        seen: set[tuple[str, ...]] = set()
        for form in forms_v3(name):
            tokens = folded(form)
            for variant in (tokens, self.respaced(tokens)):
                if variant not in seen:
                    seen.add(variant)
                    out.append((form, variant))
        return out

    def prepare(self, name: str) -> list[QueryForm]:
        """The query forms of `name` (:meth:`prepare_many` of one name)."""
        return self.prepare_many((name,))[0]

    def prepare_many(self, names: Sequence[str]) -> list[list[QueryForm]]:
        """The query forms of each of `names`, the deletion lookups of all their new tokens
        done first in one pass (:meth:`_prefetch`); the same forms as one name at a time."""
        shaped = [self.forms(name) for name in names]
        self._prefetch(shaped)
        return [self._prepared(forms) for forms in shaped]

    def _prepared(self, shaped: Sequence[tuple[FormV3, tuple[str, ...]]]) -> list[QueryForm]:
        index = self.index
        out = []
        for form, tokens in shaped:
            script = form.variant == "script"
            legal = self.legal_words(tokens)
            cap = LEGAL_WORD_FACTOR * index.unknown_weight  # a legal-form word weighs a tenth
            weights = tuple(
                min(self.query_weight(t), cap) if t in legal else self.query_weight(t)
                for t in tokens
            )
            units: list[Unit] = []
            initials = 0
            for i, token in enumerate(tokens):
                initials += len(token) == 1
                arrays = self._unit(token, False, script)
                if arrays:
                    units.append(Unit((i,), *arrays))
            for i in range(len(tokens) - 1):
                if len(tokens[i]) < 2 or len(tokens[i + 1]) < 2:
                    continue
                arrays = self._unit(tokens[i] + tokens[i + 1], True, script)
                if arrays:
                    units.append(Unit((i, i + 1), *arrays))
            out.append(QueryForm(form, tokens, weights, units, initials, legal))
        return out

    def _unit(self, text: str, joined: bool, script: bool) -> _UnitArrays | tuple[()]:
        """The merged candidates (:func:`_merged`) of the unit of a token (`joined` False) or
        of two neighbouring tokens written as one, `text` (cached); empty when none."""
        key = (text, joined, script)
        arrays = self._units.get(key)
        if arrays is None:
            candidates = (
                self._pair_candidates(text, script) if joined else self._candidates(text, script)
            )
            arrays = _merged(candidates) if candidates else ()
            self._units.put(key, arrays)
        return arrays

    def _candidates(self, token: str, script: bool) -> _Candidates:
        """The candidates of a query token: an initial pairs with a listed initial only; a
        word with every similar vocabulary token, a listed initial of its first letter
        ("john" against a listed "j") and listed neighbours written as one ("hikvision"
        against a listed "hik vision")."""
        index = self.index
        if len(token) == 1:
            own = index.token_id.get(token)
            if own is None:
                return []
            w = float(index.vocab_weight[own])  # an initial on both sides
            return [(index.postings[own], w, w)]
        out: _Candidates = []
        for token_id, sim in self.similar(token, script):
            w = float(index.vocab_weight[token_id])
            out.append((index.postings[token_id], sim * w, w))
        initial = index.token_id.get(token[0])
        if initial is not None:
            w = min(float(index.vocab_weight[initial]), INITIAL_WEIGHT_CAP)
            out.append((index.postings[initial], INITIAL_SIMILARITY * w, w))
        if token in index.joined:
            w = index.joined_weight[token]
            out.append((index.joined[token], JOINED_SIMILARITY * w, w))
        return out

    def _pair_candidates(self, joined: str, script: bool) -> _Candidates:
        """The candidates of two neighbouring query tokens written as one, `joined`: the
        vocabulary tokens similar to it ("hik vision" against a listed "hikvision", "jin
        bing" against "jinping")."""
        index = self.index
        out: _Candidates = []
        for token_id, sim in self.similar(joined, script):
            w = float(index.vocab_weight[token_id])
            out.append((index.postings[token_id], JOINED_SIMILARITY * sim * w, w))
        return out
