"""One interface for running chunks of work: in this process, on forked local processes, or on
a Dask cluster (:mod:`chainwatch.engine.inline`, :mod:`chainwatch.engine.local`,
:mod:`chainwatch.engine.dask`).

A job is a module-level function and an iterable of chunks; :meth:`Engine.map_chunks` yields
one result list per chunk, **in input order**, while at most a few chunks are in flight, so the
memory of a run does not grow with its input. Whatever the engine and the chunking, the results
are the same: that is the contract the tests hold every engine to.

**Shared state is never shipped.** Heavy read-only state (a screening index of a few hundred
MB) is described by a :class:`Shared` recipe: a small, picklable object with a cache key and a
``build()`` that makes the state from what the worker can reach (a store URL and a snapshot
hash, say). Each worker process builds it once and keeps it in :func:`resolve`'s per-process
cache; a forked pool inherits the parent's already resolved state copy-on-write
(:func:`prime`). Pickling a 27 MB index to Dask workers took 71 s (issue 12); a recipe is a
few hundred bytes.
"""

from __future__ import annotations

import gc
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Protocol, TypeVar, final, runtime_checkable

from chainwatch.model.errors import ChainwatchError

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("local", "dask")
MAX_CACHED = 2  # states kept per worker process (e.g. two algorithms' indexes)


class EngineError(ChainwatchError):
    """An engine could not run a job: the error names the engine and what to do."""


@runtime_checkable
class Shared(Protocol):
    """A recipe for read-only state that every worker builds (once) instead of receiving it."""

    @property
    def cache_key(self) -> str:
        """Equal for recipes that build equal state."""
        ...

    def build(self) -> Any:
        """The state, made from what a worker process can reach."""
        ...


_CACHE: OrderedDict[str, Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def prime(shared: Shared, state: Any) -> None:
    """Put state the caller already has into this process's cache, so that this process and
    processes forked from it use it instead of building it again."""
    with _CACHE_LOCK:
        _CACHE[shared.cache_key] = state
        _CACHE.move_to_end(shared.cache_key)
        while len(_CACHE) > MAX_CACHED:
            _CACHE.popitem(last=False)


def resolve(shared: Shared, *, freeze: bool = False) -> Any:
    """The state of `shared` in this process: built on first use, then cached (the lock keeps
    a threaded Dask worker from building it twice).

    `freeze` (in a process that only serves the engine): move everything alive after the
    build into the collector's permanent generation (:func:`gc.freeze`). A screening index is
    millions of references; every full collection walked them again (0.47 s per collection
    in a Dask worker, a third of its screening time on 5,000 names).
    """
    with _CACHE_LOCK:
        key = shared.cache_key
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        state = shared.build()
        if freeze:
            gc.collect()
            gc.freeze()
        _CACHE[key] = state
        while len(_CACHE) > MAX_CACHED:
            _CACHE.popitem(last=False)
        return state


def run_chunk(
    function: Callable[..., list[R]],
    chunk: Sequence[Any],
    shared: Shared | None,
    freeze: bool = False,
) -> list[R]:
    """What a worker runs: `function(chunk)`, or `function(chunk, state)` with shared state
    (`freeze`: see :func:`resolve`)."""
    if shared is None:
        return function(chunk)
    return function(chunk, resolve(shared, freeze=freeze))


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive chunks of `size` items (the last one shorter), read lazily."""
    if size < 1:
        raise EngineError(f"chunk size must be at least 1, not {size}")
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Engine(ABC):
    """Runs chunks of a job somewhere; :meth:`map_chunks` is the same for every engine."""

    name: ClassVar[str]
    workers: int = 1

    @final
    def map_chunks(
        self,
        function: Callable[..., list[R]],
        chunks: Iterable[Sequence[Any]],
        shared: Shared | None = None,
    ) -> Iterator[list[R]]:
        """One result list per chunk of `chunks`, in input order, streamed.

        `function` is module-level (workers import it by name) and returns one result per item
        of its chunk; it is called as ``function(chunk)``, or ``function(chunk, state)`` with
        the state of `shared` (see :class:`Shared`). Errors of the engine itself (a cluster
        that cannot be reached, a worker that keeps dying) are :class:`EngineError`; errors
        raised by `function` come through as they are.
        """
        yield from self._map(function, chunks, shared)

    @final
    def map_items(
        self,
        function: Callable[..., list[R]],
        items: Sequence[Any],
        chunk_size: int,
        shared: Shared | None = None,
    ) -> Iterator[R]:
        """The results of `function` over `items`, flat, in order (the ``mapper`` shape that
        :mod:`chainwatch.resilience` takes)."""
        for results in self.map_chunks(function, chunked(items, chunk_size), shared):
            yield from results

    def mapper(self, parts_per_worker: int = 4) -> Callable[..., Iterator[Any]]:
        """A ``mapper(function, items, shared=None)`` that cuts `items` into about
        `parts_per_worker` chunks per worker (small enough to balance, big enough to amortise
        a task)."""

        def mapper(function: Any, items: Any, shared: Shared | None = None) -> Iterator[Any]:
            size = max(1, len(items) // (parts_per_worker * max(self.workers, 1)) + 1)
            return self.map_items(function, items, size, shared)

        return mapper

    @abstractmethod
    def _map(
        self,
        function: Callable[..., list[R]],
        chunks: Iterable[Sequence[Any]],
        shared: Shared | None,
    ) -> Iterator[list[R]]: ...

    def close(self) -> None:  # noqa: B027 - an engine without resources has nothing to do
        """Release the processes or the cluster connection (idempotent)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


def open_engine(name: str = "local", *, workers: int = 1, scheduler: str | None = None) -> Engine:
    """The engine called `name` (``local`` or ``dask``; ``inline`` is one process).

    ``local`` with one worker runs inline. ``dask`` connects to `scheduler` (or
    ``CHAINWATCH_SCHEDULER``), else starts a LocalCluster of `workers` processes.
    """
    if name == "dask":
        from chainwatch.engine.dask import DaskEngine

        return DaskEngine(scheduler, workers=workers)
    if scheduler:
        raise EngineError("--scheduler is for --engine dask")
    if name == "local" and workers > 1:
        from chainwatch.engine.local import LocalEngine, can_fork

        if can_fork():
            return LocalEngine(workers)
    if name in ("local", "inline"):
        from chainwatch.engine.inline import InlineEngine

        return InlineEngine()
    raise EngineError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")
