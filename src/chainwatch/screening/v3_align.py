"""chainwatch-v3's name feature: a weighted one-to-one alignment of query and listed tokens.

Tokens are paired one to one, best pairs first: equal tokens, tokens within the edit budget
(:mod:`chainwatch.screening.v3_tokens`), two neighbours written as one ("hik vision" /
"hikvision", 0.95) and initials ("j" / "john", 0.6). A pair earns ``similarity * w`` where
``w`` is the **listed** token's weight (so a misspelt query word weighs what the word it
stands for weighs, not what its rare spelling would), and loses the rest of ``w``. Unpaired
query tokens lose their own weight times ``query_loss``; unpaired listed tokens lose theirs
times ``listed_loss``, which is smaller (a listed name's extra words cost less than words the
query says and the list lacks), and smaller still for persons (extra given or middle names,
patronymics). With ``M`` the earned weight and ``L`` the lost weight::

    name = M / (M + L)

in [0, 1], rising with every pair's similarity and falling with every unexplained word.
Generic business words and places weigh little in the index (v2's damped word lists), so
"Technology" or "Hangzhou" cost little either way while a missing distinctive word costs a
lot. A name whose only pairs are initials scores 0: an initial never stands alone.

:func:`name_bound` is the matching upper bound used by retrieval: per query *unit* (a token
or two joined neighbours) the best credit and the most listed weight it can explain in a
listed name; see its docstring for why it is safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chainwatch.screening.v3_tokens import (
    INITIAL_SIMILARITY,
    INITIAL_WEIGHT_CAP,
    JOINED_SIMILARITY,
    token_similarity,
)


@dataclass(frozen=True, slots=True)
class Alignment:
    """The name feature of one query form against one listed form, with its explanation."""

    value: float
    earned: float
    lost: float
    pairs: tuple[tuple[str, str, float], ...]  # query text, listed text, similarity
    unaligned_query: tuple[str, ...]
    unaligned_listed: tuple[str, ...]

    @property
    def aligned_tokens(self) -> tuple[tuple[str, str], ...]:
        return tuple((q, c) for q, c, _ in self.pairs)


def pair_credit(
    query: str, listed: str, listed_weight: float, script: bool = False
) -> tuple[float, float, float]:
    """(similarity, credit, explained listed weight) of one query token against one listed
    token; all 0 when they are not similar. Initials explain at most INITIAL_WEIGHT_CAP."""
    if len(query) == 1 and len(listed) > 1:
        if listed[0] == query:
            explained = min(listed_weight, INITIAL_WEIGHT_CAP)
            return INITIAL_SIMILARITY, INITIAL_SIMILARITY * explained, explained
        return 0.0, 0.0, 0.0
    if len(listed) == 1 and len(query) > 1:
        if query[0] == listed:
            explained = min(listed_weight, INITIAL_WEIGHT_CAP)
            return INITIAL_SIMILARITY, INITIAL_SIMILARITY * explained, explained
        return 0.0, 0.0, 0.0
    sim = token_similarity(query, listed, script)
    return sim, sim * listed_weight, listed_weight


def align(
    query: Sequence[str],
    query_weights: Sequence[float],
    listed: Sequence[str],
    listed_weights: Sequence[float],
    query_loss: float,
    listed_loss: float,
    script: bool = False,
) -> Alignment:
    """The alignment of `query` against `listed` (see the module docstring); `script` when
    either name was romanised from another script (consonant skeletons count).

    >>> a = align(["hikvsion", "digital"], [9.0, 3.0], ["hikvision", "digital"], [9.0, 3.0],
    ...           1.0, 0.6)
    >>> round(a.value, 3), a.pairs[0][:2]
    (0.923, ('digital', 'digital'))
    """
    # candidate pairs: (similarity, credit, explained, query positions, listed positions)
    candidates: list[tuple[float, float, float, tuple[int, ...], tuple[int, ...]]] = []
    listed_joined = [listed[j] + listed[j + 1] for j in range(len(listed) - 1)]
    for i, q in enumerate(query):
        for j, c in enumerate(listed):
            if len(q) == 1 or len(c) == 1:
                sim, credit, explained = pair_credit(q, c, listed_weights[j], script)
                if sim > 0.0:
                    candidates.append((sim, credit, explained, (i,), (j,)))
                continue
            # two words: pair_credit's last case, inline (most pairs are not similar)
            sim = token_similarity(q, c, script)
            if sim > 0.0:
                weight = listed_weights[j]
                candidates.append((sim, sim * weight, weight, (i,), (j,)))
        if len(q) > 1:
            for j, pair in enumerate(listed_joined):
                if q == pair:
                    weight = listed_weights[j] + listed_weights[j + 1]
                    candidates.append(
                        (JOINED_SIMILARITY, JOINED_SIMILARITY * weight, weight, (i,), (j, j + 1))
                    )
    for i in range(len(query) - 1):
        if len(query[i]) < 2 or len(query[i + 1]) < 2:
            continue  # initials are never joined
        joined = query[i] + query[i + 1]
        for j, c in enumerate(listed):
            sim = JOINED_SIMILARITY * token_similarity(joined, c, script)
            if sim > 0.0:
                weight = listed_weights[j]
                candidates.append((sim, sim * weight, weight, (i, i + 1), (j,)))
    candidates.sort(key=lambda c: (-c[0], -c[1]))
    used_q: set[int] = set()
    used_c: set[int] = set()
    earned = 0.0
    lost = 0.0
    pairs: list[tuple[str, str, float]] = []
    real_pair = False
    for sim, credit, explained, qs, cs in candidates:
        if used_q.intersection(qs) or used_c.intersection(cs):
            continue
        used_q.update(qs)
        used_c.update(cs)
        earned += credit
        lost += explained - credit
        listed_weight = sum(listed_weights[j] for j in cs)
        lost += listed_loss * (listed_weight - explained)  # what an initial leaves unexplained
        if len(cs) == 1 and len(listed[cs[0]]) == 1 and len(qs) == 1 and len(query[qs[0]]) > 1:
            # a listed initial explains the first letter of a query word, not the word
            lost += query_loss * max(query_weights[qs[0]] - explained, 0.0)
        real_pair = real_pair or sim != INITIAL_SIMILARITY
        pairs.append((" ".join(query[i] for i in qs), " ".join(listed[j] for j in cs), sim))
    unaligned_q = tuple(query[i] for i in range(len(query)) if i not in used_q)
    unaligned_c = tuple(listed[j] for j in range(len(listed)) if j not in used_c)
    lost += query_loss * sum(query_weights[i] for i in range(len(query)) if i not in used_q)
    lost += listed_loss * sum(listed_weights[j] for j in range(len(listed)) if j not in used_c)
    value = earned / (earned + lost) if real_pair and earned > 0.0 else 0.0
    return Alignment(value, earned, lost, tuple(pairs), unaligned_q, unaligned_c)


def name_bound(
    credit: float,
    explained: float,
    untouched_query_weight: float,
    listed_total: float,
    query_loss: float,
    listed_loss: float,
) -> float:
    """Upper bound of :func:`align`'s value for one listed form, from retrieval's sums.

    `credit` is the sum over query units of the best credit the unit can earn in this listed
    form, `explained` the sum of the most listed weight each unit can explain (an initial:
    INITIAL_WEIGHT_CAP), `untouched_query_weight` the weight of the query tokens that no unit
    containing them pairs with any token of the form. Every pair :func:`align` chooses is one
    unit's, and each unit is chosen at most once, so ``M <= credit``; the listed weight left
    unexplained is at least ``listed_total - explained``; untouched query tokens stay
    unpaired. ``M / (M + L)`` rises with ``M`` and falls with ``L``: the bound is safe.
    """
    floor_lost = query_loss * untouched_query_weight + listed_loss * max(
        listed_total - explained, 0.0
    )
    if credit <= 0.0:
        return 0.0
    return credit / (credit + floor_lost)
