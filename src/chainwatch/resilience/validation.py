"""Sample average approximation with validation: M replications, an independent selection
sample, an unbiased prediction from a fresh sample, and the SAA lower bound and gap.

Sources: Kleywegt, Shapiro and Homem-de-Mello, "The sample average approximation method for
stochastic discrete optimization", SIAM J. Optim. 12(2):479-502, 2002 (the procedure); Mak,
Morton and Wood, "Monte Carlo bounding techniques for determining solution quality in
stochastic programs", Oper. Res. Lett. 24:47-56, 1999 (lower bound and gap); Shapiro,
Dentcheva and Ruszczynski, *Lectures on Stochastic Programming*, 2nd ed., SIAM 2014, ch. 5.

Procedure (objective ``F(x) = h.x + E[L(x)]``, the holding cost plus the expected loss):

1. Solve ``M`` independent SAA problems of ``N`` scenarios each (:class:`StockpileModel`):
   candidate plans ``x_1..x_M`` with in-sample optima ``v_1..v_M``. The in-sample value of a
   plan is optimistically biased (``E[v_m] <= min F``): the LP fits its own sample.
2. Evaluate every candidate on one independent *selection* sample of ``N'`` Monte Carlo
   horizons (common random numbers across candidates, the exact per-sample loss of
   :func:`~chainwatch.resilience.montecarlo.evaluate_losses`) and keep the plan with the
   lowest validated objective.
3. **Prediction**: the chosen plan's expected loss on a *fresh* sample of ``N''`` horizons,
   independent of everything used to build and choose it, so unbiased for its true expected
   loss; its standard error is the sample one. (Re-using the selection sample would carry the
   selection's own optimism, a minimum of ``M`` noisy estimates.)
4. **Lower bound**: ``mean(v_m) ± s_v / sqrt(M)``, an estimate of a lower bound on the true
   optimum ``min F`` (Mak, Morton and Wood 1999). **Gap**: ``F_hat(x*) - mean(v_m)``, with
   the two standard errors combined (the samples are independent). A gap within a few SE of
   zero says the plan is about as good as the model can tell.

In budget mode the objective is the expected loss alone (the holding cost is capped); in
target mode the holding cost, and the candidate chosen is the cheapest whose validated loss
meets the target (else the one with the least validated loss); the lower bound is then not
reported (an expected-value constraint makes the SAA optimum biased either way).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, evaluate_losses, sample_events
from chainwatch.resilience.problem import Disruption, FloatArray, IntArray, ResilienceProblem
from chainwatch.resilience.stockpile import (
    StockpileModel,
    StockpilePlan,
    StockScenario,
    covering_scenarios,
    sample_scenarios,
)


@dataclass(frozen=True, slots=True)
class Horizons:
    """A Monte Carlo sample of ``n_samples`` horizons grouped by designated set: per group the
    cut nodes, the sample indices and the outage lengths (samples with no designation lose
    nothing and are in no group)."""

    n_samples: int
    groups: tuple[tuple[IntArray, IntArray, FloatArray], ...]


@dataclass(frozen=True, slots=True)
class SampleEstimate:
    """Mean of per-sample losses and its standard error ``s / sqrt(n)``."""

    mean: float
    std_error: float
    n_samples: int
    lp_solves: int


def draw_horizons(
    problem: ResilienceProblem,
    model: DesignationModel,
    n_samples: int,
    *,
    units: Sequence[Disruption] | None = None,
    seed: int = 0,
    batch_size: int = 2_000,
) -> Horizons:
    """Draw ``n_samples`` horizons (the generator of
    :func:`~chainwatch.resilience.montecarlo.monte_carlo`) and group them by designated set."""
    units = problem.suppliers if units is None else tuple(units)
    rng = np.random.default_rng(seed)
    members: dict[tuple[int, ...], list[int]] = {}
    times = np.zeros(n_samples)
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        s = sample_events(units, model, stop - start, rng)
        if len(units):
            times[start:stop] = s.ttr_days.max(axis=1)
        for r in np.flatnonzero(s.designated.any(axis=1)):
            key = tuple(np.flatnonzero(s.designated[r]).tolist())
            members.setdefault(key, []).append(start + int(r))
    groups = []
    for key, idx in members.items():
        cut = np.unique(np.concatenate([units[k].cut for k in key])).astype(np.int64)
        ix = np.array(idx, dtype=np.int64)
        groups.append((cut, ix, times[ix]))
    return Horizons(n_samples, tuple(groups))


def evaluate_plans(
    problem: ResilienceProblem,
    horizons: Horizons,
    stocks: Sequence[FloatArray | None],
    pi_model: PiModel | None = None,
) -> list[SampleEstimate]:
    """Expected loss ± SE of each stockpile on the same horizons (common random numbers).

    Each loss is exact (:func:`evaluate_losses`: LP solves, interpolated only where the convex
    piecewise-linear ``PI(t)`` is provably linear); plans are looped inside each cut set so
    that consecutive LPs differ only in their stock bounds (cheap dual-simplex warm starts).
    """
    pim = pi_model or PiModel(problem)
    n = horizons.n_samples
    losses = np.zeros((len(stocks), n))
    solves = np.zeros(len(stocks), dtype=np.int64)
    for cut, idx, t in horizons.groups:
        for k, x in enumerate(stocks):
            vals, used = evaluate_losses(pim, cut, t, extra_stock=x)
            losses[k, idx] = vals
            solves[k] += used
    out = []
    for k in range(len(stocks)):
        se = float(losses[k].std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
        out.append(SampleEstimate(float(losses[k].mean()) if n else 0.0, se, n, int(solves[k])))
    return out


@dataclass(frozen=True, slots=True)
class Candidate:
    """One SAA replication's plan: in-sample figures and its validated expected loss."""

    replication: int
    holding_cost: float
    in_sample_expected_loss: float
    in_sample_objective: float
    validated_expected_loss: float
    validated_std_error: float
    nodes_stocked: int


@dataclass(frozen=True, slots=True)
class ValidatedPlan:
    """The chosen plan, its unbiased prediction, the SAA lower bound and the gap.

    ``predicted`` is the chosen plan's expected loss on a fresh sample (unbiased: use this
    as the prediction); ``in_sample_expected_loss`` the chosen replication's own LP figure
    (optimistically biased, kept for comparison); ``lower_bound`` the mean of the ``M``
    in-sample optima (of the mode's objective) with its SE; ``gap`` = predicted objective -
    lower bound. ``no_stock`` is the expected loss with no stockpile on the selection sample.
    """

    plan: StockpilePlan
    model: StockpileModel
    chosen: int
    candidates: tuple[Candidate, ...]
    mode: str
    scheme: str
    scenarios_per_replication: int
    selection_samples: int
    predicted: SampleEstimate
    no_stock: SampleEstimate
    predicted_objective: float
    lower_bound: float
    lower_bound_std_error: float
    gap: float
    gap_std_error: float
    seconds_optimise: float
    seconds_validate: float

    @property
    def in_sample_expected_loss(self) -> float:
        return self.candidates[self.chosen].in_sample_expected_loss

    @property
    def recommendation(self) -> str:
        """Plain advice: in cost mode, a plan whose predicted holding cost + loss exceeds the
        loss with no stockpile at all is not worth buying."""
        if self.mode != "cost" or self.predicted_objective < self.no_stock.mean:
            return "stock the chosen plan"
        return (
            "keep no extra stock: the best plan found costs more (holding + predicted loss "
            f"{self.predicted_objective:,.0f}) than it saves (loss without stockpile "
            f"{self.no_stock.mean:,.0f}); try more scenarios or replications"
        )

    def as_dict(self) -> dict[str, object]:
        c = self.candidates[self.chosen]
        return {
            "method": "sample average approximation with validation (Kleywegt et al. 2002)",
            "mode": self.mode,
            "scheme": self.scheme,
            "replications": len(self.candidates),
            "scenarios_per_replication": self.scenarios_per_replication,
            "selection_samples": self.selection_samples,
            "prediction_samples": self.predicted.n_samples,
            "chosen_replication": self.chosen,
            "recommendation": self.recommendation,
            "holding_cost": self.plan.holding_cost,
            "predicted_expected_loss": self.predicted.mean,
            "predicted_std_error": self.predicted.std_error,
            "predicted_objective": self.predicted_objective,
            "in_sample_expected_loss_biased": c.in_sample_expected_loss,
            "selection_expected_loss": c.validated_expected_loss,
            "lower_bound_objective": self.lower_bound,
            "lower_bound_std_error": self.lower_bound_std_error,
            "optimality_gap": self.gap,
            "optimality_gap_std_error": self.gap_std_error,
            "expected_loss_without_stockpile": self.no_stock.mean,
            "expected_loss_without_stockpile_std_error": self.no_stock.std_error,
            "seconds_optimise": self.seconds_optimise,
            "seconds_validate": self.seconds_validate,
            "candidates": [
                {
                    "replication": k.replication,
                    "holding_cost": k.holding_cost,
                    "in_sample_expected_loss": k.in_sample_expected_loss,
                    "in_sample_objective": k.in_sample_objective,
                    "validated_expected_loss": k.validated_expected_loss,
                    "validated_std_error": k.validated_std_error,
                    "nodes_stocked": k.nodes_stocked,
                }
                for k in self.candidates
            ],
        }


def seeds_for(seed: int, n: int) -> list[int]:
    """``n`` independent integer seeds derived from ``seed`` (NumPy SeedSequence hashing)."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(n)]


def validated_stockpile(
    problem: ResilienceProblem,
    model: DesignationModel,
    *,
    replications: int = 5,
    scenarios: int = 100,
    selection_samples: int = 1_000,
    prediction_samples: int = 2_000,
    scheme: str = "sample",
    seed: int = 0,
    budget: float | None = None,
    target_expected_loss: float | None = None,
    units: Sequence[Disruption] | None = None,
    pi_model: PiModel | None = None,
) -> ValidatedPlan:
    """Run the procedure of the module docstring. ``scheme`` is ``sample`` (``scenarios``
    plain Monte Carlo horizons with a designation per replication) or ``covering``
    (``scenarios`` rounds of :func:`covering_scenarios` per replication; slow on big chains).
    """
    if replications < 1:
        raise ValueError("need at least one replication")
    if prediction_samples < 2 or selection_samples < 2:
        raise ValueError("validation samples need at least two horizons")
    if budget is not None and target_expected_loss is not None:
        raise ValueError("give a budget or a target, not both")
    mode = "budget" if budget is not None else "cost"
    if target_expected_loss is not None:
        mode = "target"
    units = problem.suppliers if units is None else tuple(units)
    pim = pi_model or PiModel(problem)
    seeds = seeds_for(seed, replications + 2)

    t0 = time.perf_counter()
    models: list[StockpileModel] = []
    plans: list[StockpilePlan] = []
    for r in range(replications):
        scen: tuple[StockScenario, ...]
        if scheme == "sample":
            scen = sample_scenarios(problem, model, scenarios, units=units, seed=seeds[r])
        elif scheme == "covering":
            scen = covering_scenarios(
                problem, model, rounds=max(scenarios, 1), units=units, seed=seeds[r]
            )
        else:
            raise ValueError(f"unknown scenario scheme {scheme!r}")
        spm = StockpileModel(problem, scen)
        models.append(spm)
        plans.append(spm.solve(budget=budget, target_expected_loss=target_expected_loss))
    t_opt = time.perf_counter() - t0

    t0 = time.perf_counter()
    select = draw_horizons(problem, model, selection_samples, units=units, seed=seeds[-2])
    stocks: list[FloatArray | None] = [pl.extra_stock_units for pl in plans]
    est = evaluate_plans(problem, select, [*stocks, None], pim)
    no_stock = est.pop()

    def objective(holding: float, loss: float) -> float:
        return loss if mode == "budget" else holding if mode == "target" else holding + loss

    cands = tuple(
        Candidate(
            r,
            pl.holding_cost,
            pl.expected_loss,
            objective(pl.holding_cost, pl.expected_loss),
            e.mean,
            e.std_error,
            int((pl.extra_stock_units > 0).sum()),
        )
        for r, (pl, e) in enumerate(zip(plans, est, strict=True))
    )
    if mode == "target":
        assert target_expected_loss is not None
        ok = [c for c in cands if c.validated_expected_loss <= target_expected_loss]
        chosen = (
            min(ok, key=lambda c: c.holding_cost)
            if ok
            else min(cands, key=lambda c: c.validated_expected_loss)
        ).replication
    else:
        chosen = min(
            cands, key=lambda c: objective(c.holding_cost, c.validated_expected_loss)
        ).replication
    fresh = draw_horizons(problem, model, prediction_samples, units=units, seed=seeds[-1])
    (predicted,) = evaluate_plans(problem, fresh, [plans[chosen].extra_stock_units], pim)
    t_val = time.perf_counter() - t0

    pred_obj = objective(plans[chosen].holding_cost, predicted.mean)
    if mode == "target":
        lb = lb_se = gap = gap_se = float("nan")
    else:
        v = np.array([c.in_sample_objective for c in cands])
        lb = float(v.mean())
        lb_se = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
        gap = pred_obj - lb
        gap_se = float(np.hypot(predicted.std_error, lb_se))
    return ValidatedPlan(
        plan=plans[chosen],
        model=models[chosen],
        chosen=chosen,
        candidates=cands,
        mode=mode,
        scheme=scheme,
        scenarios_per_replication=len(models[chosen].scenarios),
        selection_samples=selection_samples,
        predicted=predicted,
        no_stock=no_stock,
        predicted_objective=pred_obj,
        lower_bound=lb,
        lower_bound_std_error=lb_se,
        gap=gap,
        gap_std_error=gap_se,
        seconds_optimise=t_opt,
        seconds_validate=t_val,
    )


# ====================================================================== at scale (issue 11)
