"""Exposure results as plain tables (lists of flat dicts) for CSV, XLSX, JSON and the terminal.

Pure: the workflow writes the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chainwatch.model.network import SupplyNetwork
from chainwatch.network.covered import CoveredFinding
from chainwatch.network.deminimis import DeMinimisResult
from chainwatch.network.exposure import InboundExposure, OutboundRow
from chainwatch.network.ownership import describe_path
from chainwatch.network.scenario import PartyScreening
from chainwatch.network.self_listing import SelfListing

Table = list[dict[str, Any]]


def _r(x: float) -> float:
    return round(x, 6)


@dataclass(frozen=True, slots=True)
class ExposureReport:
    """Every table of one exposure run, by name (the file stem each is written to)."""

    network: str
    scenario: str
    tables: dict[str, Table]
    summary: dict[str, Any]


def designation_table(network: SupplyNetwork, inbound: InboundExposure) -> Table:
    names = {p.id: p.name for p in network.parties}
    rows = []
    for pid, ds in sorted(inbound.designated.designations.items()):
        for d in ds:
            rows.append(
                {
                    "party_id": pid,
                    "party_name": names.get(pid, pid),
                    "basis": d.basis,
                    "lists": ";".join(d.lists),
                    "entry_ids": ";".join(d.entry_ids),
                    "aggregate_share": _r(d.aggregate_share) if d.paths and any(d.paths) else "",
                    "license_requirement": d.license_requirement,
                    "license_policy": d.license_policy,
                    "ownership_paths": " | ".join(describe_path(p, names) for p in d.paths if p),
                    "note": d.note,
                }
            )
    return rows


def screening_table(screenings: Sequence[PartyScreening]) -> Table:
    rows = []
    for s in screenings:
        if not s.matches:
            rows.append({"party_id": s.party_id, "party_name": s.name, "hit": False})
        for m in s.matches:
            rows.append(
                {
                    "party_id": s.party_id,
                    "party_name": s.name,
                    "hit": True,
                    "entry_id": m.entry_id,
                    "source": m.source,
                    "listed_name": m.listed_name,
                    "matched_name": m.matched_name,
                    "score": _r(m.score),
                    "algorithm": m.algorithm,
                    "snapshot": m.snapshot,
                }
            )
    return rows


def inbound_tables(inbound: InboundExposure) -> dict[str, Table]:
    suppliers = [
        {
            "party_id": s.party_id,
            "name": s.name,
            "country": s.country,
            "lists": ";".join(s.lists),
            "basis": s.basis,
            "effect": s.effect,
            "items": ";".join(s.items),
            "evidence": " | ".join(s.evidence),
        }
        for s in inbound.suppliers
    ]
    items = [
        {
            "item_id": i.item_id,
            "name": i.name,
            "kind": i.kind,
            "sourcing_now": _r(i.sourcing_now),
            "sourcing_with_alternates": _r(i.sourcing_with_alternates),
            "qualification_days": i.qualification_days,
            "available_now": _r(i.available_now),
            "available_with_alternates": _r(i.available_with_alternates),
            "lost_suppliers": ";".join(i.lost_suppliers),
            "alternates": ";".join(i.alternates),
            "short_inputs": ";".join(i.short_inputs),
            "on_hand": i.on_hand,
            "cause": i.cause,
        }
        for i in inbound.items
        if i.available_now < 1.0 or i.sourcing_now < 1.0
    ]
    products = [
        {
            "item_id": p.item_id,
            "name": p.name,
            "demand_per_day": p.demand_per_day,
            "available_now": _r(p.available_now),
            "available_with_alternates": _r(p.available_with_alternates),
            "units_lost_per_day": _r(p.units_lost_per_day),
            "revenue_at_risk_per_day": _r(p.revenue_at_risk_per_day),
            "margin_at_risk_per_day": _r(p.margin_at_risk_per_day),
            "revenue_at_risk_after_alternates_per_day": _r(
                p.revenue_at_risk_after_alternates_per_day
            ),
            "recovery_days": "" if p.recovery_days is None else p.recovery_days,
            "via": ";".join(p.via),
        }
        for p in inbound.products
    ]
    return {"suppliers": suppliers, "items": items, "products": products}


def outbound_table(rows: Sequence[OutboundRow]) -> Table:
    return [
        {
            "customer": r.customer,
            "customer_name": r.customer_name,
            "item_id": r.item_id,
            "destination_country": r.destination_country,
            "quantity_per_day": r.quantity_per_day,
            "revenue_per_day": _r(r.revenue_per_day),
            "lists": ";".join(r.lists),
            "basis": r.basis,
            "subject_to_ear": r.subject_to_ear,
            "ear_reason": r.ear_reason,
            "license_required": r.license_required,
            "destination_group": r.destination_group,
            "license_policy": r.license_policy,
            "us_content_ratio": _r(r.de_minimis.ratio) if r.de_minimis else "",
            "evidence": " | ".join(r.evidence),
        }
        for r in rows
    ]


def de_minimis_table(results: Sequence[DeMinimisResult]) -> Table:
    rows: Table = []
    for res in results:
        for ln in res.lines:
            rows.append(
                {
                    "item_id": res.item_id,
                    "destination_country": res.destination_country,
                    "line_item": ln.item_id,
                    "line_name": ln.item_name,
                    "quantity": ln.quantity,
                    "supplier": ln.supplier,
                    "eccn": ln.eccn,
                    "controlled_value_per_unit": ln.controlled_value_per_unit,
                    "contribution": _r(ln.contribution),
                    "reason": ln.reason,
                }
            )
        rows.append(
            {
                "item_id": res.item_id,
                "destination_country": res.destination_country,
                "line_item": "TOTAL",
                "line_name": f"fair market value {res.fair_market_value:g}",
                "contribution": _r(res.controlled_us_content),
                "reason": f"{res.ratio:.2%} vs {res.level:.0%}: {res.reason}",
            }
        )
    return rows


def ear_decision_table(listing: SelfListing) -> Table:
    """Every source line with its "subject to the EAR" decision and the reason."""
    return [
        {
            "item_id": d.item_id,
            "item_name": d.item_name,
            "supplier": d.supplier,
            "supplier_name": d.supplier_name,
            "alternate": d.is_alternate,
            "share_of_volume": _r(d.share_of_volume),
            "origin_country": d.origin_country,
            "eccn": d.eccn,
            "subject_to_ear": d.subject_to_ear,
            "basis": d.basis,
            "us_content_ratio": "" if d.us_content_ratio is None else _r(d.us_content_ratio),
            "de_minimis_level": "" if d.de_minimis_level is None else d.de_minimis_level,
            "effect": (
                ("alternate not usable: " if d.is_alternate else "") + _policy_effect(listing)
                if d.subject_to_ear
                else "not affected"
            ),
            "reason": d.reason,
        }
        for d in listing.decisions
    ]


def _policy_effect(listing: SelfListing) -> str:
    pol = listing.policy
    if pol.kind == "denial":
        return "licence required, presumption of denial: supply cut"
    return (
        f"licence required ({pol.kind}): cut for {pol.licence_lead_time_days:g} days, then "
        f"{pol.approval_rate:.0%} licensed (assumptions)"
    )


def listing_summary(listing: SelfListing, party_name: str = "") -> dict[str, Any]:
    t = listing.terms
    subject = [d for d in listing.decisions if d.subject_to_ear]
    return {
        "party_id": t.party_id,
        "party_name": party_name,
        "lists": list(t.lists),
        "entry": t.origin,
        "entry_ids": list(t.entry_ids),
        "license_requirement": t.license_requirement,
        "license_policy": t.license_policy,
        "fdp_footnote": t.fdp_footnote,
        "requirement_note": t.scope_note,
        "policy_applied": listing.policy.kind,
        "approval_rate": listing.policy.approval_rate,
        "licence_lead_time_days": listing.policy.licence_lead_time_days,
        "policy_note": listing.policy.note,
        "destination_country": listing.destination_country,
        "source_lines": len(listing.decisions),
        "lines_subject_to_ear": len(subject),
        "lines_by_basis": {
            b: sum(1 for d in listing.decisions if d.basis == b)
            for b in ("us-origin", "de-minimis", "foreign-direct-product", "not-subject")
        },
    }


def covered_table(findings: Sequence[CoveredFinding]) -> Table:
    return [
        {
            "device_id": f.device_id,
            "vendor": f.vendor,
            "model": f.model,
            "mac": f.mac,
            "status": f.status,
            "company": f.company,
            "relation": f.relation,
            "matched_by": ";".join(f.matched_by),
            "evidence": " | ".join(f.evidence),
            "scope": f.scope,
        }
        for f in findings
    ]


def assumptions_table(network: SupplyNetwork) -> Table:
    return [
        {"name": a.name, "value": a.value, "description": a.description}
        for a in network.assumptions
    ]


def build_report(
    network: SupplyNetwork,
    inbound: InboundExposure,
    outbound: Sequence[OutboundRow],
    *,
    screenings: Sequence[PartyScreening] = (),
    de_minimis_results: Sequence[DeMinimisResult] = (),
    listing: SelfListing | None = None,
) -> ExposureReport:
    """All tables and a summary of one run (with ``listing``: the self-listing decisions)."""
    tables = {
        "designations": designation_table(network, inbound),
        **inbound_tables(inbound),
        "outbound": outbound_table(outbound),
        "de_minimis": de_minimis_table(de_minimis_results),
        "assumptions": assumptions_table(network),
    }
    if screenings:
        tables["screening"] = screening_table(screenings)
    if listing is not None:
        tables["ear_decisions"] = ear_decision_table(listing)
        tables["assumptions"] = tables["assumptions"] + [
            {"name": a.name, "value": a.value, "description": a.description}
            for a in listing.assumptions()
        ]
    summary = {
        "network": network.name,
        "scenario": inbound.scenario,
        "designated_parties": len(inbound.designated.designations),
        "derived_by_ownership": len(inbound.designated.derived()),
        "suppliers_hit": len(inbound.suppliers),
        "items_exposed": len(inbound.exposed_items()),
        "products_hit": sum(1 for p in inbound.products if p.available_now < 1.0),
        "revenue_at_risk_per_day": _r(inbound.revenue_at_risk_per_day),
        "margin_at_risk_per_day": _r(inbound.margin_at_risk_per_day),
        "revenue_at_risk_after_alternates_per_day": _r(
            inbound.revenue_at_risk_after_alternates_per_day
        ),
        "shipments_needing_licence": sum(1 for r in outbound if r.license_required == "yes"),
        "shipments_prohibited": sum(1 for r in outbound if r.license_required == "prohibited"),
        "rules": list(inbound.designated.notes),
    }
    if listing is not None:
        me = listing.terms.party_id
        summary["listing"] = listing_summary(
            listing, network.party(me).name if network.has_party(me) else me
        )
    return ExposureReport(network.name, inbound.scenario, tables, summary)
