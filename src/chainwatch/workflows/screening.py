"""Screening use cases: one party, or a whole counterparty file, against the active snapshot."""

from __future__ import annotations

import csv
import functools
import json
import logging
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainwatch import __version__
from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Match, Query
from chainwatch.screening.registry import (
    DEFAULT_ALGORITHM_NAME,
    DEFAULT_THRESHOLD,
    AlgorithmSpec,
    MatcherProtocol,
    build_index,
    make_matcher,
    spec,
)

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported when a store is opened
    from chainwatch.engine.base import Engine as WorkEngine
    from chainwatch.network.scenario import PartyScreener
    from chainwatch.store.engine import Engine
    from chainwatch.store.lists import ListStore, Snapshot
    from chainwatch.workflows.counterparties import Counterparty

log = logging.getLogger("chainwatch.index")

BATCH_COLUMNS = (
    "row",
    "query",
    "rank",
    "score",
    "entry_id",
    "listed_name",
    "matched_name",
    "source",
    "programs",
    "country",
    "snapshot",
    "algorithm",
    "explanation",
    "listed_in",
)


def match_to_dict(match: Match) -> dict[str, object]:
    """The JSON shape of a hit (`screen --json`, the API)."""
    return {
        "entry_id": match.entry_id,
        "listed_name": match.listed_name,
        "matched_name": match.matched_name,
        "score": match.score,
        "source": match.source,
        "programs": list(match.programs),
        "country": list(match.countries),
        "entity_type": match.entity_type,
        "explanation": {
            f.feature: {
                "value": f.value,
                "contribution": round(f.contribution, 4),
                "evidence": f.evidence,
            }
            for f in match.features
        },
        "algorithm": match.algorithm,
        "snapshot": match.snapshot,
        "listed_in": list(match.listed_in),
    }


# the kinds of file in those folders that shape an index: modules and the tables they read
FINGERPRINTED = (".py", ".csv", ".tsv", ".txt", ".json")


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of the code and tables that shape an index, so a cached index from other code is
    never used (the cache key also holds the snapshot hash): the chainwatch version, the
    index artifact's format version and every module and table of text/, screening/,
    data/text/, data/screening/ (the feature weights too) and lists/ (linking.py)."""
    import hashlib
    from importlib import resources

    digest = hashlib.sha256(__version__.encode())
    digest.update(f"artifact-format-{ARTIFACT_FORMAT}".encode())
    package = resources.files("chainwatch")
    for folder in ("text", "screening", "data/text", "data/screening", "lists"):
        for item in sorted(package.joinpath(folder).iterdir(), key=lambda p: p.name):
            if item.is_file() and item.name.endswith(FINGERPRINTED):
                digest.update(item.name.encode())
                digest.update(item.read_bytes())
    return digest.hexdigest()[:16]


ARTIFACT_FORMAT = 2  # chainwatch.screening.v3_artifact.FORMAT_VERSION (a test holds them equal)


def _cache_dir() -> Path:
    """``CHAINWATCH_CACHE``, else the user's cache directory."""
    if os.environ.get("CHAINWATCH_CACHE"):
        return Path(os.environ["CHAINWATCH_CACHE"])
    from platformdirs import user_cache_dir  # 70 ms of imports: only when it is needed

    return Path(user_cache_dir("chainwatch", appauthor=False))


def artifact_path(snapshot_hash: str, algorithm: str = DEFAULT_ALGORITHM_NAME) -> Path | None:
    """Where the index artifact of `snapshot_hash` and `algorithm` lives (in the cache
    directory: ``CHAINWATCH_CACHE``, else the user's cache directory); None for an algorithm
    whose index is not kept as a file."""
    if spec(algorithm).open_artifact is None:
        return None
    from chainwatch.screening.v3_artifact import ArtifactKey

    return _cache_dir() / ArtifactKey(algorithm, snapshot_hash, _code_fingerprint()).filename


_MEMORY: dict[str, Any] = {}
_LOCK = threading.Lock()
KEEP_ARTIFACTS = 4  # of each algorithm, the most recently written


def open_artifact(path: Path, snapshot_hash: str, algorithm: str) -> Any | None:
    """The index of the artifact at `path` if it is whole and of this snapshot, algorithm
    and code; None when there is none; a warning on the log (and None) when it is corrupt
    or stale, so that the caller rebuilds it."""
    from chainwatch.screening.v3_artifact import ArtifactError, ArtifactKey

    algorithm_spec = spec(algorithm)
    assert algorithm_spec.open_artifact is not None
    key = ArtifactKey(algorithm, snapshot_hash, _code_fingerprint())
    try:
        return algorithm_spec.open_artifact(path, key)
    except FileNotFoundError:
        return None
    except ArtifactError as exc:
        log.warning("%s: building the index again", exc)
        return None


def _artifact_index(store: ListStore, snapshot: Snapshot, algorithm: str) -> Any:
    """The index of `snapshot` from its artifact, built and written first when the artifact
    is missing, corrupt or stale. A cache directory that cannot be written costs a warning
    and the index is used from memory."""
    from chainwatch.screening.v3_artifact import ArtifactKey

    algorithm_spec = spec(algorithm)
    assert algorithm_spec.write_artifact is not None
    path = artifact_path(snapshot.content_hash, algorithm)
    assert path is not None
    index = open_artifact(path, snapshot.content_hash, algorithm)
    if index is not None:
        return index
    from chainwatch.workflows.lists import snapshot_entries

    started = time.perf_counter()
    built = build_index(algorithm, snapshot_entries(store, snapshot), snapshot.content_hash)
    key = ArtifactKey(algorithm, snapshot.content_hash, _code_fingerprint())
    try:
        algorithm_spec.write_artifact(built, path, key)
    except OSError as exc:
        log.warning(
            "cannot write the index artifact %s (%s): the index stays in this process's "
            "memory only",
            path,
            exc,
        )
        return built
    log.info(
        "built the %s index of snapshot %s in %.1f s: %s",
        algorithm,
        snapshot.content_hash[:12],
        time.perf_counter() - started,
        path,
    )
    _prune_artifacts(path.parent, algorithm)
    reopened = open_artifact(path, snapshot.content_hash, algorithm)
    return built if reopened is None else reopened


def _prune_artifacts(folder: Path, algorithm: str) -> None:
    """Keep the :data:`KEEP_ARTIFACTS` most recent artifacts of `algorithm` and drop its
    pickles of old (a process that has one open keeps its mapping: unlinking a mapped file
    is safe)."""
    from chainwatch.screening.v3_artifact import SUFFIX

    try:
        found = sorted(folder.glob(f"index-{algorithm}-*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
        for old in found[:-KEEP_ARTIFACTS]:
            old.unlink(missing_ok=True)
        for pickled in folder.glob(f"index-{algorithm}-*.pickle"):  # its cache before artifacts
            pickled.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned first


def load_index(
    store: ListStore,
    snapshot: Snapshot,
    *,
    use_disk_cache: bool = True,
    algorithm: str = DEFAULT_ALGORITHM_NAME,
) -> Any:
    """The screening index of `snapshot` for `algorithm` (each version builds its own index):
    from memory, from the disk cache, or built anew.

    chainwatch-v3's index is an artifact file in the cache directory
    (:mod:`chainwatch.screening.v3_artifact`), keyed by algorithm, snapshot hash and code
    fingerprint, verified (SHA-256) when opened, and memory-mapped: every process that opens
    it shares one copy of its pages. A missing, corrupt or stale artifact is built again.
    chainwatch-v2's (frozen) index is a pickle in the same directory under the same key.
    Both are written atomically and only ever read back for their own key. One index per
    algorithm stays in this process's memory.
    """
    index_type = spec(algorithm).index_type
    key = f"{algorithm}-{snapshot.content_hash[:32]}-{_code_fingerprint()}"
    with _LOCK:
        if key in _MEMORY:
            return _MEMORY[key]
        index: Any = None
        if use_disk_cache and spec(algorithm).open_artifact is not None:
            index = _artifact_index(store, snapshot, algorithm)
        else:
            index = _pickled_index(store, snapshot, algorithm, key, index_type, use_disk_cache)
        for other in [k for k in _MEMORY if k.startswith(f"{algorithm}-")]:
            del _MEMORY[other]
        _MEMORY[key] = index
        return index


def _pickled_index(
    store: ListStore,
    snapshot: Snapshot,
    algorithm: str,
    key: str,
    index_type: type[Any],
    use_disk_cache: bool,
) -> Any:
    """chainwatch-v2's index: from its pickle in the cache directory, or built (and pickled)."""
    path = _cache_dir() / f"index-{key}.pickle"
    index: Any = None
    if use_disk_cache and path.exists():
        import gc

        gc.disable()  # millions of small objects: the collector would run for nothing
        try:
            with path.open("rb") as fh:
                loaded: Any = pickle.load(fh)
            if isinstance(loaded, index_type) and loaded.snapshot == snapshot.content_hash:
                index = loaded
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            index = None
        finally:
            gc.enable()
    if index is None:
        from chainwatch.workflows.lists import snapshot_entries

        index = build_index(algorithm, snapshot_entries(store, snapshot), snapshot.content_hash)
        if use_disk_cache:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
                    pickle.dump(index, tmp, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp.name, path)
                stale = sorted(path.parent.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime)
                for old in stale[:-4]:  # keep the four most recent indexes
                    old.unlink(missing_ok=True)
            except OSError:
                pass  # a cache that cannot be written only costs time
    return index


def artifact_matcher(url: str, algorithm: str = DEFAULT_ALGORITHM_NAME) -> MatcherProtocol | None:
    """The matcher of the active snapshot of the store at `url` from its index artifact,
    without opening the store through SQLAlchemy (a cold ``chainwatch screen NAME``: the
    import alone costs more than the screen). None when the store is not a SQLite file, has
    no active snapshot, or the artifact is missing, stale or corrupt: the caller then takes
    :class:`Screener`, which builds the artifact."""
    if spec(algorithm).open_artifact is None:
        return None
    from chainwatch.store.active import active_snapshot_hash

    snapshot = active_snapshot_hash(url)
    if snapshot is None:
        return None
    path = artifact_path(snapshot, algorithm)
    index = open_artifact(path, snapshot, algorithm) if path is not None else None
    if index is None:
        return None
    with _LOCK:
        key = f"{algorithm}-{snapshot[:32]}-{_code_fingerprint()}"
        _MEMORY[key] = index
    return make_matcher(algorithm, index)


@dataclass
class Screener:
    """Screens against the active snapshot of a store with a named algorithm
    (:mod:`chainwatch.screening.registry`)."""

    store: ListStore
    algorithm: str = DEFAULT_ALGORITHM_NAME

    def __post_init__(self) -> None:
        spec(self.algorithm)  # an unknown name fails here, naming the known ones

    @property
    def spec(self) -> AlgorithmSpec:
        return spec(self.algorithm)

    @property
    def default_threshold(self) -> float:
        return self.spec.default_threshold

    def snapshot(self) -> Snapshot:
        snapshot = self.store.active()
        if snapshot is None:
            raise ChainwatchError(
                "no list snapshot is active: run `chainwatch lists load --bundled` (the bundled "
                "public-domain lists) or `chainwatch lists load PATH`"
            )
        return snapshot

    def matcher(self) -> MatcherProtocol:
        index = load_index(self.store, self.snapshot(), algorithm=self.algorithm)
        return make_matcher(self.algorithm, index)

    def screen(
        self, query: Query, threshold: float = DEFAULT_THRESHOLD, limit: int = 10
    ) -> list[Match]:
        return self.matcher().screen(query, threshold=threshold, limit=limit)

    def party_screener(self, threshold: float = DEFAULT_THRESHOLD) -> PartyScreener:
        """A `chainwatch.network.scenario.PartyScreener` over the active snapshot."""
        matcher = self.matcher()

        def screen_party(name: str, country: str) -> list[Match]:
            return matcher.screen(
                Query(name=name, country=country, entity_type="company"), threshold=threshold
            )

        return screen_party

    def screen_many(
        self,
        parties: Sequence[Counterparty],
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = 5,
        workers: int = 1,
        engine: WorkEngine | None = None,
    ) -> Iterator[tuple[Counterparty, list[Match]]]:
        """Screen every party, in order, on `engine` (default: forked local processes that
        share the loaded index when `workers` > 1, else this process)."""
        from chainwatch.engine.base import chunked, open_engine
        from chainwatch.workflows.parallel import screen_chunks

        own = engine is None
        run = engine if engine is not None else open_engine("local", workers=workers)
        try:
            queries = chunked((p.query for p in parties), 500)
            results = (
                m
                for chunk in screen_chunks(self, queries, run, threshold=threshold, limit=limit)
                for m in chunk
            )
            yield from zip(parties, results, strict=True)
        finally:
            if own:
                run.close()


def batch_rows(
    results: Iterable[tuple[Counterparty, Sequence[Match]]], snapshot: str, algorithm: str
) -> Iterator[dict[str, object]]:
    """One row per hit; a counterparty without hit still gets one row with empty hit fields."""
    for party, matches in results:
        if not matches:
            yield {
                "row": party.row,
                "query": party.query.name,
                "rank": "",
                "score": "",
                "entry_id": "",
                "listed_name": "",
                "matched_name": "",
                "source": "",
                "programs": "",
                "country": "",
                "snapshot": snapshot,
                "algorithm": algorithm,
                "explanation": "",
                "listed_in": "",
            }
            continue
        for rank, match in enumerate(matches, start=1):
            yield {
                "row": party.row,
                "query": party.query.name,
                "rank": rank,
                "score": f"{match.score:.4f}",
                "entry_id": match.entry_id,
                "listed_name": match.listed_name,
                "matched_name": match.matched_name,
                "source": match.source,
                "programs": ";".join(match.programs),
                "country": ";".join(match.countries),
                "snapshot": match.snapshot,
                "algorithm": match.algorithm,
                "explanation": json.dumps(match_to_dict(match)["explanation"], ensure_ascii=False),
                "listed_in": ";".join(match.listed_in),
            }


def screen_file(
    screener: Screener,
    path: Path,
    out: Path,
    *,
    column: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 5,
    workers: int = 1,
) -> dict[str, int]:
    """Screen every counterparty in `path` and write the hits to `out` (CSV), atomically."""
    from chainwatch.text.spreadsheets import csv_dict
    from chainwatch.workflows.counterparties import read_counterparties

    parties = read_counterparties(path, column)
    snapshot = screener.snapshot()
    counts = {"counterparties": len(parties), "with_hits": 0, "hits": 0}
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=out.parent, delete=False, newline="", encoding="utf-8", suffix=".partial"
    ) as tmp:
        writer = csv.DictWriter(tmp, fieldnames=BATCH_COLUMNS)
        writer.writeheader()
        for party, matches in screener.screen_many(
            parties, threshold=threshold, limit=limit, workers=workers
        ):
            if matches:
                counts["with_hits"] += 1
                counts["hits"] += len(matches)
            for row in batch_rows([(party, matches)], snapshot.content_hash, screener.algorithm):
                writer.writerow(csv_dict(row))
    os.replace(tmp.name, out)
    return counts


def store_for(url: str) -> ListStore:
    from chainwatch.store.engine import open_engine
    from chainwatch.store.lists import ListStore

    return ListStore(open_engine(url))


def database_url(explicit: str | None = None) -> str:
    """`--db`, else CHAINWATCH_DB, else a SQLite file in the user's data directory."""
    if explicit:
        return explicit
    env = os.environ.get("CHAINWATCH_DB")
    if env:
        return env
    from chainwatch.store.active import default_sqlite_url  # without SQLAlchemy

    return default_sqlite_url()


def engine_for(url: str) -> Engine:
    from chainwatch.store.engine import open_engine

    return open_engine(url)
