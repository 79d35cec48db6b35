"""The resilience sweep and the Monte Carlo on an engine (:mod:`chainwatch.engine`).

The sweep takes an engine's ``mapper`` as it is: its scenarios are independent and each worker
builds the LP models once from a recipe (:class:`chainwatch.resilience.sweep.SweepModels`).

The Monte Carlo's loss evaluation (:meth:`chainwatch.resilience.sampling.LossEvaluator.
group_losses`) hands its jobs to a ``mapper`` after leaving the evaluator in a module-level
slot, which a forked local worker inherits. A Dask worker is another process that inherits
nothing, so :func:`engine_mapper` sends it an :class:`EvaluatorRecipe` instead (the problem, the
units, the stock, and how far the parent found the loss separable): each worker builds the
evaluator from it once per run and evaluates the same jobs, giving the same losses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from chainwatch.engine.base import Engine
from chainwatch.resilience.problem import Disruption, FloatArray, ResilienceProblem


@dataclass(frozen=True)
class EvaluatorRecipe:
    """What a worker needs to evaluate Monte Carlo loss jobs like the parent does."""

    run: str
    problem: ResilienceProblem
    units: tuple[Disruption, ...]
    separable_up_to: float
    stock: FloatArray | None

    @property
    def cache_key(self) -> str:
        return f"montecarlo|{self.run}"

    def build(self) -> tuple[Any, FloatArray | None]:
        from chainwatch.resilience.sampling import LossEvaluator

        evaluator = LossEvaluator(self.problem, self.units)
        evaluator._separable_up_to = self.separable_up_to  # as the parent's grouping found
        return evaluator, self.stock


def _evaluate_jobs(
    chunk: Sequence[tuple[tuple[int, ...], FloatArray]], state: tuple[Any, FloatArray | None]
) -> list[Any]:
    """Worker side: the losses of each (component, outage lengths) job."""
    evaluator, stock = state
    return [evaluator.evaluate(comp, ts, stock) for comp, ts in chunk]


def engine_mapper(engine: Engine) -> Callable[..., Iterator[Any]]:
    """A ``mapper`` for :func:`chainwatch.resilience.montecarlo.monte_carlo` and
    :func:`chainwatch.resilience.sweep.sweep` that runs on `engine`."""
    base = engine.mapper()
    if engine.name in ("inline", "local"):
        return base  # forked workers inherit the evaluator the parent left for them

    def mapper(function: Any, items: Any, shared: Any = None) -> Iterator[Any]:
        from chainwatch.resilience import sampling

        if shared is None and function is sampling._eval_chunk:
            evaluator = sampling._STATE["evaluator"]
            recipe = EvaluatorRecipe(
                uuid.uuid4().hex,
                evaluator.problem,
                tuple(evaluator.units),
                float(evaluator._separable_up_to),
                sampling._STATE.get("stock"),
            )
            return base(_evaluate_jobs, items, recipe)
        return base(function, items, shared)

    return mapper
