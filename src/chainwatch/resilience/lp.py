"""Time-to-survive and performance-impact linear programs, built once and re-solved per scenario.

Source: D. Simchi-Levi, W. Schmidt, Y. Wei et al., "Identifying Risks and Mitigating
Disruptions in the Automotive Supply Chain", Interfaces 45(5):375-390, 2015 (the Ford
risk-exposure model). Notation as in :mod:`chainwatch.resilience.problem`; a scenario ``n``
cuts the node set ``S(n)`` (``u_j = 0``), lasting ``t(n)`` days (the time-to-recover).

Performance impact (lost margin over ``t``)::

    PI(n) = min  sum_{j in V} f_j l_j
    s.t.   r_kj u_j - sum_{i supplies slot k of j} y_ij <= 0          every input slot k of j
           sum_{m} y_im - u_i - l_i <= s_i - d_i t                   every node i (l_i only for V)
           0 <= u_j <= c_j t  (u_j = 0 for j in S(n)),   0 <= l_j <= d_j t,   y >= 0

The node row is the paper's two families in one: for a non-product it is
``sum_m y_im <= u_i + s_i``; for a product it is ``l_j + u_j + s_j >= d_j t`` (plus anything it
ships onward, so a product that is also a component is handled). ``l_j <= d_j t`` keeps a
product from "losing" more than its demand to free stock for others.

Time-to-survive: ``TTS(n) = max t`` over the same constraints with ``l = 0`` and ``t`` a
variable bounded by a horizon ``H`` (the LP is unbounded otherwise); ``TTS = H`` means the
network survives the whole horizon.

Speed: the constraint matrix never changes between scenarios. Each model is passed to HiGHS
once (CSC arrays built with numpy); a scenario changes only column bounds (the cut, ``c_j t``,
``d_j t``) and row bounds (``s_i + x_i - d_i t``) and is re-solved by dual simplex from the
previous optimal basis, which typically takes a handful of pivots.

Worked example (checked in ``tests/resilience/test_hand_cases.py``): one product P (demand 10
per day, margin 5 per unit, capacity 12/day, 20 units in stock) made from one unit of part A
(supplier SA: 30 units in stock at P's site, capacity 15/day) and one unit of part B
(supplier SB: 0 in stock, capacity 15/day). Cut SA for ``t = 10`` days: P can use at most the
30 units of A, plus its own 20 finished units, so it serves 50 of 100 units demanded:
``PI = 5 * 50 = 250``. ``TTS``: with no A production, ``10 t <= 20 + 30`` gives ``TTS = 5``
days.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np

from chainwatch.model.errors import ChainwatchError
from chainwatch.resilience.problem import FloatArray, IntArray, ResilienceProblem

_INF = highspy.kHighsInf

EMPTY_CUT: IntArray = np.zeros(0, dtype=np.int64)


class SolverError(ChainwatchError):
    """HiGHS did not reach an optimal solution."""


@dataclass(frozen=True, slots=True)
class PiSolution:
    """One performance-impact solve.

    ``lost_margin`` is PI; ``lost_units`` the total lost volume; ``lost_units_by_product``
    per product (in the order of :attr:`ResilienceProblem.products`); ``slope_per_day`` is a
    subgradient of PI in ``t`` (from the LP duals), used by :func:`loss_curve`;
    ``stock_value_per_unit`` is the marginal reduction of PI from one more unit of inventory
    at each node (minus the dual of its node row).
    """

    t_days: float
    lost_margin: float
    lost_units: float
    lost_units_by_product: FloatArray
    slope_per_day: float
    stock_value_per_unit: FloatArray


def _csc(
    rows: IntArray, cols: IntArray, vals: FloatArray, n_col: int
) -> tuple[IntArray, IntArray, FloatArray]:
    order = np.lexsort((rows, cols))
    rows, cols, vals = rows[order], cols[order], vals[order]
    if len(rows) > 1:  # sum duplicate entries (two BOM lines from one source to one node)
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        group = np.cumsum(first) - 1
        vals = np.bincount(group, weights=vals).astype(np.float64)
        rows, cols = rows[first], cols[first]
    start = np.zeros(n_col + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n_col), out=start[1:])
    return start, rows, vals


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send whatever native code writes to file descriptor 1 to descriptor 2 meanwhile.

    HiGHS prints its banner ("Running HiGHS ...") on stdout when the first ``Highs`` object
    of a process is created, before any option can silence it; a command printing JSON on
    stdout must not carry it. The C library's buffer is flushed before fd 1 is restored, so
    nothing written meanwhile reaches stdout later."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)


def _new_highs(threads: int = 1) -> highspy.Highs:
    with _stdout_to_stderr():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.setOptionValue("dual_feasibility_tolerance", 1e-9)
    h.setOptionValue("simplex_strategy", 1)  # dual simplex: right for bound changes
    # Devex pricing: about twice as fast as steepest edge on these re-solves (chain 38).
    h.setOptionValue("simplex_dual_edge_weight_strategy", 1)
    return h


def _pass(
    h: highspy.Highs,
    cost: FloatArray,
    col_lo: FloatArray,
    col_up: FloatArray,
    row_lo: FloatArray,
    row_up: FloatArray,
    rows: IntArray,
    cols: IntArray,
    vals: FloatArray,
) -> None:
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(row_lo)
    lp.col_cost_ = cost
    lp.col_lower_ = col_lo
    lp.col_upper_ = np.where(np.isinf(col_up), _INF, col_up)
    lp.row_lower_ = np.where(np.isinf(row_lo), -_INF, row_lo)
    lp.row_upper_ = np.where(np.isinf(row_up), _INF, row_up)
    start, index, value = _csc(rows, cols, vals, len(cost))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    status = h.passModel(lp)
    if status != highspy.HighsStatus.kOk:
        raise SolverError(f"HiGHS refused the model: {status}")


@dataclass(frozen=True, slots=True)
class _Bom:
    """Matrix entries shared by both models.

    A slot with a single source needs no flow variable: shipping more than ``r_kj u_j`` only
    uses up stock, so some optimum has ``y_ij = r_kj u_j``, which is substituted into the
    source's node row. Only slots with alternates keep their flow columns and slot rows.
    Columns: ``u`` = 0..N-1, then one ``y`` per arc of a multi-source slot. Rows: one per
    multi-source slot, then one per node.
    """

    n_flow_cols: int
    n_slot_rows: int
    rows: list[IntArray]
    cols: list[IntArray]
    vals: list[FloatArray]


def _bom_entries(p: ResilienceProblem) -> _Bom:
    n = p.n_nodes
    arcs_per_slot = np.bincount(p.arc_slot, minlength=p.n_slots)
    single_arc = arcs_per_slot[p.arc_slot] == 1
    # single-source slots: + r_kj u_j in the source's node row (offset added below)
    s_src = p.arc_source[single_arc]
    s_slot = p.arc_slot[single_arc]
    multi_slots = np.flatnonzero(arcs_per_slot > 1)
    k = len(multi_slots)
    slot_row = np.full(p.n_slots, -1, dtype=np.int64)
    slot_row[multi_slots] = np.arange(k)
    m_arcs = np.flatnonzero(~single_arc)
    a = len(m_arcs)
    y_cols = n + np.arange(a, dtype=np.int64)
    rows = [
        k + s_src,
        slot_row[multi_slots],  # r_kj u_j in slot row
        slot_row[p.arc_slot[m_arcs]],  # -y in its slot row
        k + p.arc_source[m_arcs],  # +y in its source's node row
        k + np.arange(n, dtype=np.int64),  # -u_i in node row i
    ]
    cols = [
        p.slot_node[s_slot],
        p.slot_node[multi_slots],
        y_cols,
        y_cols,
        np.arange(n, dtype=np.int64),
    ]
    vals = [
        p.slot_quantity_per[s_slot],
        p.slot_quantity_per[multi_slots],
        -np.ones(a),
        np.ones(a),
        -np.ones(n),
    ]
    return _Bom(n_flow_cols=a, n_slot_rows=k, rows=rows, cols=cols, vals=vals)


class _Model:
    """Shared bookkeeping: the current bounds, so only changed entries go to HiGHS."""

    def __init__(self, problem: ResilienceProblem) -> None:
        self.problem = problem
        self.h = _new_highs()
        self._col_lo: FloatArray = np.zeros(0)
        self._col_up: FloatArray = np.zeros(0)
        self._row_up: FloatArray = np.zeros(0)
        self._row_lo: FloatArray = np.zeros(0)

    def _set_cols(self, col_up: FloatArray) -> None:
        changed = np.flatnonzero(col_up != self._col_up)
        if len(changed):
            up = col_up[changed]
            self.h.changeColsBounds(
                len(changed),
                changed.astype(np.int32),
                self._col_lo[changed],
                np.where(np.isinf(up), _INF, up),
            )
            self._col_up = col_up

    def _set_rows(self, row_up: FloatArray) -> None:
        changed = np.flatnonzero(row_up != self._row_up)
        if len(changed):
            up = row_up[changed]
            lo = self._row_lo[changed]
            self.h.changeRowsBounds(  # type: ignore[attr-defined]
                len(changed),
                changed.astype(np.int32),
                np.where(np.isinf(lo), -_INF, lo),
                np.where(np.isinf(up), _INF, up),
            )
            self._row_up = row_up

    def _run(self) -> None:
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            # A stale basis can occasionally stall: retry once from scratch.
            self.h.clearSolver()
            self.h.run()
            status = self.h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                raise SolverError(f"HiGHS: {self.h.modelStatusToString(status)}")


class PiModel(_Model):
    """The performance-impact LP of one problem, re-solvable for any cut, ``t`` and stock."""

    def __init__(self, problem: ResilienceProblem) -> None:
        super().__init__(problem)
        p = problem
        bom = _bom_entries(p)
        n, k, a = p.n_nodes, bom.n_slot_rows, bom.n_flow_cols
        rows, cols, vals = bom.rows, bom.cols, bom.vals
        self.product_nodes = p.products
        n_prod = len(self.product_nodes)
        self.n_cols = n + a + n_prod
        self.l_cols = n + a + np.arange(n_prod, dtype=np.int64)
        rows.append(k + self.product_nodes)
        cols.append(self.l_cols)
        vals.append(-np.ones(n_prod))
        cost = np.zeros(self.n_cols)
        cost[self.l_cols] = p.margin_per_unit[self.product_nodes]
        self._col_lo = np.zeros(self.n_cols)
        self._col_up = np.zeros(self.n_cols)
        self._col_up[n : n + a] = np.inf
        self._row_lo = np.full(k + n, -np.inf)
        self._row_up = np.zeros(k + n)
        self._row_up[k:] = p.inventory_units
        _pass(
            self.h,
            cost,
            self._col_lo,
            self._col_up,
            self._row_lo,
            self._row_up,
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(vals),
        )
        self._k = k
        self._y_up = np.full(a, np.inf)

    def solve(
        self, cut: IntArray = EMPTY_CUT, t_days: float = 0.0, extra_stock: FloatArray | None = None
    ) -> PiSolution:
        """PI for the nodes ``cut`` unable to produce for ``t_days`` days, with optional
        extra stock per node (a stockpile)."""
        p = self.problem
        t = float(t_days)
        if t < 0:
            raise ValueError("t_days must be non-negative")
        u_up = p.capacity_per_day * t
        u_up[np.isnan(u_up)] = 0.0  # inf * 0
        u_up[cut] = 0.0
        l_up = p.demand_per_day[self.product_nodes] * t
        self._set_cols(np.concatenate([u_up, self._y_up, l_up]))
        stock = p.inventory_units if extra_stock is None else p.inventory_units + extra_stock
        row_up = np.concatenate([np.zeros(self._k), stock - p.demand_per_day * t])
        self._set_rows(row_up)
        self._run()
        sol = self.h.getSolution()
        col_value = np.asarray(sol.col_value)
        col_dual = np.asarray(sol.col_dual)
        row_dual = np.asarray(sol.row_dual)[self._k :]
        lost = col_value[self.l_cols]
        # Subgradient of PI in t: d(bound)/dt times the bound's dual, for every bound in t.
        finite_u = np.isfinite(u_up) & (u_up > 0)
        slope = float(
            np.dot(np.minimum(row_dual, 0.0), -p.demand_per_day)
            + np.dot(np.minimum(col_dual[: p.n_nodes], 0.0)[finite_u], p.capacity_per_day[finite_u])
            + np.dot(np.minimum(col_dual[self.l_cols], 0.0), p.demand_per_day[self.product_nodes])
        )
        return PiSolution(
            t_days=t,
            lost_margin=float(self.h.getInfo().objective_function_value),
            lost_units=float(lost.sum()),
            lost_units_by_product=lost,
            slope_per_day=slope,
            stock_value_per_unit=-np.minimum(row_dual, 0.0),
        )


class TtsModel(_Model):
    """The time-to-survive LP of one problem, re-solvable for any cut and stock."""

    def __init__(self, problem: ResilienceProblem, horizon_days: float = 365.0) -> None:
        super().__init__(problem)
        if not horizon_days > 0:
            raise ValueError("horizon_days must be positive")
        self.horizon_days = float(horizon_days)
        p = problem
        bom = _bom_entries(p)
        n, k, a = p.n_nodes, bom.n_slot_rows, bom.n_flow_cols
        rows, cols, vals = bom.rows, bom.cols, bom.vals
        t_col = n + a
        self.n_cols = n + a + 1
        dem = np.flatnonzero(p.demand_per_day > 0)
        rows.append(k + dem)
        cols.append(np.full(len(dem), t_col, dtype=np.int64))
        vals.append(p.demand_per_day[dem])
        capped = np.flatnonzero(np.isfinite(p.capacity_per_day))
        cap_rows = k + n + np.arange(len(capped), dtype=np.int64)
        rows += [cap_rows, cap_rows]
        cols += [capped, np.full(len(capped), t_col, dtype=np.int64)]
        vals += [np.ones(len(capped)), -p.capacity_per_day[capped]]
        cost = np.zeros(self.n_cols)
        cost[t_col] = -1.0  # maximise t
        self._col_lo = np.zeros(self.n_cols)
        self._col_up = np.full(self.n_cols, np.inf)
        self._col_up[t_col] = self.horizon_days
        n_rows = k + n + len(capped)
        self._row_lo = np.full(n_rows, -np.inf)
        self._row_up = np.zeros(n_rows)
        self._row_up[k : k + n] = p.inventory_units
        _pass(
            self.h,
            cost,
            self._col_lo,
            self._col_up,
            self._row_lo,
            self._row_up,
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(vals),
        )
        self._k = k

    def solve(self, cut: IntArray = EMPTY_CUT, extra_stock: FloatArray | None = None) -> float:
        """TTS in days for the nodes ``cut`` unable to produce (``horizon_days`` at most)."""
        p = self.problem
        col_up = np.full(self.n_cols, np.inf)
        col_up[-1] = self.horizon_days
        col_up[cut] = 0.0
        self._set_cols(col_up)
        if extra_stock is not None:
            row_up = self._row_up.copy()
            row_up[self._k : self._k + p.n_nodes] = p.inventory_units + extra_stock
            self._set_rows(row_up)
        elif not np.array_equal(self._row_up[self._k : self._k + p.n_nodes], p.inventory_units):
            row_up = self._row_up.copy()
            row_up[self._k : self._k + p.n_nodes] = p.inventory_units
            self._set_rows(row_up)
        self._run()
        return float(-self.h.getInfo().objective_function_value)


@dataclass(frozen=True, slots=True)
class LossCurve:
    """PI as an exact piecewise-linear convex function of ``t`` (lost margin vs days).

    ``t_days``/``lost_margin`` are the breakpoints (starting at ``t = 0``); beyond the last
    breakpoint the curve continues with ``final_slope_per_day``. ``solves`` counts the LPs.
    """

    t_days: FloatArray
    lost_margin: FloatArray
    final_slope_per_day: float
    solves: int

    def __call__(self, t: FloatArray | float) -> FloatArray:
        t_arr = np.asarray(t, dtype=np.float64)
        out = np.interp(t_arr, self.t_days, self.lost_margin)
        beyond = t_arr > self.t_days[-1]
        out = np.where(
            beyond,
            self.lost_margin[-1] + self.final_slope_per_day * (t_arr - self.t_days[-1]),
            out,
        )
        return np.asarray(out, dtype=np.float64)

    @property
    def survives_days(self) -> float:
        """The last ``t`` with no loss (equals TTS when every product has a positive margin)."""
        pos = np.flatnonzero(self.lost_margin > 1e-9 * max(1.0, float(self.lost_margin.max())))
        if len(pos) == 0:
            return float("inf") if self.final_slope_per_day <= 0 else float(self.t_days[-1])
        return float(self.t_days[pos[0] - 1])


def loss_curve(
    model: PiModel, cut: IntArray, t_max_days: float, rel_tol: float = 1e-7
) -> LossCurve:
    """PI of one cut as an exact function of the outage length ``t`` on ``[0, t_max]``.

    Method: the optimal value of an LP is convex and piecewise linear in its right-hand side,
    and every bound here is affine in ``t``, so ``PI(t)`` is convex piecewise linear with
    ``PI(0) = 0``. The dual solution at any ``t`` gives a supporting line (its slope is
    :attr:`PiSolution.slope_per_day`). The "sandwich" (Eisner-Severance) recursion intersects
    the supporting lines at the two ends of an interval; if PI at the intersection lies on the
    lines, the intersection is a breakpoint and the interval is done, otherwise it is split
    there. This finds every breakpoint with about two LP solves each; afterwards PI for any
    ``t`` (e.g. 10,000 Monte Carlo samples of the time-to-recover) is one ``np.interp``.
    """
    if t_max_days <= 0:
        return LossCurve(np.zeros(1), np.zeros(1), 0.0, 0)
    end = model.solve(cut, t_max_days)
    solves = 1
    scale = max(1.0, abs(end.lost_margin))
    tol = rel_tol * scale
    # Points: (t, value, slope). At t = 0, PI = 0 and PI >= 0, so slope 0 supports it.
    points: dict[float, float] = {0.0: 0.0, t_max_days: end.lost_margin}
    stack = [((0.0, 0.0, 0.0), (t_max_days, end.lost_margin, end.slope_per_day))]
    while stack:
        (ta, va, ga), (tb, vb, gb) = stack.pop()
        if gb - ga <= tol / max(tb - ta, 1e-12):
            continue  # one line through both points
        t_star = (vb - gb * tb - va + ga * ta) / (ga - gb)
        if not (ta + 1e-12 * max(1.0, tb) < t_star < tb - 1e-12 * max(1.0, tb)):
            continue
        line = va + ga * (t_star - ta)
        mid = model.solve(cut, t_star)
        solves += 1
        points[t_star] = mid.lost_margin
        if mid.lost_margin - line <= tol:
            continue
        stack.append(((ta, va, ga), (t_star, mid.lost_margin, mid.slope_per_day)))
        stack.append(((t_star, mid.lost_margin, mid.slope_per_day), (tb, vb, gb)))
    ts = np.array(sorted(points))
    return LossCurve(
        t_days=ts,
        lost_margin=np.array([points[t] for t in ts]),
        final_slope_per_day=end.slope_per_day,
        solves=solves,
    )
