"""The stockpile at scale: L-shaped replications on stratified conditional samples, bounds, and
validation of the plan against no stock and the previous plan on an independent paired
sample (docs/resilience.md, "Stockpile at scale"). Split from
:mod:`chainwatch.resilience.validation` (the earlier SAA procedure), whose sources apply:
Kleywegt, Shapiro and Homem-de-Mello 2002 (the procedure), Mak, Morton and Wood 1999 (bounds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainwatch.model.errors import InputError
from chainwatch.resilience.montecarlo import DesignationModel
from chainwatch.resilience.problem import FloatArray, ResilienceProblem
from chainwatch.resilience.stockpile import StockpileModel, StockScenario
from chainwatch.resilience.validation import seeds_for


@dataclass(frozen=True, slots=True)
class Comparison:
    """``objective(plan) - objective(other)`` on one independent sample (common random
    numbers), its SE and 95 % interval; negative means the plan is better."""

    against: str
    difference: float
    std_error: float
    ci95_low: float
    ci95_high: float

    @property
    def better_at_95(self) -> bool:
        return self.ci95_high < 0

    def as_dict(self) -> dict[str, object]:
        return {
            "against": self.against,
            "difference": self.difference,
            "std_error": self.std_error,
            "ci95_low": self.ci95_low,
            "ci95_high": self.ci95_high,
            "better_at_95": self.better_at_95,
        }


@dataclass(frozen=True, slots=True)
class PlanFigures:
    """A plan on the validation sample: holding cost, expected loss ± SE, CVaR, survival."""

    name: str
    holding_cost: float
    expected_loss: float
    expected_loss_std_error: float
    cvar: float
    survival_share: float
    objective: float

    def as_dict(self) -> dict[str, object]:
        return {
            "plan": self.name,
            "holding_cost": self.holding_cost,
            "expected_loss": self.expected_loss,
            "expected_loss_std_error": self.expected_loss_std_error,
            "cvar": self.cvar,
            "survival_share": self.survival_share,
            "objective": self.objective,
        }


@dataclass(frozen=True, slots=True)
class ScalePlan:
    """The outcome of :func:`plan_stockpile`."""

    objective: str
    level: float
    service_level: float | None
    budget: float | None
    candidate: FloatArray
    value_per_unit: FloatArray
    replications: tuple[dict[str, object], ...]
    figures: tuple[PlanFigures, ...]
    comparisons: tuple[Comparison, ...]
    recommended: str
    recommendation: str
    lower_bound: float
    lower_bound_std_error: float
    upper_bound: float
    upper_bound_std_error: float
    validation_samples: int
    validation_ess: float
    seconds_optimise: float
    seconds_validate: float
    frontier: tuple[dict[str, object], ...] = ()

    @property
    def recommended_stock(self) -> FloatArray:
        return self.candidate if self.recommended == "plan" else np.zeros_like(self.candidate)

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "multi-cut L-shaped SAA on stratified conditional samples, validated "
            "on an independent importance sample with common random numbers",
            "objective": self.objective,
            "cvar_level": self.level,
            "service_level": self.service_level,
            "budget": self.budget,
            "recommended": self.recommended,
            "recommendation": self.recommendation,
            "plans": [f.as_dict() for f in self.figures],
            "paired_differences": [c.as_dict() for c in self.comparisons],
            "lower_bound_objective": self.lower_bound,
            "lower_bound_std_error": self.lower_bound_std_error,
            "upper_bound_objective": self.upper_bound,
            "upper_bound_std_error": self.upper_bound_std_error,
            "optimality_gap": self.upper_bound - self.lower_bound,
            "optimality_gap_std_error": float(
                np.hypot(self.lower_bound_std_error, self.upper_bound_std_error)
            ),
            "validation_samples": self.validation_samples,
            "validation_effective_sample_size": self.validation_ess,
            "replications": list(self.replications),
            "seconds_optimise": self.seconds_optimise,
            "seconds_validate": self.seconds_validate,
            "frontier": list(self.frontier),
        }


def plan_stockpile(
    problem: ResilienceProblem,
    model: DesignationModel,
    *,
    objective: str = "cost",
    level: float = 0.95,
    service_level: float | None = None,
    budget: float | None = None,
    replications: int = 2,
    scenarios: int = 1_600,
    validation_samples: int = 4_000,
    previous: FloatArray | None = None,
    seed: int = 0,
    mapper: Any = None,
    bootstrap: int = 200,
    frontier_points: int = 0,
) -> ScalePlan:
    """Optimise, bound and validate a stockpile (docs/resilience.md, "at scale").

    1. ``replications`` sample problems, each on ``scenarios`` stratified conditional
       horizons (every supplier with ``p > 0`` designated in at least one), solved by the
       multi-cut L-shaped method (:mod:`chainwatch.resilience.benders`; cost or CVaR) or,
       for a ``service_level``, by the chance-constrained MIP
       (:meth:`StockpileModel.solve_service_level`). The candidate is the replication with
       the least in-sample objective (independent of the validation sample).
    2. Lower bound: the mean of the replications' lower bounds (each <= its SAA optimum, whose
       expectation is <= the true optimum: Mak, Morton and Wood 1999) ± SE.
    3. Validation on a fresh importance sample of ``validation_samples`` horizons: the
       candidate, no stock and ``previous`` on the same horizons (common random numbers).
       Paired differences of the objective with 95 % intervals (sample SE for the expected
       cost; bootstrap for CVaR). Upper bound: the candidate's validated objective.
    4. Recommend the candidate only if it beats no stock (and the previous plan, if given)
       with 95 % confidence (upper end of the interval below 0); else the previous plan if
       it beats no stock so; else no extra stock.
    5. With ``frontier_points`` > 1: the cost-versus-risk frontier. For budgets from 0 to the
       candidate's holding cost, the plans of least expected loss and of least CVaR within
       the budget (on the candidate's sample), each validated (expected loss, CVaR) on the
       validation sample.
    """
    from chainwatch.resilience.benders import (
        benders_stockpile,
        objective_value,
        solve_replications,
    )
    from chainwatch.resilience.sampling import (
        LossEvaluator,
        draw_weighted,
        paired_difference,
        tail_risk,
    )

    if objective not in ("cost", "cvar", "service"):
        raise InputError(f"unknown objective {objective!r}", field="objective")
    if objective == "service" and service_level is None:
        raise InputError("the service objective needs a service level", field="service_level")
    if not 0 < level < 1:
        raise InputError(f"CVaR level {level!r} is not in (0, 1)", field="cvar_level")
    if replications < 1:
        raise InputError("need at least one replication", field="replications")
    if validation_samples < 2:
        raise InputError("need at least two validation horizons", field="validation_samples")
    units = problem.suppliers
    ev = LossEvaluator(problem)
    seeds = seeds_for(seed, replications + 1)
    t0 = time.perf_counter()
    reps: list[dict[str, object]] = []
    samples: list[Any] = []
    plans: list[FloatArray] = []
    values: list[FloatArray] = []
    lbs: list[float] = []
    objs: list[float] = []
    for r in range(replications):
        samples.append(draw_weighted(units, model, scenarios, scheme="stratified", seed=seeds[r]))
    solved = (
        []
        if objective == "service"
        else solve_replications(
            problem, samples, ev, mapper, objective=objective, level=level, budget=budget
        )
    )
    for r, hz in enumerate(samples):
        if objective == "service":
            assert service_level is not None
            scen = [
                StockScenario(ev.cut_of(d), float(t), float(w))
                for d, t, w in zip(hz.designated, hz.t_days, hz.weight, strict=True)
                if d
            ]
            plan, achieved, mip_gap = StockpileModel(problem, scen).solve_service_level(
                service_level
            )
            x, val = plan.extra_stock_units, plan.value_per_unit
            lb_r = plan.holding_cost * (1 - mip_gap)
            obj_r = plan.holding_cost
            reps.append(
                {
                    "replication": r,
                    "horizons": hz.n,
                    "holding_cost": plan.holding_cost,
                    "in_sample_survival_share": achieved,
                    "mip_gap": mip_gap,
                }
            )
        else:
            res = solved[r]
            x, val, lb_r, obj_r = (
                res.extra_stock_units,
                res.value_per_unit,
                res.lower_bound,
                res.objective,
            )
            reps.append(
                {
                    "replication": r,
                    "horizons": hz.n,
                    "holding_cost": res.holding_cost,
                    "in_sample_expected_loss": res.expected_loss,
                    "in_sample_cvar": res.cvar,
                    "in_sample_objective": res.objective,
                    "lower_bound": res.lower_bound,
                    "iterations": res.iterations,
                    "lp_solves": res.lp_solves,
                    "converged": res.converged,
                    "seconds": res.seconds,
                    "master_seconds": res.master_seconds,
                }
            )
        plans.append(x)
        values.append(val)
        lbs.append(lb_r)
        objs.append(obj_r)
    best = int(np.argmin(objs))
    cand = plans[best]
    t_opt = time.perf_counter() - t0

    t0 = time.perf_counter()
    val_hz = draw_weighted(units, model, validation_samples, scheme="importance", seed=seeds[-1])
    groups = ev.group(val_hz)
    base = ev.group_losses(groups, None, mapper=mapper)
    stocks: dict[str, FloatArray | None] = {"no stock": None, "plan": cand}
    if previous is not None:
        stocks["previous plan"] = previous
    losses: dict[str, FloatArray] = {}
    for name, xs in stocks.items():
        by = base if xs is None else ev.group_losses(groups, xs, base=base, mapper=mapper)
        losses[name] = ev.losses(val_hz, groups, by)
    w = val_hz.weight
    hold = np.nan_to_num(problem.holding_cost_per_unit, posinf=0.0)
    holding = {k: (0.0 if xs is None else float(hold @ xs)) for k, xs in stocks.items()}
    risk_name = "cvar" if objective == "cvar" else "cost"
    with_h = budget is None
    designated = np.array([bool(d) for d in val_hz.designated])
    w_des = float(w[designated].sum())

    def figures(name: str) -> PlanFigures:
        lv = losses[name]
        z = len(lv) * w * lv
        return PlanFigures(
            name,
            holding[name],
            float(z.mean()),
            float(z.std(ddof=1) / np.sqrt(len(z))),
            tail_risk(lv, w, level)[1],
            float(w[designated & (lv <= 1e-9)].sum()) / w_des if w_des > 0 else 1.0,
            objective_value(risk_name, holding[name], lv, w, level, with_h),
        )

    figs = tuple(figures(k) for k in stocks)
    rng = np.random.default_rng(seed + 17)

    def compare(a: str, b: str) -> Comparison:
        dh = holding[a] - holding[b] if with_h else 0.0
        if risk_name == "cost":
            mean, se, lo, hi = paired_difference(losses[a], losses[b], w, dh)
            return Comparison(b, mean, se, lo, hi)
        n = len(w)
        diff = tail_risk(losses[a], w, level)[1] - tail_risk(losses[b], w, level)[1] + dh
        boots = np.empty(bootstrap)
        for i in range(bootstrap):
            c = np.bincount(rng.integers(0, n, n), minlength=n)
            boots[i] = tail_risk(losses[a], w * c, level)[1] - tail_risk(losses[b], w * c, level)[1]
        se = float(boots.std(ddof=1))
        return Comparison(b, diff, se, diff - 1.96 * se, diff + 1.96 * se)

    frontier: list[dict[str, object]] = []
    if frontier_points > 1 and objective != "service":
        top = float(hold @ cand)
        for b in np.linspace(0.0, top, frontier_points).tolist():
            for goal in ("cost", "cvar"):
                fr = benders_stockpile(
                    problem, samples[best], evaluator=ev, objective=goal, level=level, budget=b
                )
                by = ev.group_losses(groups, fr.extra_stock_units, base=base, mapper=mapper)
                lv = ev.losses(val_hz, groups, by)
                frontier.append(
                    {
                        "budget": b,
                        "minimises": "expected loss" if goal == "cost" else f"CVaR{level:g}",
                        "holding_cost": fr.holding_cost,
                        "expected_loss": float(w @ lv),
                        "cvar": tail_risk(lv, w, level)[1],
                        "in_sample_expected_loss": fr.expected_loss,
                        "in_sample_cvar": fr.cvar,
                    }
                )

    comps = [compare("plan", "no stock")]
    if previous is not None:
        comps.append(compare("plan", "previous plan"))
        comps.append(compare("previous plan", "no stock"))
    t_val = time.perf_counter() - t0

    plan_fig = figs[1]
    if objective == "service":
        assert service_level is not None
        ok = plan_fig.survival_share >= service_level
        recommended = "plan" if ok else "no stock"
        recommendation = (
            f"stock the plan: production survives in {plan_fig.survival_share:.3f} of the "
            f"validation designations (target {service_level:g})"
            if ok
            else f"the plan reaches only {plan_fig.survival_share:.3f} of the validation "
            f"designations (target {service_level:g}): raise scenarios or the level"
        )
    else:
        beats_none = comps[0].better_at_95
        beats_prev = previous is None or comps[1].better_at_95
        if beats_none and beats_prev:
            recommended, recommendation = (
                "plan",
                "stock the plan: it beats no stock"
                + (" and the previous plan" if previous is not None else "")
                + " with 95 % confidence on an independent paired sample",
            )
        elif previous is not None and comps[2].better_at_95:
            recommended, recommendation = (
                "previous plan",
                "keep the previous plan: the new plan is not better than it with 95 % "
                "confidence, and the previous plan beats no stock",
            )
        else:
            recommended, recommendation = (
                "no stock",
                "keep no extra stock: no plan beats holding none with 95 % confidence on "
                f"an independent paired sample (plan - no stock = {comps[0].difference:,.0f}, "
                f"95 % CI [{comps[0].ci95_low:,.0f}, {comps[0].ci95_high:,.0f}])",
            )
    lb = float(np.mean(lbs))
    lb_se = float(np.std(lbs, ddof=1) / np.sqrt(len(lbs))) if len(lbs) > 1 else float("nan")
    if objective == "service":
        ub_se = 0.0
    elif risk_name == "cost":
        ub_se = plan_fig.expected_loss_std_error
    else:
        ub_se = comps[0].std_error
    return ScalePlan(
        objective=objective,
        level=level,
        service_level=service_level,
        budget=budget,
        candidate=cand,
        value_per_unit=values[best],
        replications=tuple(reps),
        figures=figs,
        comparisons=tuple(comps),
        recommended=recommended,
        recommendation=recommendation,
        lower_bound=lb,
        lower_bound_std_error=lb_se,
        upper_bound=plan_fig.objective,
        upper_bound_std_error=ub_se,
        validation_samples=val_hz.n,
        validation_ess=val_hz.effective_sample_size(),
        seconds_optimise=t_opt,
        seconds_validate=t_val,
        frontier=tuple(frontier),
    )
