"""Batch work on local processes: chunks mapped over a forked process pool, order kept.

Workers are forked, so large read-only state prepared by the parent before the call (a
screening index of a few hundred MB, resolved into :mod:`chainwatch.engine.base`'s cache) is
shared copy-on-write instead of being pickled to each worker. Where fork is unavailable, or for
one worker or a small input, the work runs inline.

**A dead worker costs only the chunks in flight.** When a worker is killed (the OOM killer, a
SIGKILL), :class:`~concurrent.futures.ProcessPoolExecutor` fails every pending future with
``BrokenProcessPool``. The engine then starts a new pool and submits again, in order, the
chunks that had not come back; results already yielded are kept. A chunk that was in flight
at :data:`MAX_ATTEMPTS` breaks in a row is taken to be the cause and the run stops with an
:class:`~chainwatch.engine.base.EngineError` naming it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from chainwatch.engine.base import Engine, EngineError, Shared, resolve, run_chunk
from chainwatch.engine.inline import InlineEngine

T = TypeVar("T")
R = TypeVar("R")

MAX_ATTEMPTS = 3


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class LocalEngine(Engine):
    """A pool of `workers` forked processes, at most `2 * workers` chunks in flight."""

    name = "local"

    def __init__(self, workers: int = 2) -> None:
        if not can_fork():  # pragma: no cover - not Linux/macOS
            raise EngineError("the local pool needs fork(); use --workers 1 on this system")
        self.workers = max(workers, 1)
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0  # pools started again after a worker died (tests read it)

    def _start(self) -> ProcessPoolExecutor:
        self.close()
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=gc.freeze,  # the inherited index: never walked, never copied by gc
        )
        return self._pool

    def _map(
        self,
        function: Callable[..., list[R]],
        chunks: Iterable[Sequence[Any]],
        shared: Shared | None,
    ) -> Iterator[list[R]]:
        if shared is not None:
            resolve(shared)  # in the parent before the fork: the workers inherit it
        pool = self._start()
        window = 2 * self.workers
        source = iter(enumerate(chunks))
        # (chunk number, chunk, future, pool breaks while in flight)
        pending: deque[tuple[int, Sequence[Any], Future[list[R]], int]] = deque()

        def fill() -> None:
            while len(pending) < window:
                item = next(source, None)
                if item is None:
                    return
                number, chunk = item
                pending.append((number, chunk, pool.submit(run_chunk, function, chunk, shared), 0))

        try:
            fill()
            while pending:
                future = pending[0][2]
                try:
                    results = future.result()
                except BrokenProcessPool:
                    lost = list(pending)
                    pending.clear()
                    culprit = next((n for n, _, _, b in lost if b + 1 >= MAX_ATTEMPTS), None)
                    if culprit is not None:
                        raise EngineError(
                            f"local engine: a worker died {MAX_ATTEMPTS} times while chunk "
                            f"{culprit} was running (out of memory?); the run stops there"
                        ) from None
                    self.restarts += 1
                    pool = self._start()
                    for n, c, _, b in lost:
                        pending.append((n, c, pool.submit(run_chunk, function, c, shared), b + 1))
                    continue
                pending.popleft()
                fill()
                yield results
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def map_chunks(
    function: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    workers: int = 1,
    chunk_size: int = 500,
) -> Iterator[R]:
    """Results of `function` over consecutive chunks of `items`, in input order.

    `function` must be a module-level function (it is sent to the workers by reference) and
    returns one result per item of its chunk. One worker, one chunk or no fork: inline.
    """
    engine: Engine
    if workers <= 1 or len(items) <= chunk_size or not can_fork():
        engine = InlineEngine()
    else:
        engine = LocalEngine(workers)
    with engine:
        yield from engine.map_items(function, items, chunk_size)
