"""The registry of screening algorithms: one place that knows every released version.

An algorithm version is a name plus everything that shapes its scores: how the index is built
from the list entries, how a matcher scores queries against that index, and the threshold it is
calibrated for. Callers (workflows, the CLI, the API, the benchmarks) reach matchers only
through this module, so that a version is chosen by name (``--algorithm chainwatch-v3``) and
an older one stays selectable and reproducible next to a newer one:

>>> spec = ALGORITHMS["chainwatch-v2"]
>>> spec.default_threshold
0.8

``DEFAULT_ALGORITHM_NAME`` is what screening uses when nothing is asked for; it changes only
when a new version is measured better than the default on the held-back benchmarks
(docs/screening.md §7 keeps the history and the figures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import FeatureScore, Match, Query


class IndexProtocol(Protocol):
    """What every algorithm's index offers its callers (the entries it was built from)."""

    @property
    def entries(self) -> Sequence[ListEntry]: ...

    @property
    def snapshot(self) -> str: ...


class MatcherProtocol(Protocol):
    """What every algorithm's matcher offers: screening a query against the index, and
    scoring a pair of names (``chainwatch eval``, the benchmarks)."""

    @property
    def algorithm_name(self) -> str:
        """The registry name of the algorithm this matcher implements."""
        ...

    def screen(self, query: Query, threshold: float = ..., limit: int = ...) -> list[Match]:
        """Matches of `query` scoring at least `threshold`, best first, at most `limit`."""
        ...

    def score_pair(self, name1: str, name2: str) -> tuple[float, tuple[FeatureScore, ...]]:
        """The score of two names against each other, with its features."""
        ...


@dataclass(frozen=True, slots=True)
class AlgorithmSpec:
    """One algorithm version: how to build its index and its matcher, and its threshold.

    `build_index(entries, snapshot)` returns the index; `make_matcher(index)` a matcher over
    it. The index of one version is never handed to another version's matcher:
    :func:`make_matcher` checks `index_type`. A version with `write_artifact`/`open_artifact`
    keeps its index as a file that processes memory-map (``workflows.screening.load_index``).
    """

    name: str
    description: str
    default_threshold: float
    # The class of the index, imported when asked for (`index_type`): importing every
    # version's index module would cost each cold `chainwatch screen` the others' imports.
    load_index_type: Callable[[], type[Any]]
    build_index: Callable[[Sequence[ListEntry], str], Any]
    make_matcher: Callable[[Any], MatcherProtocol]
    # The index as a memory-mapped file (chainwatch.screening.v3_artifact): write(index,
    # path, key) and open(path, key); None for a version whose index lives in memory only.
    write_artifact: Callable[[Any, Path, Any], Any] | None = None
    open_artifact: Callable[[Path, Any], Any] | None = None

    @property
    def index_type(self) -> type[Any]:
        """The class of this version's index (what :func:`make_matcher` accepts)."""
        return self.load_index_type()


def _build_v2(entries: Sequence[ListEntry], snapshot: str) -> Any:
    from chainwatch.screening.index import ScreeningIndex

    return ScreeningIndex(entries, snapshot)


def _matcher_v2(index: Any) -> MatcherProtocol:
    from chainwatch.screening.algorithm import DEFAULT_ALGORITHM, Matcher

    return Matcher(index, DEFAULT_ALGORITHM)


def _build_v3(entries: Sequence[ListEntry], snapshot: str) -> Any:
    from chainwatch.screening.v3 import V3Index

    return V3Index(entries, snapshot)


def _matcher_v3(index: Any) -> MatcherProtocol:
    from chainwatch.screening.v3 import V3Matcher

    return V3Matcher(index)


def _write_v3(index: Any, path: Path, key: Any) -> Any:
    from chainwatch.screening.v3_artifact import write_index

    return write_index(index, path, key)


def _open_v3(path: Path, key: Any) -> Any:
    from chainwatch.screening.v3_artifact import open_index

    return open_index(path, key)


def _v2_index_type() -> type[Any]:
    from chainwatch.screening.index import ScreeningIndex

    return ScreeningIndex


def _v3_index_type() -> type[Any]:
    from chainwatch.screening.v3 import V3Index

    return V3Index


ALGORITHMS: dict[str, AlgorithmSpec] = {
    "chainwatch-v2": AlgorithmSpec(
        name="chainwatch-v2",
        description="weighted token alignment, RapidFuzz typo and Metaphone matches "
        "(released; scores frozen)",
        default_threshold=0.80,
        load_index_type=_v2_index_type,
        build_index=_build_v2,
        make_matcher=_matcher_v2,
    ),
    "chainwatch-v3": AlgorithmSpec(
        name="chainwatch-v3",
        description="Damerau-Levenshtein token similarity with exact retrieval of similar "
        "vocabulary, safe-bound pruning, fitted feature table",
        default_threshold=0.80,
        load_index_type=_v3_index_type,
        build_index=_build_v3,
        make_matcher=_matcher_v3,
        write_artifact=_write_v3,
        open_artifact=_open_v3,
    ),
}

DEFAULT_ALGORITHM_NAME = "chainwatch-v3"
# The threshold both released versions are calibrated for (screening.algorithm's and
# screening.v3's DEFAULT_THRESHOLD; a test checks they agree), here so that a caller of the
# registry does not import v2's matcher for it.
DEFAULT_THRESHOLD = 0.80


def spec(name: str) -> AlgorithmSpec:
    """The registered algorithm called `name`; a ChainwatchError names the known ones."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ChainwatchError(
            f"unknown algorithm {name!r}; known: {', '.join(ALGORITHMS)}"
        ) from None


def build_index(name: str, entries: Sequence[ListEntry], snapshot: str = "") -> Any:
    """The index algorithm `name` screens against, built over `entries` of `snapshot`."""
    return spec(name).build_index(entries, snapshot)


def make_matcher(name: str, index: Any) -> MatcherProtocol:
    """A matcher of algorithm `name` over `index` (built by :func:`build_index` for the same
    algorithm)."""
    algorithm = spec(name)
    if not isinstance(index, algorithm.index_type):
        raise ChainwatchError(
            f"{name} needs an index of type {algorithm.index_type.__name__}, "
            f"got {type(index).__name__}"
        )
    return algorithm.make_matcher(index)


def screen_many(
    matcher: MatcherProtocol, queries: Sequence[Query], threshold: float, limit: int
) -> list[list[Match]]:
    """The matches of each of `queries`, as `matcher.screen` gives them one by one: through
    the matcher's own ``screen_many`` when it has one (chainwatch-v3 prepares a batch's
    names together, sharing the lookups of their new tokens)."""
    many = getattr(matcher, "screen_many", None)
    if many is not None:
        return cast("list[list[Match]]", many(queries, threshold=threshold, limit=limit))
    return [matcher.screen(q, threshold=threshold, limit=limit) for q in queries]


def default_threshold(name: str) -> float:
    """The threshold algorithm `name` is calibrated for."""
    return spec(name).default_threshold
