"""``chainwatch resilience ...``: TTS/PI sweep, Monte Carlo, stockpile (argument handling only).

NETWORK is ``willems:NN`` (or ``willems:NN:ROOT``) or a network CSV folder / XLSX file.
``--set key=value`` overrides any labelled assumption (``ramp_days=45``,
``willems.inventory_days=30`` ...); every assumption is printed with the results.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from chainwatch.cli.output import make_console
from chainwatch.cli.risk import designation_option
from chainwatch.model.errors import ChainwatchError

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


ENGINE_HELP = "local (forked processes) or dask (a cluster); default: --workers as before"
SCHEDULER_HELP = (
    "Dask scheduler tcp://HOST:8786 (default: CHAINWATCH_SCHEDULER, else a LocalCluster)"
)


@contextlib.contextmanager
def _engine(name: str | None, workers: int, scheduler: str | None) -> Iterator[Any]:
    """The engine asked for, closed afterwards; None (the default) keeps the old --workers
    path. Engine errors end the command with exit code 2."""
    if name is None and scheduler is None:
        yield None
        return
    from chainwatch.engine.base import open_engine

    try:
        made = open_engine(name or "dask", workers=workers, scheduler=scheduler)
    except ChainwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    with made:
        yield made


def _load(network: str, sets: list[str]) -> tuple[Any, Any, Any]:
    from chainwatch.workflows import resilience as wf

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
    engine: str | None = typer.Option(None, help=ENGINE_HELP),
    scheduler: str | None = typer.Option(None, help=SCHEDULER_HELP),
    workers: int = typer.Option(2, help="processes of --engine local|dask"),
) -> None:
    """Cut off every supplier in turn: TTS, TTR, PI, REI, ranked; TTS < TTR flagged."""
    from chainwatch.workflows import resilience as wf

    _net, problem, params = _load(network, set_)
    with _engine(engine, workers, scheduler) as run:
        result = wf.run_sweep(problem, params, charts, top, engine=run)
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
    importance: bool = typer.Option(
        False, help="importance sampling: every horizon conditioned on one designation"
    ),
    designation: list[str] = typer.Option(
        [], "--designation", help="SUPPLIER=P: one supplier's probability (a rumoured listing)"
    ),
    workers: int = typer.Option(1, help="processes over independent scenario groups"),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    charts: Path | None = typer.Option(None, help="folder for PNG/SVG charts"),
    as_json: bool = typer.Option(False, "--json"),
    engine: str | None = typer.Option(None, help=ENGINE_HELP),
    scheduler: str | None = typer.Option(None, help=SCHEDULER_HELP),
) -> None:
    """Lost-margin distribution from correlated designations and TTR draws: mean, P95, ES95,
    each with its standard error."""
    from chainwatch.workflows import resilience as wf

    net, problem, _params = _load(network, set_)
    model, uniform, source = designation_option(
        problem.suppliers, probability, probabilities, from_lists, as_json, network=net
    )
    stack = contextlib.ExitStack()
    try:
        result = wf.run_monte_carlo(
            problem,
            model=model,
            probability=uniform,
            samples=samples,
            seed=seed,
            chart_dir=charts,
            scheme="importance" if importance else "plain",
            designations=_pairs(designation, "--designation"),
            risk=wf.RiskParams.from_overrides(_overrides(set_)),
            workers=workers,
            engine=stack.enter_context(_engine(engine, workers, scheduler)),
        )
    except ChainwatchError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        stack.close()
    result["designation_source"] = source
    _emit(result, as_json, None)


def _pairs(values: list[str], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for row, v in enumerate(values):
        name, sep, raw = v.rpartition("=")
        try:
            if not sep or not name:
                raise ValueError
            out[name.strip()] = float(raw)
        except ValueError:
            console.print(
                f"[red]error:[/red] {what} row {row}: expected NAME=PROBABILITY, got {v!r}"
            )
            raise typer.Exit(2) from None
    return out


@app.command("stockpile")
def stockpile_cmd(
    network: str,
    probability: float | None = typer.Option(
        None, help="uniform designation probability per supplier (overrides the lists)"
    ),
    probabilities: Path | None = typer.Option(None, help=PROB_HELP),
    from_lists: bool = typer.Option(True, "--risk-from-lists/--no-risk-from-lists"),
    designation: list[str] = typer.Option(
        [], "--designation", help="SUPPLIER=P: one supplier's probability (a rumoured listing)"
    ),
    objective: str = typer.Option("cost", help="cost | cvar | service"),
    cvar_level: float = typer.Option(0.95, help="level a of CVaR_a (cvar objective)"),
    service_level: float | None = typer.Option(
        None, help="share of designation scenarios production must survive (service)"
    ),
    scenarios: int | None = typer.Option(
        None,
        help="stratified conditional horizons per sample problem (default 1,600; saa: "
        "scenarios per replication, default 100)",
    ),
    replications: int | None = typer.Option(
        None, help="independent sample problems (lower bound); default 2 (saa: 5)"
    ),
    validation_samples: int = typer.Option(
        4_000, help="importance-sampled horizons of the paired validation"
    ),
    previous: Path | None = typer.Option(None, help="the previous plan (plan.csv) to beat"),
    out: Path | None = typer.Option(None, help="folder for plan.csv, orders.csv, plan.xlsx"),
    needed_by: str | None = typer.Option(None, help="date the stock must be in place (ISO)"),
    workers: int = typer.Option(
        1, help="processes for the replications and the validation's loss evaluations"
    ),
    top: int = typer.Option(25, help="plan rows to print (the files hold all)"),
    frontier: int = typer.Option(
        0, help="cost-vs-risk frontier: budgets from 0 to the plan's holding cost (0: none)"
    ),
    method: str = typer.Option("lshaped", help="lshaped | saa (the earlier procedure)"),
    scheme: str = typer.Option("sample", help="saa only: sample | covering"),
    selection_samples: int = typer.Option(1_000, help="saa only"),
    prediction_samples: int = typer.Option(2_000, help="saa only"),
    replay: int = typer.Option(10_000, help="saa only: Monte Carlo replay samples"),
    seed: int = typer.Option(0),
    budget: float | None = typer.Option(None, help="holding-cost budget"),
    target: float | None = typer.Option(None, help="saa only: expected-loss target"),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    charts: Path | None = typer.Option(None, help="folder for PNG/SVG charts (saa only)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Least-cost stockpile, validated: recommended only if it beats no stock at 95 %."""
    import datetime as dt

    from chainwatch.workflows import resilience as wf
    from chainwatch.workflows import stockpile as wf_stock

    net, problem, _params = _load(network, set_)
    model, uniform, source = designation_option(
        problem.suppliers, probability, probabilities, from_lists, as_json, network=net
    )
    try:
        if method == "saa":
            legacy = wf_stock.run_stockpile(
                problem,
                probability=uniform,
                model=model,
                scenarios=100 if scenarios is None else scenarios,
                seed=seed,
                scheme=scheme,
                replications=5 if replications is None else replications,
                selection_samples=selection_samples,
                prediction_samples=prediction_samples,
                replay_samples=replay,
                budget=budget,
                target_expected_loss=target,
                chart_dir=charts,
            )
            _legacy_output(legacy, as_json)
            return
        if method != "lshaped":
            raise wf.InputError(f"unknown method {method!r}", field="method")
        when = dt.date.fromisoformat(needed_by) if needed_by else None
        result = wf_stock.run_stockpile_plan(
            net,
            problem,
            probability=uniform,
            model=model,
            designations=_pairs(designation, "--designation"),
            risk=wf.RiskParams.from_overrides(_overrides(set_)),
            objective=objective,
            cvar_level=cvar_level,
            service_level=service_level,
            budget=budget,
            replications=2 if replications is None else replications,
            scenarios=1_600 if scenarios is None else scenarios,
            validation_samples=validation_samples,
            previous=previous,
            seed=seed,
            workers=workers,
            out_dir=out,
            needed_by=when,
            frontier_points=frontier,
        )
    except (ChainwatchError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    result["designation_source"] = source
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    t = Table(title="Plans on the independent validation sample (lost margin per horizon)")
    for col in ("plan", "holding cost", "expected loss ± SE", "CVaR", "survives", "objective"):
        t.add_column(col)
    for f in result["plans"]:
        t.add_row(
            f["plan"],
            f"{f['holding_cost']:,.0f}",
            f"{f['expected_loss']:,.0f} ± {f['expected_loss_std_error']:,.0f}",
            f"{f['cvar']:,.0f}",
            f"{f['survival_share']:.3f}",
            f"{f['objective']:,.0f}",
        )
    console.print(t)
    d = Table(title="Paired differences (plan - other, common random numbers)")
    for col in ("plan", "against", "difference", "± SE", "95 % CI", "better at 95 %"):
        d.add_column(col)
    names = ["plan", "plan", "previous plan"]
    for name, c in zip(names, result["paired_differences"], strict=False):
        d.add_row(
            name,
            c["against"],
            f"{c['difference']:,.0f}",
            f"{c['std_error']:,.0f}",
            f"[{c['ci95_low']:,.0f}, {c['ci95_high']:,.0f}]",
            "yes" if c["better_at_95"] else "no",
        )
    console.print(d)
    b = Table(title="Bounds on the optimum (objective)")
    for col in ("bound", "value", "± SE"):
        b.add_column(col)
    b.add_row(
        "lower (mean of replications)",
        f"{result['lower_bound_objective']:,.0f}",
        f"{result['lower_bound_std_error']:,.0f}",
    )
    b.add_row(
        "upper (candidate, validated)",
        f"{result['upper_bound_objective']:,.0f}",
        f"{result['upper_bound_std_error']:,.0f}",
    )
    gap, gap_se = result["optimality_gap"], result["optimality_gap_std_error"]
    b.add_row("gap", f"{gap:,.0f}", f"{gap_se:,.0f}")
    console.print(b)
    if result["frontier"]:
        fr = Table(title="Cost-versus-risk frontier (validated expected loss and CVaR)")
        for col in ("budget", "minimises", "holding cost", "expected loss", "CVaR"):
            fr.add_column(col)
        for f in result["frontier"]:
            fr.add_row(
                f"{f['budget']:,.0f}",
                str(f["minimises"]),
                f"{f['holding_cost']:,.0f}",
                f"{f['expected_loss']:,.0f}",
                f"{f['cvar']:,.0f}",
            )
        console.print(fr)
    console.print(f"[bold]recommendation:[/bold] {result['recommendation']}")
    plan = Table(
        title=f"Candidate plan: {result['plan_items']} items (first {top}; files hold all)"
    )
    cols = (
        "item",
        "supplier",
        "units_to_add",
        "days_of_cover",
        "holding_cost",
        "value_of_one_more_day_of_cover",
        "order_by",
        "arrives_by",
    )
    for col in cols:
        plan.add_column(col)
    for r in result["stock"][:top]:
        plan.add_row(*[f"{r[c]:,.1f}" if isinstance(r[c], float) else str(r[c]) for c in cols])
    _emit({k: v for k, v in result.items() if k not in ("stock", "plans")}, False, plan)


def _legacy_output(result: dict[str, Any], as_json: bool) -> None:
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
