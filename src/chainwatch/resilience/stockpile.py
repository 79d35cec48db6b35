"""Least-cost stockpile: a two-stage stochastic LP over the performance-impact model.

Source: the stockpiling extension of the risk-exposure model in Simchi-Levi, Schmidt, Wei et
al., Interfaces 45(5):375-390, 2015; the two-stage form is the textbook one (Birge and
Louveaux, *Introduction to Stochastic Programming*, 2nd ed., Springer 2011, ch. 2 and 5).

First stage: extra stock ``x_i >= 0`` of each stockable node at holding cost ``h_i`` per
unit. Second stage, per scenario ``n`` (cut set ``S(n)``, ``t(n) = TTR(n)``, probability
``p_n``): the PI model of :mod:`chainwatch.resilience.lp` with ``s_i + x_i`` in place of
``s_i``::

    min  sum_i h_i x_i + sum_n p_n sum_{j in V} f_j l_j(n)
    s.t. PI constraints of every scenario n, with node rows  ... - x_i <= s_i - d_i t(n)
         optionally  sum_i h_i x_i <= budget            (budget mode)
         or          sum_n p_n f.l(n) <= target          (service mode: min holding cost)

It is solved in extensive form (one copy of the PI matrix per scenario, all sharing the
``x`` columns) by HiGHS. The marginal value of one more unit of stock of node ``i`` is
``sum_n p_n * (-dual of node row i in scenario n)``; times the node's daily usage, the value
of one more day of cover. Sweeping the budget (warm-started: only the budget row's bound
changes) traces the cost-versus-risk frontier.

Scenarios come from the Monte Carlo generator (sample average approximation): ``M`` horizons
are drawn, the ones with no designation cost nothing whatever ``x`` is, and the first
``n_scenarios`` with a designation each get probability ``1 / M``.

Worked example (tested): the network of :mod:`chainwatch.resilience.lp`, one scenario (SA
cut for 10 days, probability 1), holding cost 1 per unit of A and 2 per unit of B. Each extra
unit of A lets P make one more unit (A is the binding input: B is made at 15/day), saving
margin 5 at cost 1, up to the 50 units P is short: ``x_A = 50``, cost 50, expected loss 0.
With a budget of 20: ``x_A = 20``, expected loss ``250 - 5 * 20 = 150``; the budget's dual
is 5 per unit of money spent on A at 1 per unit = 5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import highspy
import numpy as np

from chainwatch.model.errors import InputError
from chainwatch.model.network import Assumption
from chainwatch.resilience.lp import PiModel, SolverError, _bom_entries, _new_highs, _pass
from chainwatch.resilience.montecarlo import (
    DesignationModel,
    _Copula,
    event_probabilities,
    sample_events,
)
from chainwatch.resilience.problem import Disruption, FloatArray, IntArray, ResilienceProblem
from chainwatch.resilience.ttr import KIND_CODES, normal_quantile, ttr_quantiles

_copula_of = _Copula.of


@dataclass(frozen=True, slots=True)
class StockScenario:
    """One second-stage scenario: cut nodes, outage length and probability.

    ``stratum`` names the stratum the scenario was drawn in and ``stratum_draws`` how many
    draws that stratum made (scenarios that lose nothing are not listed); ``0`` marks an
    exhaustive stratum (every member listed with its exact probability). Both only serve the
    standard error of :func:`estimate_loss`.
    """

    cut: IntArray
    t_days: float
    probability: float
    label: str = ""
    stratum: str = "sample"
    stratum_draws: int = 0


@dataclass(frozen=True, slots=True)
class StockpilePlan:
    """Optimal first-stage stock and what it buys.

    ``extra_stock_units`` is over all nodes (0 where not stockable); ``value_per_unit`` the
    expected loss avoided by one more unit (dual), ``value_per_day_of_cover`` that times the
    node's daily usage; ``budget_dual`` the expected loss avoided by one more unit of budget.
    """

    extra_stock_units: FloatArray
    holding_cost: float
    expected_loss: float
    expected_loss_without_stock: float
    value_per_unit: FloatArray
    value_per_day_of_cover: FloatArray
    budget: float | None
    budget_dual: float
    n_scenarios: int
    assumptions: tuple[Assumption, ...]

    def top(self, problem: ResilienceProblem, k: int = 10) -> list[dict[str, object]]:
        order = np.argsort(-self.extra_stock_units * np.nan_to_num(problem.holding_cost_per_unit))
        usage = problem.usage_per_day()
        out = []
        for i in order[:k]:
            if self.extra_stock_units[i] <= 0:
                break
            out.append(
                {
                    "node": problem.node_ids[i],
                    "extra_stock_units": float(self.extra_stock_units[i]),
                    "extra_days_of_cover": float(self.extra_stock_units[i] / usage[i])
                    if usage[i] > 0
                    else 0.0,
                    "holding_cost": float(
                        self.extra_stock_units[i] * problem.holding_cost_per_unit[i]
                    ),
                    "value_per_unit": float(self.value_per_unit[i]),
                    "value_per_day_of_cover": float(self.value_per_day_of_cover[i]),
                }
            )
        return out


@dataclass(frozen=True, slots=True)
class FrontierPoint:
    budget: float
    holding_cost: float
    expected_loss: float


def sample_scenarios(
    problem: ResilienceProblem,
    model: DesignationModel,
    n_scenarios: int,
    *,
    units: Sequence[Disruption] | None = None,
    seed: int = 0,
    max_draws: int = 1_000_000,
) -> tuple[StockScenario, ...]:
    """``n_scenarios`` Monte Carlo horizons with at least one designation, weighted ``1/M``
    where ``M`` is the number of horizons drawn to find them (the rest lose nothing)."""
    units = problem.suppliers if units is None else tuple(units)
    rng = np.random.default_rng(seed)
    found: list[tuple[IntArray, float, str]] = []
    drawn = 0
    while len(found) < n_scenarios and drawn < max_draws:
        batch = 2_000
        s = sample_events(units, model, batch, rng)
        for r in range(batch):
            drawn += 1
            hit = np.flatnonzero(s.designated[r])
            if len(hit):
                cut = np.unique(np.concatenate([units[k].cut for k in hit]))
                label = "+".join(units[k].name for k in hit)
                found.append((cut, float(s.ttr_days[r].max()), label))
                if len(found) == n_scenarios:
                    break
    return tuple(StockScenario(c, t, 1.0 / drawn, lab, "sample", drawn) for c, t, lab in found)


def stratified_scenarios(
    problem: ResilienceProblem,
    model: DesignationModel,
    n_joint: int,
    *,
    units: Sequence[Disruption] | None = None,
    seed: int = 0,
    factor_draws: int = 50_000,
    max_draws: int = 1_000_000,
) -> tuple[StockScenario, ...]:
    """Scenarios that see every unit: all single designations plus sampled joint ones.

    The horizon's outcomes are split by the set ``D`` of designated units into strata
    (stratified sampling; Cochran, *Sampling Techniques*, 3rd ed., Wiley 1977, ch. 5):

    * ``D`` empty: loses nothing, no scenario;
    * ``D = {i}`` for each unit ``i`` (exhaustive): probability ``q_i = P(only i)`` from
      :func:`~chainwatch.resilience.montecarlo.event_probabilities` (conditional Monte Carlo
      over the copula factors), outage ``T_i`` drawn from ``i``'s TTR by Latin hypercube
      sampling across units (McKay, Beckman and Conover, Technometrics 21(2), 1979: each
      ``T_i`` keeps its marginal law, the units together cover the TTR range evenly);
    * ``|D| >= 2``: probability ``Q_2 = 1 - q_0 - sum_i q_i``; ``n_joint`` events drawn from
      the copula conditioned on ``|D| >= 2`` (rejection), each weighted ``Q_2 / n_joint``,
      outage = the longest TTR of the event.

    The weights sum to ``1 - q_0`` (with the empty stratum, to 1), and for any fixed stockpile
    ``x`` the weighted loss ``sum_i q_i PI_i(T_i; x) + Q_2/n sum_n PI_{D_n}(T_n; x)`` is an
    unbiased estimator of the expected loss. Used as the scenario set of the two-stage LP this
    is the sample average approximation (Shapiro, Dentcheva and Ruszczynski, *Lectures on
    Stochastic Programming*, 2nd ed., SIAM 2014, ch. 5) with the single-designation stratum
    integrated exactly over units instead of sampled: a plan can no longer protect the few
    suppliers a small sample happens to cut and ignore the rest, and the optimiser's
    in-sample optimism is confined to the joint stratum's sampling error. Check a plan with
    :func:`estimate_loss` in sample and with a fresh Monte Carlo out of sample.
    """
    units = problem.suppliers if units is None else tuple(units)
    rng = np.random.default_rng(seed)
    q_none, q_single = event_probabilities(units, model, rng, factor_draws)
    n_units = len(units)
    out: list[StockScenario] = []
    if n_units:
        u = (rng.permutation(n_units) + rng.random(n_units)) / n_units
        kind = np.array([KIND_CODES[un.ttr.kind] for un in units], dtype=np.int64)
        ttr = ttr_quantiles(
            u,
            kind,
            np.array([un.ttr.low_days for un in units]),
            np.array([un.ttr.mode_days for un in units]),
            np.array([un.ttr.high_days for un in units]),
            np.array([un.ttr.sigma for un in units]),
        )
        for i, un in enumerate(units):
            if q_single[i] > 0:
                out.append(
                    StockScenario(un.cut, float(ttr[i]), float(q_single[i]), un.name, "single", 0)
                )
    q_joint = max(1.0 - q_none - float(q_single.sum()), 0.0)
    if n_joint <= 0 or q_joint <= 0:
        return tuple(out)
    found: list[tuple[IntArray, float, str]] = []
    drawn = 0
    while len(found) < n_joint and drawn < max_draws:
        s = sample_events(units, model, 2_000, rng)
        drawn += 2_000
        for r in np.flatnonzero(s.designated.sum(axis=1) >= 2):
            hit = np.flatnonzero(s.designated[r])
            cut = np.unique(np.concatenate([units[k].cut for k in hit]))
            found.append((cut, float(s.ttr_days[r].max()), "+".join(units[k].name for k in hit)))
            if len(found) == n_joint:
                break
    w = q_joint / max(len(found), 1)
    out.extend(StockScenario(c, t, w, lab, "joint", len(found)) for c, t, lab in found)
    return tuple(out)


def covering_scenarios(
    problem: ResilienceProblem,
    model: DesignationModel,
    *,
    rounds: int = 1,
    units: Sequence[Disruption] | None = None,
    seed: int = 0,
) -> tuple[StockScenario, ...]:
    """One scenario per unit and round in which that unit is designated; weights make the
    weighted loss an unbiased estimator of the expected loss.

    For each unit ``i`` (and round) draw the horizon *conditioned on i being designated*:
    ``i``'s latent ``X_i = Phi^-1(U p_i)`` (truncated normal), its country and owner factors
    from their Gaussian law given ``X_i`` (mean ``loading * X_i``, variance ``1 - loading^2``),
    every other factor and unit as in :func:`sample_events`; the outage is the longest TTR.
    The scenario ``(D, T)`` gets probability ``1 / (rounds * sum_{j in D} 1 / p_j)``.

    This is multiple importance sampling with the balance heuristic (Veach and Guibas,
    SIGGRAPH 1995; Owen and Zhou, JASA 95(449), 2000), stratified over its mixture
    components: since ``P(D | i in D) = P(D) / p_i`` for ``i`` in ``D``, the weights
    ``w_i(D) = (1/p_i) / sum_{j in D} 1/p_j`` sum to 1 over ``D`` and
    ``E[L] = sum_i p_i E[w_i(D) L(D, T) | i in D]``, so for any fixed stockpile ``x`` the
    estimator ``sum_i p_i w_i(D_i) PI(D_i, T_i; x)`` is unbiased. Used as the scenario set of
    the two-stage LP this is a sample average approximation (Shapiro, Dentcheva and
    Ruszczynski, *Lectures on Stochastic Programming*, 2nd ed., SIAM 2014, ch. 5) in which
    every unit is seen cut, at the weight its own designation probability gives it, instead
    of only the few a small plain sample happens to cut: the plan cannot protect those and
    ignore the rest, which is what made plain-sample plans lose far more out of sample than
    predicted.
    """
    units = problem.suppliers if units is None else tuple(units)
    rng = np.random.default_rng(seed)
    cop = _copula_of(units, model)
    prob = model.probability
    kind = np.array([KIND_CODES[u.ttr.kind] for u in units], dtype=np.int64)
    low = np.array([u.ttr.low_days for u in units])
    mode = np.array([u.ttr.mode_days for u in units])
    high = np.array([u.ttr.high_days for u in units])
    sigma = np.array([u.ttr.sigma for u in units])
    inv_p = np.where(prob > 0, 1.0 / np.maximum(prob, 1e-300), 0.0)
    out: list[StockScenario] = []
    forced = np.flatnonzero(prob > 0)
    n_forced = len(forced)
    for _ in range(rounds):
        if not n_forced:
            break
        x_i = normal_quantile(rng.random(n_forced) * prob[forced])
        g_c, g_o = cop.factors(n_forced, rng)
        a = cop.country_loading
        rows = np.arange(n_forced)
        g_c[rows, cop.c_idx[forced]] = a * x_i + np.sqrt(1 - a * a) * g_c[rows, cop.c_idx[forced]]
        owned = cop.o_idx[forced] >= 0
        b = cop.own_load[forced]
        oi = np.maximum(cop.o_idx[forced], 0)
        g_o[rows[owned], oi[owned]] = (b * x_i + np.sqrt(1 - b * b) * g_o[rows, oi])[owned]
        eps = rng.standard_normal((n_forced, len(units)))
        designated = cop.systematic(g_c, g_o) + cop.idio * eps < cop.threshold
        designated[rows, forced] = True
        r_idx, c_idx = np.nonzero(designated)
        ttr = np.zeros(designated.shape)
        ttr[r_idx, c_idx] = ttr_quantiles(
            rng.random(len(r_idx)),
            kind[c_idx],
            low[c_idx],
            mode[c_idx],
            high[c_idx],
            sigma[c_idx],
        )
        for r, i in enumerate(forced):
            hit = np.flatnonzero(designated[r])
            cut = np.unique(np.concatenate([units[k].cut for k in hit]))
            w = 1.0 / (rounds * float(inv_p[hit].sum()))
            label = units[i].name + (f" (+{len(hit) - 1})" if len(hit) > 1 else "")
            out.append(StockScenario(cut, float(ttr[r].max()), w, label, "covering", 0))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class LossEstimate:
    """An expected-loss estimate from a weighted scenario set and its standard error."""

    mean: float
    std_error: float
    losses: FloatArray


def estimate_loss(
    problem: ResilienceProblem,
    scenarios: Sequence[StockScenario],
    extra_stock: FloatArray | None = None,
    pi_model: PiModel | None = None,
) -> LossEstimate:
    """``sum_n p_n PI(n; x)`` re-solved on the full PI model, with its standard error.

    Per stratum of ``Q`` probability and ``m`` draws (``p_n = Q / m``, unlisted draws lose 0)
    the variance of the stratum mean is ``Q^2 s^2 / m`` with ``s^2`` the sample variance of
    the ``m`` losses (Cochran 1977, 5.9); an exhaustive stratum (``stratum_draws == 0``,
    e.g. the single designations with one Latin-hypercube TTR each) is bounded by
    ``sum_n (p_n PI_n)^2``, an unbiased estimate of ``sum_n p_n^2 E[PI_n^2]``, which is at
    least the variance of independent TTR draws (Latin hypercube sampling does not do worse
    for functions monotone in each TTR, McKay et al. 1979).
    """
    pim = pi_model or PiModel(problem)
    losses = np.array(
        [pim.solve(sc.cut, sc.t_days, extra_stock).lost_margin for sc in scenarios], dtype=float
    )
    var = 0.0
    strata: dict[str, list[int]] = {}
    for i, sc in enumerate(scenarios):
        strata.setdefault(sc.stratum, []).append(i)
    for members in strata.values():
        first = scenarios[members[0]]
        vals = losses[members]
        probs = np.array([scenarios[i].probability for i in members])
        m = first.stratum_draws
        if m <= 0:
            var += float(np.sum((probs * vals) ** 2))
            continue
        q = first.probability * m
        total, total_sq = float(vals.sum()), float((vals**2).sum())
        mean = total / m
        s2 = max(total_sq - m * mean**2, 0.0) / max(m - 1, 1)
        var += q * q * s2 / m
    mean_loss = float(sum(sc.probability * v for sc, v in zip(scenarios, losses, strict=True)))
    return LossEstimate(mean_loss, float(np.sqrt(var)), losses)


class StockpileModel:
    """The extensive-form two-stage LP, built once; solve for a budget, a target or neither."""

    def __init__(
        self,
        problem: ResilienceProblem,
        scenarios: Sequence[StockScenario],
        *,
        reduce: bool | None = None,
    ) -> None:
        self.problem = p = problem
        self.scenarios = tuple(scenarios)
        bom = _bom_entries(p)
        n, k, a = p.n_nodes, bom.n_slot_rows, bom.n_flow_cols
        prods = p.products
        n_prod = len(prods)
        self.stockable = np.flatnonzero(np.isfinite(p.holding_cost_per_unit)).astype(np.int64)
        m = len(self.stockable)
        block_cols = n + a + n_prod
        block_rows = k + n
        base_rows = np.concatenate([*bom.rows, k + prods])
        base_cols = np.concatenate([*bom.cols, n + a + np.arange(n_prod, dtype=np.int64)])
        base_vals = np.concatenate([*bom.vals, -np.ones(n_prod)])
        self.reduced = self._can_reduce(a) if reduce is None else reduce
        if self.reduced and a:
            raise ValueError("reduced blocks need single-source input slots")
        is_stockable = np.zeros(n, dtype=bool)
        is_stockable[self.stockable] = True
        x_pos = np.full(n, -1, dtype=np.int64)
        x_pos[self.stockable] = np.arange(m)
        rows, cols, vals = [], [], []
        col_up_parts, row_up_parts = [], []
        cost = [p.holding_cost_per_unit[self.stockable].copy()]
        self._l_cols: list[IntArray] = []
        self._node_rows: list[IntArray] = []
        self._block_nodes: list[IntArray] = []
        self._block_margins: list[FloatArray] = []
        loss_coef_parts: list[FloatArray] = []
        c0 = m
        r0 = 0
        for sc in self.scenarios:
            u_up = p.capacity_per_day * sc.t_days
            u_up[np.isnan(u_up)] = 0.0
            u_up[sc.cut] = 0.0
            col_up = np.concatenate([u_up, np.full(a, np.inf), p.demand_per_day[prods] * sc.t_days])
            row_up = np.concatenate([np.zeros(k), p.inventory_units - p.demand_per_day * sc.t_days])
            if self.reduced:
                # Only the cut nodes and their consumers (the downstream closure D) can lose
                # anything; the rest keeps its no-cut plan and supplies D in full (see
                # _can_reduce), so its rows and columns are left out of this block.
                nodes = p.downstream(sc.cut)
                keep_node = np.zeros(n, dtype=bool)
                keep_node[nodes] = True
                col_keep = np.concatenate([keep_node, np.ones(a, bool), keep_node[prods]])
                row_keep = np.concatenate([np.ones(k, bool), keep_node])
            else:
                nodes = np.arange(n, dtype=np.int64)
                col_keep = np.ones(block_cols, dtype=bool)
                row_keep = np.ones(block_rows, dtype=bool)
            col_new = np.cumsum(col_keep) - 1
            row_new = np.cumsum(row_keep) - 1
            entry = row_keep[base_rows] & col_keep[base_cols]
            rows.append(r0 + row_new[base_rows[entry]])
            cols.append(c0 + col_new[base_cols[entry]])
            vals.append(base_vals[entry])
            # -x_i in the node rows of stockable nodes
            stocked = nodes[is_stockable[nodes]]
            rows.append(r0 + row_new[k + stocked])
            cols.append(x_pos[stocked])
            vals.append(-np.ones(len(stocked)))
            col_up_parts.append(col_up[col_keep])
            row_up_parts.append(row_up[row_keep])
            prod_keep = col_keep[n + a :]
            l_cols = c0 + col_new[n + a + np.flatnonzero(prod_keep)]
            self._l_cols.append(l_cols)
            self._node_rows.append(r0 + row_new[k + nodes])
            self._block_nodes.append(nodes)
            coef = sc.probability * p.margin_per_unit[prods[prod_keep]]
            self._block_margins.append(p.margin_per_unit[prods[prod_keep]])
            loss_coef_parts.append(coef)
            block_cost = np.zeros(int(col_keep.sum()))
            block_cost[l_cols - c0] = coef
            cost.append(block_cost)
            c0 += int(col_keep.sum())
            r0 += int(row_keep.sum())
        n_scen_rows = r0

        # budget row and expected-loss row
        self.budget_row = n_scen_rows
        self.loss_row = n_scen_rows + 1
        rows.append(np.full(m, self.budget_row, dtype=np.int64))
        cols.append(np.arange(m, dtype=np.int64))
        vals.append(p.holding_cost_per_unit[self.stockable])
        loss_cols = np.concatenate(self._l_cols) if self._l_cols else np.zeros(0, np.int64)
        loss_coef = np.concatenate(loss_coef_parts) if loss_coef_parts else np.zeros(0)
        rows.append(np.full(len(loss_cols), self.loss_row, dtype=np.int64))
        cols.append(loss_cols)
        vals.append(loss_coef)
        self._loss_coef = loss_coef
        self._loss_cols = loss_cols
        self.holding_cost = np.concatenate(cost)[:m] if m else np.zeros(0)
        self.cost = np.concatenate(cost)
        self.n_cols = len(self.cost)
        col_lo = np.zeros(self.n_cols)
        col_up = np.concatenate([np.full(m, np.inf), *col_up_parts])
        row_lo = np.full(n_scen_rows + 2, -np.inf)
        row_up = np.concatenate([*row_up_parts, [np.inf, np.inf]])
        self.h = _new_highs()
        self.h.setOptionValue("simplex_strategy", 0)  # let HiGHS choose for the cold solve
        _pass(
            self.h,
            self.cost,
            col_lo,
            col_up,
            row_lo,
            row_up,
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(vals),
        )
        self.m = m
        self._mode = "cost"
        del block_rows

    def _can_reduce(self, n_flow_cols: int) -> bool:
        """Whether each scenario block may be cut down to the downstream closure of its cut.

        Exact when every input slot has one source and nothing is lost with no cut at the
        shortest and longest outage (so at none in between: PI(t) is convex and >= 0). Proof
        sketch: let ``u0`` be a no-loss plan with no cut and ``u*`` an optimum of the reduced
        block (nodes outside D supplying freely). ``min(u*, u0)`` on D is feasible with the
        same loss and draws no more from outside D than ``u0`` does, so outside D the no-cut
        plan still fits: the full optimum is the reduced one. (Extra stock only loosens both.)
        """
        if n_flow_cols or not self.scenarios:
            return False
        ts = [sc.t_days for sc in self.scenarios]
        pim = PiModel(self.problem)
        return all(pim.solve(t_days=t).lost_margin <= 1e-9 for t in (min(ts), max(ts)))

    def _set_mode(self, mode: str) -> None:
        if mode == self._mode:
            return
        m = self.m
        idx = np.arange(self.n_cols, dtype=np.int32)
        cost = self.cost.copy()
        if mode == "budget":
            cost[:m] = 1e-6 * self.holding_cost  # break ties toward cheaper plans
        elif mode == "target":
            cost[m:] = 0.0
        self.h.changeColsCost(self.n_cols, idx, cost)
        self._mode = mode

    def solve(
        self, *, budget: float | None = None, target_expected_loss: float | None = None
    ) -> StockpilePlan:
        """Minimise holding cost + expected loss; or expected loss within ``budget``; or
        holding cost with expected loss at most ``target_expected_loss``."""
        if budget is not None and target_expected_loss is not None:
            raise ValueError("give a budget or a target, not both")
        inf = highspy.kHighsInf
        if budget is not None:
            self._set_mode("budget")
            self.h.changeRowBounds(self.budget_row, -inf, float(budget))
            self.h.changeRowBounds(self.loss_row, -inf, inf)
        elif target_expected_loss is not None:
            self._set_mode("target")
            self.h.changeRowBounds(self.budget_row, -inf, inf)
            self.h.changeRowBounds(self.loss_row, -inf, float(target_expected_loss))
        else:
            self._set_mode("cost")
            self.h.changeRowBounds(self.budget_row, -inf, inf)
            self.h.changeRowBounds(self.loss_row, -inf, inf)
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"stockpile LP: {self.h.modelStatusToString(status)}")
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        row_dual = np.asarray(sol.row_dual)
        p = self.problem
        x = np.zeros(p.n_nodes)
        x[self.stockable] = np.maximum(col[: self.m], 0.0)
        value = np.zeros(p.n_nodes)
        for nodes, nr in zip(self._block_nodes, self._node_rows, strict=True):
            value[nodes] -= np.minimum(row_dual[nr], 0.0)
        loss_dual = float(row_dual[self.loss_row])
        if target_expected_loss is not None and loss_dual < 0:
            value /= -loss_dual  # in target mode duals are in holding cost per unit of loss
        usage = p.usage_per_day()
        return StockpilePlan(
            extra_stock_units=x,
            holding_cost=float(np.dot(self.holding_cost, col[: self.m])),
            expected_loss=float(np.dot(self._loss_coef, col[self._loss_cols])),
            expected_loss_without_stock=float("nan"),
            value_per_unit=value,
            value_per_day_of_cover=value * usage,
            budget=budget,
            budget_dual=-float(row_dual[self.budget_row]) if budget is not None else 0.0,
            n_scenarios=len(self.scenarios),
            assumptions=(*p.assumptions, self._assumption()),
        )

    def solve_service_level(
        self, share: float, *, time_limit_seconds: float = 120.0
    ) -> tuple[StockpilePlan, float, float]:
        """Least holding cost such that production survives (no loss until the alternate is
        ready) in at least ``share`` of the scenarios' probability mass (a chance
        constraint; SAA of it: Luedtke and Ahmed, SIAM J. Optim. 19(2), 2008).

        Mixed-integer form over the extensive blocks: binary ``z_n`` = scenario ``n``
        survives, ``sum_j f_j l_j(n) <= M_n (1 - z_n)`` with ``M_n`` the scenario's loss
        without extra stock (an upper bound on it, loss falling with stock), ``sum_n p_n z_n
        >= share * sum_n p_n``, minimise ``h.x``. Returns the plan, the achieved share and
        HiGHS's relative MIP gap. A share that no stock can reach is a clear error naming
        the largest reachable share. Exact, but a MIP: meant for hundreds of scenarios.
        """
        if not 0 < share <= 1:
            raise InputError(f"service level {share!r} is not in (0, 1]", field="service_level")
        pim = PiModel(self.problem)
        big = 1e12
        caps = np.zeros(self.problem.n_nodes)
        caps[self.stockable] = big
        probs = np.array([sc.probability for sc in self.scenarios])
        total = float(probs.sum())
        m_loss = np.array([pim.solve(sc.cut, sc.t_days).lost_margin for sc in self.scenarios])
        can = np.array(
            [pim.solve(sc.cut, sc.t_days, caps).lost_margin <= 1e-6 for sc in self.scenarios]
        )
        reachable = float(probs[can].sum()) / total if total > 0 else 1.0
        if share > reachable + 1e-12:
            raise InputError(
                f"service level {share:g} cannot be reached: with unlimited stock of every "
                f"stockable item production survives in at most {reachable:.4f} of the "
                "scenarios (the rest cut items that cannot be stockpiled)",
                field="service_level",
            )
        self._set_mode("target")
        inf = highspy.kHighsInf
        self.h.changeRowBounds(self.budget_row, -inf, inf)
        self.h.changeRowBounds(self.loss_row, -inf, inf)
        n_scen = len(self.scenarios)
        z0 = self.n_cols
        self.h.addVars(n_scen, np.zeros(n_scen), np.ones(n_scen))
        self.h.changeColsIntegrality(
            n_scen,
            np.arange(z0, z0 + n_scen, dtype=np.int32),
            np.full(n_scen, highspy.HighsVarType.kInteger),
        )
        for n in range(n_scen):
            idx = np.concatenate([self._l_cols[n], [z0 + n]]).astype(np.int32)
            val = np.concatenate([self._block_margins[n], [max(m_loss[n], 0.0)]])
            if m_loss[n] <= 1e-9:
                self.h.changeColBounds(z0 + n, 1.0, 1.0)
                continue
            self.h.addRow(-inf, float(m_loss[n]), len(idx), idx, val)
        self.h.addRow(
            share * total - 1e-12 * max(total, 1.0),
            inf,
            n_scen,
            np.arange(z0, z0 + n_scen, dtype=np.int32),
            probs,
        )
        self.h.setOptionValue("time_limit", float(time_limit_seconds))
        self.h.setOptionValue("mip_rel_gap", 1e-6)
        self.h.run()
        status = self.h.getModelStatus()
        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
            raise SolverError(f"service-level MIP: {self.h.modelStatusToString(status)}")
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        x = np.zeros(self.problem.n_nodes)
        x[self.stockable] = np.maximum(col[: self.m], 0.0)
        z = np.round(col[z0 : z0 + n_scen])
        achieved = float(np.dot(probs, z)) / total if total > 0 else 1.0
        gap = float(self.h.getInfo().mip_gap)
        plan = StockpilePlan(
            extra_stock_units=x,
            holding_cost=float(np.dot(self.holding_cost, col[: self.m])),
            expected_loss=float(np.dot(self._loss_coef, col[self._loss_cols])),
            expected_loss_without_stock=float(np.dot(probs, m_loss)),
            value_per_unit=np.zeros(self.problem.n_nodes),
            value_per_day_of_cover=np.zeros(self.problem.n_nodes),
            budget=None,
            budget_dual=0.0,
            n_scenarios=n_scen,
            assumptions=(*self.problem.assumptions, self._assumption()),
        )
        return plan, achieved, gap

    def _assumption(self) -> Assumption:
        return Assumption(
            "stockpile.scenarios",
            len(self.scenarios),
            "sampled scenarios with a designation (sample average approximation)",
        )

    def frontier(self, budgets: Sequence[float]) -> list[FrontierPoint]:
        """Expected loss against holding budget (min loss s.t. holding cost <= budget)."""
        out = []
        for b in sorted(budgets):
            plan = self.solve(budget=b)
            out.append(FrontierPoint(float(b), plan.holding_cost, plan.expected_loss))
        return out


def optimise_stockpile(
    problem: ResilienceProblem,
    scenarios: Sequence[StockScenario],
    *,
    budget: float | None = None,
    target_expected_loss: float | None = None,
) -> StockpilePlan:
    """Build the extensive form and solve it once (see :class:`StockpileModel`)."""
    model = StockpileModel(problem, scenarios)
    plan = model.solve(budget=budget, target_expected_loss=target_expected_loss)
    return replace(plan, expected_loss_without_stock=expected_loss(problem, scenarios))


def expected_loss(
    problem: ResilienceProblem,
    scenarios: Sequence[StockScenario],
    extra_stock: FloatArray | None = None,
) -> float:
    """``sum_n p_n PI(n)`` for a given stockpile (none by default)."""
    pim = PiModel(problem)
    return float(
        sum(
            sc.probability * pim.solve(sc.cut, sc.t_days, extra_stock).lost_margin
            for sc in scenarios
        )
    )
