from __future__ import annotations

import os
from collections.abc import Sequence

from chainwatch.engine.local import map_chunks


def _square_with_pid(chunk: Sequence[int]) -> list[tuple[int, int]]:
    return [(x * x, os.getpid()) for x in chunk]


def test_chunks_come_back_in_order_from_several_processes() -> None:
    items = list(range(2_000))
    results = list(map_chunks(_square_with_pid, items, workers=2, chunk_size=100))
    assert [r for r, _ in results] == [x * x for x in items]
    assert len({pid for _, pid in results}) >= 2  # really ran in worker processes


def test_one_worker_runs_inline() -> None:
    results = list(map_chunks(_square_with_pid, [1, 2, 3], workers=1))
    assert results == [(1, os.getpid()), (4, os.getpid()), (9, os.getpid())]
