"""Resilience use cases: load a network, apply labelled assumptions, run a model, chart it.

Each function returns a JSON-ready dict that always carries ``assumptions`` (every labelled,
overridable parameter behind the figures: the loader's and the resilience models').
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from chainwatch.model.errors import InputError
from chainwatch.model.network import Assumption, SupplyNetwork
from chainwatch.network.io import load_network
from chainwatch.network.willems import WillemsAssumptions, load_willems_chain
from chainwatch.resilience import charts
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.network_adapter import ResilienceParams, from_network
from chainwatch.resilience.problem import ResilienceProblem
from chainwatch.resilience.stockpile import (
    StockpileModel,
    covering_scenarios,
    estimate_loss,
    sample_scenarios,
)
from chainwatch.resilience.sweep import sweep


def load(
    source: str, overrides: dict[str, str] | None = None
) -> tuple[SupplyNetwork, ResilienceProblem, ResilienceParams]:
    """``source`` is ``willems:NN[:root]`` or a network path (CSV folder or XLSX).

    ``overrides`` (``key=value``) go to :class:`ResilienceParams` or, with a ``willems.``
    prefix, to the Willems loader's :class:`WillemsAssumptions`.
    """
    overrides = dict(overrides or {})
    willems = {
        k.removeprefix("willems."): v for k, v in overrides.items() if k.startswith("willems.")
    }
    ours = {k: v for k, v in overrides.items() if not k.startswith("willems.")}
    params = ResilienceParams().with_overrides(ours)  # unknown keys fail before any I/O
    for key in willems:
        if not hasattr(WillemsAssumptions(), key):
            raise InputError(f"unknown Willems assumption {key!r}", field=f"willems.{key}")
    if source.startswith("willems:"):
        parts = source.split(":", 2)
        root = (
            parts[2]
            if len(parts) > 2
            else str(
                Path(__file__).resolve().parents[4] / "shared" / "data" / "supply" / "willems2008"
            )
        )
        wa = WillemsAssumptions(
            **{k: type(getattr(WillemsAssumptions(), k))(v) for k, v in willems.items()}
        )  # type: ignore[arg-type]
        net = load_willems_chain(root, int(parts[1]), wa)
    else:
        net = load_network(source)
    return net, from_network(net, params), params


def _assumptions(items: tuple[Assumption, ...]) -> list[dict[str, Any]]:
    return [{"name": a.name, "value": a.value, "description": a.description} for a in items]


def run_sweep(
    problem: ResilienceProblem,
    params: ResilienceParams,
    chart_dir: Path | None = None,
    top: int = 20,
) -> dict[str, Any]:
    result = sweep(problem, horizon_days=params.horizon_days, ttr_quantile=params.ttr_quantile)
    out = result.as_dict()
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        files = []
        for suffix in ("png", "svg"):
            files.append(
                str(charts.exposure_bars(result.scenarios, chart_dir / f"exposure.{suffix}", top))
            )
        worst = [s.name for s in result.scenarios[:5]]
        units = [u for u in problem.suppliers if u.name in worst]
        horizon = max([s.ttr_days for s in result.scenarios[:5]] + [1.0]) * 1.5
        days = np.linspace(0, horizon, 25)
        for suffix in ("png", "svg"):
            path, _ = charts.survival_curves(
                PiModel(problem), units, days, chart_dir / f"survival.{suffix}"
            )
            files.append(str(path))
        out["charts"] = files
    return out


def run_monte_carlo(
    problem: ResilienceProblem,
    *,
    probability: float,
    samples: int,
    seed: int,
    by_country: dict[str, float] | None = None,
    chart_dir: Path | None = None,
) -> dict[str, Any]:
    dm = DesignationModel.uniform(problem.suppliers, probability, by_country)
    mc = monte_carlo(problem, model=dm, n_samples=samples, seed=seed)
    out = mc.as_dict()
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        c = mc.convergence
        out["charts"] = [
            str(
                charts.convergence_chart(
                    c.n_samples, c.mean, c.ci95_low, c.ci95_high, chart_dir / f"convergence.{s}"
                )
            )
            for s in ("png", "svg")
        ]
    return out


def run_stockpile(
    problem: ResilienceProblem,
    *,
    probability: float,
    scenarios: int,
    seed: int,
    budget: float | None = None,
    target_expected_loss: float | None = None,
    frontier_points: int = 6,
    chart_dir: Path | None = None,
    scheme: str = "covering",
    replay_samples: int = 10_000,
) -> dict[str, Any]:
    """Optimise on a scenario set (``covering``: every supplier designated in turn, ``scenarios``
    rounds, see :func:`covering_scenarios`; ``sample``: ``scenarios`` plain Monte Carlo
    horizons with a designation), then report the in-sample prediction with its standard error
    and an out-of-sample replay of the plan in a fresh Monte Carlo (independent seed)."""
    dm = DesignationModel.uniform(problem.suppliers, probability)
    if scheme == "covering":
        scen = covering_scenarios(problem, dm, rounds=max(scenarios, 1), seed=seed)
    elif scheme == "sample":
        scen = sample_scenarios(problem, dm, scenarios, seed=seed)
    else:
        raise InputError(f"unknown scenario scheme {scheme!r}", field="scheme")
    model = StockpileModel(problem, scen)
    free = model.solve()
    plan = (
        model.solve(budget=budget, target_expected_loss=target_expected_loss)
        if (budget is not None or target_expected_loss is not None)
        else free
    )
    budgets = list(np.linspace(0.0, max(free.holding_cost, 1e-9), frontier_points))
    front = model.frontier(budgets)
    pim = PiModel(problem)
    predicted = estimate_loss(problem, scen, plan.extra_stock_units, pim)
    bare = estimate_loss(problem, scen, None, pim)
    out: dict[str, Any] = {
        "scheme": scheme,
        "scenarios": len(scen),
        "budget": budget,
        "target_expected_loss": target_expected_loss,
        "holding_cost": plan.holding_cost,
        "expected_loss": plan.expected_loss,
        "expected_loss_std_error": predicted.std_error,
        "expected_loss_without_stockpile": bare.mean,
        "budget_dual": plan.budget_dual,
        "stock": plan.top(problem, 25),
        "frontier": [
            {"budget": f.budget, "holding_cost": f.holding_cost, "expected_loss": f.expected_loss}
            for f in front
        ],
        "assumptions": _assumptions(plan.assumptions + dm.assumptions()),
    }
    if replay_samples > 0:
        replay = monte_carlo(
            problem,
            model=dm,
            n_samples=replay_samples,
            seed=seed + 1_000_003,
            extra_stock=plan.extra_stock_units,
            pi_model=pim,
        )
        out["replay_samples"] = replay_samples
        out["replay_expected_loss"] = replay.mean
        out["replay_std_error"] = replay.std_error
        out["replay_within_2se"] = bool(
            replay.mean <= plan.expected_loss + 2 * np.hypot(predicted.std_error, replay.std_error)
        )
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        out["charts"] = [
            str(charts.stockpile_frontier(front, chart_dir / f"frontier.{s}"))
            for s in ("png", "svg")
        ]
    return out
