"""Stockpile optimisation at scale: the multi-cut L-shaped method (Benders decomposition).

Sources: Van Slyke and Wets, "L-shaped linear programs with applications to optimal control
and stochastic programming", SIAM J. Appl. Math. 17(4), 1969; the multi-cut version of
Birge and Louveaux, *Introduction to Stochastic Programming*, 2nd ed., Springer 2011,
ch. 5.1-5.3; CVaR by Rockafellar and Uryasev, "Optimization of conditional value-at-risk",
J. Risk 2(3), 2000.

Problem (``x`` extra stock, ``h`` holding cost per unit, horizon ``s`` of weight ``w_s`` whose
loss splits into independent components ``k``, :mod:`chainwatch.resilience.sampling`)::

    cost:   min h.x + sum_s w_s sum_{k in s} PI_k(x)
    cvar:   min h.x + eta + 1/(1 - a) sum_s w_s z_s,  z_s >= sum_{k in s} PI_k(x) - eta,
            z, eta >= 0                                 (Rockafellar-Uryasev)
    budget: either objective without h.x, subject to h.x <= B

``PI_k`` is convex and piecewise linear in ``x`` (an LP value in its right-hand side) and
depends only on the stock inside the component's downstream closure. The master replaces
each ``PI_k`` by a variable ``theta_k`` and the cuts ``theta_k >= PI_k(x^i) - v_k^i.(x -
x^i)``, ``v`` the stock values (minus the node rows' duals: a subgradient). Each iteration
solves the subproblems at the master's ``x`` (only those whose stock changed: the others'
cuts are already tight there), adds their cuts and re-solves the master (dual simplex, warm).
The master's optimum is a lower bound and the best evaluated ``x`` an upper bound on the
sample problem's optimum; it stops when they meet (``tol`` relative) and reports both.

Worked example (tested, :mod:`tests.resilience.test_res_objectives`): enumeration of the
stock levels on a one-part network matches the solver for each objective.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from chainwatch.model.errors import InputError
from chainwatch.resilience.lp import SolverError, _new_highs
from chainwatch.resilience.problem import FloatArray, IntArray, ResilienceProblem
from chainwatch.resilience.sampling import LossEvaluator, WeightedHorizons, tail_risk

_INF = highspy.kHighsInf


@dataclass(frozen=True, slots=True)
class BendersResult:
    """The plan and the bounds of the sample problem it solves."""

    extra_stock_units: FloatArray
    holding_cost: float
    expected_loss: float
    cvar: float
    objective: float
    lower_bound: float
    iterations: int
    lp_solves: int
    converged: bool
    value_per_unit: FloatArray
    losses: FloatArray
    seconds: float
    master_seconds: float
    objective_name: str
    budget: float | None

    @property
    def relative_gap(self) -> float:
        return (self.objective - self.lower_bound) / max(1.0, abs(self.objective))


def restrict_stock(problem: ResilienceProblem, stock_at: str) -> ResilienceProblem:
    """The problem with stock allowed only where ``stock_at`` says: ``all`` (every node
    with a finite holding cost) or ``purchased`` (the nodes a supplier delivers: what is
    bought, and what a designation cuts off). Elsewhere the holding cost becomes ``inf``."""
    if stock_at == "all":
        return problem
    if stock_at != "purchased":
        raise InputError("stock_at is 'purchased' or 'all'", field="stockpile.stock_at")
    keep = np.zeros(problem.n_nodes, dtype=bool)
    for u in problem.suppliers:
        keep[u.cut] = True
    hold = np.where(keep, problem.holding_cost_per_unit, np.inf)
    return ResilienceProblem(
        node_ids=problem.node_ids,
        inventory_units=problem.inventory_units,
        capacity_per_day=problem.capacity_per_day,
        demand_per_day=problem.demand_per_day,
        margin_per_unit=problem.margin_per_unit,
        holding_cost_per_unit=hold,
        slot_node=problem.slot_node,
        slot_quantity_per=problem.slot_quantity_per,
        arc_source=problem.arc_source,
        arc_slot=problem.arc_slot,
        assumptions=problem.assumptions,
        suppliers=problem.suppliers,
    )


def objective_value(
    name: str,
    holding: float,
    losses: FloatArray,
    weight: FloatArray,
    level: float,
    with_holding: bool = True,
) -> float:
    """``h.x`` (if counted) plus the expected loss or the CVaR at ``level``."""
    risk = float(np.dot(weight, losses)) if name == "cost" else tail_risk(losses, weight, level)[1]
    return (holding if with_holding else 0.0) + risk


MASTER_PIVOTS = 5_000


def _solve_master(h: highspy.Highs) -> None:
    """Re-solve the master after new cuts: dual simplex from the last basis, which takes a
    few hundred pivots, but once thousands of nearly parallel cuts pile up it can stall in
    degenerate pivots (chain 38 with a rumoured listing: 116,438 pivots, 73 s, at the tenth
    iteration). Past ``MASTER_PIVOTS`` the master is solved afresh by the interior point
    method with crossover (a vertex again, so the next re-solve is warm)."""
    h.setOptionValue("simplex_iteration_limit", MASTER_PIVOTS)
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        return
    h.clearSolver()
    h.setOptionValue("simplex_iteration_limit", 2**31 - 1)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "on")
    try:
        h.run()
    finally:
        h.setOptionValue("solver", "simplex")


def benders_stockpile(
    problem: ResilienceProblem,
    horizons: WeightedHorizons,
    *,
    evaluator: LossEvaluator | None = None,
    objective: str = "cost",
    level: float = 0.95,
    budget: float | None = None,
    tol: float = 1e-5,
    max_iterations: int = 100,
    time_limit_seconds: float = 600.0,
) -> BendersResult:
    """Solve the sample problem of the module docstring on ``horizons`` (see there)."""
    if objective not in ("cost", "cvar"):
        raise ValueError(f"unknown objective {objective!r}")
    t_start = time.perf_counter()
    p = problem
    ev = evaluator or LossEvaluator(p)
    groups = ev.group(horizons)
    hold = p.holding_cost_per_unit
    stockable = np.flatnonzero(np.isfinite(hold)).astype(np.int64)
    pos = np.full(p.n_nodes, -1, dtype=np.int64)
    pos[stockable] = np.arange(len(stockable))
    m = len(stockable)
    # component instances: (comp, horizon index, t)
    comps = list(groups)
    inst_comp: list[int] = []
    inst_h: list[int] = []
    inst_t: list[float] = []
    for ci, comp in enumerate(comps):
        ix, ts = groups[comp]
        inst_comp += [ci] * len(ix)
        inst_h += ix.tolist()
        inst_t += ts.tolist()
    n_inst = len(inst_h)
    ih = np.array(inst_h, dtype=np.int64)
    w = horizons.weight
    cvar = objective == "cvar"
    with_holding = budget is None
    # relevant stock positions per component (the stock its loss can depend on)
    sep = ev.decomposed
    subs: list[IntArray | None] = []  # a component's closure (sorted node indices)
    relevant: list[IntArray] = []
    for comp in comps:
        if sep:
            closure = ev.component_nodes(comp)
            subs.append(closure)
            r = pos[closure]
            relevant.append(np.sort(r[r >= 0]))
        else:
            subs.append(None)
            relevant.append(np.arange(m, dtype=np.int64))

    # master columns: x (m), theta (n_inst), [eta, z (n horizons)]
    n_h = horizons.n
    n_cols = m + n_inst + ((1 + n_h) if cvar else 0)
    cost = np.zeros(n_cols)
    cost[:m] = hold[stockable] if with_holding else 1e-6 * hold[stockable]
    if not cvar:
        cost[m : m + n_inst] = w[ih]
    else:
        cost[m + n_inst] = 1.0
        cost[m + n_inst + 1 :] = w / (1.0 - level)
    h = _new_highs()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.full(n_cols, _INF)
    rows_lo: list[float] = []
    rows_up: list[float] = []
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    if cvar:  # z_s + eta - sum_k theta_k >= 0
        by_h: list[list[int]] = [[] for _ in range(n_h)]
        for k, s in enumerate(inst_h):
            by_h[s].append(k)
        eta = m + n_inst
        for s in range(n_h):
            starts.append(len(index))
            index += [eta + 1 + s, eta] + [m + k for k in by_h[s]]
            value += [1.0, 1.0] + [-1.0] * len(by_h[s])
            rows_lo.append(0.0)
            rows_up.append(_INF)
    if budget is not None:
        starts.append(len(index))
        index += list(range(m))
        value += hold[stockable].tolist()
        rows_lo.append(-_INF)
        rows_up.append(float(budget))
    lp.num_row_ = len(rows_lo)
    lp.row_lower_ = np.array(rows_lo)
    lp.row_upper_ = np.array(rows_up)
    # column-wise matrix from the row lists
    if rows_lo:
        r_of = np.repeat(np.arange(len(starts)), np.diff([*starts, len(index)]))
        order = np.lexsort((r_of, np.array(index)))
        col_idx = np.array(index)[order]
        start = np.zeros(n_cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(col_idx, minlength=n_cols), out=start[1:])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = r_of[order]
        lp.a_matrix_.value_ = np.array(value)[order]
    if h.passModel(lp) != highspy.HighsStatus.kOk:
        raise SolverError("Benders master refused")

    x = np.zeros(m)
    last_x: list[FloatArray | None] = [None] * len(comps)
    inst_loss = np.zeros(n_inst)
    comp_of = np.array(inst_comp, dtype=np.int64)
    order = np.argsort(comp_of, kind="stable")
    bounds = np.searchsorted(comp_of[order], np.arange(len(comps) + 1))
    members = [order[bounds[c] : bounds[c + 1]] for c in range(len(comps))]
    # an instance's small LP is cut out of the whole matrix again at each new stock level
    # (0.3-0.5 ms) and started from its own last optimal basis, kept per instance (a few kB:
    # keeping the LPs themselves took 1.5 kB per node and capped how many stayed warm)
    bases: dict[int, highspy.HighsBasis] = {}

    def solve_component(ci: int, stock_full: FloatArray) -> list[tuple[int, float, FloatArray]]:
        """(instance, lost margin, stock value per unit over the nodes of ``node_ids``)."""
        out = []
        nodes = subs[ci]
        if nodes is not None:
            lp_c = ev.separable_lp().model(nodes, ev.cut_of(comps[ci]), stock_full)
            for k in members[ci].tolist():
                lost, v, bases[k] = lp_c.solve_with_duals(inst_t[k], bases.get(k))
                out.append((k, lost, v))
        else:
            cut = ev.cut_of(comps[ci])
            for k in members[ci].tolist():
                sol = ev.pim.solve(cut, inst_t[k], stock_full)
                out.append((k, sol.lost_margin, sol.stock_value_per_unit))
        return out

    all_nodes = np.arange(p.n_nodes, dtype=np.int64)
    best_ub = np.inf
    best_x = x.copy()
    lb = 0.0
    solves = 0
    it = 0
    converged = False
    master_seconds = 0.0
    full = np.zeros(p.n_nodes)
    while it < max_iterations:
        it += 1
        full[:] = 0.0
        full[stockable] = x
        cut_starts: list[int] = []
        cut_idx: list[int] = []
        cut_val: list[float] = []
        cut_lo: list[float] = []
        for ci in range(len(comps)):
            rel = relevant[ci]
            xr = x[rel]
            prev = last_x[ci]
            if prev is not None and np.array_equal(prev, xr):
                continue
            last_x[ci] = xr.copy()
            sub_nodes = subs[ci]
            node_pos = pos if sub_nodes is None else pos[sub_nodes]
            for k, lost, v in solve_component(ci, full):
                solves += 1
                keep = (node_pos >= 0) & (v > 1e-12)
                cols = node_pos[keep]
                coef = v[keep]
                inst_loss[k] = lost
                cut_starts.append(len(cut_idx))
                cut_idx += [m + k, *cols.tolist()]
                cut_val += [1.0, *coef.tolist()]
                cut_lo.append(lost + float(np.dot(coef, x[cols])))
        losses = np.zeros(n_h)
        np.add.at(losses, ih, inst_loss)
        holding = float(np.dot(hold[stockable], x)) if m else 0.0
        ub = objective_value(objective, holding, losses, w, level, with_holding)
        if budget is not None:
            ub += 1e-6 * holding
        if ub < best_ub:
            best_ub, best_x = ub, x.copy()
        if cut_starts:
            h.addRows(
                len(cut_starts),
                np.array(cut_lo),
                np.full(len(cut_starts), _INF),
                len(cut_idx),
                np.array(cut_starts, dtype=np.int32),
                np.array(cut_idx, dtype=np.int32),
                np.array(cut_val),
            )
        if best_ub - lb <= tol * max(1.0, abs(best_ub)) and it > 1:
            converged = True
            break
        if not cut_starts and it > 1:
            converged = True  # nothing changed: the master's x is optimal
            break
        if time.perf_counter() - t_start > time_limit_seconds:
            break
        t_master = time.perf_counter()
        _solve_master(h)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            if it == 1:
                raise SolverError(f"Benders master: {h.modelStatusToString(h.getModelStatus())}")
            break  # keep the best plan evaluated so far; converged stays False, bounds reported
        master_seconds += time.perf_counter() - t_master
        lb = max(lb, float(h.getInfo().objective_function_value))
        x = np.maximum(np.asarray(h.getSolution().col_value)[:m], 0.0)
        if best_ub - lb <= tol * max(1.0, abs(best_ub)):
            converged = True
            # evaluate nothing more: best_x is within tol of the lower bound
            break
    # final figures at best_x
    x = best_x
    full[:] = 0.0
    full[stockable] = x
    losses = np.zeros(n_h)
    value_per_unit = np.zeros(p.n_nodes)
    for ci in range(len(comps)):
        sub_nodes = subs[ci]
        node_ids = all_nodes if sub_nodes is None else sub_nodes
        for k, lost, v in solve_component(ci, full):
            solves += 1
            losses[ih[k]] += lost
            value_per_unit[node_ids] += w[ih[k]] * v
    holding = float(np.dot(hold[stockable], x)) if m else 0.0
    out_x = np.zeros(p.n_nodes)
    out_x[stockable] = x
    obj = objective_value(objective, holding, losses, w, level, with_holding)
    return BendersResult(
        extra_stock_units=out_x,
        holding_cost=holding,
        expected_loss=float(np.dot(w, losses)),
        cvar=tail_risk(losses, w, level)[1],
        objective=obj,
        lower_bound=min(lb, obj),
        iterations=it,
        lp_solves=solves,
        converged=converged,
        value_per_unit=value_per_unit,
        losses=losses,
        seconds=time.perf_counter() - t_start,
        master_seconds=master_seconds,
        objective_name=objective,
        budget=budget,
    )


_REPLICATIONS: dict[str, Any] = {}


def _replication_chunk(chunk: Sequence[int]) -> list[BendersResult]:
    """Worker side of :func:`solve_replications` (module level: sent by reference; the
    problem, samples and evaluator reach a forked worker copy-on-write)."""
    st = _REPLICATIONS
    return [
        benders_stockpile(st["problem"], st["samples"][r], evaluator=st["ev"], **st["kw"])
        for r in chunk
    ]


def solve_replications(
    problem: ResilienceProblem,
    samples: Sequence[WeightedHorizons],
    evaluator: LossEvaluator,
    mapper: Any = None,
    **kw: Any,
) -> list[BendersResult]:
    """:func:`benders_stockpile` on each independent sample problem, in parallel through
    ``mapper`` (e.g. :func:`chainwatch.engine.local.map_chunks` bound to some workers):
    the replications share nothing, so two workers halve the optimisation's wall time."""
    if mapper is None or len(samples) < 2:
        return [benders_stockpile(problem, hz, evaluator=evaluator, **kw) for hz in samples]
    _REPLICATIONS.clear()
    _REPLICATIONS.update(problem=problem, samples=list(samples), ev=evaluator, kw=kw)
    try:
        return list(mapper(_replication_chunk, list(range(len(samples)))))
    finally:
        _REPLICATIONS.clear()
