"""Use cases for supply networks: exposure runs, report files, covered-equipment checks.

The screener is passed in (any :class:`~chainwatch.network.scenario.PartyScreener`); this
module reads and writes files but keeps nothing in the store. Report files are written into a
temporary directory next to the target and moved into place only when every file is complete,
so a failed run leaves no partial report.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from chainwatch.model.errors import InputError
from chainwatch.model.lists import ListEntry
from chainwatch.model.network import Designation, Scenario, SupplyNetwork
from chainwatch.model.screening import Query
from chainwatch.network.covered import (
    CoveredFinding,
    FuzzyMatcher,
    NameHit,
    check_devices,
    fuzzy_targets,
)
from chainwatch.network.deminimis import DeMinimisResult, de_minimis
from chainwatch.network.draw import render
from chainwatch.network.exposure import InboundExposure, inbound_exposure, outbound_exposure
from chainwatch.network.io import DEFAULT_OUI_FILES, load_devices, load_network, load_oui_registry
from chainwatch.network.ownership import apply_ownership_rules
from chainwatch.network.report import ExposureReport, build_report
from chainwatch.network.scenario import (
    PartyScreener,
    PartyScreening,
    scenario_by_hand,
    scenario_from_names,
    scenario_from_screening,
    screen_parties,
)
from chainwatch.network.self_listing import (
    DEFAULT_POLICY,
    DEFAULT_REQUIREMENT,
    ListingTerms,
    SelfListing,
    decide_self_listing,
    fdp_footnote,
    self_party,
)
from chainwatch.resilience.network_adapter import ResilienceParams
from chainwatch.screening.algorithm import Matcher
from chainwatch.screening.index import ScreeningIndex
from chainwatch.text.spreadsheets import csv_dict, xlsx_row
from chainwatch.workflows.self_listing import answer_text, listing_resilience, plans_table


@dataclass(frozen=True, slots=True)
class ExposureRun:
    """Everything one exposure run produced."""

    network: SupplyNetwork
    scenario: Scenario
    inbound: InboundExposure
    report: ExposureReport
    unmatched_names: tuple[str, ...] = ()
    screenings: tuple[PartyScreening, ...] = field(default=())
    listing: SelfListing | None = None


def read_names(path: str | Path) -> list[tuple[str, tuple[str, ...]]]:
    """A designated-names file: one name per line, optionally ``name<TAB>LIST[;LIST]``;
    blank lines and lines starting with ``#`` are skipped."""
    file = Path(path)
    if not file.exists():
        raise InputError("file not found", file=str(file))
    out = []
    for n, line in enumerate(file.read_text(encoding="utf-8-sig").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, _, lists = text.partition("\t")
        if not name.strip():
            raise InputError("empty name", file=str(file), row=n, field="name")
        out.append((name.strip(), tuple(c.strip() for c in lists.split(";") if c.strip())))
    return out


def run_exposure(
    path: str | Path,
    *,
    designate: Sequence[str] = (),
    names: Sequence[tuple[str, tuple[str, ...]]] = (),
    lists: tuple[str, ...] = ("EL", "SDN"),
    as_of: date | None = None,
    screener: PartyScreener | None = None,
    min_score: float = 0.0,
    cut_lists: frozenset[str] | None = None,
    network: SupplyNetwork | None = None,
    licence_requirement: str = "",
    licence_policy: str = "",
    approval_rate: float | None = None,
    licence_lead_time_days: float | None = None,
    destination: str = "",
    entry_licences: EntryLicences | None = None,
    resilience_params: ResilienceParams | None = None,
) -> ExposureRun:
    """Load and validate the network, build the scenario (screen hits + names + by hand),
    apply the ownership rules, and compute inbound, outbound and de minimis results.

    **Self listing**: when the party with role ``self`` is designated (``designate`` may say
    ``"self"``; or a screen or a name hits it), every source line is decided "subject to the
    EAR or not" (:mod:`chainwatch.network.self_listing`) under the entry's licence
    requirement and policy — from the screened entry (``entry_licences`` maps entry ids to
    ``(requirement, policy)``), or the ``licence_requirement``/``licence_policy`` stated (a
    hypothetical entry; default "all items subject to the EAR", presumption of denial).
    Affected lines are cut, licensed lines come back per the policy, and the resilience
    models give TTS, TTR, lost margin and the bridging stock per affected component
    (:mod:`chainwatch.workflows.self_listing`), added to the report as ``listing_resilience``.
    """
    net = network or load_network(path)
    when = as_of or date.today()
    designations: list[Designation] = []
    screenings: tuple[PartyScreening, ...] = ()
    parts = []
    if screener is not None:
        screenings = screen_parties(net, screener, min_score=min_score)
        designations.extend(scenario_from_screening(screenings).designations)
        parts.append("screened")
    unmatched: list[str] = []
    by_list: dict[tuple[str, ...], list[str]] = {}
    for name, name_lists in names:
        by_list.setdefault(name_lists or lists, []).append(name)
    for name_lists, group in by_list.items():
        scen, missing = scenario_from_names(net, group, lists=name_lists)
        designations.extend(scen.designations)
        unmatched.extend(missing)
    if names:
        parts.append("names")
    if designate:
        designate = [self_party(net) if p.casefold() == "self" else p for p in designate]
        unknown = [p for p in designate if not net.has_party(p)]
        if unknown:
            raise InputError(f"unknown party id(s): {', '.join(unknown)}", field="designate")
        me = next((p.id for p in net.parties if "self" in p.roles), None)
        others = [p for p in designate if p != me]
        if others:
            designations.extend(scenario_by_hand(net, others, lists=lists).designations)
        if me in designate:
            # the listed company's view is an Entity List scenario: SDN blocking is another
            # question (and would not leave "licence needed" as the effect)
            self_lists = tuple(c for c in lists if c != "SDN") or ("EL",)
            designations.extend(
                scenario_by_hand(net, [me], lists=self_lists, name="self").designations
            )
        if others:
            parts.append("what-if " + ",".join(others))
    listing: SelfListing | None = None
    selves = [d for d in designations if "self" in net.party(d.party_id).roles]
    if selves:
        req_a = net.assumption("listing.license_requirement")
        pol_a = net.assumption("listing.license_policy")
        terms = _listing_terms(
            selves,
            licence_requirement,
            licence_policy,
            entry_licences,
            default_lists=lists,
            stated_requirement=str(req_a.value) if req_a else "",
            stated_policy=str(pol_a.value) if pol_a else "",
        )
        listing = decide_self_listing(
            net,
            terms,
            destination_country=destination,
            approval_rate=approval_rate,
            licence_lead_time_days=licence_lead_time_days,
        )
        designations = [
            replace(
                d,
                license_requirement=terms.license_requirement,
                license_policy=terms.license_policy,
            )
            if d.party_id == terms.party_id
            else d
            for d in designations
        ]
        parts.append(f"self listing of {net.party(terms.party_id).name}")
    scenario = Scenario(" + ".join(parts) or "none", tuple(designations), when)
    designated = apply_ownership_rules(net, scenario)
    inbound = inbound_exposure(
        net,
        scenario,
        designated=designated,
        cut_lists=cut_lists,
        cut_lines=listing.cut_lines() if listing else None,
        licensed=listing.licensed() if listing else None,
    )
    outbound = outbound_exposure(net, scenario, designated=designated)
    dm: list[DeMinimisResult] = []
    for item_id, dest in dict.fromkeys((s.item, s.destination_country) for s in net.shipments):
        dm.append(de_minimis(net, item_id, dest))
    report = build_report(
        net, inbound, outbound, screenings=screenings, de_minimis_results=dm, listing=listing
    )
    if listing is not None:
        params = resilience_params or ResilienceParams()
        plans, stock = listing_resilience(net, inbound, listing, params)
        report.tables["listing_resilience"] = plans_table(plans)
        report.summary["stockpile"] = stock
        report.tables["assumptions"] = report.tables["assumptions"] + [
            {"name": a.name, "value": a.value, "description": a.description}
            for a in params.assumptions()
        ]
    return ExposureRun(net, scenario, inbound, report, tuple(unmatched), screenings, listing)


EntryLicences = Callable[[Sequence[str]], Mapping[str, tuple[str, str]]]


def _listing_terms(
    selves: Sequence[Designation],
    requirement: str,
    policy: str,
    entry_licences: EntryLicences | None,
    *,
    default_lists: tuple[str, ...],
    stated_requirement: str = "",
    stated_policy: str = "",
) -> ListingTerms:
    """The entry the company is listed under: a screened entry's licence requirement and
    policy, overridden by what the user states (options, then the network's assumptions
    ``listing.license_requirement`` / ``listing.license_policy``); otherwise a hypothetical
    entry with the usual terms."""
    party_id = selves[0].party_id
    entry_ids = tuple(e for d in selves for e in d.entry_ids)
    lists = tuple(dict.fromkeys(c for d in selves for c in d.lists)) or default_lists
    found_req = found_pol = ""
    origin = "hypothetical entry" if not entry_ids else "screen: " + ", ".join(entry_ids)
    if entry_ids and entry_licences is not None:
        known = entry_licences(entry_ids)
        # Entity List entries first; of several (two feeds, or aliases), the most severe: one
        # with a foreign-direct-product footnote, then the longest stated policy
        ranked = sorted(
            entry_ids,
            key=lambda e: (
                not e.startswith("EL"),
                fdp_footnote(known.get(e, ("", ""))[0]) is None,
                -len(known.get(e, ("", ""))[1]),
                e,
            ),
        )
        for eid in ranked:
            if eid in known and (known[eid][0] or known[eid][1]):
                found_req, found_pol = known[eid]
                origin = f"screen: {eid}"
                break
    if requirement or policy:
        origin += "; licence terms as stated by the user"
    from_assumptions = []
    if not (requirement or found_req) and stated_requirement:
        requirement = stated_requirement
        from_assumptions.append("requirement")
    if not (policy or found_pol) and stated_policy:
        policy = stated_policy
        from_assumptions.append("policy")
    if from_assumptions:
        origin += f"; licence {' and '.join(from_assumptions)} from the network's assumptions"
    return ListingTerms(
        party_id=party_id,
        lists=lists,
        license_requirement=requirement or found_req or DEFAULT_REQUIREMENT,
        license_policy=policy or found_pol or DEFAULT_POLICY,
        origin=origin,
        entry_ids=entry_ids,
    )


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols or ["empty"])
        writer.writeheader()
        writer.writerows(csv_dict(r) for r in rows)


def _write_xlsx(
    path: Path, tables: dict[str, list[dict[str, Any]]], summary: dict[str, Any]
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "summary"

    def put(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k2, v2 in value.items():
                put(f"{key}.{k2}", v2)
        elif isinstance(value, list):
            ws.append(xlsx_row(ws, [key, "; ".join(str(v) for v in value)]))
        else:
            ws.append(xlsx_row(ws, [key, value]))

    for k, v in summary.items():
        put(k, v)
    for name, rows in tables.items():
        sheet = wb.create_sheet(name[:31])
        cols = list(dict.fromkeys(k for r in rows for k in r))
        sheet.append(xlsx_row(sheet, cols))
        for r in rows:
            sheet.append(xlsx_row(sheet, [r.get(c, "") for c in cols]))
    wb.save(path)


def write_report(
    run: ExposureRun,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = ("csv", "json", "xlsx"),
    picture: str | None = "svg",
) -> list[Path]:
    """Write the report's tables (CSV per table, one XLSX, one JSON) and the picture.

    All-or-nothing: files are first written to a temporary directory beside ``out_dir``.
    """
    target = Path(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".chainwatch-", dir=target.parent))
    try:
        fmts = set(formats)
        tables, summary = run.report.tables, run.report.summary
        if "csv" in fmts:
            for name, rows in tables.items():
                _write_csv(tmp / f"{name}.csv", rows)
        if "json" in fmts:
            doc = {"summary": summary, "tables": tables}
            (tmp / "exposure.json").write_text(json.dumps(doc, indent=2, default=str) + "\n")
        if "xlsx" in fmts:
            _write_xlsx(tmp / "exposure.xlsx", tables, summary)
        if run.listing is not None and "stockpile" in summary:
            (tmp / "stockpile_answer.txt").write_text(
                answer_text(summary, tables.get("listing_resilience", [])), encoding="utf-8"
            )
        lines = tuple(run.listing.cut_lines()) if run.listing else ()
        for fmt in [f.strip() for f in (picture or "").split(",") if f.strip()]:
            if fmt not in ("svg", "png"):
                raise InputError(f"picture format must be svg or png, not {fmt!r}", field="picture")
            (tmp / f"network.{fmt}").write_bytes(
                render(run.network, run.inbound, fmt=fmt, cut_lines=lines)
            )
        target.mkdir(exist_ok=True)
        written = []
        for f in sorted(tmp.iterdir()):
            os.replace(f, target / f.name)
            written.append(target / f.name)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


FUZZY_THRESHOLD = 0.85


def covered_name_matcher(threshold: float = FUZZY_THRESHOLD) -> FuzzyMatcher:
    """The screening matcher (``chainwatch-v2``) over the covered companies' names, brands and
    subsidiaries, as a :data:`~chainwatch.network.covered.FuzzyMatcher`: finds spelling
    variants ("Hikvison", "Hik-Vision", "Dahua Techonology") a regular expression misses."""
    targets = fuzzy_targets()
    entries = [
        ListEntry(entry_id=f"COVERED:{k}", source="COVERED", name=name, entity_type="company")
        for k, (name, _) in enumerate(targets)
    ]
    matcher = Matcher(ScreeningIndex(entries, "covered-names"))

    def near(vendor: str) -> tuple[NameHit, float, str] | None:
        found = matcher.screen(Query(name=vendor), threshold=threshold, limit=1)
        if not found:
            return None
        best = found[0]
        k = int(best.entry_id.split(":", 1)[1])
        return targets[k][1], best.score, targets[k][0]

    return near


def check_covered_inventory(
    devices_path: str | Path,
    oui_files: Sequence[str | Path] | None = None,
    *,
    fuzzy: bool = True,
) -> tuple[tuple[CoveredFinding, ...], str]:
    """Check a device inventory; returns the findings and which registry files were used.
    Vendor spelling variants are found with the screening matcher (``fuzzy``)."""
    devices = load_devices(devices_path)
    registry = load_oui_registry(oui_files or DEFAULT_OUI_FILES)
    used = registry.origin if registry else "none (install Debian's ieee-data for MAC checks)"
    near = covered_name_matcher() if fuzzy else None
    return check_devices(devices, registry, fuzzy=near), used


def designations_only(net: SupplyNetwork, scenario: Scenario) -> list[str]:
    """Party ids designated after the ownership rules (for quick checks)."""
    return sorted(apply_ownership_rules(net, scenario).party_ids)
