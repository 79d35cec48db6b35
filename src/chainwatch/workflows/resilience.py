"""Resilience use cases: load a network, apply labelled assumptions, run a model, chart it.

Each function returns a JSON-ready dict that always carries ``assumptions`` (every labelled,
overridable parameter behind the figures: the loader's and the resilience models').
"""

from __future__ import annotations

import time
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
from chainwatch.resilience.sweep import sweep
from chainwatch.resilience.validation import validated_stockpile


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
    model: DesignationModel | None = None,
) -> dict[str, Any]:
    dm = model or DesignationModel.uniform(problem.suppliers, probability, by_country)
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
    scheme: str = "sample",
    replications: int = 5,
    selection_samples: int = 1_000,
    prediction_samples: int = 2_000,
    replay_samples: int = 10_000,
    model: DesignationModel | None = None,
) -> dict[str, Any]:
    """Sample average approximation with validation (:func:`validated_stockpile`):
    ``replications`` SAA problems of ``scenarios`` scenarios each (``sample``: plain Monte
    Carlo horizons with a designation; ``covering``: rounds of every supplier designated in
    turn), the plan with the least validated cost on an independent selection sample, its
    **prediction** (expected loss ± SE on a fresh sample: unbiased), the SAA lower bound and
    the optimality gap; then a replay of the plan in a fresh Monte Carlo (independent seed)
    and the check ``replay <= prediction + 2 combined SE``. The chosen replication's own
    in-sample figure is reported too, labelled as biased."""
    if scheme not in ("sample", "covering"):
        raise InputError(f"unknown scenario scheme {scheme!r}", field="scheme")
    dm = model or DesignationModel.uniform(problem.suppliers, probability)
    pim = PiModel(problem)
    val = validated_stockpile(
        problem,
        dm,
        replications=replications,
        scenarios=scenarios,
        selection_samples=selection_samples,
        prediction_samples=prediction_samples,
        scheme=scheme,
        seed=seed,
        budget=budget,
        target_expected_loss=target_expected_loss,
        pi_model=pim,
    )
    plan = val.plan
    out: dict[str, Any] = {
        **val.as_dict(),
        "budget": budget,
        "target_expected_loss": target_expected_loss,
        "budget_dual": plan.budget_dual,
        "stock": plan.top(problem, 25),
        # kept for callers of the earlier output (the service): the scenarios of one
        # replication, and the expected loss as the unbiased prediction
        "scenarios": val.scenarios_per_replication,
        "expected_loss": val.predicted.mean,
    }
    if frontier_points > 0:
        free = val.model.solve()
        budgets = list(np.linspace(0.0, max(free.holding_cost, 1e-9), frontier_points))
        front = val.model.frontier(budgets)
        out["frontier_in_sample"] = [
            {"budget": f.budget, "holding_cost": f.holding_cost, "expected_loss": f.expected_loss}
            for f in front
        ]
        out["frontier"] = out["frontier_in_sample"]  # the earlier key
    out["assumptions"] = _assumptions(
        plan.assumptions
        + dm.assumptions()
        + (
            Assumption("stockpile.replications", replications, "independent SAA problems (M)"),
            Assumption(
                "stockpile.selection_samples",
                selection_samples,
                "Monte Carlo horizons to choose among the M plans (N')",
            ),
            Assumption(
                "stockpile.prediction_samples",
                prediction_samples,
                "fresh Monte Carlo horizons for the unbiased prediction (N'')",
            ),
        )
    )
    if replay_samples > 0:
        t0 = time.perf_counter()
        replay = monte_carlo(
            problem,
            model=dm,
            n_samples=replay_samples,
            seed=seed + 1_000_003,
            extra_stock=plan.extra_stock_units,
            pi_model=pim,
        )
        se = float(np.hypot(val.predicted.std_error, replay.std_error))
        out["replay_samples"] = replay_samples
        out["replay_expected_loss"] = replay.mean
        out["replay_std_error"] = replay.std_error
        out["replay_minus_predicted_in_se"] = (replay.mean - val.predicted.mean) / se
        out["replay_within_2se"] = bool(replay.mean <= val.predicted.mean + 2 * se)
        out["seconds_replay"] = time.perf_counter() - t0
    if chart_dir is not None and frontier_points > 0:
        chart_dir.mkdir(parents=True, exist_ok=True)
        out["charts"] = [
            str(charts.stockpile_frontier(front, chart_dir / f"frontier.{s}"))
            for s in ("png", "svg")
        ]
    return out
