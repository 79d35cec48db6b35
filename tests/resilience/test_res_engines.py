"""The scenario sweep and the Monte Carlo on every engine (issue 12, acceptance 1): this
process, the forked local pool and a 2-worker LocalCluster give the same scenarios and the
same per-sample losses, also when a worker is killed (SIGKILL) mid-run (acceptance 5). The
session's LocalCluster serves the Dask cases."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chainwatch.engine.base import Engine, open_engine
from chainwatch.network.willems import load_willems_chain
from chainwatch.resilience.benders import restrict_stock
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.network_adapter import from_network
from chainwatch.resilience.problem import ResilienceProblem
from chainwatch.resilience.sweep import sweep
from chainwatch.workflows.resilience_engine import engine_mapper
from conftest import DaskCluster, require_dask

from .test_res_hand_cases import two_supplier

require_dask()


@pytest.fixture(scope="module")
def engines(dask_cluster: DaskCluster) -> Iterator[dict[str, Engine]]:
    with open_engine("local", workers=2) as local:
        yield {"local": local, "dask": dask_cluster.engine}


def _problems(shared: type) -> list[ResilienceProblem]:
    problems = [restrict_stock(two_supplier(), "purchased")]
    try:
        root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    except pytest.skip.Exception:
        return problems  # the hand network alone when ../shared/data is absent
    return [*problems, from_network(load_willems_chain(root, 12))]


def _scenarios(result: object) -> list[tuple[object, ...]]:
    return [
        (s.name, s.tts_days, s.ttr_days, s.lost_margin, s.lost_units, s.at_risk)
        for s in result.scenarios  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_sweep_is_the_same_on_every_engine(
    engines: dict[str, Engine], kind: str, shared: type
) -> None:
    for problem in _problems(shared):
        inline = _scenarios(sweep(problem, horizon_days=180.0))
        parallel = _scenarios(sweep(problem, horizon_days=180.0, mapper=engines[kind].mapper()))
        assert [s[0] for s in parallel] == [s[0] for s in inline]  # same ranking
        assert np.allclose(
            [s[1:5] for s in parallel], [s[1:5] for s in inline], rtol=1e-9, atol=1e-9
        )
        assert [s[5] for s in parallel] == [s[5] for s in inline]


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_monte_carlo_is_the_same_on_every_engine(
    engines: dict[str, Engine], kind: str, shared: type
) -> None:
    for problem in _problems(shared):
        model = DesignationModel.uniform(problem.suppliers, 0.05)
        a = monte_carlo(problem, model=model, n_samples=600, seed=4, bootstrap=50)
        b = monte_carlo(
            problem,
            model=model,
            n_samples=600,
            seed=4,
            bootstrap=50,
            mapper=engine_mapper(engines[kind]),
        )
        assert a.losses.max() > 0  # designations that cost something were drawn
        assert b.losses == pytest.approx(a.losses, rel=1e-9, abs=1e-9)
        assert b.expected_shortfall_95 == pytest.approx(a.expected_shortfall_95, rel=1e-9)
        assert b.lp_solves == a.lp_solves


def _kill_first_then(function: Any, marker: str, *args: Any) -> Any:
    """`function(*args)`, after SIGKILLing the worker process that gets the run's first chunk
    (never the test's own process)."""
    if multiprocessing.parent_process() is not None and not os.path.exists(marker):
        Path(marker).write_text("killed")
        os.kill(os.getpid(), signal.SIGKILL)
    return function(*args)


class _KillingEngine(Engine):
    """An engine (local or Dask) whose first chunk of a run kills the worker running it."""

    def __init__(self, inner: Engine, marker: Path) -> None:
        self.inner, self.marker = inner, marker
        self.name = inner.name  # type: ignore[misc]  # engine_mapper picks its path by name
        self.workers = inner.workers

    def _map(self, function: Any, chunks: Any, shared: Any) -> Iterator[Any]:
        killing = functools.partial(_kill_first_then, function, str(self.marker))
        return self.inner._map(killing, chunks, shared)


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_a_killed_worker_costs_only_its_chunk_of_the_sweep_and_the_monte_carlo(
    engines: dict[str, Engine], kind: str, shared: type, tmp_path: Path
) -> None:
    for n, problem in enumerate(_problems(shared)):
        inline = _scenarios(sweep(problem, horizon_days=180.0))
        marker = tmp_path / f"sweep-{n}"
        killing = _KillingEngine(engines[kind], marker)
        parallel = _scenarios(sweep(problem, horizon_days=180.0, mapper=killing.mapper()))
        assert marker.exists()  # a worker really died
        assert [s[0] for s in parallel] == [s[0] for s in inline]
        assert np.allclose([s[1:5] for s in parallel], [s[1:5] for s in inline], rtol=1e-9)
        model = DesignationModel.uniform(problem.suppliers, 0.05)
        a = monte_carlo(problem, model=model, n_samples=600, seed=4, bootstrap=50)
        marker = tmp_path / f"montecarlo-{n}"
        killing = _KillingEngine(engines[kind], marker)
        b = monte_carlo(
            problem, model=model, n_samples=600, seed=4, bootstrap=50, mapper=engine_mapper(killing)
        )
        assert marker.exists()
        assert b.losses == pytest.approx(a.losses, rel=1e-9, abs=1e-9)
        assert b.lp_solves == a.lp_solves
