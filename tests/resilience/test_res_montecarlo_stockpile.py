"""Monte Carlo sampling, exact lazy loss evaluation, stockpile replay, adapter and charts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainwatch.model.network import BomEdge, Inventory, Item, Party, Source, SupplyNetwork
from chainwatch.network.willems import load_willems_chain
from chainwatch.resilience import charts
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import (
    DesignationModel,
    evaluate_losses,
    event_probabilities,
    monte_carlo,
    sample_events,
)
from chainwatch.resilience.network_adapter import ResilienceParams, from_network
from chainwatch.resilience.problem import Disruption
from chainwatch.resilience.stockpile import (
    StockpileModel,
    covering_scenarios,
    estimate_loss,
    optimise_stockpile,
    sample_scenarios,
    stratified_scenarios,
)
from chainwatch.resilience.sweep import sweep
from chainwatch.resilience.ttr import TtrDistribution

from .test_res_hand_cases import two_supplier


def test_copula_keeps_marginals_and_couples_countries() -> None:
    ttr = TtrDistribution.fixed(10)
    units = [
        Disruption(f"s{i}", "supplier", (0,), ttr, country="CN" if i < 4 else "DE")
        for i in range(8)
    ]
    model = DesignationModel(np.full(8, 0.1), country_loading=0.7, owner_loading=0.0)
    s = sample_events(units, model, 40_000, np.random.default_rng(3))
    freq = s.designated.mean(axis=0)
    assert freq == pytest.approx(np.full(8, 0.1), abs=0.01)
    corr = np.corrcoef(s.designated.T.astype(float))
    assert corr[0, 1] > 0.15  # same country
    assert abs(corr[0, 5]) < 0.03  # different countries
    assert np.all(s.ttr_days[s.designated] == 10)


def test_lazy_evaluation_equals_direct_solves() -> None:
    p = two_supplier(alternate_capacity=6)
    pim = PiModel(p)
    cut = p.indices(["SA"])
    ts = np.random.default_rng(0).uniform(0.5, 60, 300)
    vals, solves = evaluate_losses(pim, cut, ts)
    direct = np.array([PiModel(p).solve(cut, t).lost_margin for t in ts])
    assert vals == pytest.approx(direct, abs=1e-7)
    assert solves < 20  # two linear pieces: far fewer LPs than samples


def test_monte_carlo_convergence_trace() -> None:
    p = two_supplier()
    units = [
        Disruption(u.name, u.kind, u.nodes, TtrDistribution.triangular(10, 0.5, 2))
        for u in p.suppliers
    ]
    mc = monte_carlo(p, units, DesignationModel(np.array([0.2, 0.1])), n_samples=3000, seed=5)
    c = mc.convergence
    assert c.n_samples[-1] == 3000
    assert c.mean[-1] == pytest.approx(mc.mean)
    assert np.all(c.ci95_low <= c.mean) and np.all(c.mean <= c.ci95_high)
    assert mc.expected_shortfall_95 >= mc.p95 >= 0
    assert 0.2 < mc.probability_of_loss < 0.35


def test_from_network_alternates_and_multiple_sources() -> None:
    """Item C has two primary sources (60/40) and an alternate qualified in 45 days; item D
    one source owned 60 % by a parent. Cutting X leaves Y (40 % of C's capacity)."""
    net = SupplyNetwork(
        name="toy",
        items=(
            Item(
                "P", "Product", "product", demand_per_day=10, margin_per_unit=3, capacity_per_day=20
            ),
            Item("C", "Chip", "component", capacity_per_day=20, holding_cost_per_unit_day=0.01),
            Item("D", "Diode", "component"),
        ),
        bom=(BomEdge("P", "C", 1), BomEdge("P", "D", 2)),
        parties=(Party("X", "X Ltd", "CN"), Party("Y", "Y Ltd", "DE"), Party("Z", "Z Co", "CN")),
        sources=(
            Source("X", "C", 0.6),
            Source("Y", "C", 0.4),
            Source("W", "C", 1.0, is_alternate=True, qualification_days=45),
            Source("Z", "D", 1.0),
        ),
        inventory=(Inventory("site", "C", 50),),
    )
    p = from_network(net, ResilienceParams(ramp_days=15))
    names = {u.name: u for u in p.suppliers}
    assert set(names) == {"X", "Y", "Z"}
    assert names["X"].ttr.mode_days == 60  # 45 qualification + 15 ramp
    assert names["Z"].ttr.mode_days == 90 + 15  # no alternate: requalification
    assert names["X"].country == "CN"
    pim = PiModel(p)
    # X cut for 10 days: Y makes 0.4 * 20 = 8/day, plus 50 in stock: 130 >= 100 C needed
    assert pim.solve(names["X"].cut, 10).lost_margin == pytest.approx(0)
    # Z cut: no D, P cannot be made at all: 100 units lost at 3
    assert pim.solve(names["Z"].cut, 10).lost_margin == pytest.approx(300)
    assert p.holding_cost_per_unit[p.index("C")] == pytest.approx(0.01 * 365)
    keys = {a.name for a in p.assumptions}
    assert "resilience.ramp_days" in keys
    assert p.with_inventory(p.inventory_units).n_nodes == p.n_nodes


def test_params_overrides() -> None:
    params = ResilienceParams().with_overrides({"ramp_days": "10", "ttr_distribution": "lognormal"})
    assert params.ramp_days == 10
    assert params.ttr(100).kind == "lognormal"


@pytest.mark.shared
def test_stockpile_plan_replayed_in_monte_carlo(shared: type) -> None:
    """Willems chain 12 (23 suppliers), p = 2 % each. The SAA plan from 60 sampled scenarios
    predicts an expected loss; replayed in an independent Monte Carlo (5,000 samples, another
    seed) it loses no more than predicted within sampling error (3 combined standard errors:
    the SAA estimate's and the Monte Carlo's), and less than with no stockpile."""
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    p = from_network(load_willems_chain(root, 12))
    dm = DesignationModel.uniform(p.suppliers, 0.02)
    scen = sample_scenarios(p, dm, 60, seed=1)
    plan = optimise_stockpile(p, scen)
    draws = 1 / scen[0].probability
    pim = PiModel(p)
    ls = np.array([pim.solve(s.cut, s.t_days, plan.extra_stock_units).lost_margin for s in scen])
    se_saa = np.sqrt(((ls**2).sum() / draws - (ls.sum() / draws) ** 2) / draws)
    assert ls.sum() / draws == pytest.approx(plan.expected_loss, rel=1e-6)
    replay = monte_carlo(p, model=dm, n_samples=5000, seed=99, extra_stock=plan.extra_stock_units)
    bare = monte_carlo(p, model=dm, n_samples=5000, seed=99)
    assert replay.mean <= plan.expected_loss + 3 * np.hypot(se_saa, replay.std_error)
    assert replay.mean < bare.mean
    model = StockpileModel(p, scen)
    front = model.frontier([0.0, plan.holding_cost / 2, plan.holding_cost])
    losses = [f.expected_loss for f in front]
    assert losses[0] >= losses[1] >= losses[2]
    assert losses[0] == pytest.approx(plan.expected_loss_without_stock, rel=1e-6)


def test_charts_write_png_and_svg(tmp_path: Path) -> None:
    p = two_supplier()
    res = sweep(p)
    for suffix in ("png", "svg"):
        out = charts.exposure_bars(res.scenarios, tmp_path / f"bars.{suffix}")
        assert out.stat().st_size > 0
    path, curves = charts.survival_curves(
        PiModel(p), p.suppliers, np.array([0.0, 2.0, 5.0, 10.0]), tmp_path / "surv.svg"
    )
    assert path.exists()
    # SA: met fully up to TTS = 5, then (20 + 30) / 100 at t = 10
    assert curves["SA"] == pytest.approx([1, 1, 1, 0.5])
    model = StockpileModel(p, [])
    assert charts.stockpile_frontier(model.frontier([0.0]), tmp_path / "f.png").exists()


def test_event_probabilities_exact_without_correlation() -> None:
    ttr = TtrDistribution.fixed(10)
    units = [Disruption(f"s{i}", "supplier", (0,), ttr) for i in range(3)]
    p = np.array([0.1, 0.2, 0.3])
    q0, q = event_probabilities(units, DesignationModel(p, 0.0, 0.0), np.random.default_rng(0))
    assert q0 == pytest.approx(0.9 * 0.8 * 0.7)
    assert q == pytest.approx([0.1 * 0.8 * 0.7, 0.9 * 0.2 * 0.7, 0.9 * 0.8 * 0.3])
    # with correlation: agrees with counting events
    dm = DesignationModel(p, 0.5, 0.0)
    q0, q = event_probabilities(units, dm, np.random.default_rng(1))
    s = sample_events(units, dm, 200_000, np.random.default_rng(2))
    k = s.designated.sum(axis=1)
    assert q0 == pytest.approx(np.mean(k == 0), abs=0.005)
    for i in range(3):
        assert q[i] == pytest.approx(np.mean((k == 1) & s.designated[:, i]), abs=0.005)


@pytest.mark.shared
def test_covering_plan_replay_within_prediction(shared: type) -> None:
    """Willems chain 12 (23 suppliers), p = 2 %. Covering scenarios (each supplier designated
    in turn, balance-heuristic weights): the reduced LP blocks give the full model's answer,
    the weighted no-stock loss agrees with plain Monte Carlo, and the plan replayed in an
    independent Monte Carlo loses no more than predicted + 2 combined standard errors."""
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    p = from_network(load_willems_chain(root, 12))
    dm = DesignationModel.uniform(p.suppliers, 0.02)
    scen = covering_scenarios(p, dm, rounds=3, seed=4)
    assert len(scen) == 3 * len(p.suppliers)
    model = StockpileModel(p, scen)
    assert model.reduced
    plan = model.solve()
    full = StockpileModel(p, scen, reduce=False).solve()
    assert plan.expected_loss == pytest.approx(full.expected_loss, rel=1e-7)
    est = estimate_loss(p, scen, plan.extra_stock_units)
    assert est.mean == pytest.approx(plan.expected_loss, rel=1e-6)
    bare = estimate_loss(p, scen)
    mc = monte_carlo(p, model=dm, n_samples=5000, seed=11)
    assert abs(bare.mean - mc.mean) <= 3 * np.hypot(bare.std_error, mc.std_error)
    replay = monte_carlo(p, model=dm, n_samples=5000, seed=99, extra_stock=plan.extra_stock_units)
    assert replay.mean <= plan.expected_loss + 2 * np.hypot(est.std_error, replay.std_error)
    assert replay.mean < mc.mean


@pytest.mark.shared
def test_stratified_scenarios_weights(shared: type) -> None:
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    p = from_network(load_willems_chain(root, 12))
    dm = DesignationModel.uniform(p.suppliers, 0.02)
    scen = stratified_scenarios(p, dm, 40, seed=2)
    singles = [s for s in scen if s.stratum == "single"]
    assert len(singles) == len(p.suppliers)
    q0, _ = event_probabilities(p.suppliers, dm, np.random.default_rng(2))
    assert sum(s.probability for s in scen) == pytest.approx(1 - q0, rel=0.02)
    bare = estimate_loss(p, scen)
    mc = monte_carlo(p, model=dm, n_samples=5000, seed=11)
    assert abs(bare.mean - mc.mean) <= 3 * np.hypot(bare.std_error, mc.std_error)
