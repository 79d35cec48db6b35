"""Batch work on local processes: chunks of a list mapped over a process pool, order kept.

Workers are forked, so large read-only state prepared by the parent before the call (a
screening index of a few hundred MB) is shared copy-on-write instead of being pickled to each
worker. Where fork is unavailable, or for one worker or a small input, the work runs inline.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_chunks(
    function: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    workers: int = 1,
    chunk_size: int = 500,
) -> Iterator[R]:
    """Results of `function` over consecutive chunks of `items`, in input order.

    `function` must be a module-level function (it is sent to the workers by reference) and
    returns one result per item of its chunk.
    """
    chunks = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
    if workers <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield from function(chunk)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context) as pool:
        for results in pool.map(function, chunks):
            yield from results
