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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chainwatch.model.errors import InputError
from chainwatch.model.network import Designation, Scenario, SupplyNetwork
from chainwatch.network.covered import CoveredFinding, check_devices
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
from chainwatch.text.spreadsheets import csv_dict, xlsx_row


@dataclass(frozen=True, slots=True)
class ExposureRun:
    """Everything one exposure run produced."""

    network: SupplyNetwork
    scenario: Scenario
    inbound: InboundExposure
    report: ExposureReport
    unmatched_names: tuple[str, ...] = ()
    screenings: tuple[PartyScreening, ...] = field(default=())


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
) -> ExposureRun:
    """Load and validate the network, build the scenario (screen hits + names + by hand),
    apply the ownership rules, and compute inbound, outbound and de minimis results."""
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
        unknown = [p for p in designate if not net.has_party(p)]
        if unknown:
            raise InputError(f"unknown party id(s): {', '.join(unknown)}", field="designate")
        designations.extend(scenario_by_hand(net, designate, lists=lists).designations)
        parts.append("what-if " + ",".join(designate))
    scenario = Scenario(" + ".join(parts) or "none", tuple(designations), when)
    designated = apply_ownership_rules(net, scenario)
    inbound = inbound_exposure(net, scenario, designated=designated, cut_lists=cut_lists)
    outbound = outbound_exposure(net, scenario, designated=designated)
    dm: list[DeMinimisResult] = []
    for item_id, dest in dict.fromkeys((s.item, s.destination_country) for s in net.shipments):
        dm.append(de_minimis(net, item_id, dest))
    report = build_report(net, inbound, outbound, screenings=screenings, de_minimis_results=dm)
    return ExposureRun(net, scenario, inbound, report, tuple(unmatched), screenings)


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
    for k, v in summary.items():
        ws.append(xlsx_row(ws, [k, "; ".join(v) if isinstance(v, list) else v]))
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
        if picture:
            (tmp / f"network.{picture}").write_bytes(render(run.network, run.inbound, fmt=picture))
        target.mkdir(exist_ok=True)
        written = []
        for f in sorted(tmp.iterdir()):
            os.replace(f, target / f.name)
            written.append(target / f.name)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_covered_inventory(
    devices_path: str | Path, oui_files: Sequence[str | Path] | None = None
) -> tuple[tuple[CoveredFinding, ...], str]:
    """Check a device inventory; returns the findings and which registry files were used."""
    devices = load_devices(devices_path)
    registry = load_oui_registry(oui_files or DEFAULT_OUI_FILES)
    used = registry.origin if registry else "none (install Debian's ieee-data for MAC checks)"
    return check_devices(devices, registry), used


def designations_only(net: SupplyNetwork, scenario: Scenario) -> list[str]:
    """Party ids designated after the ownership rules (for quick checks)."""
    return sorted(apply_ownership_rules(net, scenario).party_ids)
