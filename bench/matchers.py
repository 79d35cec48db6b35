"""The matchers the issue 9 benchmarks compare, reached in one place.

* chainwatch versions only through ``chainwatch.screening.registry`` (``build_index``,
  ``make_matcher``, ``default_threshold``), over the *full* index: CSL 2022 + OFAC SDN
  2024-05-03 + every list of the 2026-07 US extract, as ``bench/bench_screening.py`` builds it;
* the open anchor, nomenklatura's ``logic-v2`` (``pip install -e '.[bench]'``), scoring
  FollowTheMoney entities (Person for person pairs, Company for company pairs) that carry
  only the name, with its default configuration; its default threshold is 0.7.

A pair has no query side, so every matcher scores both directions and keeps the better
(chainwatch's ``score_pair`` already does; :class:`Anchor` does the same for logic-v2).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainwatch.lists.registry import bundled_feeds, parse_feed
from chainwatch.model.lists import ListEntry
from chainwatch.screening.registry import build_index, default_threshold, make_matcher

ANCHOR_NAME = "nomenklatura logic-v2"
ANCHOR_THRESHOLD = 0.7
CHAINWATCH = ("chainwatch-v2", "chainwatch-v3")


def full_index_entries(shared: Path) -> list[ListEntry]:
    """The entries of the full index: CSL 2022 + SDN 2024 + every 2026-07 US list."""
    lists = shared / "lists"
    feeds = [parse_feed(lists / "us_csl" / "consolidated-2022.csv.gz")]
    feeds.append(parse_feed(lists / "ofac" / "sdn-2024-05-03.csv"))
    for path, fmt, mapping in bundled_feeds():
        if "consolidated" not in path.name:  # the 2026-07 US lists (CSL 2022 is loaded above)
            feeds.append(parse_feed(path, fmt, mapping))
    return [e for f in feeds for e in f.entries]


def chainwatch_matcher(name: str, entries: Sequence[ListEntry], snapshot: str = "bench") -> Any:
    """A chainwatch matcher of algorithm `name` over `entries` (via the registry)."""
    return make_matcher(name, build_index(name, entries, snapshot))


def threshold(name: str) -> float:
    """The default threshold of a chainwatch version or of the anchor."""
    return ANCHOR_THRESHOLD if name == ANCHOR_NAME else default_threshold(name)


class Anchor:
    """nomenklatura's logic-v2 on two names, as a chainwatch-like ``score_pair``."""

    def __init__(self) -> None:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm

        self._model = model
        algorithm = get_algorithm("logic-v2")
        if algorithm is None:
            raise RuntimeError("nomenklatura has no logic-v2")
        self._algorithm = algorithm
        self._config = self._algorithm.default_config()
        self._ids = itertools.count()

    def _entity(self, schema: str, name: str) -> Any:
        entity = self._model.make_entity(schema)
        entity.id = f"bench-{next(self._ids)}"  # a fresh id: logic-v2 caches by entity
        entity.add("name", name)
        return entity

    def score_pair(self, name1: str, name2: str, kind: str = "company") -> tuple[float, str]:
        """The better of the two directions' scores, and the name feature's explanation."""
        schema = "Person" if kind == "person" else "Company"
        best: tuple[float, str] = (0.0, "")
        for a, b in ((name1, name2), (name2, name1)):
            result = self._algorithm.compare(
                self._entity(schema, a), self._entity(schema, b), self._config
            )
            if result.score > best[0] or not best[1]:
                detail = result.explanations.get("name_match")
                best = (float(result.score), str(detail.detail or "") if detail else "")
        return best


def anchor_available() -> bool:
    """Whether nomenklatura (the [bench] extra) is installed."""
    try:
        import nomenklatura.matching  # noqa: F401
    except ImportError:
        return False
    return True
