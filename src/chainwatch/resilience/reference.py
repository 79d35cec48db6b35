"""A plain, independent statement of the PI and TTS LPs, for cross-checking with another solver.

Built from scratch per scenario, literally as in Simchi-Levi, Schmidt, Wei et al.,
Interfaces 45(5), 2015: one flow variable per arc (no substitution), one row per input slot,
per node and per capacity, in COO form. The benchmark and the tests hand these arrays to
``scipy.optimize.linprog`` (``A_ub x <= b_ub``) and compare with :mod:`chainwatch.resilience.lp`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainwatch.resilience.problem import FloatArray, IntArray, ResilienceProblem


@dataclass(frozen=True, slots=True)
class PlainLp:
    """``min c x`` s.t. ``A_ub x <= b_ub`` (COO: ``rows, cols, vals``), ``lower <= x <= upper``."""

    c: FloatArray
    rows: IntArray
    cols: IntArray
    vals: FloatArray
    b_ub: FloatArray
    lower: FloatArray
    upper: FloatArray
    sign: float  # objective value = sign * optimum of the minimisation


def _slot_rows(p: ResilienceProblem) -> tuple[list[int], list[int], list[float], list[float]]:
    """One row per input slot, ``r_kj u_j - sum of the slot's arc flows y <= 0``: the first
    ``n_slots`` rows of both LPs (COO rows, columns, values, and right-hand sides)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for k in range(p.n_slots):
        rows.append(k)
        cols.append(int(p.slot_node[k]))
        vals.append(float(p.slot_quantity_per[k]))
        for arc in np.flatnonzero(p.arc_slot == k):
            rows.append(k)
            cols.append(p.n_nodes + int(arc))
            vals.append(-1.0)
    return rows, cols, vals, [0.0] * p.n_slots


def plain_pi(problem: ResilienceProblem, cut: IntArray, t_days: float) -> PlainLp:
    """Columns ``u`` (N), ``y`` (one per arc), ``l`` (N, fixed at 0 for non-products)."""
    p = problem
    n, a = p.n_nodes, p.n_arcs
    rows, cols, vals, b = _slot_rows(p)
    row = p.n_slots
    for i in range(n):  # sum_out y - u_i - l_i <= s_i - d_i t
        for arc in np.flatnonzero(p.arc_source == i):
            rows.append(row)
            cols.append(n + int(arc))
            vals.append(1.0)
        rows += [row, row]
        cols += [i, n + a + i]
        vals += [-1.0, -1.0]
        b.append(float(p.inventory_units[i] - p.demand_per_day[i] * t_days))
        row += 1
    c = np.zeros(2 * n + a)
    c[n + a :] = p.margin_per_unit
    upper = np.concatenate(
        [
            np.where(np.isfinite(p.capacity_per_day), p.capacity_per_day * t_days, np.inf),
            np.full(a, np.inf),
            p.demand_per_day * t_days,
        ]
    )
    upper[cut] = 0.0
    return PlainLp(
        c,
        np.array(rows),
        np.array(cols),
        np.array(vals),
        np.array(b),
        np.zeros(len(c)),
        upper,
        1.0,
    )


def plain_tts(problem: ResilienceProblem, cut: IntArray, horizon_days: float) -> PlainLp:
    """Columns ``u`` (N), ``y`` (one per arc), ``t``; maximise ``t`` (as ``min -t``)."""
    p = problem
    n, a = p.n_nodes, p.n_arcs
    t_col = n + a
    rows, cols, vals, b = _slot_rows(p)
    row = p.n_slots
    for i in range(n):  # sum_out y - u_i + d_i t <= s_i
        for arc in np.flatnonzero(p.arc_source == i):
            rows.append(row)
            cols.append(n + int(arc))
            vals.append(1.0)
        rows += [row, row]
        cols += [i, t_col]
        vals += [-1.0, float(p.demand_per_day[i])]
        b.append(float(p.inventory_units[i]))
        row += 1
    for j in range(n):  # u_j - c_j t <= 0
        if np.isfinite(p.capacity_per_day[j]):
            rows += [row, row]
            cols += [j, t_col]
            vals += [1.0, -float(p.capacity_per_day[j])]
            b.append(0.0)
            row += 1
    c = np.zeros(n + a + 1)
    c[t_col] = -1.0
    upper = np.full(n + a + 1, np.inf)
    upper[t_col] = horizon_days
    upper[cut] = 0.0
    return PlainLp(
        c,
        np.array(rows),
        np.array(cols),
        np.array(vals),
        np.array(b),
        np.zeros(len(c)),
        upper,
        -1.0,
    )
