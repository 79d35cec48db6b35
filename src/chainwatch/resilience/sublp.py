"""The performance-impact LP of one separable component, cut straight out of the whole problem.

Why: a Monte Carlo of 100,000 horizons on Willems chain 38 meets about 27,000 multi-supplier
components that occur once; each needs one LP of about 700 nodes. Built the general way
(a :class:`~chainwatch.resilience.problem.ResilienceProblem` of the closure, checked, then a
:class:`~chainwatch.resilience.lp.PiModel` with its own ``Highs`` object and presolve pass)
the Python around the solve cost as much as the solve itself (cProfile, 10,000 horizons:
27 s of 56 s outside ``Highs.run``).

When every input slot has one source (no flow columns) the PI model of
:mod:`chainwatch.resilience.lp` has one column ``u_j`` per node, one ``l_j`` per product and
one row per node: ``sum_{m consumes j} r_jm u_m - u_j - l_j <= s_j + x_j - d_j t``. The LP of a
component with downstream closure ``D`` (:mod:`chainwatch.resilience.sampling`) is the
principal sub-matrix on ``D`` plus the ``l`` columns of the products in ``D``: an arc leaving
``D`` does not exist (``D`` is closed downstream) and rows of nodes outside ``D`` are dropped
(they supply in full). :class:`SeparableLp` keeps the whole matrix column-wise once, gathers
the sub-matrix with numpy and passes it to one reused ``Highs`` object per process; a
component with one outage length needs only the optimal value, several lengths are re-solved
warm (dual simplex, bounds only change) with the subgradient in ``t`` for
:func:`~chainwatch.resilience.montecarlo.evaluate_losses`. The LP is the same as before, so
losses agree to the solver's tolerance (tested against the whole-network LP).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import highspy
import numpy as np

from chainwatch.resilience.lp import SolverError, _new_highs
from chainwatch.resilience.problem import FloatArray, IntArray, ResilienceProblem

_INF = highspy.kHighsInf
_HIGHS: dict[int, highspy.Highs] = {}
_LOADED: dict[int, object] = {}  # pid -> the SubLp whose model the process's Highs holds


def _process_highs() -> highspy.Highs:
    """One ``Highs`` object per process (a forked worker makes its own: a solver object
    inherited from the parent is not used, nor destroyed, in the child)."""
    pid = os.getpid()
    h = _HIGHS.get(pid)
    if h is None:
        h = _new_highs()
        h.setOptionValue("presolve", "off")  # one-off small LPs: presolve costs more than it saves
        _HIGHS[pid] = h
    return h


@dataclass(frozen=True, slots=True)
class SubSolution:
    """What :func:`~chainwatch.resilience.montecarlo.evaluate_losses` reads of a solve."""

    lost_margin: float
    slope_per_day: float


class SeparableLp:
    """The node-row matrix of a single-source problem, column-wise, for cutting out the LP of
    any downstream-closed node set."""

    def __init__(self, problem: ResilienceProblem) -> None:
        p = problem
        n = p.n_nodes
        # entries (row = supplying node, col = consuming node, r) and -1 on the diagonal
        rows = np.concatenate([p.arc_source, np.arange(n, dtype=np.int64)])
        cols = np.concatenate([p.arc_target, np.arange(n, dtype=np.int64)])
        vals = np.concatenate([p.slot_quantity_per[p.arc_slot], -np.ones(n)])
        order = np.lexsort((rows, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        group = np.cumsum(first) - 1
        self._val = np.bincount(group, weights=vals).astype(np.float64)  # duplicates summed
        self._row = rows[first]
        col = cols[first]
        self._start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(col, minlength=n), out=self._start[1:])
        self.problem = p
        self.is_product = p.demand_per_day > 0
        self._local = np.full(n, -1, dtype=np.int64)

    def model(self, nodes: IntArray, cut: IntArray, extra_stock: FloatArray | None = None) -> SubLp:
        """The LP of the sorted, downstream-closed ``nodes`` with the nodes ``cut`` (global
        indices) unable to produce; ``extra_stock`` is over all nodes."""
        p = self.problem
        local = self._local
        local[nodes] = np.arange(len(nodes))
        try:
            starts = self._start[nodes]
            lens = self._start[nodes + 1] - starts
            total = int(lens.sum())
            offsets = np.cumsum(lens) - lens
            pos = np.repeat(starts - offsets, lens) + np.arange(total)
            r = local[self._row[pos]]
            keep = r >= 0
            col_of = np.repeat(np.arange(len(nodes)), lens)[keep]
            counts = np.bincount(col_of, minlength=len(nodes))
            cut_local = local[cut]
        finally:
            local[nodes] = -1
        prods = np.flatnonzero(self.is_product[nodes])
        nd, npd = len(nodes), len(prods)
        start = np.zeros(nd + npd + 1, dtype=np.int32)
        np.cumsum(counts, out=start[1 : nd + 1])
        start[nd + 1 :] = start[nd] + 1 + np.arange(npd)
        stock = p.inventory_units[nodes]
        if extra_stock is not None:
            stock = stock + extra_stock[nodes]
        return SubLp(
            capacity=p.capacity_per_day[nodes],
            demand=p.demand_per_day[nodes],
            stock=stock,
            prods=prods,
            margin=p.margin_per_unit[nodes][prods],
            start=start,
            index=np.concatenate([r[keep], prods]).astype(np.int32),
            value=np.concatenate([self._val[pos][keep], -np.ones(npd)]),
            cut=cut_local,
        )


class SubLp:
    """One component's PI LP on the process's ``Highs`` object; :meth:`solve` is
    ``PiModel.solve`` for this component (the ``cut`` and ``extra_stock`` arguments are
    fixed at construction and ignored)."""

    def __init__(
        self,
        *,
        capacity: FloatArray,
        demand: FloatArray,
        stock: FloatArray,
        prods: IntArray,
        margin: FloatArray,
        start: np.ndarray,
        index: np.ndarray,
        value: FloatArray,
        cut: IntArray,
    ) -> None:
        self.capacity = capacity
        self.demand = demand
        self.stock = stock
        self.prods = prods
        self.margin = margin
        self.start = start
        self.index = index
        self.value = value
        self.cut = cut
        self.h = _process_highs()

    def _bounds(self, t: float) -> tuple[FloatArray, FloatArray]:
        u_up = self.capacity * t
        u_up[np.isnan(u_up)] = 0.0  # inf * 0
        u_up[self.cut] = 0.0
        col_up = np.concatenate([np.minimum(u_up, _INF), self.demand[self.prods] * t])
        return col_up, self.stock - self.demand * t

    def value_at(self, t_days: float) -> float:
        """The optimal value (lost margin) at one outage length, solved cold."""
        self._load(float(t_days))
        self._run()
        return float(self.h.getInfo().objective_function_value)

    def _load(self, t: float, guess: bool = True) -> None:
        col_up, row_up = self._bounds(t)
        nd, n_col = len(self.stock), len(col_up)
        cost = np.zeros(n_col)
        cost[nd:] = self.margin
        status = self.h.passModel(
            n_col,
            nd,
            len(self.value),
            1,  # column-wise
            1,  # minimise
            0.0,
            cost,
            np.zeros(n_col),
            col_up,
            np.full(nd, -_INF),
            row_up,
            self.start,
            self.index,
            self.value,
            np.zeros(n_col, dtype=np.int32),
        )
        if status != highspy.HighsStatus.kOk:
            raise SolverError(f"HiGHS refused a component LP: {status}")
        _LOADED[os.getpid()] = self
        if guess:
            self.h.setBasis(self._start_basis())

    def _prepare(self, t: float, guess: bool = True) -> None:
        """Load the model at ``t``, or, if it is the one loaded, change its bounds to ``t``
        (the basis of the last solve stays: a warm start)."""
        if _LOADED.get(os.getpid()) is not self:
            self._load(t, guess)
            return
        col_up, row_up = self._bounds(t)
        n_col, nd = len(col_up), len(row_up)
        self.h.changeColsBounds(n_col, np.arange(n_col, dtype=np.int32), np.zeros(n_col), col_up)
        self.h.changeRowsBounds(  # type: ignore[attr-defined]
            nd, np.arange(nd, dtype=np.int32), np.full(nd, -_INF), row_up
        )

    def solve_with_duals(
        self, t_days: float, basis: highspy.HighsBasis | None = None
    ) -> tuple[float, FloatArray, highspy.HighsBasis]:
        """Lost margin, stock value per unit of every node (minus its row dual: the
        subgradient the L-shaped cuts use) and the optimal basis, started from ``basis``
        (an earlier optimum of this LP at other stock levels) when given."""
        self._prepare(float(t_days), guess=basis is None)
        if basis is not None:
            self.h.setBasis(basis)
        self._run()
        row_dual = np.asarray(self.h.getSolution().row_dual)
        value = float(self.h.getInfo().objective_function_value)
        return value, -np.minimum(row_dual, 0.0), self.h.getBasis()

    def _start_basis(self) -> highspy.HighsBasis:
        """A dual-feasible start near the optimum: every node produces what full service
        needs (``u`` basic, node rows tight), the cut nodes' rows slack and nothing lost
        (``l`` at 0). The basis matrix is the node-row matrix with unit columns for the cut
        nodes: triangular in topological order, so nonsingular; with all duals 0 every
        reduced cost (``f_j >= 0`` of ``l``) has the right sign. Dual simplex then only
        repairs the shortages the cut causes: 281 pivots instead of 928 from the slack basis
        on chain 38's two-supplier components (1.9 ms instead of 3.3-4.1 ms a solve)."""
        nd, npd = len(self.stock), len(self.prods)
        basic, lower, upper = (
            highspy.HighsBasisStatus.kBasic,
            highspy.HighsBasisStatus.kLower,
            highspy.HighsBasisStatus.kUpper,
        )
        col = [basic] * nd + [lower] * npd
        row = [upper] * nd
        for c in self.cut.tolist():
            col[c] = lower
            row[c] = basic
        b = highspy.HighsBasis()  # type: ignore[no-untyped-call]
        b.col_status = col
        b.row_status = row
        b.valid = True
        return b

    def _run(self) -> None:
        h = self.h
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.clearSolver()
            h.run()
            status = h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                raise SolverError(f"HiGHS: {h.modelStatusToString(status)}")

    def solve(
        self, cut: IntArray | None = None, t_days: float = 0.0, extra_stock: object = None
    ) -> SubSolution:
        """Lost margin and its subgradient in ``t`` (``PiModel.solve``'s formula), re-solved
        warm from the previous basis of this component."""
        t = float(t_days)
        self._prepare(t)
        self._run()
        sol = self.h.getSolution()
        col_dual = np.asarray(sol.col_dual)
        row_dual = np.asarray(sol.row_dual)
        nd = len(self.stock)
        u_up = self.capacity * t
        finite_u = np.isfinite(u_up) & (u_up > 0)
        finite_u[self.cut] = False
        d_prod = self.demand[self.prods]
        slope = float(
            np.dot(np.minimum(row_dual, 0.0), -self.demand)
            + np.dot(np.minimum(col_dual[:nd], 0.0)[finite_u], self.capacity[finite_u])
            + np.dot(np.minimum(col_dual[nd:], 0.0), d_prod)
        )
        return SubSolution(float(self.h.getInfo().objective_function_value), slope)
