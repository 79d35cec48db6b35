"""Designation exposure: what a scenario cuts off, inbound (supply) and outbound (sales).

**Inbound.** A designated supplier's primary sources are lost. For each item the share of
volume still deliverable is

    sourcing_now(j)   = Σ share of its primary sources whose supplier is not designated
    sourcing_alt(j)   = min(1, sourcing_now(j) + Σ share of its usable alternates)

(items with no sources are made in-house: 1, or 0 when the site making them is owned by a
designated party or the scenario disrupts them). Production needs every input of the BOM in
its proportion (a Leontief technology, as in the time-to-recover model of Simchi-Levi et al.,
*Interfaces* 45(5), 2015, constraint ``u_j ≤ Σ y_ij / r_kj``), so the fraction of an item that
can still be made is the minimum over its own sourcing and its inputs:

    available(j) = min(sourcing(j), min_{k input of j} available(k))

and a product's revenue (margin) at risk per day is ``demand × (1 − available) × revenue
(margin) per unit``. With alternates, the same holds after ``qualification_days``.

Worked example (tested): a phone (demand 100/day, revenue 200, margin 50) uses a board that
uses a modem chip (sources: S1 60 %, S2 40 %, alternate S3 able to take 60 % after 90 days) and
a display (sources S4 70 %, S5 30 %). S1 designated: the chip is at 40 %, the board and the phone
at 40 %: 60 units/day lost, revenue at risk 12,000 and margin 3,000 per day; with S3 qualified
the chip is back to min(1, 0.4 + 0.6) = 100 % after 90 days.

**Blank capacities** (one rule with :mod:`chainwatch.resilience.network_adapter`): a source
can deliver its share of today's volume and no more — a blank ``capacity_per_day`` is not
"unlimited", so the remaining sources do not make up for a lost one. The resilience model uses
the same rule (a source node's capacity is its share of the item's daily requirement times
``surge_factor``, 1 by default), so both say "60 % lost" when a 60 % source is cut.

**Outbound.** A shipment to a designated customer: if the customer is blocked by OFAC (SDN,
or owned 50 % by SDNs), dealings are prohibited; if it is on the Entity List (or an affiliate
under the BIS rule), a licence is required for every item subject to the EAR (15 CFR 744.11)
— a US-origin item, or a foreign-made item whose US-controlled content exceeds the de minimis
level for the destination (:mod:`chainwatch.network.deminimis`). Direct-product rules
(15 CFR 734.9) are not assessed and are said to be. A shipment to an **embargoed destination**
(Country Group E:1 or E:2: Cuba, Iran, North Korea, Syria) is flagged even when the buyer is on
no list: an item subject to the EAR needs a licence there (EAR99 included, 15 CFR Part 746),
and the row names the destination group and the rule.

**All single-stage disruptions at once.** :func:`single_stage_exposure` computes, for every
item j, the revenue and margin at risk when j alone is disrupted: every item that uses j
directly or indirectly stops. Reachability to products is propagated once in BOM order as
bitsets (``reach(j) = {j if product} ∪ ⋃_{p parent of j} reach(p)``), then weighted in one
matrix product — O(edges · products / 64) instead of one graph search per scenario.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chainwatch.model.network import Designation, Scenario, Shipment, Source, SupplyNetwork
from chainwatch.network.bom import bom_order
from chainwatch.network.country_groups import EMBARGOED
from chainwatch.network.country_groups import SOURCE as COUNTRY_GROUP_SOURCE
from chainwatch.network.deminimis import DeMinimisResult, de_minimis
from chainwatch.network.ownership import (
    BIS_AFFILIATES_LISTS,
    OFAC_50_LISTS,
    OwnershipResult,
    apply_ownership_rules,
    describe_path,
)


@dataclass(frozen=True, slots=True)
class SupplierImpact:
    """A designated party that supplies items, and what its designation means for buying."""

    party_id: str
    name: str
    country: str
    lists: tuple[str, ...]
    basis: str
    effect: str
    items: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ItemExposure:
    """How much of one item can still be had, now and once alternates are qualified."""

    item_id: str
    name: str
    kind: str
    sourcing_now: float
    sourcing_with_alternates: float
    qualification_days: float
    available_now: float
    available_with_alternates: float
    lost_suppliers: tuple[str, ...]
    alternates: tuple[str, ...]
    short_inputs: tuple[str, ...]
    on_hand: float
    cause: str
    #: how its own sourcing comes back: (days, share of volume added, source label), in order
    recovery_steps: tuple[tuple[float, float, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ProductExposure:
    """A product hit through its BOM: units, revenue and margin per day at risk."""

    item_id: str
    name: str
    demand_per_day: float
    available_now: float
    available_with_alternates: float
    units_lost_per_day: float
    revenue_at_risk_per_day: float
    margin_at_risk_per_day: float
    revenue_at_risk_after_alternates_per_day: float
    margin_at_risk_after_alternates_per_day: float
    recovery_days: float | None  # days until alternates restore it fully; None: they cannot
    via: tuple[str, ...]  # the items on its BOM whose own sourcing is cut


@dataclass(frozen=True, slots=True)
class InboundExposure:
    """Inbound exposure of one scenario."""

    scenario: str
    designated: OwnershipResult
    suppliers: tuple[SupplierImpact, ...]
    items: tuple[ItemExposure, ...]
    products: tuple[ProductExposure, ...]

    @property
    def revenue_at_risk_per_day(self) -> float:
        return sum(p.revenue_at_risk_per_day for p in self.products)

    @property
    def margin_at_risk_per_day(self) -> float:
        return sum(p.margin_at_risk_per_day for p in self.products)

    @property
    def revenue_at_risk_after_alternates_per_day(self) -> float:
        return sum(p.revenue_at_risk_after_alternates_per_day for p in self.products)

    def item(self, item_id: str) -> ItemExposure:
        return next(i for i in self.items if i.item_id == item_id)

    def product(self, item_id: str) -> ProductExposure:
        return next(p for p in self.products if p.item_id == item_id)

    def exposed_items(self) -> set[str]:
        return {i.item_id for i in self.items if i.available_now < 1.0}


@dataclass(frozen=True, slots=True)
class OutboundRow:
    """A shipment to a designated customer and what it now needs."""

    customer: str
    customer_name: str
    item_id: str
    destination_country: str
    quantity_per_day: float
    revenue_per_day: float
    lists: tuple[str, ...]
    basis: str
    subject_to_ear: bool
    ear_reason: str
    license_required: str  # "yes", "no", "prohibited", "check"
    license_policy: str
    evidence: tuple[str, ...]
    de_minimis: DeMinimisResult | None
    destination_group: str = ""  # "E:1", "E:2" or ""


#: Embargoed destinations: the country group, the EAR section and the OFAC programme.
EMBARGO_RULES: Mapping[str, tuple[str, str]] = {
    "CU": ("E:2", "15 CFR 746.2 (Cuba); OFAC CACR, 31 CFR Part 515"),
    "IR": ("E:1", "15 CFR 746.7 (Iran); OFAC ITSR, 31 CFR Part 560"),
    "KP": ("E:1", "15 CFR 746.4 (North Korea); OFAC NKSR, 31 CFR Part 510"),
    "SY": ("E:1", "15 CFR 746.9 (Syria; controls eased in 2025: verify the current text)"),
}


def _embargo(dest: str) -> tuple[str, str]:
    group, rule = EMBARGO_RULES.get(dest, ("", ""))
    if not group and dest in EMBARGOED:
        group, rule = "E:1/E:2", "15 CFR Part 746 (embargoes): verify"
    return group, rule


def _effect(lists: Collection[str], basis: str) -> str:
    codes = set(lists)
    if not codes:
        return "designated by hand: supply treated as cut"
    if codes & OFAC_50_LISTS:
        return "blocked by OFAC: US persons may not pay or deal with it; supply cut"
    if codes & BIS_AFFILIATES_LISTS:
        return (
            "Entity List / MEU: exports to it need a licence (15 CFR 744.11); buying from it is "
            "not itself prohibited by the listing — supply treated as cut by this scenario"
        )
    return f"listed on {', '.join(sorted(codes))}: supply treated as cut"


def _evidence(ds: tuple[Designation, ...], names: Mapping[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    for d in ds:
        if d.paths and any(d.paths):
            for path in d.paths:
                out.append(f"{d.basis}: {describe_path(path, names)}")
        else:
            where = ", ".join(d.lists) or "by hand"
            ids = f" [{', '.join(d.entry_ids)}]" if d.entry_ids else ""
            out.append(f"{d.basis} ({where}){ids}{': ' + d.note if d.note else ''}")
    return tuple(out)


def _designated_view(
    designated: OwnershipResult, cut_lists: frozenset[str] | None
) -> dict[str, tuple[Designation, ...]]:
    if cut_lists is None:
        return dict(designated.designations)
    return {
        pid: ds
        for pid, ds in designated.designations.items()
        if any(not d.lists or cut_lists.intersection(d.lists) for d in ds)
    }


def inbound_exposure(
    network: SupplyNetwork,
    scenario: Scenario,
    *,
    designated: OwnershipResult | None = None,
    cut_lists: frozenset[str] | None = None,
    cut_lines: Mapping[tuple[str, str], str] | None = None,
    licensed: Mapping[tuple[str, str], tuple[float, float]] | None = None,
) -> InboundExposure:
    """Inbound exposure of ``scenario`` (ownership rules applied unless ``designated`` given).

    ``cut_lists``: only designations on these lists cut supply (None: every designation does;
    a party designated by hand always does). A party with role ``self`` (the company whose
    network this is) never cuts its own plants: its listing acts through ``cut_lines``.

    ``cut_lines``: source lines ``(supplier, item)`` cut whoever the supplier is, with the
    reason (the self-listing scenario: lines subject to the EAR). Cut alternates are not
    usable either. ``licensed``: cut primary lines that come back under a licence, as
    ``(share of the line returned, days until it returns)``; they count like alternates.
    """
    result = designated or apply_ownership_rules(network, scenario)
    cut = {
        pid: ds
        for pid, ds in _designated_view(result, cut_lists).items()
        if not (network.has_party(pid) and "self" in network.party(pid).roles)
    }
    lines = cut_lines or {}
    lic = licensed or {}
    names = {p.id: p.name for p in network.parties}
    disrupted = set(scenario.disrupted_items)

    suppliers: list[SupplierImpact] = []
    for pid, ds in sorted(cut.items()):
        supplied = tuple(dict.fromkeys(s.item for s in network.supplied_by(pid)))
        owned_sites = [s.id for s in network.sites if s.owner == pid]
        if not supplied and not owned_sites:
            continue
        lists = tuple(dict.fromkeys(c for d in ds for c in d.lists))
        party = network.party(pid) if network.has_party(pid) else None
        suppliers.append(
            SupplierImpact(
                party_id=pid,
                name=party.name if party else pid,
                country=party.country if party else "",
                lists=lists,
                basis=", ".join(dict.fromkeys(d.basis for d in ds)),
                effect=_effect(lists, ds[0].basis),
                items=supplied + tuple(f"site:{s}" for s in owned_sites),
                evidence=_evidence(ds, names),
            )
        )

    by_line: dict[str, list[str]] = {}
    for sup, item_id in lines:
        if sup not in cut:
            by_line.setdefault(sup, []).append(item_id)
    for sup, item_ids in sorted(by_line.items()):
        party = network.party(sup) if network.has_party(sup) else None
        reasons = tuple(dict.fromkeys(lines[sup, i] for i in item_ids))
        suppliers.append(
            SupplierImpact(
                party_id=sup,
                name=party.name if party else sup,
                country=party.country if party else "",
                lists=(),
                basis="lines cut",
                effect="; ".join(reasons),
                items=tuple(dict.fromkeys(item_ids)),
                evidence=tuple(f"{sup} -> {i}: {lines[sup, i]}" for i in item_ids),
            )
        )

    own: dict[str, tuple[float, float, float, tuple[str, ...], tuple[str, ...], str]] = {}
    steps: dict[str, tuple[tuple[float, float, str], ...]] = {}
    for item in network.items:
        site_owner = network.site(item.site_id).owner if network.has_site(item.site_id) else ""
        if item.id in disrupted:
            own[item.id] = (0.0, 0.0, 0.0, (), (), "disrupted by the scenario")
            continue
        if site_owner and site_owner in cut:
            own[item.id] = (0.0, 0.0, 0.0, (), (), f"made at a site owned by {site_owner}")
            continue
        sources = network.sources_of(item.id)
        primaries = [s for s in sources if not s.is_alternate]
        if not primaries:
            own[item.id] = (1.0, 1.0, 0.0, (), (), "")
            continue

        def is_cut(s: Source) -> bool:
            return s.supplier in cut or (s.supplier, s.item) in lines

        lost = tuple(s.supplier for s in primaries if is_cut(s))
        now = min(1.0, sum(s.share_of_volume for s in primaries if not is_cut(s)))
        options = [
            (s.qualification_days, s.share_of_volume, s.supplier)
            for s in sources
            if s.is_alternate and not is_cut(s)
        ]
        for s in primaries:
            back = lic.get((s.supplier, s.item))
            if back is not None and is_cut(s) and back[0] > 0:
                options.append((back[1], s.share_of_volume * back[0], f"licence:{s.supplier}"))
        options.sort(key=lambda o: o[0])
        with_alt, qual_days, used = now, 0.0, []
        taken: list[tuple[float, float, str]] = []
        for days, share, label in options:
            if with_alt >= 1.0 - 1e-12:
                break
            added = min(1.0, with_alt + share) - with_alt
            with_alt += added
            qual_days = max(qual_days, days)
            used.append(label)
            taken.append((days, added, label))
        steps[item.id] = tuple(taken)
        lost_party = [p for p in lost if p in cut]
        lost_line = [p for p in lost if p not in cut]
        cause = "; ".join(
            part
            for part in (
                f"designated supplier(s): {', '.join(lost_party)}" if lost_party else "",
                f"{', '.join(lost_line)}: {lines[lost_line[0], item.id]}" if lost_line else "",
            )
            if part
        )
        own[item.id] = (now, with_alt, qual_days, lost, tuple(used), cause)

    avail_now: dict[str, float] = {}
    avail_alt: dict[str, float] = {}
    days_to: dict[str, float | None] = {}
    short: dict[str, tuple[str, ...]] = {}
    root_causes: dict[str, set[str]] = {}
    for item_id in reversed(bom_order(network)):  # inputs before their users
        now, alt, qual_days, _, _, _ = own[item_id]
        inputs = [e.child for e in network.children(item_id)]
        a_now = min([now, *(avail_now[c] for c in inputs)])
        a_alt = min([alt, *(avail_alt[c] for c in inputs)])
        avail_now[item_id], avail_alt[item_id] = a_now, a_alt
        short[item_id] = tuple(c for c in inputs if avail_now[c] < 1.0)
        causes = {item_id} if now < 1.0 else set()
        for c in short[item_id]:
            causes |= root_causes[c]
        root_causes[item_id] = causes
        if a_alt < 1.0 - 1e-12:
            days_to[item_id] = None
        else:
            waits = [qual_days if now < 1.0 else 0.0]
            for c in inputs:
                wait = days_to[c]
                waits.append(wait if wait is not None else float("inf"))
            days_to[item_id] = max(waits)

    items = tuple(
        ItemExposure(
            item_id=i.id,
            name=i.name,
            kind=i.kind,
            sourcing_now=own[i.id][0],
            sourcing_with_alternates=own[i.id][1],
            qualification_days=own[i.id][2],
            available_now=avail_now[i.id],
            available_with_alternates=avail_alt[i.id],
            lost_suppliers=own[i.id][3],
            alternates=own[i.id][4],
            short_inputs=short[i.id],
            on_hand=network.on_hand(i.id),
            cause=own[i.id][5]
            or (f"inputs short: {', '.join(short[i.id])}" if short[i.id] else ""),
            recovery_steps=steps.get(i.id, ()),
        )
        for i in network.items
    )
    products = []
    for p in network.products():
        lost_frac = 1.0 - avail_now[p.id]
        lost_alt = 1.0 - avail_alt[p.id]
        products.append(
            ProductExposure(
                item_id=p.id,
                name=p.name,
                demand_per_day=p.demand_per_day,
                available_now=avail_now[p.id],
                available_with_alternates=avail_alt[p.id],
                units_lost_per_day=p.demand_per_day * lost_frac,
                revenue_at_risk_per_day=p.demand_per_day * lost_frac * p.revenue_per_unit,
                margin_at_risk_per_day=p.demand_per_day * lost_frac * p.margin_per_unit,
                revenue_at_risk_after_alternates_per_day=p.demand_per_day
                * lost_alt
                * p.revenue_per_unit,
                margin_at_risk_after_alternates_per_day=p.demand_per_day
                * lost_alt
                * p.margin_per_unit,
                recovery_days=days_to[p.id],
                via=tuple(sorted(root_causes[p.id])),
            )
        )
    return InboundExposure(
        scenario=scenario.name,
        designated=result,
        suppliers=tuple(suppliers),
        items=items,
        products=tuple(products),
    )


def outbound_exposure(
    network: SupplyNetwork,
    scenario: Scenario,
    *,
    designated: OwnershipResult | None = None,
    lower_level_countries: frozenset[str] | None = None,
) -> tuple[OutboundRow, ...]:
    """Every shipment to a designated customer, and every shipment to an embargoed destination
    (Country Group E:1/E:2) whoever the buyer is, with what it now needs (see module doc)."""
    result = designated or apply_ownership_rules(network, scenario)
    names = {p.id: p.name for p in network.parties}
    rows: list[OutboundRow] = []
    for sh in network.shipments:
        ds = result.designations.get(sh.customer)
        group, rule = _embargo(sh.destination_country.upper())
        if not ds and group:
            rows.append(_embargo_row(network, sh, names, group, rule, lower_level_countries))
            continue
        if not ds:
            continue
        item = network.item(sh.item)
        lists = tuple(dict.fromkeys(c for d in ds for c in d.lists))
        basis = ", ".join(dict.fromkeys(d.basis for d in ds))
        dm = de_minimis(
            network, sh.item, sh.destination_country, lower_level_countries=lower_level_countries
        )
        subject = dm.subject_to_ear
        ear_reason = dm.reason + "; direct-product rules (15 CFR 734.9) not assessed"
        codes = set(lists)
        policy = ""
        if not codes or codes & OFAC_50_LISTS or any(d.basis == "ofac-50-percent" for d in ds):
            required = "prohibited"
            policy = "OFAC: property blocked, dealings prohibited for US persons"
        elif codes & {"EL"} or any(d.basis == "bis-affiliates-rule" for d in ds):
            required = "yes" if subject else "no"
            top = max(ds, key=lambda d: (d.license_policy != "", d.license_requirement != ""))
            policy = top.license_policy or "Presumption of denial (15 CFR 744.11, usual policy)"
        elif codes & {"MEU"}:
            required = "check" if subject else "no"
            policy = "MEU: licence required for items in Supplement No. 2 to Part 744 (744.21)"
        else:
            required = "check"
            policy = f"listed on {', '.join(sorted(codes))}: check the list's restrictions"
        price = sh.unit_price or item.revenue_per_unit
        rows.append(
            OutboundRow(
                customer=sh.customer,
                customer_name=names.get(sh.customer, sh.customer),
                item_id=sh.item,
                destination_country=sh.destination_country,
                quantity_per_day=sh.quantity_per_day,
                revenue_per_day=sh.quantity_per_day * price,
                lists=lists,
                basis=basis,
                subject_to_ear=subject,
                ear_reason=ear_reason,
                license_required=required,
                license_policy=policy,
                evidence=_evidence(ds, names),
                de_minimis=dm,
                destination_group=group,
            )
        )
    return tuple(rows)


def _embargo_row(
    network: SupplyNetwork,
    sh: Shipment,
    names: Mapping[str, str],
    group: str,
    rule: str,
    lower_level_countries: frozenset[str] | None,
) -> OutboundRow:
    """A shipment to an embargoed destination (Country Group E:1/E:2), buyer on no list: an
    item subject to the EAR needs a licence (EAR99 included), reviewed under a general policy
    of denial; an item not subject to the EAR still needs a check of the OFAC programme."""
    item = network.item(sh.item)
    dm = de_minimis(
        network, sh.item, sh.destination_country, lower_level_countries=lower_level_countries
    )
    dest = sh.destination_country.upper()
    if dm.subject_to_ear:
        required = "yes"
        policy = (
            f"embargoed destination {dest} (Country Group {group}): licence required for all "
            f"items subject to the EAR, EAR99 included, general policy of denial — {rule}"
        )
    else:
        required = "check"
        policy = (
            f"embargoed destination {dest} (Country Group {group}): not subject to the EAR on "
            f"de minimis grounds, but check the sanctions programme — {rule}"
        )
    price = sh.unit_price or item.revenue_per_unit
    return OutboundRow(
        customer=sh.customer,
        customer_name=names.get(sh.customer, sh.customer),
        item_id=sh.item,
        destination_country=dest,
        quantity_per_day=sh.quantity_per_day,
        revenue_per_day=sh.quantity_per_day * price,
        lists=(),
        basis="embargoed destination",
        subject_to_ear=dm.subject_to_ear,
        ear_reason=dm.reason + "; direct-product rules (15 CFR 734.9) not assessed",
        license_required=required,
        license_policy=policy,
        evidence=(f"destination {dest} in Country Group {group} ({COUNTRY_GROUP_SOURCE})",),
        de_minimis=dm,
        destination_group=group,
    )


# -- every single-stage disruption at once ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class SingleStageExposure:
    """Per item j (``item_ids[j]``): what disrupting j alone puts at risk per day."""

    network: str
    item_ids: tuple[str, ...]
    revenue_at_risk_per_day: npt.NDArray[np.float64]
    margin_at_risk_per_day: npt.NDArray[np.float64]
    products_hit: npt.NDArray[np.int64]


def single_stage_exposure(network: SupplyNetwork) -> SingleStageExposure:
    """Revenue and margin per day at risk for each single-item disruption (bitset propagation).

    Equal, item by item, to :func:`inbound_exposure` with ``Scenario(disrupted_items=(j,))``
    (tested), since a disrupted item makes every item that uses it unavailable.
    """
    order = bom_order(network)  # parents first
    products = [p for p in network.products()]
    pidx = {p.id: k for k, p in enumerate(products)}
    reach: dict[str, int] = {}
    for item_id in order:
        bits = 1 << pidx[item_id] if item_id in pidx else 0
        for e in network.parents(item_id):
            bits |= reach[e.parent]
        reach[item_id] = bits
    ids = tuple(i.id for i in network.items)
    nbytes = max(1, (len(products) + 7) // 8)
    buf = b"".join(reach[i].to_bytes(nbytes, "little") for i in ids)
    matrix = np.unpackbits(
        np.frombuffer(buf, dtype=np.uint8).reshape(len(ids), nbytes), axis=1, bitorder="little"
    )[:, : len(products)].astype(np.float64)
    demand = np.array([p.demand_per_day for p in products], dtype=np.float64)
    revenue = matrix @ (demand * np.array([p.revenue_per_unit for p in products]))
    margin = matrix @ (demand * np.array([p.margin_per_unit for p in products]))
    hit = matrix.sum(axis=1).astype(np.int64)
    return SingleStageExposure(network.name, ids, revenue, margin, hit)


def single_stage_exposure_naive(network: SupplyNetwork) -> SingleStageExposure:
    """The baseline: one graph search per scenario (for the benchmark and the tests)."""
    parents: dict[str, list[str]] = {}
    for e in network.bom:
        parents.setdefault(e.child, []).append(e.parent)
    products = {p.id: p for p in network.products()}
    ids = tuple(i.id for i in network.items)
    rev = np.zeros(len(ids))
    mar = np.zeros(len(ids))
    hit = np.zeros(len(ids), dtype=np.int64)
    for k, start in enumerate(ids):
        seen = {start}
        stack = [start]
        while stack:
            for p in parents.get(stack.pop(), ()):
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        for node in seen:
            prod = products.get(node)
            if prod is not None:
                rev[k] += prod.demand_per_day * prod.revenue_per_unit
                mar[k] += prod.demand_per_day * prod.margin_per_unit
                hit[k] += 1
    return SingleStageExposure(network.name, ids, rev, mar, hit)
