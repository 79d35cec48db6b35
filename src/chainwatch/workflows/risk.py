"""Designation risk from the store's own snapshots (``chainwatch risk``, the Monte Carlo and
the stockpile).

Every feed version in the store is an observation of its lists at the version's date: the
date stated in the data, else a date in the file's name (``sdn-2024-05-03.csv``,
``ofac/2019``), never before its latest dated entry, else the load date. Dated entries (the
Entity List by its first Federal Register citation, CSL start dates, effective dates of the
1260H / NS-CMIC / UFLPA / MEU lists) keep their own date; an undated entry (SDN) is dated to
the interval between the last version of its list that lacks it and the first that holds it.
The estimation itself is :mod:`chainwatch.resilience.history`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry
from chainwatch.model.network import SupplyNetwork
from chainwatch.resilience import history
from chainwatch.resilience.history import (
    Backtest,
    HistoryModel,
    LoadingEstimate,
    Party,
    PartyIndex,
    PartyRisk,
    RiskParams,
)
from chainwatch.resilience.montecarlo import DesignationModel
from chainwatch.resilience.problem import Disruption
from chainwatch.store.lists import FeedVersion, ListStore, Snapshot

_DATE_RE = re.compile(r"(?<!\d)(\d{4})(?:[-_](\d{2}))?(?:[-_](\d{2}))?(?!\d)")


def _name_date(text: str) -> date | None:
    """The latest plausible date written in a file path (``2024-05-03``, ``2022-04``, ``2019``)."""
    best: date | None = None
    for m in _DATE_RE.finditer(text):
        year = int(m.group(1))
        if not 1990 <= year <= 2100:
            continue
        try:
            d = date(year, int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError:
            continue
        best = d if best is None or d > best else best
    return best


def version_date(
    version: FeedVersion, entries: Sequence[ListEntry], overrides: Mapping[str, date]
) -> date:
    """When a feed version was published (see the module docstring)."""
    base = Path(version.origin).name
    for key in (version.origin, base, version.feed):
        if key in overrides:
            return overrides[key]
    if version.published:
        try:
            return date.fromisoformat(version.published[:10])
        except ValueError:
            pass
    named = _name_date(version.origin)
    latest = max((e.listed_on for e in entries if e.listed_on), default=None)
    candidates = [d for d in (named, latest) if d is not None]
    if candidates:
        return max(candidates)
    return date.fromisoformat(version.loaded_at[:10])


def _versions(store: ListStore) -> list[FeedVersion]:
    seen: dict[int, FeedVersion] = {}
    for snap in store.snapshots():
        for f in snap.feeds:
            seen.setdefault(f.id, f)
    return [seen[i] for i in sorted(seen)]


def listings_from_store(
    store: ListStore, feed_dates: Mapping[str, date] | None = None
) -> list[history.Listing]:
    """One :class:`~chainwatch.resilience.history.Listing` per list entry ever stored."""
    overrides = dict(feed_dates or {})
    observed: list[tuple[date, Sequence[ListEntry]]] = []
    for v in _versions(store):
        entries = store.entries(Snapshot(v.id, v.content_hash, v.loaded_at, "", (v,)))
        observed.append((version_date(v, entries, overrides), entries))
    return listings_from_observations(observed)


def listings_from_observations(
    observed: Sequence[tuple[date, Sequence[ListEntry]]],
) -> list[history.Listing]:
    """Listings from dated observations of feeds (a feed version's date, its entries).

    An entry keeps its own date when it has one; otherwise it was added after the latest
    observation of its list (any feed holding that list) that precedes its first one."""
    ordered = sorted(observed, key=lambda o: o[0])
    seen_dates: dict[str, list[date]] = {}
    for day, entries in ordered:
        for code in {e.source for e in entries}:
            seen_dates.setdefault(code, []).append(day)
    first: dict[tuple[str, str], tuple[date, ListEntry]] = {}
    latest: dict[tuple[str, str], ListEntry] = {}
    for day, entries in ordered:
        for e in entries:
            key = (e.source, e.entry_id)
            first.setdefault(key, (day, e))
            latest[key] = e
    out = []
    for key, (seen_on, e0) in first.items():
        e = latest[key]
        earlier = [d for d in seen_dates[key[0]] if d < seen_on]
        countries = e.countries or e0.countries
        out.append(
            history.Listing(
                name=e.name,
                list_code=e.source,
                country=countries[0] if countries else "",
                aliases=tuple(dict.fromkeys((*e0.aliases, *e.aliases))),
                listed_on=e.listed_on or e0.listed_on,
                listed_after=max(earlier) if earlier and not e.listed_on else None,
                seen_on=seen_on,
                citation=e.federal_register or e0.federal_register,
            )
        )
    return out


def default_as_of(listings: Sequence[history.Listing], targets: Sequence[str]) -> date:
    """The last day every target list was observed: later, an undated list's additions could
    not be seen yet and the rates would read low."""
    latest: dict[str, date] = {}
    for x in listings:
        if x.seen_on is not None and (x.list_code not in latest or x.seen_on > latest[x.list_code]):
            latest[x.list_code] = x.seen_on
    days = [latest[t] for t in targets if t in latest] or list(latest.values())
    return min(days)


@dataclass(frozen=True, slots=True)
class History:
    """Parties grouped across lists, the fitted model and the index to find them."""

    parties: list[Party]
    index: PartyIndex
    model: HistoryModel
    loading: LoadingEstimate
    as_of: date

    def risk(self, name: str, country: str = "", *, also: Sequence[str] = ()) -> PartyRisk:
        """``name`` (or the first of ``also``, its aliases, found on a list)."""
        found = next((p for n in (name, *also) if (p := self.index.find(n)) is not None), None)
        return history.estimate(self.model, found, name, country)


@dataclass(frozen=True, slots=True)
class Counterparty:
    """A unit of the network as the lists may know it: its names and its controlling owner."""

    unit: str
    name: str
    country: str
    aliases: tuple[str, ...] = ()
    owner: str = ""
    owner_names: tuple[str, ...] = ()


def counterparties(units: Sequence[Disruption], net: SupplyNetwork | None) -> list[Counterparty]:
    """The network's party record (name, aliases) for each unit id, and its owner's names."""
    out = []
    for u in units:
        party = net.party(u.name) if net is not None and net.has_party(u.name) else None
        owner = (
            net.party(u.owner) if net is not None and u.owner and net.has_party(u.owner) else None
        )
        out.append(
            Counterparty(
                u.name,
                party.name if party else u.name,
                u.country or (party.country if party else ""),
                (*party.aliases, u.name) if party else (),
                u.owner,
                (owner.name, *owner.aliases) if owner else ((u.owner,) if u.owner else ()),
            )
        )
    return out


def counterparty_risk(hist: History, cp: Counterparty) -> PartyRisk:
    """The unit's estimate; its controlling owner's lists are added to the evidence (the
    copula's owner factor couples the two; the probability is the unit's own)."""
    risk = hist.risk(cp.name, cp.country, also=cp.aliases)
    if cp.owner_names:
        owner = next((p for n in cp.owner_names if (p := hist.index.find(n)) is not None), None)
        if owner is not None:
            lists = ", ".join(sorted(owner.lists_at(hist.as_of))) or "no list yet"
            line = f"controlling owner {cp.owner_names[0]} is on {lists}"
            risk = dataclasses.replace(risk, evidence=(*risk.evidence, line))
    return dataclasses.replace(
        risk, name=cp.name if cp.name == cp.unit else f"{cp.unit}: {cp.name}"
    )


def load_history(
    store: ListStore,
    *,
    as_of: date | None = None,
    params: RiskParams | None = None,
    feed_dates: Mapping[str, date] | None = None,
    loading_years: int = 10,
) -> History:
    """Fit on everything in the store known by ``as_of`` (default: the latest observation)."""
    listings = listings_from_store(store, feed_dates)
    if not listings:
        raise ChainwatchError("no list entries in the store: load lists first (chainwatch lists)")
    params = params or RiskParams()
    if as_of is None:
        as_of = default_as_of(listings, params.targets)
    parties = history.group_parties(listings)
    model = history.fit(parties, as_of, params)
    last = as_of.year - 1  # complete years only
    counts = history.yearly_counts(parties, last - loading_years + 1, last, params.targets)
    loading = history.calibrate_country_loading(counts, params.reference_probability)
    loading = LoadingEstimate(
        loading.country_loading,
        loading.excess_cv2,
        loading.countries,
        (last - loading_years + 1, last),
        loading.probability,
    )
    return History(parties, PartyIndex(parties), model, loading, as_of)


def risk_report(hist: History, parties: Iterable[Counterparty]) -> dict[str, Any]:
    """``chainwatch risk``: each party's probability with its evidence."""
    rows = [counterparty_risk(hist, cp).as_dict() for cp in parties]
    return {
        "as_of": hist.as_of.isoformat(),
        "parties": rows,
        "country_loading": hist.loading.as_dict(),
        "constant_rate_per_year": hist.model.constant_rate_per_year,
        "assumptions": [
            {"name": a.name, "value": a.value, "description": a.description}
            for a in hist.model.params.assumptions()
        ],
    }


def designation_from_lists(
    hist: History,
    units: Sequence[Disruption],
    owner_loading: float = 0.6,
    net: SupplyNetwork | None = None,
) -> tuple[DesignationModel, list[PartyRisk]]:
    """The Monte Carlo's model: each unit's estimated probability (looked up by the network's
    party name and aliases when ``net`` is given), the calibrated country loading (capped so
    that ``a^2 + b^2 < 1``)."""
    risks = [counterparty_risk(hist, cp) for cp in counterparties(units, net)]
    a = min(hist.loading.country_loading, (1 - owner_loading**2 - 1e-3) ** 0.5)
    return (
        history.designation_model(
            units,
            {u.name: r.probability for u, r in zip(units, risks, strict=True)},
            default=hist.model.params.reference_probability,
            country_loading=a,
            owner_loading=owner_loading,
        ),
        risks,
    )


def designation_from_file(
    path: Path, units: Sequence[Disruption], default: float
) -> DesignationModel:
    """``--probabilities FILE``: the user's probabilities (others get ``default``)."""
    table = history.read_probability_file(path, [u.name for u in units])
    return history.designation_model(units, table, default=default)


def run_backtest(
    store: ListStore,
    cutoff: date,
    end: date,
    params: RiskParams | None = None,
    feed_dates: Mapping[str, date] | None = None,
) -> Backtest:
    """Fit on what the store knew by ``cutoff``; score the predictions for ``(cutoff, end]``."""
    parties = history.group_parties(listings_from_store(store, feed_dates))
    return history.backtest(parties, cutoff, end, params)


def designation_for(
    units: Sequence[Disruption],
    *,
    probability: float | None,
    probabilities_file: Path | None,
    from_lists: bool,
    db_url: str,
    default_probability: float = 0.002,
    net: SupplyNetwork | None = None,
) -> tuple[DesignationModel | None, str]:
    """The Monte Carlo's / stockpile's designation model and a line saying where it came from.

    Precedence: ``--probabilities FILE`` (others get ``--probability`` or the default), then
    an explicit ``--probability`` (uniform), then the lists' history when the store holds
    lists and ``from_lists``; otherwise None (the caller's uniform default).
    """
    fallback = default_probability if probability is None else probability
    if probabilities_file is not None:
        model = designation_from_file(probabilities_file, units, fallback)
        n = int((model.probability != fallback).sum())
        return model, f"from {probabilities_file} ({n} parties), others {fallback}"
    if probability is not None or not from_lists:
        return None, f"uniform {fallback} per supplier per horizon"
    from chainwatch.workflows.screening import store_for

    store = store_for(db_url)
    if store.active() is None:
        return None, f"uniform {fallback}: the store holds no lists (chainwatch lists load)"
    hist = load_history(store)
    model, risks = designation_from_lists(hist, units, net=net)
    listed = sum(1 for r in risks if r.basis != "unlisted")
    return model, (
        f"from the lists' history (as of {hist.as_of}): {listed} of {len(units)} suppliers"
        f" found on a list, mean p {float(model.probability.mean()):.4g},"
        f" country loading {model.country_loading:.3f}"
    )
