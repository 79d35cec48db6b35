"""Ownership rules: OFAC's 50 % rule and the BIS affiliates rule, as a fixed point.

* **OFAC 50 % rule** — OFAC, "Revised Guidance on Entities Owned by Persons Whose Property and
  Interests in Property Are Blocked", 13 Aug 2014 (FAQs 398–401): an entity owned 50 % or more,
  directly or indirectly, individually or in the aggregate, by one or more blocked persons is
  itself blocked. Ownership only, not control.
* **BIS affiliates rule** — interim final rule "Expansion of End-User Controls to Cover
  Affiliates of Certain Listed Entities", 90 FR 47201 (effective 29 Sep 2025): entities 50 % or
  more owned, directly or indirectly, individually or in aggregate, by Entity List or Military
  End-User parties carry the same restrictions, with the most restrictive licence requirement
  and review policy of their owners. Suspended for one year from 10 Nov 2025 to 9 Nov 2026
  (inclusive); it applies again from 10 Nov 2026 unless extended — verify the current status.

The aggregation is the least fixed point of

    B₀ = listed,   B_{k+1} = B_k ∪ { e : Σ_{o ∈ B_k} share(o, e) ≥ 0.5 }

A stake held through a blocked intermediary counts in full (the intermediary is in B and its
own stake counts); a stake held through an intermediary that is not blocked does not pass
through (only direct stakes of members of B are summed). The iteration is monotone, so it ends
after at most |parties| rounds even when the ownership graph has cycles.

Worked example (tested in ``tests/network/test_net_ownership.py``): A is listed (SDN);
A→B 60 %, A→C 30 %, B→C 25 %, B→E 25 %, C→E 25 %, C→D 5 %, E→D 40 %, D→E 50 % (a cycle).
Round 1 blocks B (60 %); round 2 blocks C (30 % + 25 % = 55 %, only because B is now blocked);
round 3 blocks E (25 % + 25 % = 50 %, "50 % or more"); D stays unblocked (5 % + 40 % = 45 %).
C's evidence is two paths: ``A -[30%]-> C`` and ``A -[60%]-> B -[25%]-> C``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from chainwatch.model.network import (
    Designation,
    DesignationBasis,
    OwnershipStep,
    Scenario,
    SupplyNetwork,
)

THRESHOLD = 0.5
_EPS = 1e-9

#: Lists whose parties' property is blocked and to which the OFAC 50 % rule applies
#: (SDN; OFAC applies the same ownership rule to the Sectoral Sanctions list's directives).
OFAC_50_LISTS: frozenset[str] = frozenset({"SDN", "SSI"})
#: Lists covered by the BIS affiliates rule (90 FR 47201): Entity List and MEU list.
BIS_AFFILIATES_LISTS: frozenset[str] = frozenset({"EL", "MEU"})

BIS_AFFILIATES_EFFECTIVE = date(2025, 9, 29)
BIS_AFFILIATES_SUSPENDED_FROM = date(2025, 11, 10)
BIS_AFFILIATES_SUSPENDED_UNTIL = date(2026, 11, 9)  # inclusive

#: What the Entity List itself requires (15 CFR 744.11, Supplement No. 4 to Part 744) when an
#: entry gives no licence requirement of its own.
ENTITY_LIST_DEFAULT_REQUIREMENT = "For all items subject to the EAR"
ENTITY_LIST_DEFAULT_POLICY = "Presumption of denial"


def bis_affiliates_rule_status(on: date) -> tuple[bool, str]:
    """Whether the BIS affiliates rule applies on ``on``, and why.

    >>> bis_affiliates_rule_status(date(2025, 10, 1))[0]
    True
    >>> bis_affiliates_rule_status(date(2026, 1, 1))[0]
    False
    """
    if on < BIS_AFFILIATES_EFFECTIVE:
        return False, "BIS affiliates rule not yet in effect (effective 29 Sep 2025, 90 FR 47201)"
    if BIS_AFFILIATES_SUSPENDED_FROM <= on <= BIS_AFFILIATES_SUSPENDED_UNTIL:
        return False, (
            "BIS affiliates rule suspended from 10 Nov 2025 to 9 Nov 2026; "
            "verify the current status before relying on this"
        )
    return True, (
        "BIS affiliates rule in effect (90 FR 47201, from 29 Sep 2025; suspension ended "
        "9 Nov 2026 unless extended: verify)"
    )


def _policy_rank(policy: str) -> int:
    p = policy.lower()
    if "denial" in p:
        return 3
    if "case" in p:
        return 2
    if "approval" in p:
        return 1
    return 0


def _requirement_rank(requirement: str) -> int:
    r = requirement.lower()
    if "all items" in r:
        return 2
    return 1 if r else 0


def restrictiveness(d: Designation) -> tuple[int, int]:
    """Order of licence requirements: review policy first (denial > case-by-case > approval),
    then breadth of the requirement ("all items subject to the EAR" widest)."""
    return (_policy_rank(d.license_policy), _requirement_rank(d.license_requirement))


@dataclass(frozen=True, slots=True)
class OwnershipResult:
    """Designations after the ownership rules: every listed party and every derived one.

    ``designations`` maps a party id to its designations (a party may be listed and also
    derived under another regime). ``notes`` say which rules were applied and why not.
    """

    designations: Mapping[str, tuple[Designation, ...]]
    notes: tuple[str, ...]

    @property
    def party_ids(self) -> frozenset[str]:
        return frozenset(self.designations)

    def derived(self) -> list[Designation]:
        return [
            d
            for ds in self.designations.values()
            for d in ds
            if d.basis in ("ofac-50-percent", "bis-affiliates-rule")
        ]

    def is_designated(self, party_id: str) -> bool:
        return party_id in self.designations

    def lists_of(self, party_id: str) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for d in self.designations.get(party_id, ()):
            for code in d.lists:
                out.setdefault(code, None)
        return tuple(out)


def fixed_point(
    seeds: Mapping[str, Designation],
    stakes: Iterable[tuple[str, str, float]],
    *,
    basis: DesignationBasis,
    threshold: float = THRESHOLD,
    inherit_license: bool = False,
) -> dict[str, Designation]:
    """The least fixed point of the 50 % aggregation over ``(owner, owned, share)`` stakes.

    Returns the derived designations only (seeds excluded). Each carries ``aggregate_share``
    (designated owners' total stake once the fixed point is reached) and one path per
    designated owner that had counted when it crossed the threshold, each path starting at an
    originally listed party. With ``inherit_license`` the most restrictive contributing owner's
    licence requirement and policy are copied (BIS affiliates rule).
    """
    owned_by: dict[str, list[tuple[str, float]]] = {}
    for owner, owned, share in stakes:
        owned_by.setdefault(owner, []).append((owned, share))
    total: dict[str, float] = {}
    contributors: dict[str, list[tuple[str, float]]] = {}
    blocked: dict[str, Designation] = dict(seeds)
    paths: dict[str, tuple[tuple[OwnershipStep, ...], ...]] = {s: ((),) for s in seeds}
    derived: dict[str, Designation] = {}
    frontier = list(seeds)
    while frontier:  # each pass is one round B_k -> B_{k+1}
        crossing: list[str] = []
        for owner in frontier:
            for owned, share in owned_by.get(owner, ()):
                total[owned] = total.get(owned, 0.0) + share
                contributors.setdefault(owned, []).append((owner, share))
                if owned not in blocked and total[owned] >= threshold - _EPS:
                    crossing.append(owned)
        frontier = []
        for entity in dict.fromkeys(crossing):
            contrib = contributors[entity]
            entity_paths = tuple(
                (*paths[owner][0], OwnershipStep(owner, entity, share)) for owner, share in contrib
            )
            owners_d = [blocked[o] for o, _ in contrib]
            top = max(owners_d, key=restrictiveness)
            lists = tuple(dict.fromkeys(code for d in owners_d for code in d.lists))
            d = Designation(
                party_id=entity,
                basis=basis,
                lists=lists,
                license_requirement=top.license_requirement if inherit_license else "",
                license_policy=top.license_policy if inherit_license else "",
                aggregate_share=total[entity],
                paths=entity_paths,
            )
            blocked[entity] = d
            derived[entity] = d
            paths[entity] = entity_paths
            frontier.append(entity)
    return {k: replace(v, aggregate_share=round(total[k], 12)) for k, v in derived.items()}


def apply_ownership_rules(
    network: SupplyNetwork,
    scenario: Scenario,
    *,
    as_of: date | None = None,
    ofac_lists: frozenset[str] = OFAC_50_LISTS,
    bis_lists: frozenset[str] = BIS_AFFILIATES_LISTS,
) -> OwnershipResult:
    """Every party designated in ``scenario`` plus those the ownership rules add.

    A designation "by hand" with no lists is treated as listed everywhere (both rules apply).
    ``as_of`` (default: the scenario's date) decides whether the BIS affiliates rule applies;
    with neither given the rule is reported as not assessed.
    """
    designations: dict[str, list[Designation]] = {}
    for d in scenario.designations:
        designations.setdefault(d.party_id, []).append(d)
    stakes = [(o.owner, o.owned, o.share) for o in network.ownership]
    notes: list[str] = []

    def seeds_for(codes: frozenset[str]) -> dict[str, Designation]:
        out: dict[str, Designation] = {}
        for d in scenario.designations:
            if not d.lists or codes.intersection(d.lists):
                prev = out.get(d.party_id)
                if prev is None or restrictiveness(d) > restrictiveness(prev):
                    out[d.party_id] = d
        return out

    ofac = fixed_point(seeds_for(ofac_lists), stakes, basis="ofac-50-percent")
    notes.append(
        f"OFAC 50 % rule (guidance of 13 Aug 2014) applied to {', '.join(sorted(ofac_lists))}: "
        f"{len(ofac)} derived"
    )
    for pid, d in ofac.items():
        designations.setdefault(pid, []).append(d)

    when = as_of or scenario.as_of
    if when is None:
        notes.append("BIS affiliates rule not assessed: no date given")
    else:
        in_force, why = bis_affiliates_rule_status(when)
        if in_force:
            bis_seeds = {
                pid: d
                if d.license_policy
                else replace(
                    d,
                    license_requirement=d.license_requirement or ENTITY_LIST_DEFAULT_REQUIREMENT,
                    license_policy=ENTITY_LIST_DEFAULT_POLICY,
                )
                for pid, d in seeds_for(bis_lists).items()
            }
            bis = fixed_point(bis_seeds, stakes, basis="bis-affiliates-rule", inherit_license=True)
            for pid, d in bis.items():
                designations.setdefault(pid, []).append(d)
            notes.append(f"{why} on {when.isoformat()}: {len(bis)} derived")
        else:
            notes.append(f"{why} (as of {when.isoformat()}): not applied")
    return OwnershipResult(
        designations={k: tuple(v) for k, v in designations.items()}, notes=tuple(notes)
    )


def describe_path(path: tuple[OwnershipStep, ...], names: Mapping[str, str] | None = None) -> str:
    """``"A -[40%]-> B -[30%]-> C"`` for a path of ownership steps."""
    if not path:
        return ""
    label = (lambda pid: names.get(pid, pid)) if names else (lambda pid: pid)
    parts = [label(path[0].owner)]
    for step in path:
        parts.append(f"-[{step.share * 100:g}%]-> {label(step.owned)}")
    return " ".join(parts)
