"""Every engine keeps order and results; a worker killed mid-run (SIGKILL) costs only its
chunk. The session's 2-worker LocalCluster serves the Dask cases."""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from chainwatch.engine.base import Engine, EngineError, chunked, open_engine
from chainwatch.engine.inline import InlineEngine
from chainwatch.engine.local import LocalEngine
from conftest import DaskCluster, require_dask

require_dask()


@pytest.fixture
def cluster(dask_cluster: DaskCluster) -> Engine:
    return dask_cluster.engine  # the session's LocalCluster of 2 workers


@pytest.fixture(params=["inline", "local", "dask"])
def engine(request: pytest.FixtureRequest, cluster: Engine) -> Iterator[Engine]:
    if request.param == "dask":
        yield cluster
        return
    with open_engine("local", workers=1 if request.param == "inline" else 2) as made:
        yield made


def _square_with_pid(chunk: Sequence[int]) -> list[tuple[int, int]]:
    return [(x * x, os.getpid()) for x in chunk]


@dataclass(frozen=True)
class Offset:
    """A recipe of shared state: each worker builds it; its key says when it is the same."""

    value: int

    @property
    def cache_key(self) -> str:
        return f"offset-{self.value}"

    def build(self) -> dict[str, int]:
        return {"offset": self.value, "pid": os.getpid()}


def _add_offset(chunk: Sequence[int], state: dict[str, int]) -> list[int]:
    return [x + state["offset"] for x in chunk]


def _die_once(chunk: Sequence[int], marker: str, at: int) -> list[int]:
    """SIGKILL the worker the first time the chunk holding `at` runs."""
    if at in chunk and not os.path.exists(marker):
        Path(marker).write_text("killed")
        os.kill(os.getpid(), signal.SIGKILL)
    return [x * 3 for x in chunk]


def _always_die(chunk: Sequence[int]) -> list[int]:
    os.kill(os.getpid(), signal.SIGKILL)
    return []  # pragma: no cover


def test_results_in_input_order_whatever_the_chunking(engine: Engine) -> None:
    items = list(range(300))
    pids: set[int] = set()
    for size in (1, 7, 100):
        got = [
            r for chunk in engine.map_chunks(_square_with_pid, chunked(items, size)) for r in chunk
        ]
        assert [r for r, _ in got] == [x * x for x in items]
        pids |= {pid for _, pid in got}
    if engine.name != "inline":
        # really on two worker processes; over all 346 chunks, as a busy machine can let one
        # worker take all three chunks of the last size
        assert len(pids) >= 2


def test_shared_state_is_built_by_the_workers(engine: Engine) -> None:
    got = [r for c in engine.map_chunks(_add_offset, chunked(range(100), 9), Offset(5)) for r in c]
    assert got == [x + 5 for x in range(100)]


def test_mapper_shape_for_resilience(engine: Engine) -> None:
    mapper = engine.mapper()
    assert list(mapper(_square_with_pid, list(range(50))))[:3][0][0] == 0
    assert [r for r, _ in mapper(_square_with_pid, list(range(50)))] == [x * x for x in range(50)]


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_a_killed_worker_costs_only_its_chunk(kind: str, cluster: Engine, tmp_path: Path) -> None:
    marker = tmp_path / f"killed-{kind}"
    function = functools.partial(_die_once, marker=str(marker), at=137)
    items = list(range(400))
    engine = cluster if kind == "dask" else LocalEngine(2)
    got = [r for chunk in engine.map_chunks(function, chunked(items, 10)) for r in chunk]
    assert marker.exists()  # a worker really was killed mid-run
    assert got == [x * 3 for x in items]
    if isinstance(engine, LocalEngine):
        assert engine.restarts == 1


def test_a_chunk_that_always_kills_its_worker_stops_the_local_run() -> None:
    with pytest.raises(EngineError, match=r"chunk [01] was running"):  # both chunks kill
        list(LocalEngine(2).map_chunks(_always_die, chunked(range(10), 5)))


def test_open_engine_choices() -> None:
    assert isinstance(open_engine("local", workers=1), InlineEngine)
    with pytest.raises(EngineError, match="unknown engine"):
        open_engine("spark")
    with pytest.raises(EngineError, match="--scheduler is for --engine dask"):
        open_engine("local", scheduler="tcp://127.0.0.1:8786")


def test_unreachable_scheduler_is_a_clear_error() -> None:
    from chainwatch.engine.dask import DaskEngine

    with pytest.raises(EngineError, match=r"cannot reach tcp://127\.0\.0\.1:9"):
        DaskEngine("tcp://127.0.0.1:9", timeout="1s")
