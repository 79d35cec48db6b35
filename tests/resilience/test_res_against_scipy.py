"""The warm-started HiGHS models equal a plain model solved by scipy.optimize.linprog."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse

from chainwatch.network.willems import load_willems_chain
from chainwatch.resilience.lp import PiModel, TtsModel
from chainwatch.resilience.network_adapter import from_network
from chainwatch.resilience.problem import ResilienceProblem
from chainwatch.resilience.reference import PlainLp, plain_pi, plain_tts


def scipy_value(lp: PlainLp) -> float:
    a = scipy.sparse.csr_matrix((lp.vals, (lp.rows, lp.cols)), shape=(len(lp.b_ub), len(lp.c)))
    res = scipy.optimize.linprog(
        lp.c, A_ub=a, b_ub=lp.b_ub, bounds=np.column_stack([lp.lower, lp.upper]), method="highs"
    )
    assert res.status == 0, res.message
    return float(lp.sign * res.fun)


def random_problem(rng: np.random.Generator, n: int = 25) -> ResilienceProblem:
    """A random layered DAG with alternates, quantities and tight capacities."""
    slots_node, slots_q, arc_src, arc_slot = [], [], [], []
    for j in range(5, n):
        for _ in range(rng.integers(1, 3)):
            k = len(slots_node)
            slots_node.append(j)
            slots_q.append(float(rng.uniform(0.5, 3)))
            for s in rng.choice(j, size=rng.integers(1, 3), replace=False):
                arc_src.append(int(s))
                arc_slot.append(k)
    demand = np.where(np.arange(n) >= n - 4, rng.uniform(1, 10, n), 0.0)
    return ResilienceProblem(
        node_ids=tuple(f"n{i}" for i in range(n)),
        inventory_units=rng.uniform(0, 50, n),
        capacity_per_day=np.where(rng.random(n) < 0.2, np.inf, rng.uniform(5, 60, n)),
        demand_per_day=demand,
        margin_per_unit=np.where(demand > 0, rng.uniform(1, 9, n), 0.0),
        holding_cost_per_unit=np.ones(n),
        slot_node=np.array(slots_node, dtype=np.int64),
        slot_quantity_per=np.array(slots_q),
        arc_source=np.array(arc_src, dtype=np.int64),
        arc_slot=np.array(arc_slot, dtype=np.int64),
    )


@pytest.mark.parametrize("seed", range(4))
def test_random_networks_with_alternates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = random_problem(rng)
    pim, tts = PiModel(p), TtsModel(p, 200.0)
    for _ in range(6):
        cut = rng.choice(p.n_nodes, size=2, replace=False).astype(np.int64)
        t = float(rng.uniform(1, 40))
        assert pim.solve(cut, t).lost_margin == pytest.approx(
            scipy_value(plain_pi(p, cut, t)), rel=1e-6, abs=1e-6
        )
        assert tts.solve(cut) == pytest.approx(
            scipy_value(plain_tts(p, cut, 200.0)), rel=1e-6, abs=1e-6
        )


@pytest.mark.shared
def test_willems_chain_34_subset(shared: type) -> None:
    """Ten supplier cut-offs of chain 34 (the benchmark runs all 1,148)."""
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    p = from_network(load_willems_chain(root, 34))
    pim, tts = PiModel(p), TtsModel(p, 365.0)
    for unit in p.suppliers[::115]:
        t = unit.ttr.quantile(0.5)
        ours = pim.solve(unit.cut, t).lost_margin
        theirs = scipy_value(plain_pi(p, unit.cut, t))
        assert abs(ours - theirs) <= 1e-6 * max(1.0, abs(theirs))
        assert tts.solve(unit.cut) == pytest.approx(
            scipy_value(plain_tts(p, unit.cut, 365.0)), abs=1e-6
        )


@pytest.mark.shared
def test_component_losses_equal_scipy_on_the_whole_network(shared: type) -> None:
    """Issue 11: the Monte Carlo splits a cut set into groups of suppliers with overlapping
    downstream closures and solves each on its own closure's LP. On chain 12 (importance
    sample, many multi-supplier horizons) the sum equals scipy's plain model of the whole
    network with every designated supplier cut, with and without a stockpile."""
    from chainwatch.resilience.montecarlo import DesignationModel
    from chainwatch.resilience.sampling import LossEvaluator, draw_weighted

    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    p = from_network(load_willems_chain(root, 12))
    model = DesignationModel.uniform(p.suppliers, 0.2)
    hz = draw_weighted(p.suppliers, model, 12, scheme="importance", seed=3)
    ev = LossEvaluator(p)
    groups = ev.group(hz)
    assert any(len(c) > 1 for c in groups)
    assert ev.separable(float(hz.t_days.max()))  # the component LPs are the ones in use
    stock = np.where(np.arange(p.n_nodes) % 3 == 0, 40.0, 0.0)
    for x in (None, stock):
        losses = ev.losses(hz, groups, ev.group_losses(groups, x))
        for s in range(hz.n):
            cut = np.unique(np.concatenate([p.suppliers[k].cut for k in hz.designated[s]]))
            prob = p if x is None else p.with_inventory(p.inventory_units + x)
            theirs = scipy_value(plain_pi(prob, cut.astype(np.int64), float(hz.t_days[s])))
            assert losses[s] == pytest.approx(theirs, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_lshaped_equals_the_extensive_form(seed: int) -> None:
    """The L-shaped method (decomposition) reaches the optimum of the extensive-form LP (one
    block per scenario, solved whole) on random networks with alternates (no components:
    the whole-network LP path), for the expected-cost objective and for a budget."""
    from chainwatch.resilience.benders import benders_stockpile
    from chainwatch.resilience.problem import Disruption
    from chainwatch.resilience.sampling import WeightedHorizons
    from chainwatch.resilience.stockpile import StockpileModel, StockScenario
    from chainwatch.resilience.ttr import TtrDistribution

    rng = np.random.default_rng(seed)
    base = random_problem(rng)
    hold = rng.uniform(0.05, 0.5, base.n_nodes)
    units = tuple(
        Disruption(f"u{i}", "supplier", (i,), TtrDistribution.fixed(10.0)) for i in range(6)
    )
    p = ResilienceProblem(
        node_ids=base.node_ids,
        inventory_units=base.inventory_units,
        capacity_per_day=base.capacity_per_day,
        demand_per_day=base.demand_per_day,
        margin_per_unit=base.margin_per_unit,
        holding_cost_per_unit=hold,
        slot_node=base.slot_node,
        slot_quantity_per=base.slot_quantity_per,
        arc_source=base.arc_source,
        arc_slot=base.arc_slot,
        suppliers=units,
    )
    sets = tuple(
        tuple(sorted(rng.choice(6, size=rng.integers(1, 3), replace=False).tolist()))
        for _ in range(8)
    )
    t = rng.uniform(5, 40, 8)
    w = rng.uniform(0.01, 0.1, 8)
    hz = WeightedHorizons(sets, t, w, np.zeros(8, dtype=np.int64), "test")
    scen = [
        StockScenario(np.array(sorted(d), dtype=np.int64), float(tt), float(ww))
        for d, tt, ww in zip(sets, t, w, strict=True)
    ]
    ext = StockpileModel(p, scen, reduce=False)
    full = ext.solve()
    res = benders_stockpile(p, hz, max_iterations=200)
    assert res.objective == pytest.approx(full.holding_cost + full.expected_loss, rel=1e-5)
    # the same extensive form handed to scipy.optimize.linprog
    lp = ext.h.getLp()
    n_col, n_row = lp.num_col_, lp.num_row_
    a = scipy.sparse.csc_matrix(
        (
            np.asarray(lp.a_matrix_.value_),
            np.asarray(lp.a_matrix_.index_),
            np.asarray(lp.a_matrix_.start_),
        ),
        shape=(n_row, n_col),
    ).tocsr()
    up = np.asarray(lp.row_upper_)
    keep = up < 1e30
    col_up = np.asarray(lp.col_upper_)
    sp = scipy.optimize.linprog(
        np.asarray(lp.col_cost_),
        A_ub=a[keep],
        b_ub=up[keep],
        bounds=np.column_stack([np.asarray(lp.col_lower_), np.where(col_up > 1e30, None, col_up)]),
        method="highs",
    )
    assert sp.status == 0
    assert res.objective == pytest.approx(sp.fun, rel=1e-5)
    budget = 0.5 * full.holding_cost
    b_ext = ext.solve(budget=budget)
    b_res = benders_stockpile(p, hz, budget=budget, max_iterations=200)
    assert b_res.expected_loss == pytest.approx(b_ext.expected_loss, rel=1e-4, abs=1e-6)
