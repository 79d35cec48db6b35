"""``chainwatch network ...``: supply-network commands (argument handling and printing only)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from chainwatch.cli.output import make_console
from chainwatch.model.errors import ChainwatchError, InputError

app = typer.Typer(
    help="Supply networks: validate, exposure to designations, de minimis, covered equipment.",
    no_args_is_help=True,
)
console = make_console()  # results; unwrapped off a terminal
err = make_console(stderr=True)  # errors and notes


def _fail(exc: ChainwatchError) -> None:
    """Print the error (always on standard error: standard output carries only results)."""
    err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
    raise typer.Exit(2)


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _cell(value: Any, width: int = 70) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(title: str, rows: list[dict[str, Any]], cols: list[str], limit: int = 40) -> Table:
    """A terminal table; long cells are cut at 70 characters (the files keep the full text)."""
    t = Table(title=title, show_lines=False)
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows[:limit]:
        t.add_row(*(_cell(r.get(c, "")) for c in cols))
    if len(rows) > limit:
        t.caption = f"{len(rows) - limit} more rows in the files"
    return t


@app.command()
def validate(
    path: Path, as_json: bool = typer.Option(False, "--json", help="print the counts as JSON")
) -> None:
    """Read and validate a network (CSV directory or XLSX workbook)."""
    from chainwatch.network.io import load_network

    try:
        net = load_network(path)
    except InputError as exc:
        _fail(exc)
        return
    if as_json:
        counts = {k: len(getattr(net, k)) for k in ("items", "bom", "parties", "sources")}
        counts.update(ownership=len(net.ownership), shipments=len(net.shipments))
        print(json.dumps({"network": net.name, "ok": True, **counts}, indent=2))
        return
    console.print(
        f"[green]ok[/green] {net.name}: {len(net.items)} items, {len(net.bom)} BOM lines, "
        f"{len(net.parties)} parties, {len(net.sources)} sources, {len(net.ownership)} "
        f"ownership stakes, {len(net.shipments)} shipments"
    )


@app.command()
def exposure(
    path: Path,
    designate: list[str] = typer.Option(
        [], "--designate", "-d", help="party id (what-if); 'self' = the party with role self"
    ),
    names: Path | None = typer.Option(None, help="file of designated names (one per line)"),
    lists: str = typer.Option("EL,SDN", help="lists for what-if/named designations"),
    as_of: str | None = typer.Option(None, help="date for the ownership rules (YYYY-MM-DD)"),
    cut_lists: str | None = typer.Option(None, help="only these lists cut supply"),
    out: Path | None = typer.Option(None, help="directory for CSV/XLSX/JSON/picture"),
    formats: str = typer.Option("csv,json,xlsx", "--format"),
    picture: str = typer.Option("svg", help="svg, png, svg,png or none"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    screen: bool = typer.Option(
        True, "--screen/--no-screen", help="screen every party against the active snapshot"
    ),
    db: str | None = typer.Option(None, "--db", envvar="CHAINWATCH_DB", help="store URL"),
    licence_requirement: str = typer.Option(
        "", help="self listing: the entry's licence requirement (hypothetical entry)"
    ),
    licence_policy: str = typer.Option(
        "", help="self listing: licence review policy (default presumption of denial)"
    ),
    approval_rate: float | None = typer.Option(
        None, help="self listing, case-by-case: share of affected volume licensed (default 0.5)"
    ),
    licence_lead_time_days: float | None = typer.Option(
        None, help="self listing: days until licensed supply resumes (default 60)"
    ),
    destination: str = typer.Option(
        "", help="self listing: the buyer's destination country (default: its country)"
    ),
    set_: list[str] = typer.Option(
        [], "--set", help="self listing: resilience assumption key=value (ramp_days=45 ...)"
    ),
) -> None:
    """Exposure of a network to a scenario: designated suppliers, products and revenue hit,
    shipments needing a licence, with the ownership paths behind every derived designation.

    With ``--designate self`` (or a screen hit on the party with role self): the listed
    company's view — every inbound line decided "subject to the EAR" or not, with the reason,
    the licence policy applied, TTS/TTR per affected component and the bridging stock."""
    from chainwatch.workflows.network import read_names, run_exposure, write_report

    try:
        from chainwatch.resilience.network_adapter import ResilienceParams

        overrides = {}
        for kv in set_:
            if "=" not in kv:
                raise InputError(f"expected key=value, got {kv!r}", field="set")
            key, value = kv.split("=", 1)
            overrides[key.strip()] = value.strip()
        params = ResilienceParams().with_overrides(overrides)
        unknown = {f.strip() for f in formats.split(",") if f.strip()} - {"csv", "json", "xlsx"}
        bad_picture = {f.strip() for f in picture.split(",") if f.strip()} - {"svg", "png", "none"}
        if unknown or bad_picture:
            raise InputError(
                f"unknown --format {', '.join(sorted(unknown))!r} (use csv, json, xlsx)"
                if unknown
                else f"unknown --picture {picture!r} (use svg, png, svg,png or none)",
                field="--format" if unknown else "--picture",
            )
        screener = None
        entry_licences = None
        if screen:
            from chainwatch.workflows.screening import (
                Screener,
                database_url,
                load_index,
                store_for,
            )

            store = store_for(database_url(db))
            snapshot = store.active()
            if snapshot is not None:
                screener = Screener(store).party_screener()

                def entry_licences(ids: Any) -> dict[str, tuple[str, str]]:
                    wanted = set(ids)
                    assert snapshot is not None
                    return {
                        e.entry_id: (e.license_requirement, e.license_policy)
                        for e in load_index(store, snapshot).entries
                        if e.entry_id in wanted
                    }
            else:
                typer.echo("no list snapshot is active: parties are not screened", err=True)
        run = run_exposure(
            path,
            screener=screener,
            designate=designate,
            names=read_names(names) if names else (),
            lists=tuple(c.strip() for c in lists.split(",") if c.strip()),
            as_of=date.fromisoformat(as_of) if as_of else None,
            cut_lists=frozenset(cut_lists.split(",")) if cut_lists else None,
            licence_requirement=licence_requirement,
            licence_policy=licence_policy,
            approval_rate=approval_rate,
            licence_lead_time_days=licence_lead_time_days,
            destination=destination,
            entry_licences=entry_licences,
            resilience_params=params,
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
        print(json.dumps({**s, "files": [str(f) for f in written]}, indent=2, default=str))
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
    if "ear_decisions" in t:
        _print_listing(t, s)
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


def _print_listing(t: dict[str, list[dict[str, Any]]], s: dict[str, Any]) -> None:
    lst = s["listing"]
    console.print(
        f"[bold]Self listing[/bold] of {lst['party_id']} ({lst['entry']}): "
        f"requirement {lst['license_requirement']!r}; FDP footnote: "
        f"{'none' if lst['fdp_footnote'] is None else lst['fdp_footnote'] or 'yes'}; policy "
        f"{lst['policy_applied']} ({lst['license_policy']!r}); destination "
        f"{lst['destination_country']}"
    )
    if lst["policy_note"]:
        console.print(f"  note: {lst['policy_note']}")
    console.print(
        _table(
            "Inbound lines: subject to the EAR?",
            t["ear_decisions"],
            [
                "item_id",
                "supplier",
                "alternate",
                "origin_country",
                "us_content_ratio",
                "subject_to_ear",
                "basis",
            ],
            limit=80,
        )
    )
    console.print(
        _table(
            "Affected components: TTS, TTR and the stock that bridges them",
            t["listing_resilience"],
            [
                "item_id",
                "lost_share",
                "tts_days",
                "ttr_days",
                "lost_margin_over_ttr",
                "extra_stock_units",
                "days_of_cover_after",
                "holding_cost",
                "covered_by_stock",
            ],
        )
    )
    console.print("  the reason for every line: ear_decisions.csv (--out DIR)")
    st = s["stockpile"]
    console.print(
        f"stock: {', '.join(st['components_to_stock']) or 'nothing'}; extra stock value "
        f"{_money(st['extra_stock_value'])}, holding cost {_money(st['holding_cost'])} over "
        f"{st['holding_days']:g} days; {st['comparison']}"
    )


@app.command("de-minimis")
def de_minimis_cmd(
    path: Path,
    item: str,
    destination: str,
    as_json: bool = typer.Option(False, "--json", help="print the calculation as JSON"),
) -> None:
    """De minimis calculation (15 CFR 734.4) for one item and destination, line by line."""
    from chainwatch.network.deminimis import de_minimis
    from chainwatch.network.io import load_network

    try:
        net = load_network(path)
    except InputError as exc:
        _fail(exc)
        return
    if not net.has_item(item):
        err.print(f"[red]error:[/red] unknown item {item!r}")
        raise typer.Exit(2)
    result = de_minimis(net, item, destination)
    if as_json:
        import dataclasses

        print(json.dumps(dataclasses.asdict(result), indent=2, default=str))
        return
    console.print(result.explain())


@app.command()
def covered(
    devices: Path,
    oui: list[Path] = typer.Option([], "--oui", help="IEEE registry CSV(s); default ieee-data"),
    out: Path | None = typer.Option(None, help="write findings to this CSV"),
    as_json: bool = typer.Option(False, "--json", help="print the findings as JSON"),
) -> None:
    """Check a device inventory (id,vendor,model,mac) for NDAA § 889 covered equipment."""
    from chainwatch.text.spreadsheets import csv_dict
    from chainwatch.workflows.network import check_covered_inventory

    try:
        findings, used = check_covered_inventory(devices, oui or None)
    except InputError as exc:
        _fail(exc)
        return
    from chainwatch.network.report import covered_table

    rows = covered_table(findings)
    n = sum(1 for f in findings if f.covered)
    if out:
        import csv

        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["device_id"])
            w.writeheader()
            w.writerows(csv_dict(r) for r in rows)
    if as_json:
        doc = {"registry": str(used), "devices": len(findings), "covered": n, "findings": rows}
        print(json.dumps(doc, indent=2, default=str))
        return
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
    console.print(f"{n} of {len(findings)} device(s) covered")


@app.command()
def willems(
    root: Path,
    top: int = 10,
    as_json: bool = typer.Option(False, "--json", help="print the worst disruptions as JSON"),
) -> None:
    """Load Willems (2008) chains (folder with csv/ or the .xlsx) and show the worst
    single-stage disruptions under the labelled assumptions."""
    from chainwatch.network.exposure import single_stage_exposure
    from chainwatch.network.willems import load_willems, load_willems_xlsx

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
    if as_json:
        worst = [
            {k: v for k, v in r.items() if k != "_r"} | {"revenue_at_risk_per_day": r["_r"]}
            for r in rows[:top]
        ]
        doc = {"chains": len(nets), "scenarios": len(rows), "worst": worst}
        print(json.dumps(doc, indent=2, default=str))
        return
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
