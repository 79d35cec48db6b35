"""Scenario sweep: cut off every supplier (or part, or site) in turn and rank by risk exposure.

Source: Simchi-Levi, Schmidt, Wei et al., Interfaces 45(5):375-390, 2015. For each scenario
``n``: ``TTS(n)`` from the time-to-survive LP, ``t(n)`` = a quantile of the TTR distribution
(``ttr_quantile``, a labelled assumption), ``PI(n)`` from the performance-impact LP at
``t(n)``, the risk exposure index ``REI(n) = PI(n) / max_m PI(m)``, and a flag when
``TTS(n) < t(n)`` (production stops before the alternate is ready).

Worked example (tested in ``tests/resilience/test_hand_cases.py``): the two-supplier network
of :mod:`chainwatch.resilience.lp` with ``TTR = 10`` days for both suppliers gives
``PI(SA) = 250`` (TTS 5 days) and ``PI(SB) = 5 * (100 - 20) = 400`` (TTS 2 days), so
``REI(SB) = 1``, ``REI(SA) = 0.625``, both flagged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chainwatch.model.network import Assumption
from chainwatch.resilience.lp import PiModel, TtsModel
from chainwatch.resilience.problem import Disruption, ResilienceProblem


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One cut-off scenario: TTS, the TTR used, PI, lost units, REI and the TTS < TTR flag."""

    name: str
    kind: str
    tts_days: float
    ttr_days: float
    lost_margin: float
    lost_units: float
    rei: float
    at_risk: bool
    ttr: str

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "time_to_survive_days": self.tts_days,
            "time_to_recover_days": self.ttr_days,
            "time_to_recover_distribution": self.ttr,
            "lost_margin": self.lost_margin,
            "lost_units": self.lost_units,
            "risk_exposure_index": self.rei,
            "tts_below_ttr": self.at_risk,
        }


@dataclass(frozen=True, slots=True)
class SweepResult:
    """Scenarios ranked by PI (highest first), with the assumptions behind them."""

    scenarios: tuple[ScenarioResult, ...]
    horizon_days: float
    ttr_quantile: float
    assumptions: tuple[Assumption, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "horizon_days": self.horizon_days,
            "ttr_quantile": self.ttr_quantile,
            "scenarios": [s.as_dict() for s in self.scenarios],
            "assumptions": [
                {"name": a.name, "value": a.value, "description": a.description}
                for a in self.assumptions
            ],
        }


@dataclass(frozen=True, slots=True)
class SweepModels:
    """What a worker of a parallel sweep builds once: the TTS and PI models of a problem (a
    recipe: picklable, small; the LP models themselves are not sent). `run` tells one sweep's
    models from another's in a worker's cache."""

    problem: ResilienceProblem
    horizon_days: float
    run: str

    @property
    def cache_key(self) -> str:
        return f"sweep|{self.run}"

    def build(self) -> tuple[PiModel, TtsModel]:
        return PiModel(self.problem), TtsModel(self.problem, self.horizon_days)


def _solve(
    pim: PiModel, ttsm: TtsModel, unit: Disruption, ttr_quantile: float
) -> tuple[float, float, float, float]:
    ttr_days = unit.ttr.quantile(ttr_quantile)
    tts = ttsm.solve(unit.cut)
    pi = pim.solve(unit.cut, ttr_days)
    return tts, ttr_days, pi.lost_margin, pi.lost_units


def _sweep_chunk(
    chunk: Sequence[tuple[Disruption, float]], models: tuple[PiModel, TtsModel]
) -> list[tuple[float, float, float, float]]:
    """Worker side of a parallel sweep (module level: sent by reference)."""
    pim, ttsm = models
    return [_solve(pim, ttsm, unit, q) for unit, q in chunk]


def sweep(
    problem: ResilienceProblem,
    disruptions: Sequence[Disruption] | None = None,
    *,
    horizon_days: float = 365.0,
    ttr_quantile: float = 0.5,
    pi_model: PiModel | None = None,
    tts_model: TtsModel | None = None,
    mapper: Any = None,
) -> SweepResult:
    """Cut each disruption unit in turn (default: every supplier of the problem).

    ``mapper(function, items, shared)`` (an engine's :meth:`~chainwatch.engine.base.Engine.mapper`)
    solves the scenarios in parallel, each worker building the LP models once from a
    :class:`SweepModels` recipe; the scenarios are independent, so the result is the same."""
    units = problem.suppliers if disruptions is None else tuple(disruptions)
    if mapper is not None and pi_model is None and tts_model is None and len(units) > 1:
        recipe = SweepModels(problem, horizon_days, uuid.uuid4().hex)
        items = [(u, ttr_quantile) for u in units]
        solved = list(mapper(_sweep_chunk, items, recipe))
        raw = [(u, *r) for u, r in zip(units, solved, strict=True)]
    else:
        pim = pi_model or PiModel(problem)
        ttsm = tts_model or TtsModel(problem, horizon_days)
        raw = [(u, *_solve(pim, ttsm, u, ttr_quantile)) for u in units]
    top = max((r[3] for r in raw), default=0.0)
    results = [
        ScenarioResult(
            name=u.name,
            kind=u.kind,
            tts_days=tts,
            ttr_days=ttr_days,
            lost_margin=pi,
            lost_units=lost,
            rei=pi / top if top > 0 else 0.0,
            at_risk=tts < ttr_days - 1e-9,
            ttr=u.ttr.describe(),
        )
        for u, tts, ttr_days, pi, lost in raw
    ]
    # equal up to solver noise (warm starts differ between processes): ranked as ties, by TTS
    # then name, so a sweep on several workers ranks like one on one process
    results.sort(key=lambda r: (-round(r.lost_margin, 6), round(r.tts_days, 9), r.name))
    extra = (
        Assumption("sweep.horizon_days", horizon_days, "upper bound on time-to-survive"),
        Assumption(
            "sweep.ttr_quantile", ttr_quantile, "quantile of each TTR distribution used as t(n)"
        ),
    )
    return SweepResult(tuple(results), horizon_days, ttr_quantile, problem.assumptions + extra)
