"""Monte Carlo of designation events and times-to-recover → distribution of lost margin.

Designation events (one per disruption unit, e.g. supplier, over the horizon) are Bernoulli
with marginal probability ``p_i`` and are correlated by a one-period Gaussian copula (Li,
"On Default Correlation: A Copula Function Approach", J. Fixed Income 9(4), 2000; the
factor form of Vasicek's portfolio-loss model): a latent

    X_i = a * G_country(i) + b * G_owner(i) + sqrt(1 - a^2 - b^2) * e_i

with independent standard normals per country, per controlling owner and per unit; unit
``i`` is designated when ``X_i < Phi^-1(p_i)``. Two units in one country have latent
correlation ``a^2`` (a wave of listings hits a country), two units with one owner ``b^2`` (a
listed parent drags its subsidiaries in, cf. the OFAC 50 % rule). A unit without an owner
uses ``sqrt(1 - a^2)`` for its own term. Marginals stay exactly ``p_i``.

Each designated unit draws a TTR from its distribution. A sample's scenario is the union of
the cut units' nodes, lasting ``t = max`` of their TTRs (labelled assumption: every cut node
stays down until the last alternate is ready, which overstates losses of staggered recovery).

Fast evaluation: loss is ``PI_C(t)`` for the cut set ``C``, convex and piecewise linear in
``t`` (see :func:`chainwatch.resilience.lp.loss_curve`). Samples are grouped by cut set; in
a group the sample times are sorted and evaluated by :func:`evaluate_losses`, which solves
the LP only where needed: when the supporting line at the left end of an interval has the
slope of the chord to the right end, ``PI`` is linear there (convexity) and every sample in
between is interpolated exactly. Samples with no designation cost nothing. The LP itself is
warm-started by dual simplex (bounds only change).

Statistics: mean, P95, expected shortfall ``ES95 = E[loss | loss >= P95]`` (CVaR), and
convergence: the running mean with a 95 % normal confidence band ``mean ± 1.96 s / sqrt(n)``
at increasing sample counts, plus the running P95.

Worked example (tested): one unit with ``p = 1`` and fixed TTR ``10`` days on the network of
:mod:`chainwatch.resilience.lp` loses exactly 250 in every sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chainwatch.model.network import Assumption
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.problem import Disruption, FloatArray, IntArray, ResilienceProblem
from chainwatch.resilience.ttr import KIND_CODES, normal_quantile, ttr_quantiles


@dataclass(frozen=True, slots=True)
class DesignationModel:
    """Marginal designation probability per unit over the horizon and the copula loadings."""

    probability: FloatArray
    country_loading: float = 0.4
    owner_loading: float = 0.6

    def __post_init__(self) -> None:
        if np.any((self.probability < 0) | (self.probability > 1)):
            raise ValueError("probabilities must lie in [0, 1]")
        if self.country_loading**2 + self.owner_loading**2 >= 1:
            raise ValueError("country_loading^2 + owner_loading^2 must be below 1")

    @classmethod
    def uniform(
        cls,
        units: Sequence[Disruption],
        probability: float,
        by_country: dict[str, float] | None = None,
        country_loading: float = 0.4,
        owner_loading: float = 0.6,
    ) -> DesignationModel:
        """The same probability for every unit, overridden per country."""
        table = by_country or {}
        p = np.array([table.get(u.country, probability) for u in units], dtype=np.float64)
        return cls(p, country_loading, owner_loading)

    def assumptions(self) -> tuple[Assumption, ...]:
        return (
            Assumption(
                "montecarlo.designation_probability_mean",
                float(self.probability.mean()) if len(self.probability) else 0.0,
                "mean marginal probability that a unit is designated within the horizon",
            ),
            Assumption(
                "montecarlo.country_loading",
                self.country_loading,
                "Gaussian-copula loading on the country factor (latent correlation a^2)",
            ),
            Assumption(
                "montecarlo.owner_loading",
                self.owner_loading,
                "Gaussian-copula loading on the controlling-owner factor (correlation b^2)",
            ),
            Assumption(
                "montecarlo.multi_cut_recovery",
                "max",
                "a sample with several designated units lasts the longest of their TTRs",
            ),
        )


@dataclass(frozen=True, slots=True)
class Convergence:
    """Running statistics at increasing sample counts."""

    n_samples: IntArray
    mean: FloatArray
    ci95_low: FloatArray
    ci95_high: FloatArray
    p95: FloatArray


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """The lost-margin distribution: per-sample losses and summary statistics."""

    losses: FloatArray
    mean: float
    std_error: float
    p95: float
    expected_shortfall_95: float
    probability_of_loss: float
    n_events: IntArray
    convergence: Convergence
    lp_solves: int
    distinct_cut_sets: int
    assumptions: tuple[Assumption, ...]

    def as_dict(self) -> dict[str, object]:
        c = self.convergence
        return {
            "samples": len(self.losses),
            "mean_lost_margin": self.mean,
            "std_error": self.std_error,
            "p95_lost_margin": self.p95,
            "expected_shortfall_95": self.expected_shortfall_95,
            "probability_of_loss": self.probability_of_loss,
            "lp_solves": self.lp_solves,
            "distinct_cut_sets": self.distinct_cut_sets,
            "convergence": {
                "n_samples": c.n_samples.tolist(),
                "mean": c.mean.tolist(),
                "ci95_low": c.ci95_low.tolist(),
                "ci95_high": c.ci95_high.tolist(),
                "p95": c.p95.tolist(),
            },
            "assumptions": [
                {"name": a.name, "value": a.value, "description": a.description}
                for a in self.assumptions
            ],
        }


@dataclass(frozen=True, slots=True)
class Samples:
    """Designation events and TTRs: ``designated[s, i]`` and ``ttr_days[s, i]`` (0 when not
    designated)."""

    designated: NDArray[np.bool_]
    ttr_days: FloatArray


def sample_events(
    units: Sequence[Disruption],
    model: DesignationModel,
    n_samples: int,
    rng: np.random.Generator,
) -> Samples:
    """Draw designation events (Gaussian copula) and TTRs for ``n_samples`` samples."""
    n_units = len(units)
    if len(model.probability) != n_units:
        raise ValueError("one probability per unit is needed")
    countries = {c: k for k, c in enumerate(sorted({u.country for u in units}))}
    owners = {o: k for k, o in enumerate(sorted({u.owner for u in units if u.owner}))}
    c_idx = np.array([countries[u.country] for u in units], dtype=np.int64)
    o_idx = np.array([owners.get(u.owner, -1) for u in units], dtype=np.int64)
    a, b = model.country_loading, model.owner_loading
    has_owner = o_idx >= 0
    own_load = np.where(has_owner, b, 0.0)
    idio = np.sqrt(1.0 - a**2 - own_load**2)
    threshold = normal_quantile(model.probability)
    threshold[model.probability <= 0] = -np.inf
    threshold[model.probability >= 1] = np.inf
    g_c = rng.standard_normal((n_samples, max(len(countries), 1)))
    g_o = rng.standard_normal((n_samples, max(len(owners), 1)))
    eps = rng.standard_normal((n_samples, n_units))
    latent = a * g_c[:, c_idx] + own_load * g_o[:, np.maximum(o_idx, 0)] + idio * eps
    designated = latent < threshold
    kind = np.array([KIND_CODES[u.ttr.kind] for u in units], dtype=np.int64)
    low = np.array([u.ttr.low_days for u in units])
    mode = np.array([u.ttr.mode_days for u in units])
    high = np.array([u.ttr.high_days for u in units])
    sigma = np.array([u.ttr.sigma for u in units])
    ttr = np.zeros((n_samples, n_units))
    rows, cols = np.nonzero(designated)
    if len(rows):
        u = rng.random(len(rows))
        ttr[rows, cols] = ttr_quantiles(
            u, kind[cols], low[cols], mode[cols], high[cols], sigma[cols]
        )
    return Samples(designated, ttr)


def evaluate_losses(
    model: PiModel,
    cut: IntArray,
    t_days: FloatArray,
    rel_tol: float = 1e-7,
    extra_stock: FloatArray | None = None,
) -> tuple[FloatArray, int]:
    """``PI_cut(t)`` for every ``t`` in ``t_days``; returns the values and the LP count.

    Exact for a convex piecewise-linear ``PI`` (module docstring): solves at the smallest and
    largest ``t``, then recursively at the median sample of any interval where the left
    supporting line is not the chord.
    """
    order = np.argsort(t_days)
    ts = t_days[order]
    out = np.empty(len(ts))
    uniq, inverse = np.unique(ts, return_inverse=True)
    vals = np.full(len(uniq), np.nan)
    slopes = np.zeros(len(uniq))
    solves = 0

    def solve(i: int) -> None:
        nonlocal solves
        sol = model.solve(cut, float(uniq[i]), extra_stock)
        solves += 1
        vals[i] = sol.lost_margin
        slopes[i] = sol.slope_per_day

    solve(0)
    if len(uniq) > 1:
        solve(len(uniq) - 1)
    stack = [(0, len(uniq) - 1)]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2:
            continue
        span = uniq[hi] - uniq[lo]
        chord = (vals[hi] - vals[lo]) / span if span > 0 else 0.0
        scale = max(1.0, abs(vals[hi]))
        if abs(chord - slopes[lo]) * span <= rel_tol * scale or (
            abs(slopes[hi] - chord) * span <= rel_tol * scale
        ):
            inner = slice(lo + 1, hi)
            vals[inner] = vals[lo] + chord * (uniq[inner] - uniq[lo])
            continue
        mid = (lo + hi) // 2
        solve(mid)
        stack.append((lo, mid))
        stack.append((mid, hi))
    out[:] = vals[inverse]
    result = np.empty(len(ts))
    result[order] = out
    return result, solves


def monte_carlo(
    problem: ResilienceProblem,
    units: Sequence[Disruption] | None = None,
    model: DesignationModel | None = None,
    *,
    n_samples: int = 10_000,
    seed: int = 0,
    extra_stock: FloatArray | None = None,
    pi_model: PiModel | None = None,
    batch_size: int = 2_000,
) -> MonteCarloResult:
    """Simulate ``n_samples`` horizons and return the lost-margin distribution."""
    units = problem.suppliers if units is None else tuple(units)
    if model is None:
        model = DesignationModel.uniform(units, 0.01)
    rng = np.random.default_rng(seed)
    pim = pi_model or PiModel(problem)
    losses = np.zeros(n_samples)
    n_events = np.zeros(n_samples, dtype=np.int64)
    keys: list[tuple[int, ...]] = [()] * n_samples
    times = np.zeros(n_samples)
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        s = sample_events(units, model, stop - start, rng)
        n_events[start:stop] = s.designated.sum(axis=1)
        times[start:stop] = s.ttr_days.max(axis=1) if len(units) else 0.0
        for r in np.flatnonzero(n_events[start:stop]):
            keys[start + r] = tuple(np.flatnonzero(s.designated[r]).tolist())
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, key in enumerate(keys):
        if key:
            groups.setdefault(key, []).append(i)
    solves = 0
    for key, members in groups.items():
        cut = np.unique(np.concatenate([units[k].cut for k in key]))
        idx = np.array(members, dtype=np.int64)
        vals, used = evaluate_losses(pim, cut, times[idx], extra_stock=extra_stock)
        losses[idx] = vals
        solves += used
    return summarise(
        losses, n_events, solves, len(groups), problem.assumptions + model.assumptions()
    )


def summarise(
    losses: FloatArray,
    n_events: IntArray,
    solves: int,
    distinct: int,
    assumptions: tuple[Assumption, ...],
) -> MonteCarloResult:
    """Mean, P95, ES95 and the convergence trace of per-sample losses."""
    n = len(losses)
    p95 = float(np.quantile(losses, 0.95)) if n else 0.0
    tail = losses[losses >= p95]
    es = float(tail.mean()) if len(tail) else 0.0
    counts = np.unique(np.geomspace(10, max(n, 10), num=30).astype(np.int64))
    counts = counts[counts <= n]
    csum = np.cumsum(losses)
    csq = np.cumsum(losses**2)
    means = csum[counts - 1] / counts
    var = np.maximum(csq[counts - 1] / counts - means**2, 0.0) * counts / np.maximum(counts - 1, 1)
    half = 1.96 * np.sqrt(var / counts)
    running_p95 = np.array([np.quantile(losses[:c], 0.95) for c in counts])
    mean = float(losses.mean()) if n else 0.0
    se = float(losses.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    return MonteCarloResult(
        losses=losses,
        mean=mean,
        std_error=se,
        p95=p95,
        expected_shortfall_95=es,
        probability_of_loss=float(np.mean(losses > 0)) if n else 0.0,
        n_events=n_events,
        convergence=Convergence(counts, means, means - half, means + half, running_p95),
        lp_solves=solves,
        distinct_cut_sets=distinct,
        assumptions=assumptions,
    )
