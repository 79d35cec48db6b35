"""The fast component LPs (:mod:`chainwatch.resilience.sublp`) give the losses of the
definition: for every horizon, the whole network's PI LP with every designated supplier cut
for the horizon's outage length. A random single-source assembly network with shared parts,
so that most horizons designate several suppliers whose downstream closures overlap."""

from __future__ import annotations

import numpy as np
import pytest

from chainwatch.resilience.benders import benders_stockpile
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.problem import Disruption, ResilienceProblem
from chainwatch.resilience.sampling import LossEvaluator, WeightedHorizons, draw_weighted
from chainwatch.resilience.ttr import TtrDistribution


def assembly_network(seed: int, n: int = 40, parts: int = 12) -> ResilienceProblem:
    """Parts 0..parts-1 (one supplier each) feed assemblies; every input slot has one
    source, sources are shared between consumers; nodes nobody consumes are products.
    Capacity 1.25 times and stock 5 days of the flow through a node, so nothing is lost
    without a cut and every cut of a few weeks loses."""
    rng = np.random.default_rng(seed)
    slot_node: list[int] = []
    slot_q: list[float] = []
    arc_src: list[int] = []
    for j in range(parts, n):
        for s in rng.choice(j, size=int(rng.integers(1, 4)), replace=False).tolist():
            slot_node.append(j)
            slot_q.append(float(rng.choice([1.0, 2.0])))
            arc_src.append(int(s))
    consumed = np.zeros(n, dtype=bool)
    consumed[arc_src] = True
    demand = np.where(consumed, 0.0, rng.uniform(1, 5, n))
    slots = np.arange(len(slot_node), dtype=np.int64)

    def build(inventory: np.ndarray, capacity: np.ndarray) -> ResilienceProblem:
        ttr = TtrDistribution.triangular(20.0, 0.5, 2.0)
        return ResilienceProblem(
            node_ids=tuple(f"n{i}" for i in range(n)),
            inventory_units=inventory,
            capacity_per_day=capacity,
            demand_per_day=demand,
            margin_per_unit=np.where(demand > 0, rng.uniform(1, 9, n), 0.0),
            holding_cost_per_unit=np.where(np.arange(n) < parts, 0.05, np.inf),
            slot_node=np.array(slot_node, dtype=np.int64),
            slot_quantity_per=np.array(slot_q),
            arc_source=np.array(arc_src, dtype=np.int64),
            arc_slot=slots,
            suppliers=tuple(Disruption(f"S{i}", "supplier", (i,), ttr) for i in range(parts)),
        )

    usage = build(np.zeros(n), np.full(n, np.inf)).usage_per_day()
    return build(5.0 * usage, 1.25 * usage)


def by_definition(
    p: ResilienceProblem, hz: WeightedHorizons, stock: np.ndarray | None
) -> list[float]:
    pim = PiModel(p)
    out = []
    for d, t in zip(hz.designated, hz.t_days.tolist(), strict=True):
        if not d:
            out.append(0.0)
            continue
        cut = np.unique(np.concatenate([p.suppliers[k].cut for k in d]))
        out.append(pim.solve(cut, t, stock).lost_margin)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_monte_carlo_losses_equal_the_whole_network_lp(seed: int) -> None:
    p = assembly_network(seed)
    dm = DesignationModel.uniform(p.suppliers, 0.15)
    mc = monte_carlo(p, model=dm, n_samples=300, seed=seed, bootstrap=0)
    hz = draw_weighted(p.suppliers, dm, 300, seed=seed)  # the run's own horizons
    ev = LossEvaluator(p)
    groups = ev.group(hz)
    assert ev.decomposed
    assert sum(len(c) > 1 for c in groups) > 20  # overlapping multi-supplier components
    assert sum(len(ix) == 1 for ix, _t in groups.values()) > 10  # seen once: value only
    assert mc.losses == pytest.approx(by_definition(p, hz, None), rel=1e-7, abs=1e-6)
    stock = np.where(np.arange(p.n_nodes) < 12, 3.0 * p.inventory_units, 0.0)
    with_stock = ev.losses(hz, groups, ev.group_losses(groups, stock))
    assert with_stock == pytest.approx(by_definition(p, hz, stock), rel=1e-7, abs=1e-6)


def test_lshaped_on_component_lps_matches_the_whole_network_lp() -> None:
    """The L-shaped method's losses at its plan, on its own stratified sample, are the
    whole network's LP values at that stock (its cuts come from the component LPs)."""
    p = assembly_network(2)
    dm = DesignationModel.uniform(p.suppliers, 0.1)
    hz = draw_weighted(p.suppliers, dm, 60, scheme="stratified", seed=4)
    res = benders_stockpile(p, hz)
    assert res.converged and res.lower_bound <= res.objective + 1e-6
    assert res.losses == pytest.approx(
        by_definition(p, hz, res.extra_stock_units), rel=1e-7, abs=1e-6
    )
    assert float(np.dot(hz.weight, res.losses)) + res.holding_cost == pytest.approx(res.objective)


def test_replications_on_two_processes_equal_the_serial_ones() -> None:
    from chainwatch.engine.local import map_chunks
    from chainwatch.resilience.benders import solve_replications

    p = assembly_network(3)
    dm = DesignationModel.uniform(p.suppliers, 0.1)
    samples = [draw_weighted(p.suppliers, dm, 40, scheme="stratified", seed=s) for s in (1, 2)]

    def mapper(function, items):  # type: ignore[no-untyped-def]
        return map_chunks(function, items, workers=2, chunk_size=1)

    serial = solve_replications(p, samples, LossEvaluator(p))
    forked = solve_replications(p, samples, LossEvaluator(p), mapper)
    for a, b in zip(serial, forked, strict=True):
        assert b.objective == pytest.approx(a.objective, rel=1e-9)
        assert b.extra_stock_units == pytest.approx(a.extra_stock_units, rel=1e-6, abs=1e-6)
