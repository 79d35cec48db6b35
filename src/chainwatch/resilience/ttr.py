"""Time-to-recover (TTR) distributions.

For an export-control cut-off, recovery means qualifying an alternate source and ramping it
up: ``TTR = qualification_days + ramp_days`` is uncertain, so it is a distribution, not one
number (Simchi-Levi, Schmidt, Wei et al., Interfaces 45(5), 2015, use a single TTR per node
elicited from suppliers; we keep their point estimate as the mode/median and add the spread).

Two families, both parameterised from the point estimate ``base`` (labelled assumptions):

* ``triangular(low=a*base, mode=base, high=b*base)``: mean ``(low + mode + high) / 3``; the
  quantile ``q`` is ``low + sqrt(q (high-low)(mode-low))`` for ``q <= (mode-low)/(high-low)``
  and ``high - sqrt((1-q)(high-low)(high-mode))`` above;
* ``lognormal(median=base, sigma)``: quantile ``base * exp(sigma * z_q)``, mean
  ``base * exp(sigma^2 / 2)``.

Worked example (tested): triangular(60, 90, 180) has mean 110 days and median
``180 - sqrt(0.5 * 120 * 90) = 106.52`` days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import NDArray

TtrKind = Literal["triangular", "lognormal", "fixed"]
KIND_CODES: dict[str, int] = {"fixed": 0, "triangular": 1, "lognormal": 2}


@dataclass(frozen=True, slots=True)
class TtrDistribution:
    """A TTR distribution in days. For ``lognormal`` ``mode_days`` is the median."""

    kind: TtrKind
    low_days: float
    mode_days: float
    high_days: float
    sigma: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KIND_CODES:
            raise ValueError(f"unknown TTR distribution {self.kind!r}")
        if not 0 <= self.low_days <= self.mode_days <= self.high_days:
            raise ValueError("TTR needs 0 <= low <= mode <= high")

    @classmethod
    def triangular(cls, base_days: float, low_factor: float, high_factor: float) -> TtrDistribution:
        return cls("triangular", base_days * low_factor, base_days, base_days * high_factor)

    @classmethod
    def lognormal(cls, median_days: float, sigma: float) -> TtrDistribution:
        return cls("lognormal", 0.0, median_days, math.inf, sigma)

    @classmethod
    def fixed(cls, days: float) -> TtrDistribution:
        return cls("fixed", days, days, days)

    def mean(self) -> float:
        if self.kind == "triangular":
            return (self.low_days + self.mode_days + self.high_days) / 3.0
        if self.kind == "lognormal":
            return self.mode_days * math.exp(self.sigma**2 / 2.0)
        return self.mode_days

    def quantile(self, q: float) -> float:
        return float(
            ttr_quantiles(
                np.array([q]),
                np.array([KIND_CODES[self.kind]]),
                np.array([self.low_days]),
                np.array([self.mode_days]),
                np.array([self.high_days]),
                np.array([self.sigma]),
            )[0]
        )

    def describe(self) -> str:
        if self.kind == "triangular":
            return f"triangular({self.low_days:g}, {self.mode_days:g}, {self.high_days:g}) days"
        if self.kind == "lognormal":
            return f"lognormal(median {self.mode_days:g} days, sigma {self.sigma:g})"
        return f"{self.mode_days:g} days"


_STD_NORMAL = NormalDist()


def ttr_quantiles(
    q: NDArray[np.float64],
    kind: NDArray[np.int64],
    low: NDArray[np.float64],
    mode: NDArray[np.float64],
    high: NDArray[np.float64],
    sigma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Vectorised inverse CDF: element ``i`` is the ``q[i]`` quantile of distribution ``i``
    (``kind`` codes as in :data:`KIND_CODES`). Used to draw TTRs from uniforms (which lets the
    Monte Carlo reuse one uniform per event whatever the family)."""
    q = np.clip(q, 1e-12, 1 - 1e-12)
    out = mode.astype(np.float64).copy()
    tri = kind == 1
    if np.any(tri):
        a, c, b, u = low[tri], mode[tri], high[tri], q[tri]
        width = np.maximum(b - a, 1e-300)
        split = (c - a) / width
        left = a + np.sqrt(u * width * (c - a))
        right = b - np.sqrt((1 - u) * width * (b - c))
        out[tri] = np.where(u <= split, left, right)
    logn = kind == 2
    if np.any(logn):
        z = np.array([_STD_NORMAL.inv_cdf(float(v)) for v in q[logn]])
        out[logn] = mode[logn] * np.exp(sigma[logn] * z)
    return out


def normal_quantile(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """The standard normal quantile of each probability (clipped away from 0 and 1)."""
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.array([_STD_NORMAL.inv_cdf(float(v)) for v in p], dtype=np.float64)
