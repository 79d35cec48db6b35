"""Designation risk learned from the lists' own history.

The Monte Carlo and the stockpile need, per supplier, the probability ``p_i`` that it is
designated within the horizon, and the copula's country loading. Both are estimated here from
the restricted-party lists themselves: the dated listings (Entity List entries dated by their
first Federal Register citation, CSL start dates, effective dates of the DoD 1260H, NS-CMIC,
UFLPA and MEU lists) and the undated ones (SDN entries), which are dated to the interval
between the snapshot that first holds them and the one before.

Model (a piecewise-constant hazard with indirect standardisation):

* **Target lists** ``T`` (default the Entity List and SDN): a *designation* is a party's
  addition to a target list it is not yet on.
* **Transitions.** A party on other lists at time ``t`` (``MEU``, ``NS-CMIC``, ``1260H``,
  ``UFLPA``, ``DPL`` ..., or one target list only) is in the *state* given by that set of
  lists. Over a look-back window ``[T0 - W, T0]`` every party accumulates exposure
  ``X_s`` (party-years in state ``s``, until its designation or ``T0``) and designations
  ``O_s``. The state's rate is the gamma-Poisson posterior mean
  ``lambda_s = (O_s + k) / (X_s + k / lambda_0)`` with ``lambda_0 = sum O / sum X`` (the
  constant rate) and ``k`` pseudo-designations of prior weight (empirical Bayes; Clayton &
  Kaldor, Biometrics 43:671-681, 1987).
* **Country.** Indirect standardisation (Breslow & Day, *Statistical Methods in Cancer
  Research* II, 1987, ch. 2): the expected count of country ``c`` is
  ``E_c = sum_s X_cs lambda_s``; its ratio ``r_c = (O_c + k) / (E_c + k)`` shrinks to 1 when
  the country has few parties. A party's rate is ``lambda_s r_c``; its probability over
  ``H`` years ``p = 1 - exp(-lambda_s r_c H)`` (Poisson process, first event).
* **Parties on no list** (most suppliers) have no exposure to learn from, and the lists give
  no denominator (how many firms a country has that could be listed). Their rate is the
  reference rate ``lambda_ref = -ln(1 - p_ref)`` (``p_ref`` a labelled assumption, the
  resilience default 0.2 % a year) scaled by the country's share of designations:
  ``lambda_ref A_c / mean_c(A)``, with ``A_c`` target additions per year in the window.
* **Listing waves** are same-day additions of several parties of one country (one Federal
  Register rule adds dozens). They make the yearly counts over-dispersed. In the one-factor
  Gaussian copula of :mod:`chainwatch.resilience.montecarlo` (Vasicek), the yearly count
  ``K`` of a large pool with marginal ``p`` has ``Var(K)/E(K)^2 - 1/E(K) -> Phi_2(z, z; a^2) /
  p^2 - 1`` with ``z = Phi^-1(p)``; solving for ``a`` calibrates the country loading
  (method of moments on default-rate volatility, as in Gordy, J. Banking & Finance 24, 2000,
  and the Basel asset-correlation estimates).

Worked example (tested by hand): state ``MEU`` has 1 designation in 4 party-years, state
``DPL`` 0 in 16; ``lambda_0 = 1/20 = 0.05``. With ``k = 1``: ``lambda_MEU = 2 / (4 + 20) =
1/12``, ``lambda_DPL = 1 / (16 + 20) = 1/36``. One country holds all of it, ``O = 1``,
``E = 4/12 + 16/36 = 7/9``, ``r = 2 / (16/9) = 9/8``. An MEU party's one-year probability is
``1 - exp(-(1/12)(9/8)) = 1 - exp(-0.09375) = 0.0895``.

Honesty notes: the 2026 extract only holds entries still listed in 2026, so a party listed and
removed before then is missing (survivorship); features for a cut-off use only listings dated
on or before it, but that survivorship is a mild leak the backtest reports.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy.optimize import brentq
from scipy.stats import multivariate_normal, norm

from chainwatch.model.errors import InputError
from chainwatch.model.network import Assumption
from chainwatch.resilience.montecarlo import DesignationModel
from chainwatch.resilience.problem import Disruption
from chainwatch.text.normalize import name_forms

TARGETS: tuple[str, ...] = ("EL", "SDN")
_FR_CITATION = re.compile(r"\d+\s+FR\s+\d+")
LIST_ALIASES = {"CMIC": "NS-CMIC", "1260H": "1260H"}
YEAR_DAYS = 365.25


@dataclass(frozen=True, slots=True)
class Listing:
    """One party on one list, with what is known of when it was added.

    ``listed_on`` is an exact date (Federal Register citation, CSL start date, a list's
    effective date). An undated entry (SDN) has ``listed_after`` (the last snapshot of its
    feed without it, or None when it was in the first one) and ``seen_on`` (the date of the
    first snapshot that holds it): it was added in ``(listed_after, seen_on]``.
    """

    name: str
    list_code: str
    country: str = ""
    aliases: tuple[str, ...] = ()
    listed_on: date | None = None
    listed_after: date | None = None
    seen_on: date | None = None
    citation: str = ""

    def known_by(self, day: date) -> bool:
        """Was this listing public on ``day``? (exact date, else the snapshot's date)."""
        if self.listed_on is not None:
            return self.listed_on <= day
        return self.seen_on is not None and self.seen_on <= day

    def added_in(self, start: date, end: date) -> bool | None:
        """Added in ``(start, end]``? None when an undated entry's interval straddles it."""
        if self.listed_on is not None:
            return start < self.listed_on <= end
        if self.seen_on is None:
            return None
        if self.seen_on <= start:
            return False
        if self.listed_after is not None and self.listed_after >= start and self.seen_on <= end:
            return True
        if self.listed_after is not None and self.listed_after >= end:
            return False
        return None

    def event_day(self) -> date | None:
        """Best single date: exact, else the middle of the interval (None if unbounded)."""
        if self.listed_on is not None:
            return self.listed_on
        if self.listed_after is None or self.seen_on is None:
            return None
        return self.listed_after + (self.seen_on - self.listed_after) / 2


@dataclass(frozen=True, slots=True)
class Party:
    """Listings of one party across lists (linked by shared normalised names)."""

    name: str
    country: str
    listings: tuple[Listing, ...]

    def lists_at(self, day: date) -> frozenset[str]:
        return frozenset(x.list_code for x in self.listings if x.known_by(day))

    def country_at(self, day: date) -> str:
        """The most common country of the listings known by ``day``."""
        countries = Counter(x.country for x in self.listings if x.country and x.known_by(day))
        return countries.most_common(1)[0][0] if countries else ""


def _code(code: str) -> str:
    return LIST_ALIASES.get(code, code)


def name_keys(name: str) -> frozenset[str]:
    """Normalised forms of a name used to link one party across lists."""
    return _name_keys(name)


@functools.lru_cache(maxsize=1 << 17)
def _name_keys(name: str) -> frozenset[str]:
    return frozenset(f.text for f in name_forms(name) if len(f.text) >= 4)


def group_parties(listings: Iterable[Listing]) -> list[Party]:
    """Link listings sharing a normalised name (primary or alias of 2+ words) into parties.

    Union-find over name keys; an alias links only when it has two words or more, so short
    acronyms (``AECC``) do not merge unrelated parties.
    """
    items = [
        Listing(
            x.name,
            _code(x.list_code),
            x.country,
            x.aliases,
            x.listed_on,
            x.listed_after,
            x.seen_on,
            x.citation,
        )
        for x in listings
    ]
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, x in enumerate(items):
        keys = set(name_keys(x.name))
        for alias in x.aliases:
            keys |= {k for k in name_keys(alias) if " " in k}
        for k in keys:
            j = owner.setdefault(k, i)
            if j != i:
                a, b = find(i), find(j)
                if a != b:
                    parent[a] = b
    groups: dict[int, list[Listing]] = defaultdict(list)
    for i, x in enumerate(items):
        groups[find(i)].append(x)
    parties = []
    for members in groups.values():
        countries = Counter(x.country for x in members if x.country)
        parties.append(
            Party(
                members[0].name,
                countries.most_common(1)[0][0] if countries else "",
                tuple(members),
            )
        )
    return parties


# -- estimation --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskParams:
    """Labelled assumptions of the estimator (each printed with the results)."""

    horizon_days: float = 365.0
    # chosen on the backtest from 2019-01-01 to 2022-04-21 (bench/bench_risk_backtest.py)
    lookback_years: float = 1.0
    prior_events: float = 1.0  # k: pseudo-designations of the gamma priors
    reference_probability: float = 0.002  # p_ref for a party on no list, average country
    targets: tuple[str, ...] = TARGETS
    max_country_multiplier: float = 10.0

    def with_overrides(self, overrides: Mapping[str, str]) -> RiskParams:
        """``risk.lookback_years=2`` style overrides (the ``risk.`` prefix is optional)."""
        changes: dict[str, object] = {}
        for key, raw in overrides.items():
            name = key.removeprefix("risk.")
            if name not in RiskParams.__dataclass_fields__:
                raise InputError(f"unknown risk assumption {key!r}", field=key)
            try:
                if name == "targets":
                    changes[name] = tuple(t.strip().upper() for t in raw.split("+") if t.strip())
                else:
                    changes[name] = float(raw)
            except ValueError:
                raise InputError(f"{key}: {raw!r} is not a number", field=key) from None
        out = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        if not 0 < out.reference_probability < 1 or out.horizon_days <= 0 or not out.targets:
            raise InputError("risk: need 0 < reference_probability < 1, horizon_days > 0, targets")
        return out

    def assumptions(self) -> tuple[Assumption, ...]:
        return (
            Assumption("risk.horizon_days", self.horizon_days, "horizon of the probability"),
            Assumption(
                "risk.lookback_years",
                self.lookback_years,
                "window before the as-of date the rates are learned from",
            ),
            Assumption(
                "risk.prior_events",
                self.prior_events,
                "pseudo-designations of the gamma priors (shrinkage to the constant rate / 1)",
            ),
            Assumption(
                "risk.reference_probability",
                self.reference_probability,
                "probability over the horizon of a party on no list in an average country",
            ),
            Assumption(
                "risk.max_country_multiplier",
                self.max_country_multiplier,
                "cap on a country's multiple of p_ref for a party on no list",
            ),
            Assumption(
                "risk.targets",
                "+".join(self.targets),
                "lists whose addition counts as a designation",
            ),
        )


@dataclass(frozen=True, slots=True)
class Rate:
    events: int
    exposure_years: float
    rate_per_year: float


@dataclass(frozen=True, slots=True)
class HistoryModel:
    """Rates fitted on ``[as_of - lookback, as_of]``."""

    as_of: date
    params: RiskParams
    constant_rate_per_year: float
    states: dict[str, Rate]
    countries: dict[str, tuple[int, float, float]]  # observed, expected, ratio
    additions_per_year: dict[str, float]  # target additions per country and year (window)
    mean_additions_per_year: float

    def state_rate(self, state: frozenset[str]) -> tuple[float, str]:
        key = _state_key(state)
        if key in self.states:
            return self.states[key].rate_per_year, key
        # an unseen combination: the highest rate among its single lists, else constant
        singles = [self.states[s].rate_per_year for s in state if s in self.states]
        return (max(singles) if singles else self.constant_rate_per_year), key

    def country_ratio(self, country: str) -> float:
        return self.countries[country][2] if country in self.countries else 1.0

    def unlisted_rate(self, country: str) -> float:
        ref = -math.log1p(-self.params.reference_probability) / (
            self.params.horizon_days / YEAR_DAYS
        )
        if not country or self.mean_additions_per_year <= 0:
            return ref
        return ref * self.country_multiplier(country)

    def country_multiplier(self, country: str) -> float:
        """``A_c / mean(A)`` (countries with an addition in the window), shrunk by one
        pseudo-addition and capped at ``max_country_multiplier``."""
        a_c = self.additions_per_year.get(country, 0.0)
        m = (a_c + 1.0) / (self.mean_additions_per_year + 1.0)
        return min(m, self.params.max_country_multiplier)


def _state_key(state: frozenset[str]) -> str:
    return "+".join(sorted(state))


def _years(a: date, b: date) -> float:
    return (b - a).days / YEAR_DAYS


def _fit_day(x: Listing) -> date:
    """The date a listing counts from in a fit: exact, else the middle of its interval, else
    (in the first snapshot of its feed) the beginning of time."""
    return x.listed_on or x.event_day() or date.min


def _segments(
    party: Party, start: date, end: date, targets: Sequence[str]
) -> list[tuple[frozenset[str], float, bool]]:
    """(state, exposure years, designated at its end) over ``(start, end]`` for one party,
    from its listings known by ``end`` only."""
    known = [x for x in party.listings if x.known_by(end)]
    out: list[tuple[frozenset[str], float, bool]] = []
    changes = sorted({d for x in known if start < (d := _fit_day(x)) < end})
    t = start
    for nxt in [*changes, end]:
        state = frozenset(x.list_code for x in known if _fit_day(x) <= t)
        if state and not set(targets) <= state:
            hit = any(
                x.list_code in targets and x.list_code not in state and t < _fit_day(x) <= nxt
                for x in known
            )
            out.append((state, _years(t, nxt), hit))
        t = nxt
    return out


def fit_window_start(parties: Sequence[Party], as_of: date, params: RiskParams) -> date:
    """``as_of - lookback``, moved back to the previous snapshot of an undated target list
    when one of its additions known by ``as_of`` is dated to an interval crossing it: such an
    addition lies somewhere in the interval, so the whole interval must be in the window."""
    start = as_of - timedelta(days=round(params.lookback_years * YEAR_DAYS))
    crossing = [
        x.listed_after
        for p in parties
        for x in p.listings
        if x.list_code in params.targets
        and x.listed_on is None
        and x.listed_after is not None
        and x.listed_after < start
        and x.known_by(as_of)
        and x.seen_on is not None
        and x.seen_on > start
    ]
    return min([start, *crossing])


def fit(parties: Sequence[Party], as_of: date, params: RiskParams | None = None) -> HistoryModel:
    """Fit state rates and country ratios on ``[as_of - lookback, as_of]`` from listings known
    by ``as_of`` only (a snapshot later than ``as_of`` plays no part)."""
    params = params or RiskParams()
    start = fit_window_start(parties, as_of, params)
    events: Counter[str] = Counter()
    exposure: defaultdict[str, float] = defaultdict(float)
    per_country: list[tuple[str, str, float, bool]] = []
    for party in parties:
        country = party.country_at(as_of)
        for state, years, hit in _segments(party, start, as_of, params.targets):
            key = _state_key(state)
            exposure[key] += years
            events[key] += int(hit)
            per_country.append((country, key, years, hit))
    total_x = sum(exposure.values())
    total_o = sum(events.values())
    if total_x <= 0:
        lam0 = -math.log1p(-params.reference_probability) / (params.horizon_days / YEAR_DAYS)
    else:
        lam0 = max(total_o, 0.5) / total_x  # half a designation when none was seen
    k = params.prior_events
    states = {
        s: Rate(events[s], exposure[s], (events[s] + k) / (exposure[s] + k / lam0))
        for s in exposure
    }
    obs: Counter[str] = Counter()
    exp: defaultdict[str, float] = defaultdict(float)
    for country, key, years, hit in per_country:
        if not country:
            continue
        obs[country] += int(hit)
        exp[country] += years * states[key].rate_per_year
    countries = {c: (obs[c], exp[c], (obs[c] + k) / (exp[c] + k)) for c in exp}
    adds: Counter[str] = Counter()
    ever: set[str] = set()
    for party in parties:
        country = party.country_at(as_of)
        if not country:
            continue
        for x in party.listings:
            if x.list_code not in params.targets or not x.known_by(as_of):
                continue
            ever.add(country)
            if start < _fit_day(x) <= as_of:
                adds[country] += 1
    window_years = max(_years(start, as_of), 1e-9)
    per_year = {c: adds[c] / window_years for c in ever}
    active = [v for v in per_year.values() if v > 0]
    mean = float(np.mean(active)) if active else 0.0
    return HistoryModel(as_of, params, lam0, states, countries, per_year, mean)


@dataclass(frozen=True, slots=True)
class PartyRisk:
    """One party's designation probability over the horizon, with its evidence."""

    name: str
    country: str
    probability: float
    rate_per_year: float
    basis: str  # "listed" (already on a target), "transition", "unlisted"
    lists: tuple[str, ...]
    evidence: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "country": self.country,
            "probability": self.probability,
            "rate_per_year": self.rate_per_year,
            "basis": self.basis,
            "lists": list(self.lists),
            "evidence": list(self.evidence),
        }


def _list_evidence(listings: Sequence[Listing]) -> list[str]:
    """One line per list: entries linked, first date, its citation."""
    by_code: defaultdict[str, list[Listing]] = defaultdict(list)
    for x in listings:
        by_code[x.list_code].append(x)
    lines = []
    for code, xs in sorted(by_code.items()):
        first = min(xs, key=lambda x: x.listed_on or x.seen_on or date.max)
        since = (
            f"since {first.listed_on}"
            if first.listed_on
            else f"in the snapshot of {first.seen_on}"
            + (f" (added after {first.listed_after})" if first.listed_after else "")
        )
        cite = f" ({first.citation.split(';')[0][:60]})" if first.citation else ""
        more = f", {len(xs)} entries linked by name" if len(xs) > 1 else ""
        lines.append(f"{code} {since}{cite}{more}")
    return lines


def estimate(model: HistoryModel, party: Party | None, name: str, country: str = "") -> PartyRisk:
    """The probability that ``party`` (None: found on no list) is designated in the horizon."""
    h = model.params.horizon_days / YEAR_DAYS
    targets = model.params.targets
    if party is None:
        lam = model.unlisted_rate(country)
        a_c = model.additions_per_year.get(country, 0.0)
        ev = (
            f"on no list; reference {model.params.reference_probability:.4f} per horizon x"
            f" {model.country_multiplier(country):.2f} for {country}: {a_c:.1f} additions a"
            f" year to {'/'.join(targets)} vs {model.mean_additions_per_year:.1f} per country"
            " with additions"
            if country
            else f"on no list, no country: reference {model.params.reference_probability:.4f}"
        )
        return PartyRisk(name, country, -math.expm1(-lam * h), lam, "unlisted", (), (ev,))
    country = party.country_at(model.as_of) or country
    state = party.lists_at(model.as_of)
    evidence = _list_evidence([x for x in party.listings if x.known_by(model.as_of)])
    if set(targets) <= state:
        return PartyRisk(
            name, country, 1.0, math.inf, "listed", tuple(sorted(state)), tuple(evidence)
        )
    rate, key = model.state_rate(state)
    ratio = model.country_ratio(country)
    lam = rate * ratio
    s = model.states.get(key)
    evidence.append(
        f"state {key}: {s.events} designations in {s.exposure_years:.1f} party-years"
        f" -> {rate:.4f}/year (constant rate {model.constant_rate_per_year:.4f})"
        if s
        else f"state {key} not seen in the window: {rate:.4f}/year from its lists"
    )
    if country in model.countries:
        o, e, r = model.countries[country]
        evidence.append(f"country {country}: {o} designations vs {e:.1f} expected -> x{r:.2f}")
    return PartyRisk(
        name,
        country,
        -math.expm1(-lam * h),
        lam,
        "transition",
        tuple(sorted(state)),
        tuple(evidence),
    )


class PartyIndex:
    """Find a party by name (primary or alias, normalised)."""

    def __init__(self, parties: Sequence[Party]) -> None:
        self.parties = parties
        self._by_key: dict[str, int] = {}
        for i, p in enumerate(parties):
            for x in p.listings:
                for n in (x.name, *x.aliases):
                    for k in name_keys(n):
                        self._by_key.setdefault(k, i)

    def find(self, name: str) -> Party | None:
        for k in name_keys(name):
            if k in self._by_key:
                return self.parties[self._by_key[k]]
        return None


def designation_model(
    units: Sequence[Disruption],
    probabilities: Mapping[str, float],
    *,
    default: float,
    country_loading: float = 0.4,
    owner_loading: float = 0.6,
) -> DesignationModel:
    """A :class:`DesignationModel` with ``probabilities[unit.name]`` (else ``default``)."""
    p = np.array([probabilities.get(u.name, default) for u in units], dtype=np.float64)
    return DesignationModel(p, country_loading, owner_loading)


# -- listing waves and the country loading -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wave:
    day: date
    country: str
    parties: int
    citations: tuple[str, ...] = field(default=())


def listing_waves(
    parties: Sequence[Party], start: date, end: date, targets: Sequence[str] = TARGETS
) -> list[Wave]:
    """Same-day additions to the target lists per country in ``(start, end]`` (exact dates
    only), largest first."""
    days: defaultdict[tuple[date, str], set[str]] = defaultdict(set)
    cites: defaultdict[tuple[date, str], set[str]] = defaultdict(set)
    for party in parties:
        for x in party.listings:
            if x.list_code in targets and x.listed_on and start < x.listed_on <= end:
                days[(x.listed_on, party.country)].add(party.name)
                if m := _FR_CITATION.search(x.citation):
                    cites[(x.listed_on, party.country)].add(" ".join(m.group(0).split()))
    waves = [Wave(d, c, len(v), tuple(sorted(cites[(d, c)]))[:3]) for (d, c), v in days.items()]
    return sorted(waves, key=lambda w: (-w.parties, w.day, w.country))


def yearly_counts(
    parties: Sequence[Party], first_year: int, last_year: int, targets: Sequence[str] = TARGETS
) -> dict[str, list[int]]:
    """Exactly dated target additions per country and calendar year."""
    out: defaultdict[str, list[int]] = defaultdict(lambda: [0] * (last_year - first_year + 1))
    for party in parties:
        if not party.country:
            continue
        for x in party.listings:
            if (
                x.list_code in targets
                and x.listed_on
                and first_year <= x.listed_on.year <= last_year
            ):
                out[party.country][x.listed_on.year - first_year] += 1
    return dict(out)


def loading_from_dispersion(excess_cv2: float, probability: float) -> float:
    """Country loading ``a`` with ``Phi_2(z, z; a^2) / p^2 - 1 = excess_cv2`` (see module).

    >>> round(loading_from_dispersion(0.0, 0.01), 6)
    0.0
    """
    if excess_cv2 <= 0:
        return 0.0
    z = float(norm.ppf(probability))

    def gap(rho: float) -> float:
        joint = float(
            multivariate_normal.cdf([z, z], mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]])
        )
        return joint / probability**2 - 1.0 - excess_cv2

    hi = 0.99
    if gap(hi) < 0:
        return math.sqrt(hi)
    return math.sqrt(float(brentq(gap, 0.0, hi, xtol=1e-6)))


@dataclass(frozen=True, slots=True)
class LoadingEstimate:
    country_loading: float
    excess_cv2: float
    countries: dict[str, tuple[float, float]]  # mean per year, excess CV^2
    years: tuple[int, int]
    probability: float

    def as_dict(self) -> dict[str, object]:
        return {
            "country_loading": self.country_loading,
            "excess_cv2": self.excess_cv2,
            "years": list(self.years),
            "probability": self.probability,
            "countries": {
                c: {"mean_per_year": m, "excess_cv2": v} for c, (m, v) in self.countries.items()
            },
        }


def calibrate_country_loading(
    counts: Mapping[str, Sequence[int]],
    probability: float,
    *,
    min_mean_per_year: float = 5.0,
    max_loading: float = 0.75,
) -> LoadingEstimate:
    """Pooled excess dispersion of yearly counts -> the copula's country loading.

    Per country with at least ``min_mean_per_year`` additions a year on average:
    ``excess = (s^2 - m) / m^2`` (sample variance less the Poisson part, over the squared
    mean). Pooled by the number of years. Capped at ``max_loading`` so that
    ``a^2 + b^2 < 1`` with the default owner loading 0.6.
    """
    rows = {}
    for c, ks in counts.items():
        arr = np.asarray(ks, dtype=np.float64)
        m = float(arr.mean()) if len(arr) else 0.0
        if len(arr) < 3 or m < min_mean_per_year:
            continue
        rows[c] = (m, max((float(arr.var(ddof=1)) - m) / m**2, 0.0))
    excess = float(np.mean([v for _, v in rows.values()])) if rows else 0.0
    a = min(loading_from_dispersion(excess, probability), max_loading)
    n = len(next(iter(counts.values()))) if counts else 0
    return LoadingEstimate(a, excess, rows, (0, n), probability)


# -- backtest ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    brier: float
    log_loss: float


def brier(p: Sequence[float] | np.ndarray, y: Sequence[int] | np.ndarray) -> float:
    """Mean squared error of probabilities (Brier, Monthly Weather Review 78, 1950)."""
    pa, ya = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.mean((pa - ya) ** 2))


def log_loss(
    p: Sequence[float] | np.ndarray, y: Sequence[int] | np.ndarray, eps: float = 1e-6
) -> float:
    """Mean negative log-likelihood, probabilities clipped to ``[eps, 1 - eps]``."""
    pa = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    ya = np.asarray(y, dtype=np.float64)
    return float(-np.mean(ya * np.log(pa) + (1 - ya) * np.log1p(-pa)))


def reliability(
    p: Sequence[float] | np.ndarray, y: Sequence[int] | np.ndarray, edges: Sequence[float]
) -> list[dict[str, float]]:
    """Bins of predicted probability: count, mean prediction, observed share (and its 95 %
    Wilson interval)."""
    pa, ya = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    out = []
    for lo, hi in itertools.pairwise(edges):
        sel = (pa >= lo) & (pa < hi) if hi < edges[-1] else (pa >= lo) & (pa <= hi)
        n = int(sel.sum())
        if n == 0:
            continue
        k = float(ya[sel].sum())
        phat, z = k / n, 1.959964
        centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        out.append(
            {
                "low": float(lo),
                "high": float(hi),
                "count": n,
                "events": k,
                "mean_predicted": float(pa[sel].mean()),
                "observed": phat,
                "observed_low": max(centre - half, 0.0),
                "observed_high": min(centre + half, 1.0),
            }
        )
    return out


@dataclass(frozen=True, slots=True)
class Backtest:
    cutoff: date
    end: date
    params: RiskParams
    parties: int
    events: int
    excluded_ambiguous: int
    model: Scores
    baseline: Scores
    baseline_probability: float
    predicted: np.ndarray
    outcome: np.ndarray
    names: tuple[str, ...]
    states: tuple[str, ...]

    def as_dict(self, edges: Sequence[float]) -> dict[str, object]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "end": self.end.isoformat(),
            "parties": self.parties,
            "events": self.events,
            "excluded_ambiguous": self.excluded_ambiguous,
            "model": {"brier": self.model.brier, "log_loss": self.model.log_loss},
            "baseline": {"brier": self.baseline.brier, "log_loss": self.baseline.log_loss},
            "baseline_probability": self.baseline_probability,
            "reliability": reliability(self.predicted, self.outcome, edges),
            "assumptions": [{"name": a.name, "value": a.value} for a in self.params.assumptions()],
        }


def backtest(
    parties: Sequence[Party], cutoff: date, end: date, params: RiskParams | None = None
) -> Backtest:
    """Fit on data dated up to ``cutoff``; predict designation in ``(cutoff, end]`` for every
    party on some list at the cut-off and not yet on every target list.

    The horizon is ``end - cutoff``. The baseline gives every party the constant rate of the
    same fit. Parties whose only addition is undated and straddles the cut-off or ``end`` are
    left out (counted in ``excluded_ambiguous``).
    """
    params = params or RiskParams()
    horizon = float((end - cutoff).days)
    params = dataclasses.replace(params, horizon_days=horizon)
    model = fit(parties, cutoff, params)
    h = horizon / YEAR_DAYS
    preds, ys, names, states = [], [], [], []
    ambiguous = 0
    for party in parties:
        state = party.lists_at(cutoff)
        if not state or set(params.targets) <= state:
            continue
        new = [
            x for x in party.listings if x.list_code in params.targets and x.list_code not in state
        ]
        flags = [x.added_in(cutoff, end) for x in new]
        if any(f is None for f in flags) and not any(flags):
            ambiguous += 1
            continue
        risk = estimate(model, party, party.name)
        preds.append(risk.probability)
        ys.append(int(any(flags)))
        names.append(party.name)
        states.append(_state_key(state))
    p = np.asarray(preds, dtype=np.float64)
    y = np.asarray(ys, dtype=np.int64)
    p0 = -math.expm1(-model.constant_rate_per_year * h)
    base = np.full_like(p, p0)
    return Backtest(
        cutoff,
        end,
        params,
        len(p),
        int(y.sum()),
        ambiguous,
        Scores(brier(p, y), log_loss(p, y)),
        Scores(brier(base, y), log_loss(base, y)),
        p0,
        p,
        y,
        tuple(names),
        tuple(states),
    )


# -- probability files -------------------------------------------------------------------------


def read_probability_file(path: Path, known: Iterable[str]) -> dict[str, float]:
    """A CSV with columns ``party`` and ``probability`` (per horizon): user overrides.

    Errors name the file, row (the file's line, header = 1) and field: missing columns,
    empty or unknown parties, duplicates, non-numbers, probabilities outside [0, 1].
    """
    known_set = set(known)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("probability file not found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    for col in ("party", "probability"):
        if col not in fields:
            raise InputError(
                f"missing column {col!r} (columns: {', '.join(fields) or 'none'})",
                file=str(path),
                row=1,
                field=col,
            )
    out: dict[str, float] = {}
    for row_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        party, value = row.get("party", ""), row.get("probability", "")
        if not party:
            raise InputError("empty party", file=str(path), row=row_no, field="party")
        if known_set and party not in known_set:
            raise InputError(
                f"unknown party {party!r}: not a supplier of the network",
                file=str(path),
                row=row_no,
                field="party",
            )
        if party in out:
            raise InputError(
                f"party {party!r} given twice", file=str(path), row=row_no, field="party"
            )
        try:
            p = float(value)
        except ValueError:
            raise InputError(
                f"probability {value!r} is not a number",
                file=str(path),
                row=row_no,
                field="probability",
            ) from None
        if not (0.0 <= p <= 1.0) or math.isnan(p):
            raise InputError(
                f"probability {p} outside [0, 1]", file=str(path), row=row_no, field="probability"
            )
        out[party] = p
    if not out:
        raise InputError("no rows", file=str(path), row=2)
    return out
