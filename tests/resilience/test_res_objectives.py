"""Stockpile objectives checked against enumeration of hand-written loss formulas.

Network (``two_supplier``): P (demand 10/day, margin 5, capacity 12/day, 20 in stock) needs one
A (supplier SA: 30 in stock, 15/day, holding 1/unit) and one B (SB: none in stock, 15/day,
holding 2/unit). Stock only where a supplier delivers (A, B). Cut SA for t days: P needs
10 t, has 20, can make 12 t from 30 + x_A units of A, so it loses
``5 (10 t - 20 - (30 + x_A))^+`` for t <= 20: ``5 (50 - x_A)^+`` at 10 days, ``5 (150 - x_A)^+`` at
20 days. Cut SB for 10 days: ``5 (80 - x_B)^+``. Scenarios (weight): SA 10 days (0.3), SA 20
days (0.1), SB 10 days (0.2); nothing lost otherwise (0.4).

* expected cost ``x_A + 2 x_B + E[L]``: A's marginal value is 0.3*5 + 0.1*5 = 2 > 1 below 50,
  0.5 < 1 above; B's is 1 < 2. Optimum ``x = (50, 0)``, cost 50 + 50 + 80 = 180 (no stock: 230).
* CVaR at 90 %, ``h.x + CVaR_0.9(L)``, and the service level (production survives in 80 % of
  the designation scenarios: SA 10 days and SB 10 days, 0.5 of 0.6 -> x = (50, 80), cost 210;
  at 90 % all three: x = (150, 80), cost 310) are found by enumerating the integer grid, on
  which the piecewise-linear optimum lies (all breakpoints are integers).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from chainwatch.model.errors import InputError
from chainwatch.resilience.benders import benders_stockpile, restrict_stock
from chainwatch.resilience.montecarlo import DesignationModel
from chainwatch.resilience.sampling import (
    LossEvaluator,
    WeightedHorizons,
    draw_weighted,
    paired_difference,
    tail_risk,
)
from chainwatch.resilience.stockpile import StockpileModel, StockScenario

from .test_res_hand_cases import two_supplier

WEIGHTS = np.array([0.3, 0.1, 0.2])


def horizons() -> WeightedHorizons:
    return WeightedHorizons(
        ((0,), (0,), (1,)), np.array([10.0, 20.0, 10.0]), WEIGHTS, np.array([0, 0, 1]), "hand"
    )


def hand_losses(xa: float, xb: float) -> np.ndarray:
    return 5 * np.array([max(50 - xa, 0), max(150 - xa, 0), max(80 - xb, 0)])


def cvar90(losses: np.ndarray) -> float:
    """Mean of the worst 10 % of the distribution (weights above plus 0.4 at loss 0)."""
    vals = np.concatenate([losses, [0.0]])
    probs = np.concatenate([WEIGHTS, [0.4]])
    order = np.argsort(-vals)
    left, total = 0.1, 0.0
    for v, q in zip(vals[order], probs[order], strict=True):
        take = min(q, left)
        total += take * v
        left -= take
    return total / 0.1


def grid() -> list[tuple[int, int]]:
    return list(itertools.product(range(0, 151), range(0, 81)))


def test_expected_cost_matches_enumeration() -> None:
    p = restrict_stock(two_supplier(), "purchased")
    best = min(grid(), key=lambda g: g[0] + 2 * g[1] + WEIGHTS @ hand_losses(*g))
    value = best[0] + 2 * best[1] + WEIGHTS @ hand_losses(*best)
    assert best == (50, 0) and value == pytest.approx(180)
    res = benders_stockpile(p, horizons())
    assert res.extra_stock_units[:2] == pytest.approx([50, 0], abs=1e-6)
    assert res.objective == pytest.approx(180)
    assert res.lower_bound == pytest.approx(180, rel=1e-5)
    assert res.converged


def test_cvar_matches_enumeration() -> None:
    p = restrict_stock(two_supplier(), "purchased")
    values = {g: g[0] + 2 * g[1] + cvar90(hand_losses(*g)) for g in grid()}
    best = min(values.values())
    res = benders_stockpile(p, horizons(), objective="cvar", level=0.9)
    assert res.objective == pytest.approx(best)
    xa, xb = res.extra_stock_units[:2]
    assert xa + 2 * xb + cvar90(hand_losses(xa, xb)) == pytest.approx(best)
    assert tail_risk(hand_losses(xa, xb), WEIGHTS, 0.9)[1] == pytest.approx(
        cvar90(hand_losses(xa, xb))
    )


@pytest.mark.parametrize(("share", "cost"), [(0.8, 210.0), (0.9, 310.0)])
def test_service_level_matches_enumeration(share: float, cost: float) -> None:
    p = restrict_stock(two_supplier(), "purchased")

    def survives(g: tuple[int, int]) -> float:
        return float(WEIGHTS @ (hand_losses(*g) == 0)) / WEIGHTS.sum()

    ok = [g for g in grid() if survives(g) >= share - 1e-12]
    best = min(g[0] + 2 * g[1] for g in ok)
    assert best == cost
    scen = [
        StockScenario(p.indices([n]), t, w)
        for n, t, w in (("SA", 10.0, 0.3), ("SA", 20.0, 0.1), ("SB", 10.0, 0.2))
    ]
    plan, achieved, _gap = StockpileModel(p, scen).solve_service_level(share)
    assert plan.holding_cost == pytest.approx(cost)
    assert achieved >= share


def test_infeasible_service_level_is_a_clear_error() -> None:
    """A cut of P itself (not stockable in 'purchased' mode... P is stockable in 'all') — here
    SB's item is made unstockable, so the SB scenario can never survive: at most 0.4/0.6."""
    p = two_supplier()
    p = restrict_stock(p, "purchased")
    hold = p.holding_cost_per_unit.copy()
    hold[1] = np.inf
    from dataclasses import replace

    p = replace(p, holding_cost_per_unit=hold, _index={})
    scen = [
        StockScenario(p.indices([n]), t, w)
        for n, t, w in (("SA", 10.0, 0.3), ("SA", 20.0, 0.1), ("SB", 10.0, 0.2))
    ]
    with pytest.raises(InputError, match=r"at most 0\.6667") as err:
        StockpileModel(p, scen).solve_service_level(0.9)
    assert err.value.field == "service_level"
    with pytest.raises(InputError):
        StockpileModel(p, scen).solve_service_level(1.5)


def test_negative_probability_names_the_field_and_row() -> None:
    with pytest.raises(InputError) as err:
        DesignationModel(np.array([0.1, -0.2]))
    assert err.value.field == "probability" and err.value.row == 1
    units = two_supplier().suppliers
    with pytest.raises(InputError, match="unknown supplier"):
        DesignationModel.uniform(units, 0.1).with_overrides(units, {"nobody": 0.5})
    with pytest.raises(InputError) as err2:
        DesignationModel.uniform(units, 0.1).with_overrides(units, {"SB": -1.0})
    assert err2.value.field == "designation"


def test_tail_risk_worked_example() -> None:
    losses = np.array([0.0] * 90 + [10.0] * 5 + [20.0] * 5)
    var, es = tail_risk(losses, np.full(100, 0.01), 0.95)
    assert (var, es) == (pytest.approx(10.0), pytest.approx(20.0))
    mean, _se, lo, hi = paired_difference(losses, np.zeros(100), np.full(100, 0.01))
    assert mean == pytest.approx(1.5) and lo < mean < hi


def test_importance_weights_are_unbiased_for_a_small_case() -> None:
    """Two independent units, p = (0.1, 0.3), loss 1 when the first is designated: E = 0.1."""
    units = two_supplier().suppliers
    model = DesignationModel(np.array([0.1, 0.3]), country_loading=0.0, owner_loading=0.0)
    hz = draw_weighted(units, model, 20_000, scheme="importance", seed=4)
    hit = np.array([0 in d for d in hz.designated], dtype=float)
    mean, se, _lo, _hi = paired_difference(hit, np.zeros(hz.n), hz.weight)
    assert abs(mean - 0.1) < 4 * se
    st = draw_weighted(units, model, 400, scheme="stratified", seed=5)
    assert set(st.forced.tolist()) == {0, 1}
    hit = np.array([0 in d for d in st.designated], dtype=float)
    assert abs(float(st.weight @ hit) - 0.1) < 0.01


def test_components_split_disjoint_closures() -> None:
    """SA and SB both feed P: one component; the loss evaluator agrees with the LP."""
    p = two_supplier()
    ev = LossEvaluator(p)
    hz = WeightedHorizons(((0, 1),), np.array([10.0]), np.array([1.0]), np.array([0]), "x")
    groups = ev.group(hz)
    assert list(groups) == [(0, 1)]
    by = ev.group_losses(groups)
    assert ev.losses(hz, groups, by) == pytest.approx([5 * 80])


def test_plan_pipeline_frontier_and_parallel_groups() -> None:
    """The whole pipeline on the hand network: bounds bracket, the frontier's least expected
    loss falls as the budget grows, and a Monte Carlo run through the engine (2 forked
    workers over independent groups) equals the inline run sample for sample."""
    from functools import partial

    from chainwatch.engine.local import map_chunks
    from chainwatch.resilience.montecarlo import monte_carlo
    from chainwatch.resilience.scale_plan import plan_stockpile

    p = restrict_stock(two_supplier(), "purchased")
    units = p.suppliers
    model = DesignationModel(
        np.array([0.3, 0.2]), country_loading=0.0, owner_loading=0.0, no_country="own"
    )
    res = plan_stockpile(
        p, model, replications=2, scenarios=40, validation_samples=400, frontier_points=3
    )
    assert res.lower_bound <= res.upper_bound + 3 * res.upper_bound_std_error
    loss_rows = [f for f in res.frontier if f["minimises"] == "expected loss"]
    assert len(loss_rows) == 3
    ins = [float(f["in_sample_expected_loss"]) for f in loss_rows]  # type: ignore[arg-type]
    assert ins[0] >= ins[1] >= ins[2]
    assert res.comparisons[0].against == "no stock"
    assert len(units) == 2

    mapper = partial(map_chunks, workers=2, chunk_size=1)
    a = monte_carlo(p, model=model, n_samples=300, seed=9)
    b = monte_carlo(p, model=model, n_samples=300, seed=9, mapper=mapper)
    assert b.losses == pytest.approx(a.losses)
    assert b.p95_std_error == pytest.approx(a.p95_std_error)
