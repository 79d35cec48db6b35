"""The algorithm registry: every version selectable by name, indexes not mixed up."""

from __future__ import annotations

import pytest

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.screening.registry import (
    ALGORITHMS,
    DEFAULT_ALGORITHM_NAME,
    build_index,
    default_threshold,
    make_matcher,
)

ENTRIES = [
    ListEntry("EL:hik", "EL", "Hangzhou Hikvision Digital Technology Co., Ltd.", "company"),
    ListEntry("EL:dahua", "EL", "Dahua Technology", "company"),
]


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_each_algorithm_screens_and_names_itself(name: str) -> None:
    matcher = make_matcher(name, build_index(name, ENTRIES, "snap"))
    hits = matcher.screen(Query("Hikvision Digital Technology"), default_threshold(name), 5)
    assert [h.entry_id for h in hits][:1] == ["EL:hik"]
    assert hits[0].algorithm == name == matcher.algorithm_name
    assert hits[0].snapshot == "snap"
    score, features = matcher.score_pair("Dahua Technology", "Dahua Technology Co")
    assert 0.0 < score < 1.0 and features


def test_default_is_a_registered_version() -> None:
    assert DEFAULT_ALGORITHM_NAME in ALGORITHMS
    assert "chainwatch-v2" in ALGORITHMS and "chainwatch-v3" in ALGORITHMS


def test_unknown_name_and_foreign_index_are_refused() -> None:
    with pytest.raises(ChainwatchError, match="known: chainwatch-v2"):
        build_index("chainwatch-v0", ENTRIES)
    v2_index = build_index("chainwatch-v2", ENTRIES)
    if ALGORITHMS["chainwatch-v3"].index_type is not type(v2_index):
        with pytest.raises(ChainwatchError, match="needs an index"):
            make_matcher("chainwatch-v3", v2_index)
