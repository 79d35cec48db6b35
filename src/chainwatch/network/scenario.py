"""Scenarios: which parties are designated, from a screen, from a list diff, by name or by hand.

The matcher itself lives in ``chainwatch.screening`` (built separately); this module depends only
on :class:`PartyScreener`, a callable that returns the list matches of one name, so the
workflow can pass in the real screener against the active snapshot, or against the entries
added between two snapshots (a diff: "what today's additions change").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from chainwatch.model.network import Designation, Party, Scenario, SupplyNetwork
from chainwatch.model.screening import Match


class PartyScreener(Protocol):
    """Screen one party name (with its country, ISO alpha-2 or "") against restricted lists."""

    def __call__(self, name: str, country: str) -> list[Match]: ...


@dataclass(frozen=True, slots=True)
class PartyScreening:
    """What screening found for one party: its best matches (empty: no hit), kept with it."""

    party_id: str
    name: str
    matches: tuple[Match, ...]

    @property
    def hit(self) -> bool:
        return bool(self.matches)


def screen_parties(
    network: SupplyNetwork, screener: PartyScreener, *, min_score: float = 0.0
) -> tuple[PartyScreening, ...]:
    """Screen every party under its name and each alias; keep matches scoring ``min_score``+."""
    out = []
    for party in network.parties:
        found: dict[str, Match] = {}
        for name in (party.name, *party.aliases):
            for m in screener(name, party.country):
                if m.score >= min_score and (
                    m.entry_id not in found or m.score > found[m.entry_id].score
                ):
                    found[m.entry_id] = m
        best = tuple(sorted(found.values(), key=lambda m: -m.score))
        out.append(PartyScreening(party.id, party.name, best))
    return tuple(out)


def scenario_from_screening(
    screenings: Iterable[PartyScreening],
    *,
    name: str = "screened",
    as_of: date | None = None,
    license_requirements: Mapping[str, tuple[str, str]] | None = None,
    exclude: Iterable[PartyScreening] = (),
) -> Scenario:
    """Every party with a hit is designated on the hit's lists. ``license_requirements`` maps
    an entry id to ``(requirement, policy)`` as the list gives them. With ``exclude`` (the
    screenings against an older snapshot) only new hits count — the diff scenario."""
    before = {(s.party_id, m.entry_id) for s in exclude for m in s.matches}
    reqs = license_requirements or {}
    designations = []
    for s in screenings:
        new = [m for m in s.matches if (s.party_id, m.entry_id) not in before]
        if not new:
            continue
        lists = tuple(dict.fromkeys(m.source for m in new))
        requirement, policy = next((reqs[m.entry_id] for m in new if m.entry_id in reqs), ("", ""))
        designations.append(
            Designation(
                party_id=s.party_id,
                basis="listed",
                lists=lists,
                entry_ids=tuple(m.entry_id for m in new),
                license_requirement=requirement,
                license_policy=policy,
                note="; ".join(
                    f"{m.matched_name!r} ({m.source}, score {m.score:.2f})" for m in new
                ),
            )
        )
    return Scenario(name, tuple(designations), as_of)


def scenario_by_hand(
    network: SupplyNetwork,
    party_ids: Iterable[str],
    *,
    lists: tuple[str, ...] = ("EL", "SDN"),
    name: str = "what-if",
    as_of: date | None = None,
) -> Scenario:
    """ "What if these parties were listed": each id designated on ``lists`` (default both the
    Entity List and the SDN list, the most severe case). Unknown ids raise KeyError."""
    designations = []
    for pid in party_ids:
        network.party(pid)
        designations.append(Designation(pid, "by-hand", lists, note="hypothetical designation"))
    return Scenario(name, tuple(designations), as_of)


def _norm(name: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in name.casefold()).split())


def scenario_from_names(
    network: SupplyNetwork,
    names: Iterable[str],
    *,
    lists: tuple[str, ...] = ("EL", "SDN"),
    name: str = "named",
    as_of: date | None = None,
) -> tuple[Scenario, tuple[str, ...]]:
    """Designate (as listed on ``lists``) the parties whose name or alias equals one of
    ``names`` after case and punctuation folding — an exact lookup, not the fuzzy matcher;
    also returns the names that matched no party."""
    index: dict[str, list[Party]] = {}
    for party in network.parties:
        for n in (party.name, *party.aliases):
            index.setdefault(_norm(n), []).append(party)
    chosen: dict[str, Designation] = {}
    unmatched = []
    for raw in names:
        parties = index.get(_norm(raw), [])
        if not parties:
            unmatched.append(raw)
        for p in parties:
            chosen.setdefault(p.id, Designation(p.id, "listed", lists, note=f"named as {raw!r}"))
    return Scenario(name, tuple(chosen.values()), as_of), tuple(unmatched)
