"""``chainwatch resilience ...``: TTS/PI sweep, Monte Carlo, stockpile (argument handling only).

NETWORK is ``willems:NN`` (or ``willems:NN:ROOT``) or a network CSV folder / XLSX file.
``--set key=value`` overrides any labelled assumption (``ramp_days=45``,
``willems.inventory_days=30`` ...); every assumption is printed with the results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from chainwatch.cli.output import make_console
from chainwatch.cli.risk import designation_option
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows import resilience as wf

app = typer.Typer(
    help="Resilience: time-to-survive/recover, Monte Carlo, stockpiles.", no_args_is_help=True
)
console = make_console()  # results; unwrapped off a terminal

SET_HELP = "override a labelled assumption, key=value (repeatable)"
PROB_HELP = "CSV party,probability per supplier (others: --probability or 0.002)"


def _overrides(values: list[str]) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise typer.BadParameter(f"expected key=value, got {v!r}")
        k, val = v.split("=", 1)
        out[k.strip()] = val.strip()
    return out


def _emit(result: dict[str, Any], as_json: bool, table: Table | None) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    if table is not None:
        console.print(table)
    for key, value in result.items():
        if key not in {
            "scenarios",
            "assumptions",
            "stock",
            "frontier",
            "convergence",
        } and not isinstance(value, (list, dict)):
            console.print(f"{key}: {value}")
    assumptions = Table(title="Assumptions (override with --set key=value)")
    for col in ("name", "value", "description"):
        assumptions.add_column(col)
    for a in result.get("assumptions", []):
        assumptions.add_row(str(a["name"]), str(a["value"]), str(a["description"]))
    console.print(assumptions)


def _load(network: str, sets: list[str]) -> tuple[Any, Any, Any]:
    try:
        return wf.load(network, _overrides(sets))
    except ChainwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("sweep")
def sweep_cmd(
    network: str,
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    top: int = typer.Option(20, help="rows to print"),
    charts: Path | None = typer.Option(None, help="folder for PNG/SVG charts"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Cut off every supplier in turn: TTS, TTR, PI, REI, ranked; TTS < TTR flagged."""
    _net, problem, params = _load(network, set_)
    result = wf.run_sweep(problem, params, charts, top)
    table = Table(title="Risk exposure by supplier")
    for col in ("supplier", "TTS days", "TTR days", "lost margin", "REI", "TTS<TTR"):
        table.add_column(col)
    for s in result["scenarios"][:top]:
        table.add_row(
            s["name"],
            f"{s['time_to_survive_days']:.1f}",
            f"{s['time_to_recover_days']:.1f}",
            f"{s['lost_margin']:,.0f}",
            f"{s['risk_exposure_index']:.3f}",
            "yes" if s["tts_below_ttr"] else "",
        )
    _emit(result, as_json, table)


@app.command("montecarlo")
def montecarlo_cmd(
    network: str,
    probability: float | None = typer.Option(None, help="uniform probability (overrides)"),
    probabilities: Path | None = typer.Option(None, help=PROB_HELP),
    from_lists: bool = typer.Option(True, "--risk-from-lists/--no-risk-from-lists"),
    samples: int = typer.Option(10_000),
    seed: int = typer.Option(0),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    charts: Path | None = typer.Option(None, help="folder for PNG/SVG charts"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Lost-margin distribution from correlated designations and TTR draws."""
    net, problem, _params = _load(network, set_)
    dm, p = designation_option(
        problem.suppliers, probability, probabilities, from_lists, as_json, network=net
    )
    result = wf.run_monte_carlo(
        problem, probability=p, samples=samples, seed=seed, chart_dir=charts, model=dm
    )
    _emit(result, as_json, None)


@app.command("stockpile")
def stockpile_cmd(
    network: str,
    probability: float | None = typer.Option(None, help="uniform probability (overrides)"),
    probabilities: Path | None = typer.Option(None, help=PROB_HELP),
    from_lists: bool = typer.Option(True, "--risk-from-lists/--no-risk-from-lists"),
    scenarios: int = typer.Option(
        100, help="per replication; sample: horizons with a designation; covering: rounds"
    ),
    scheme: str = typer.Option("sample", help="sample | covering (slow on big chains)"),
    replications: int = typer.Option(5, help="independent SAA problems M"),
    selection_samples: int = typer.Option(1_000, help="horizons to choose among the M plans"),
    prediction_samples: int = typer.Option(2_000, help="fresh horizons for the prediction"),
    replay: int = typer.Option(10_000, help="Monte Carlo samples to replay the plan (0: none)"),
    seed: int = typer.Option(0),
    budget: float | None = typer.Option(None, help="holding-cost budget"),
    target: float | None = typer.Option(None, help="expected-loss target (service level)"),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    charts: Path | None = typer.Option(None, help="folder for PNG/SVG charts"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Least-cost stockpile: SAA with validation; unbiased prediction, lower bound, replay."""
    net, problem, _params = _load(network, set_)
    dm, p = designation_option(
        problem.suppliers, probability, probabilities, from_lists, as_json, network=net
    )
    try:
        result = wf.run_stockpile(
            problem,
            model=dm,
            probability=p,
            scenarios=scenarios,
            seed=seed,
            scheme=scheme,
            replications=replications,
            selection_samples=selection_samples,
            prediction_samples=prediction_samples,
            replay_samples=replay,
            budget=budget,
            target_expected_loss=target,
            chart_dir=charts,
        )
    except (ChainwatchError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if not as_json:
        console.print(_figures(result))
        if "recommendation" in result:
            console.print(f"[bold]recommendation:[/bold] {result['recommendation']}")
    table = Table(title="Stockpile (chosen plan)")
    for col in ("node", "extra units", "extra days", "holding cost", "value/unit", "value/day"):
        table.add_column(col)
    for s in result["stock"]:
        table.add_row(
            s["node"],
            f"{s['extra_stock_units']:,.1f}",
            f"{s['extra_days_of_cover']:.1f}",
            f"{s['holding_cost']:,.0f}",
            f"{s['value_per_unit']:,.2f}",
            f"{s['value_per_day_of_cover']:,.2f}",
        )
    _emit(result, as_json, table)


def _figures(r: dict[str, Any]) -> Table:
    """Which figure is which: prediction (unbiased), in-sample (biased), bound, gap, replay."""
    t = Table(title="Stockpile figures (expected lost margin per horizon)")
    for col in ("figure", "value", "± SE", "what it is"):
        t.add_column(col)

    def row(name: str, value: object, se: object, what: str) -> None:
        v = f"{value:,.0f}" if isinstance(value, float) else str(value)
        e = f"{se:,.0f}" if isinstance(se, float) else ""
        t.add_row(name, v, e, what)

    row("holding cost", r["holding_cost"], None, "of the chosen plan")
    row(
        "PREDICTED expected loss",
        r["predicted_expected_loss"],
        r["predicted_std_error"],
        f"fresh sample of {r['prediction_samples']:,} horizons: unbiased",
    )
    row(
        "in-sample expected loss",
        r["in_sample_expected_loss_biased"],
        None,
        "the chosen SAA problem's own LP value: optimistically biased",
    )
    row(
        "SAA lower bound (objective)",
        r["lower_bound_objective"],
        r["lower_bound_std_error"],
        f"mean of {r['replications']} in-sample optima",
    )
    row(
        "optimality gap (objective)",
        r["optimality_gap"],
        r["optimality_gap_std_error"],
        "predicted objective - lower bound",
    )
    row(
        "no stockpile",
        r["expected_loss_without_stockpile"],
        r["expected_loss_without_stockpile_std_error"],
        f"selection sample of {r['selection_samples']:,} horizons",
    )
    if "replay_expected_loss" in r:
        row(
            "REPLAYED expected loss",
            r["replay_expected_loss"],
            r["replay_std_error"],
            f"fresh Monte Carlo, {r['replay_samples']:,} samples; within prediction + 2 SE: "
            f"{r['replay_within_2se']}",
        )
    return t
