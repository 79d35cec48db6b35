"""Screening on an engine (:mod:`chainwatch.engine`): what a worker gets and what it runs.

A task carries a chunk of queries and an :class:`IndexRecipe` (store URL, snapshot hash,
algorithm, and the path of the index artifact), never the index. A worker process opens the
artifact itself, once (memory-mapped: the workers of one machine share its pages; about a
tenth of a second), and only when it cannot (another machine, another chainwatch version)
opens the store and loads or builds the index there. It then screens every chunk it gets with
it. A local engine is primed with the index the caller already has, so its forked workers
inherit it (its mapping included).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chainwatch.engine.base import Engine, EngineError, prime
from chainwatch.model.screening import Match, Query
from chainwatch.screening.registry import MatcherProtocol, make_matcher, screen_many

if TYPE_CHECKING:
    from chainwatch.store.lists import ListStore, Snapshot
    from chainwatch.workflows.screening import Screener


@dataclass(frozen=True, slots=True)
class IndexRecipe:
    """How a worker makes the matcher: the index artifact to open, else the store to read;
    the snapshot and the algorithm."""

    store_url: str
    snapshot: str
    algorithm: str
    artifact: str = ""  # the index artifact ("" for an algorithm kept in memory only)

    @property
    def cache_key(self) -> str:
        return f"matcher|{self.store_url}|{self.snapshot}|{self.algorithm}"

    def build(self) -> MatcherProtocol:
        from chainwatch.workflows.screening import load_index, open_artifact, store_for

        if self.artifact:  # checked like any artifact: whole, this snapshot, this code
            index = open_artifact(Path(self.artifact), self.snapshot, self.algorithm)
            if index is not None:
                return make_matcher(self.algorithm, index)
        store = store_for(self.store_url)
        try:
            index = load_index(store, store.snapshot(self.snapshot), algorithm=self.algorithm)
        finally:
            store.engine.dispose()
        return make_matcher(self.algorithm, index)


def store_url(screener: Screener) -> str:
    """The URL a worker process opens the screener's store with (passwords kept: the worker
    must log in; SQLite paths made absolute, since a worker may start elsewhere)."""
    return list_store_url(screener.store)


def list_store_url(store: ListStore) -> str:
    """:func:`store_url` of a store."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return "sqlite://"  # only a primed (local) engine can screen against it
        url = url.set(database=os.path.abspath(url.database))
    return url.render_as_string(hide_password=False)


def recipe(screener: Screener) -> IndexRecipe:
    """The recipe of the screener's matcher (see :func:`snapshot_recipe`)."""
    return snapshot_recipe(screener.store, screener.snapshot(), screener.algorithm)


def snapshot_recipe(store: ListStore, snapshot: Snapshot, algorithm: str) -> IndexRecipe:
    """The recipe of the index of `snapshot` in `store` for `algorithm`, with the path of its
    index artifact: built and written here first when it is missing (once, rather than in
    every worker). Batch screening and re-screening give it to their workers."""
    from chainwatch.workflows.screening import artifact_path, load_index

    path = artifact_path(snapshot.content_hash, algorithm)
    if path is not None and not path.exists():
        load_index(store, snapshot, algorithm=algorithm)
    artifact = str(path) if path is not None and path.exists() else ""
    return IndexRecipe(list_store_url(store), snapshot.content_hash, algorithm, artifact)


def screen_chunk(
    queries: Sequence[Query], matcher: MatcherProtocol, *, threshold: float, limit: int
) -> list[list[Match]]:
    """Worker side: the hits of every query of a chunk (module level: sent by reference)."""
    return screen_many(matcher, queries, threshold=threshold, limit=limit)


def screen_chunks(
    screener: Screener,
    chunks: Iterable[Sequence[Query]],
    engine: Engine,
    *,
    threshold: float,
    limit: int,
) -> Iterator[list[list[Match]]]:
    """The hits of every chunk of queries, chunk by chunk, in order, on `engine`."""
    return screen_snapshot_chunks(
        recipe(screener), chunks, engine, screener.matcher, threshold=threshold, limit=limit
    )


def screen_snapshot_chunks(
    shared: IndexRecipe,
    chunks: Iterable[Sequence[Query]],
    engine: Engine,
    matcher: Callable[[], MatcherProtocol],
    *,
    threshold: float,
    limit: int,
) -> Iterator[list[list[Match]]]:
    """:func:`screen_chunks` against the snapshot and algorithm that `shared` names (a
    re-screening pins the snapshot it diffed, whatever becomes active meanwhile). `matcher`
    gives this process's matcher of that snapshot: called for the inline and local engines
    only, whose workers are this process or its forks; a Dask worker builds its own."""
    if engine.name in ("inline", "local"):
        prime(shared, matcher())  # this process has it (or builds it) once
    elif shared.store_url == "sqlite://":
        raise EngineError(
            f"the {engine.name} engine's workers cannot open an in-memory store: use a file "
            "or a server database"
        )
    function = functools.partial(screen_chunk, threshold=threshold, limit=limit)
    return engine.map_chunks(function, chunks, shared)
