"""Hand-computed cases for the TTS / PI / REI / stockpile models (arithmetic in docstrings)."""

from __future__ import annotations

import numpy as np
import pytest

from chainwatch.resilience.lp import PiModel, TtsModel, loss_curve
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.problem import Disruption, InputSpec, NodeSpec, ResilienceProblem
from chainwatch.resilience.stockpile import StockpileModel, StockScenario, optimise_stockpile
from chainwatch.resilience.sweep import sweep
from chainwatch.resilience.ttr import TtrDistribution

TEN_DAYS = TtrDistribution.fixed(10.0)


def two_supplier(alternate_capacity: float | None = None) -> ResilienceProblem:
    """P (demand 10/day, margin 5, capacity 12/day, 20 in stock) needs 1 A and 1 B per unit.
    A: supplier SA (30 units in stock, 15/day); B: supplier SB (no stock, 15/day).
    Holding costs per unit: A 1, B 2, P 4. Optionally an alternate SA2 for A."""
    nodes = {
        "SA": NodeSpec(inventory_units=30, capacity_per_day=15, holding_cost_per_unit=1),
        "SB": NodeSpec(capacity_per_day=15, holding_cost_per_unit=2),
        "P": NodeSpec(
            inventory_units=20,
            capacity_per_day=12,
            demand_per_day=10,
            margin_per_unit=5,
            holding_cost_per_unit=4,
        ),
    }
    a_sources: tuple[str, ...] = ("SA",)
    if alternate_capacity is not None:
        nodes["SA2"] = NodeSpec(capacity_per_day=alternate_capacity, holding_cost_per_unit=np.inf)
        a_sources = ("SA", "SA2")
    units = [
        Disruption("SA", "supplier", (0,), TEN_DAYS),
        Disruption("SB", "supplier", (1,), TEN_DAYS),
    ]
    return ResilienceProblem.build(
        nodes, [InputSpec("P", a_sources), InputSpec("P", ("SB",))], suppliers=units
    )


def test_two_supplier_tts_and_pi() -> None:
    """Cut SA for t = 10 days: P can make at most the 30 units of A on hand
    (u_P <= y_A <= 30; B allows 150, capacity 120), plus its 20 finished units:
    served 50 of 10 * 10 = 100, lost 50, PI = 5 * 50 = 250.
    TTS(SA): 10 t <= 20 + u_P with u_P <= 30 -> t = 5 (and u_P = 30 <= 12 * 5 = 60).
    Cut SB: no B at all, P serves only its 20 units: TTS = 20 / 10 = 2, PI(10) = 5 * 80 = 400.
    No cut: capacities 12, 15, 15 >= 10 per day, so TTS = horizon and PI = 0."""
    p = two_supplier()
    pim, tts = PiModel(p), TtsModel(p, horizon_days=365)
    sa, sb = p.indices(["SA"]), p.indices(["SB"])
    assert pim.solve(sa, 10).lost_margin == pytest.approx(250)
    assert pim.solve(sa, 10).lost_units == pytest.approx(50)
    assert tts.solve(sa) == pytest.approx(5)
    assert tts.solve(sb) == pytest.approx(2)
    assert pim.solve(sb, 10).lost_margin == pytest.approx(400)
    assert tts.solve() == pytest.approx(365)
    assert pim.solve(t_days=10).lost_margin == pytest.approx(0)
    # one more unit of A on hand saves one unit of P: 5; one more unit of P: 5; of B: 0
    v = pim.solve(sa, 10).stock_value_per_unit
    assert v == pytest.approx([5, 0, 5])
    # slope of PI in t after TTS: 10 units/day lost at margin 5
    assert pim.solve(sa, 10).slope_per_day == pytest.approx(50)


def test_loss_curve_is_exact_piecewise_linear() -> None:
    """PI_SA(t) = 0 up to TTS = 5, then 5 * 10 * (t - 5): breakpoints (0,0), (5,0), (30,1250)."""
    p = two_supplier()
    curve = loss_curve(PiModel(p), p.indices(["SA"]), 30)
    assert curve.t_days == pytest.approx([0, 5, 30])
    assert curve.lost_margin == pytest.approx([0, 0, 1250])
    assert curve(np.array([2.0, 10.0, 40.0])) == pytest.approx([0, 250, 1750])
    assert curve.survives_days == pytest.approx(5)


def test_alternate_source_changes_the_answer() -> None:
    """SA2 (6/day, no stock) can also supply A. Cut SA for 10 days: A available
    30 + 6 * 10 = 90, u_P = min(90, 12 * 10, 15 * 10) = 90, served 90 + 20 = 110 >= 100: PI = 0.
    TTS: 10 t <= 20 + 30 + 6 t -> t = 12.5 (12 t = 150 >= 105, capacity not binding).
    At t = 20: A available 30 + 120 = 150, served 170 of 200: PI = 5 * 30 = 150."""
    p = two_supplier(alternate_capacity=6)
    pim, tts = PiModel(p), TtsModel(p)
    sa = p.indices(["SA"])
    assert pim.solve(sa, 10).lost_margin == pytest.approx(0)
    assert tts.solve(sa) == pytest.approx(12.5)
    assert pim.solve(sa, 20).lost_margin == pytest.approx(150)
    # without the alternate the same cut loses 250 over 10 days
    assert PiModel(two_supplier()).solve(sa, 10).lost_margin == pytest.approx(250)


def test_shared_component_couples_two_products() -> None:
    """P1 (10/day, margin 5) and P2 (10/day, margin 2) each need one C; supplier SC is cut
    with 100 C on hand, for 10 days. Demand for C is 200; the LP gives the 100 units to P1
    (higher margin): P2 loses 100 units, PI = 2 * 100 = 200 (a 50/50 split would lose
    5 * 50 + 2 * 50 = 350). TTS = 100 / 20 = 5 days. Cutting SC couples the products:
    one more C is worth 2 (it serves P2), and P1's margin does not matter at the margin."""
    p = ResilienceProblem.build(
        {
            "SC": NodeSpec(inventory_units=100, capacity_per_day=30),
            "P1": NodeSpec(demand_per_day=10, margin_per_unit=5, capacity_per_day=20),
            "P2": NodeSpec(demand_per_day=10, margin_per_unit=2, capacity_per_day=20),
        },
        [InputSpec("P1", ("SC",)), InputSpec("P2", ("SC",))],
    )
    sol = PiModel(p).solve(p.indices(["SC"]), 10)
    assert sol.lost_margin == pytest.approx(200)
    assert sol.lost_units_by_product == pytest.approx([0, 100])
    assert sol.stock_value_per_unit[0] == pytest.approx(2)
    assert TtsModel(p).solve(p.indices(["SC"])) == pytest.approx(5)


def test_sweep_ranks_by_exposure() -> None:
    """With TTR = 10 days: PI(SB) = 400 > PI(SA) = 250, REI = 1 and 0.625, both TTS < TTR."""
    p = two_supplier()
    result = sweep(p)
    assert [s.name for s in result.scenarios] == ["SB", "SA"]
    assert [s.rei for s in result.scenarios] == pytest.approx([1.0, 0.625])
    assert [s.tts_days for s in result.scenarios] == pytest.approx([2, 5])
    assert all(s.at_risk for s in result.scenarios)


def test_stockpile_on_paper() -> None:
    """One scenario, SA cut for 10 days, probability 1. P is 50 units short. Extra A costs 1
    and saves 5 per unit (A binds; B is made at 15/day); extra P costs 4 and also saves 5;
    extra B saves nothing. Optimum: x_A = 50, holding cost 50, expected loss 0 (objective
    50 < 250). With a budget of 20: x_A = 20, loss 250 - 5 * 20 = 150, budget dual 5.
    Target loss 100: x_A = 30 at cost 30."""
    p = two_supplier()
    scen = [StockScenario(p.indices(["SA"]), 10.0, 1.0)]
    plan = optimise_stockpile(p, scen)
    assert plan.extra_stock_units == pytest.approx([50, 0, 0], abs=1e-6)
    assert plan.holding_cost == pytest.approx(50)
    assert plan.expected_loss == pytest.approx(0, abs=1e-6)
    assert plan.expected_loss_without_stock == pytest.approx(250)
    model = StockpileModel(p, scen)
    b20 = model.solve(budget=20)
    assert b20.extra_stock_units == pytest.approx([20, 0, 0], abs=1e-6)
    assert b20.expected_loss == pytest.approx(150)
    assert b20.budget_dual == pytest.approx(5, rel=1e-5)
    assert b20.value_per_unit[0] == pytest.approx(5)
    target = model.solve(target_expected_loss=100)
    assert target.holding_cost == pytest.approx(30)
    frontier = model.frontier([0, 20, 50, 80])
    assert [f.expected_loss for f in frontier] == pytest.approx([250, 150, 0, 0], abs=1e-4)
    assert frontier[-1].holding_cost == pytest.approx(50, rel=1e-4)


def test_monte_carlo_worked_example() -> None:
    """p = 1 for SA and 0 for SB, TTR fixed at 10 days: every sample loses exactly 250."""
    p = two_supplier()
    model = DesignationModel(np.array([1.0, 0.0]))
    mc = monte_carlo(p, model=model, n_samples=200, seed=1)
    assert mc.losses == pytest.approx(np.full(200, 250.0))
    assert mc.mean == pytest.approx(250)
    assert mc.p95 == pytest.approx(250)
    assert mc.expected_shortfall_95 == pytest.approx(250)
    assert mc.lp_solves == 1  # one cut set, one outage length


def test_ttr_triangular_worked_example() -> None:
    """triangular(60, 90, 180): mean (60 + 90 + 180) / 3 = 110; the median lies right of the
    mode split (90 - 60) / 120 = 0.25: 180 - sqrt(0.5 * 120 * 90) = 106.5153."""
    d = TtrDistribution("triangular", 60, 90, 180)
    assert d.mean() == pytest.approx(110)
    assert d.quantile(0.5) == pytest.approx(180 - np.sqrt(0.5 * 120 * 90))
    assert TtrDistribution.lognormal(100, 0.4).quantile(0.5) == pytest.approx(100)
