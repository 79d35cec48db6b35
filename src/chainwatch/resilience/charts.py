"""Charts a risk manager reads at a glance: survival curves, ranked exposure, the frontier.

matplotlib with the Agg backend (no display); each function writes the given path, PNG or
SVG by its suffix, and returns it. The only I/O in :mod:`chainwatch.resilience`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.problem import Disruption, FloatArray, IntArray
from chainwatch.resilience.stockpile import FrontierPoint
from chainwatch.resilience.sweep import ScenarioResult


def survival_curves(
    model: PiModel, units: Sequence[Disruption], days: FloatArray, path: str | Path
) -> tuple[Path, dict[str, FloatArray]]:
    """Fraction of cumulative demand met up to day ``t``, for each cut-off unit.

    ``1 - lost_units(t) / (sum_j d_j t)`` from the PI LP on the grid ``days``.
    """
    demand = float(model.problem.demand_per_day.sum())
    curves: dict[str, FloatArray] = {}
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for unit in units:
        met = np.ones(len(days))
        for i, t in enumerate(days):
            if t > 0 and demand > 0:
                met[i] = 1.0 - model.solve(unit.cut, float(t)).lost_units / (demand * t)
        curves[unit.name] = met
        ax.plot(days, met, label=unit.name)
    ax.set_xlabel("days since cut-off")
    ax.set_ylabel("fraction of demand met (cumulative)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Survival curve per scenario")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    return _save(fig, path), curves


def exposure_bars(results: Sequence[ScenarioResult], path: str | Path, top: int = 20) -> Path:
    """Horizontal bars of the top scenarios by lost margin; red where TTS < TTR."""
    rows = list(results)[:top][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.5))
    colors = ["#c0392b" if r.at_risk else "#2e86c1" for r in rows]
    ax.barh([r.name for r in rows], [r.lost_margin for r in rows], color=colors)
    ax.set_xlabel("performance impact: lost margin over the time-to-recover")
    ax.set_title("Risk exposure (red: time-to-survive < time-to-recover)")
    ax.tick_params(axis="y", labelsize=7)
    return _save(fig, path)


def stockpile_frontier(points: Sequence[FrontierPoint], path: str | Path) -> Path:
    """Expected lost margin against the holding cost of the optimal stockpile."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([p.holding_cost for p in points], [p.expected_loss for p in points], "o-")
    ax.set_xlabel("holding cost of the stockpile")
    ax.set_ylabel("expected lost margin")
    ax.set_title("Stockpile cost versus risk")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def convergence_chart(
    n: IntArray | FloatArray,
    mean: FloatArray,
    low: FloatArray,
    high: FloatArray,
    path: str | Path,
) -> Path:
    """Monte Carlo running mean with its 95 % confidence band against the sample count."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.fill_between(n, low, high, alpha=0.3, label="95 % CI")
    ax.plot(n, mean, label="running mean")
    ax.set_xscale("log")
    ax.set_xlabel("samples")
    ax.set_ylabel("mean lost margin")
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _save(fig: Figure, path: str | Path) -> Path:
    out = Path(path)
    fig.tight_layout()
    fig.savefig(out, format=out.suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)
    return out
