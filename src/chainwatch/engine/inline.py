"""The engine of one process: every chunk runs here, in order, as it is asked for.

The reference the other engines are compared with, and what a one-worker run uses (no fork,
no pickling, the first result as soon as its chunk is done).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from chainwatch.engine.base import Engine, Shared, run_chunk

R = TypeVar("R")


class InlineEngine(Engine):
    name = "inline"

    def __init__(self) -> None:
        self.workers = 1

    def _map(
        self,
        function: Callable[..., list[R]],
        chunks: Iterable[Sequence[Any]],
        shared: Shared | None,
    ) -> Iterator[list[R]]:
        for chunk in chunks:
            yield run_chunk(function, chunk, shared)
