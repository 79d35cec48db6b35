"""``chainwatch risk``: designation probability learned from the stored lists' history.

    chainwatch risk "Hangzhou Hikvision Digital Technology" [--country CN] [--json]
    chainwatch risk --network willems:38            # or a network CSV folder / XLSX
    chainwatch risk --network net/ --as-of 2024-01-01 --horizon-days 365
    chainwatch risk NAME --set risk.lookback_years=3 --set risk.targets=EL

Argument handling and printing only; the work is in :mod:`chainwatch.workflows.risk`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from chainwatch.model.errors import ChainwatchError, InputError

console = Console()


def risk_cmd(
    name: Annotated[str | None, typer.Argument(help="A party's name.")] = None,
    network: Annotated[
        str | None, typer.Option(help="willems:NN, a network CSV folder or XLSX: its suppliers")
    ] = None,
    country: Annotated[str, typer.Option(help="ISO country of NAME if it is on no list")] = "",
    as_of: Annotated[
        str | None, typer.Option(help="fit on what was known by this date (default: latest)")
    ] = None,
    horizon_days: Annotated[float, typer.Option(help="horizon of the probability")] = 365.0,
    top: Annotated[int, typer.Option(help="rows to print (--network)")] = 30,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="risk.lookback_years=2, risk.prior_events=5, risk.targets=EL"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: Annotated[
        str | None, typer.Option("--db", envvar="CHAINWATCH_DB", help="SQLAlchemy URL of the store")
    ] = None,
) -> None:
    """Probability of being added to the Entity List or SDN within the horizon, with evidence."""
    from chainwatch.resilience.history import RiskParams
    from chainwatch.workflows import risk as wf
    from chainwatch.workflows.screening import database_url, store_for

    try:
        if (name is None) == (network is None):
            raise InputError("give a NAME or --network, not both", field="name")
        day = date.fromisoformat(as_of) if as_of else None
        sets = dict(v.split("=", 1) for v in (set_ or []) if "=" in v)
        if len(sets) != len(set_ or []):
            raise InputError("expected key=value", field="--set")
        params = RiskParams(horizon_days=horizon_days).with_overrides(sets)
        hist = wf.load_history(store_for(database_url(db)), as_of=day, params=params)
        if network is not None:
            from chainwatch.workflows.resilience import load

            net, problem, _params = load(network)
            parties = wf.counterparties(problem.suppliers, net)
        else:
            assert name is not None
            parties = [wf.Counterparty(name, name, country.upper())]
        result = wf.risk_report(hist, parties)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except ChainwatchError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    _print(result, top)


def _print(result: dict[str, Any], top: int) -> None:
    rows = sorted(result["parties"], key=lambda r: -float(r["probability"]))
    horizon = next(
        (a["value"] for a in result["assumptions"] if a["name"] == "risk.horizon_days"), ""
    )
    table = Table(title=f"Designation risk (fitted on the lists known by {result['as_of']})")
    for col in ("party", "country", f"P(listed in {horizon:g} days)", "basis", "lists"):
        table.add_column(col, overflow="fold")
    for r in rows[:top]:
        table.add_row(
            r["name"], r["country"], f"{r['probability']:.4f}", r["basis"], ", ".join(r["lists"])
        )
    console.print(table)
    if len(rows) > top:
        console.print(f"... {len(rows) - top} more (--top, --json)")
    console.print("[bold]evidence[/bold]")
    for r in rows[: min(top, 10)]:
        console.print(f"{r['name']}:", highlight=False)
        for line in r["evidence"]:
            console.print(f"  - {line}", highlight=False, soft_wrap=True)
    loading = result["country_loading"]
    console.print(
        f"copula country loading from listing waves: {loading['country_loading']:.3f}"
        f" (excess dispersion {loading['excess_cv2']:.2f} of yearly additions,"
        f" {loading['years'][0]}-{loading['years'][1]})"
    )
    assumptions = Table(title="Assumptions")
    for col in ("name", "value", "description"):
        assumptions.add_column(col)
    for a in result["assumptions"]:
        assumptions.add_row(str(a["name"]), str(a["value"]), str(a["description"]))
    console.print(assumptions)


def designation_option(
    units: Any,
    probability: float | None,
    probabilities: Path | None,
    from_lists: bool,
    quiet: bool = False,
    network: Any = None,
) -> tuple[Any, float, str]:
    """For ``resilience montecarlo|stockpile``: (model or None, uniform probability, where
    the probabilities came from). The source is printed unless ``quiet`` (``--json``: the
    caller puts it in the output as ``designation_source``)."""
    from chainwatch.workflows import risk as wf
    from chainwatch.workflows.screening import database_url

    try:
        model, source = wf.designation_for(
            units,
            probability=probability,
            probabilities_file=probabilities,
            from_lists=from_lists,
            db_url=database_url(None),
            net=network,
        )
    except ChainwatchError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    if not quiet:
        console.print(f"designation probabilities: {source}", highlight=False)
    return model, 0.002 if probability is None else probability, source
