"""``chainwatch network ...``: supply-network commands (argument handling and printing only)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from chainwatch.model.errors import ChainwatchError, InputError
from chainwatch.network.io import load_network
from chainwatch.network.willems import load_willems, load_willems_xlsx
from chainwatch.text.spreadsheets import csv_dict
from chainwatch.workflows.network import (
    check_covered_inventory,
    read_names,
    run_exposure,
    write_report,
)

app = typer.Typer(
    help="Supply networks: validate, exposure to designations, de minimis, covered equipment.",
    no_args_is_help=True,
)
console = Console()


def _fail(exc: ChainwatchError) -> None:
    console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
    raise typer.Exit(2)


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _table(title: str, rows: list[dict[str, Any]], cols: list[str], limit: int = 40) -> Table:
    t = Table(title=title, show_lines=False)
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows[:limit]:
        t.add_row(*(str(r.get(c, "")) for c in cols))
    if len(rows) > limit:
        t.caption = f"{len(rows) - limit} more rows in the files"
    return t


@app.command()
def validate(path: Path) -> None:
    """Read and validate a network (CSV directory or XLSX workbook)."""
    try:
        net = load_network(path)
    except InputError as exc:
        _fail(exc)
        return
    console.print(
        f"[green]ok[/green] {net.name}: {len(net.items)} items, {len(net.bom)} BOM lines, "
        f"{len(net.parties)} parties, {len(net.sources)} sources, {len(net.ownership)} "
        f"ownership stakes, {len(net.shipments)} shipments"
    )


@app.command()
def exposure(
    path: Path,
    designate: list[str] = typer.Option([], "--designate", "-d", help="party id (what-if)"),
    names: Path | None = typer.Option(None, help="file of designated names (one per line)"),
    lists: str = typer.Option("EL,SDN", help="lists for what-if/named designations"),
    as_of: str | None = typer.Option(None, help="date for the ownership rules (YYYY-MM-DD)"),
    cut_lists: str | None = typer.Option(None, help="only these lists cut supply"),
    out: Path | None = typer.Option(None, help="directory for CSV/XLSX/JSON/picture"),
    formats: str = typer.Option("csv,json,xlsx", "--format"),
    picture: str = typer.Option("svg", help="svg, png or none"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    screen: bool = typer.Option(
        True, "--screen/--no-screen", help="screen every party against the active snapshot"
    ),
    db: str | None = typer.Option(None, "--db", envvar="CHAINWATCH_DB", help="store URL"),
) -> None:
    """Exposure of a network to a scenario: designated suppliers, products and revenue hit,
    shipments needing a licence, with the ownership paths behind every derived designation."""
    try:
        screener = None
        if screen:
            from chainwatch.workflows.screening import Screener, database_url, store_for

            store = store_for(database_url(db))
            if store.active() is not None:
                screener = Screener(store).party_screener()
            else:
                console.print("no list snapshot is active: parties are not screened")
        run = run_exposure(
            path,
            screener=screener,
            designate=designate,
            names=read_names(names) if names else (),
            lists=tuple(c.strip() for c in lists.split(",") if c.strip()),
            as_of=date.fromisoformat(as_of) if as_of else None,
            cut_lists=frozenset(cut_lists.split(",")) if cut_lists else None,
        )
        written = (
            write_report(
                run,
                out,
                formats=[f.strip() for f in formats.split(",") if f.strip()],
                picture=None if picture == "none" else picture,
            )
            if out
            else []
        )
    except ChainwatchError as exc:
        _fail(exc)
        return
    s = run.report.summary
    if as_json:
        print(json.dumps(s, indent=2, default=str))
        return
    t = run.report.tables
    console.rule(f"[bold]{run.network.name}[/bold] — scenario: {run.scenario.name}")
    for note in s["rules"]:
        console.print(f"  rule: {note}")
    if run.unmatched_names:
        console.print(f"  names matching no party: {', '.join(run.unmatched_names)}")
    console.print(
        _table(
            "Designated parties",
            t["designations"],
            [
                "party_name",
                "basis",
                "lists",
                "aggregate_share",
                "ownership_paths",
                "license_policy",
                "note",
            ],
        )
    )
    console.print(
        _table("Suppliers hit", t["suppliers"], ["name", "country", "lists", "effect", "items"])
    )
    console.print(
        _table(
            "Items losing supply",
            t["items"],
            [
                "item_id",
                "name",
                "sourcing_now",
                "sourcing_with_alternates",
                "qualification_days",
                "available_now",
                "cause",
            ],
        )
    )
    console.print(
        _table(
            "Products",
            t["products"],
            [
                "item_id",
                "demand_per_day",
                "available_now",
                "revenue_at_risk_per_day",
                "margin_at_risk_per_day",
                "revenue_at_risk_after_alternates_per_day",
                "recovery_days",
                "via",
            ],
        )
    )
    if t["outbound"]:
        console.print(
            _table(
                "Shipments to designated customers",
                t["outbound"],
                [
                    "customer_name",
                    "item_id",
                    "destination_country",
                    "us_content_ratio",
                    "subject_to_ear",
                    "license_required",
                    "license_policy",
                ],
            )
        )
    console.print(
        f"revenue at risk {_money(s['revenue_at_risk_per_day'])}/day, margin at risk "
        f"{_money(s['margin_at_risk_per_day'])}/day; after alternates "
        f"{_money(s['revenue_at_risk_after_alternates_per_day'])}/day; "
        f"{s['shipments_needing_licence']} shipment(s) need a licence, "
        f"{s['shipments_prohibited']} prohibited"
    )
    for f in written:
        console.print(f"  wrote {f}")


@app.command("de-minimis")
def de_minimis_cmd(path: Path, item: str, destination: str) -> None:
    """De minimis calculation (15 CFR 734.4) for one item and destination, line by line."""
    from chainwatch.network.deminimis import de_minimis

    try:
        net = load_network(path)
    except InputError as exc:
        _fail(exc)
        return
    if not net.has_item(item):
        console.print(f"[red]error:[/red] unknown item {item!r}")
        raise typer.Exit(2)
    console.print(de_minimis(net, item, destination).explain())


@app.command()
def covered(
    devices: Path,
    oui: list[Path] = typer.Option([], "--oui", help="IEEE registry CSV(s); default ieee-data"),
    out: Path | None = typer.Option(None, help="write findings to this CSV"),
) -> None:
    """Check a device inventory (id,vendor,model,mac) for NDAA § 889 covered equipment."""
    try:
        findings, used = check_covered_inventory(devices, oui or None)
    except InputError as exc:
        _fail(exc)
        return
    from chainwatch.network.report import covered_table

    rows = covered_table(findings)
    console.print(f"IEEE registry: {used}")
    console.print(
        _table(
            "Covered equipment (NDAA FY2019 § 889 / FCC Covered List)",
            rows,
            ["device_id", "vendor", "model", "mac", "status", "company", "relation", "matched_by"],
            limit=200,
        )
    )
    console.print("evidence for each finding: use --out FILE.csv")
    if out:
        import csv

        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["device_id"])
            w.writeheader()
            w.writerows(csv_dict(r) for r in rows)
    n = sum(1 for f in findings if f.covered)
    console.print(f"{n} of {len(findings)} device(s) covered")


@app.command()
def willems(root: Path, top: int = 10) -> None:
    """Load Willems (2008) chains (folder with csv/ or the .xlsx) and show the worst
    single-stage disruptions under the labelled assumptions."""
    from chainwatch.network.exposure import single_stage_exposure

    try:
        nets = load_willems_xlsx(root) if root.suffix == ".xlsx" else load_willems(root)
    except InputError as exc:
        _fail(exc)
        return
    rows: list[dict[str, Any]] = []
    for net in nets:
        res = single_stage_exposure(net)
        for k, item_id in enumerate(res.item_ids):
            rows.append(
                {
                    "chain": net.name,
                    "stage": item_id,
                    "products_hit": int(res.products_hit[k]),
                    "revenue_at_risk_per_day": _money(float(res.revenue_at_risk_per_day[k])),
                    "_r": float(res.revenue_at_risk_per_day[k]),
                }
            )
    rows.sort(key=lambda r: -float(r["_r"]))
    console.print(f"{len(nets)} chains, {len(rows)} single-stage scenarios")
    console.print(
        _table(
            "Worst single-stage disruptions",
            rows,
            ["chain", "stage", "products_hit", "revenue_at_risk_per_day"],
            limit=top,
        )
    )
    console.print("assumptions: " + "; ".join(f"{a.name}={a.value}" for a in nets[0].assumptions))
