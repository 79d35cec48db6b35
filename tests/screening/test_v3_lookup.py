"""The machinery behind chainwatch-v3's speed: deletion keys, the bounded caches, merged units.

Each must change nothing that screening returns; these tests pin the properties the
retrieval relies on (the property test of test_v3_retrieval.py compares whole screens).
"""

from __future__ import annotations

import numpy as np
import pytest

from chainwatch.screening.v3_query import _merged
from chainwatch.screening.v3_tokens import (
    LRU,
    DeletionIndex,
    brute_force_similar,
    deletion_keys,
    deletions,
    own_deletions,
)


def _key(text: str) -> int:
    """The key of `text` as a token of its own (its first row is the token, nothing deleted)."""
    return int(deletion_keys((text,), len(text))[0][0])


@pytest.mark.parametrize("token", ["abc", "bank", "hikvision", "technologies", "aabbaa"])
def test_the_keys_of_a_token_are_the_keys_of_its_deletions_as_strings(token: str) -> None:
    """Equal strings get equal keys whatever letters were deleted to reach them: the
    matrix product keys exactly the strings :func:`deletions` lists, each as a token."""
    keys = set(deletion_keys((token,), len(token))[0].tolist())
    assert keys == {_key(piece) for piece in deletions(token, own_deletions(len(token)))}


def test_keys_of_many_tokens_are_the_keys_of_each() -> None:
    tokens = ["huawei", "huwaei", "zte123"]
    together = deletion_keys(tokens, 6)
    for row, token in zip(together, tokens, strict=True):
        assert row.tolist() == deletion_keys((token,), 6)[0].tolist()


def test_a_key_collision_costs_a_comparison_never_a_wrong_token() -> None:
    """A bucket holds other tokens' keys too: only verified tokens come back."""
    vocabulary = [f"{a}{b}{c}{d}" for a in "abcd" for b in "efgh" for c in "ijkl" for d in "mn"]
    index = DeletionIndex(vocabulary)
    assert index.bits == 8  # a small index: many keys a bucket
    for token in ("aeim", "bfjn", "zzzz", "aeimx"):
        found = {index.vocabulary[i]: sim for i, sim in index.similar(token)}
        assert found == dict(brute_force_similar(token, vocabulary))


def test_the_lru_keeps_the_most_recently_used() -> None:
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" used: "b" is now the oldest
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_a_merged_unit_holds_each_row_once_with_its_best_credit_and_weight() -> None:
    rows, credit, explained = _merged(
        [
            (np.asarray([1, 4, 7], dtype=np.int32), 0.9, 2.0),
            (np.asarray([4, 9], dtype=np.int32), 1.2, 1.5),
            (np.asarray([7], dtype=np.int32), 0.3, 3.0),
        ]
    )
    assert rows.tolist() == [1, 4, 7, 9]
    assert credit.tolist() == [0.9, 1.2, 0.9, 1.2]
    assert explained.tolist() == [2.0, 2.0, 3.0, 1.5]
