"""Stockpile use cases: the plan at scale (L-shaped, validated), the earlier SAA procedure,
and the plan's files (the whole plan and the order list as CSV and XLSX, read back as the
previous plan to beat). Split from :mod:`chainwatch.workflows.resilience` (module size)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path
from typing import Any

import numpy as np

from chainwatch.model.errors import InputError
from chainwatch.model.network import Assumption, SupplyNetwork
from chainwatch.resilience import charts
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.problem import FloatArray, ResilienceProblem
from chainwatch.resilience.scale_plan import plan_stockpile
from chainwatch.resilience.validation import validated_stockpile
from chainwatch.workflows.resilience import RiskParams, assumption_rows, workers_mapper

__all__ = ["plan_rows", "read_plan", "run_stockpile", "run_stockpile_plan", "write_plan"]


def read_plan(path: Path, problem: ResilienceProblem) -> FloatArray:
    """Extra stock per node from a plan CSV written by :func:`write_plan` (columns ``item``
    and ``units_to_add``); bad rows are clear errors naming the file, row and field."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the plan: {exc}", file=str(path)) from None
    reader = csv.DictReader(io.StringIO(text))
    for col in ("item", "units_to_add"):
        if col not in (reader.fieldnames or []):
            raise InputError(f"missing column {col!r}", file=str(path), row=1, field=col)
    x = np.zeros(problem.n_nodes)
    index = {n: i for i, n in enumerate(problem.node_ids)}
    for row_no, row in enumerate(reader, start=2):
        item = (row.get("item") or "").strip()
        if item not in index:
            raise InputError(f"unknown item {item!r}", file=str(path), row=row_no, field="item")
        try:
            units = float(row.get("units_to_add") or "")
        except ValueError:
            units = float("nan")
        if not np.isfinite(units) or units < 0:
            raise InputError(
                f"units_to_add must be a non-negative number, got {row.get('units_to_add')!r}",
                file=str(path),
                row=row_no,
                field="units_to_add",
            )
        x[index[item]] += units
    return x


PLAN_COLUMNS = (
    "item",
    "supplier",
    "units_to_add",
    "days_of_cover",
    "holding_cost",
    "value_of_one_more_day_of_cover",
    "holding_cost_of_one_more_day",
    "lead_time_days",
    "order_by",
    "arrives_by",
    "recommended",
)


def plan_rows(
    net: SupplyNetwork | None,
    problem: ResilienceProblem,
    stock: FloatArray,
    value_per_unit: FloatArray,
    needed_by: dt.date | None = None,
    today: dt.date | None = None,
    recommended: bool = True,
) -> list[dict[str, Any]]:
    """The whole plan, one row per item to stock, with the order: the supplier, the lead
    time (the source's ``lead_time_days``, else the item's), the date to order by so the
    stock is in place on ``needed_by`` (default: today, i.e. order now) and the date it
    arrives if ordered today."""
    today = today or dt.date.today()
    needed = needed_by or today
    usage = problem.usage_per_day()
    hold = problem.holding_cost_per_unit
    suppliers: dict[int, list[str]] = {}
    for u in problem.suppliers:
        for j in u.nodes:
            suppliers.setdefault(j, []).append(u.name)
    rows: list[dict[str, Any]] = []
    for j in np.flatnonzero(stock > 1e-9).tolist():
        item = problem.node_ids[j]
        names = suppliers.get(int(j), [])
        lead = 0.0
        if net is not None and item in {it.id for it in net.items}:
            srcs = [s for s in net.sources_of(item) if not s.is_alternate]
            leads = [s.lead_time_days for s in srcs if s.lead_time_days > 0]
            lead = max(leads) if leads else net.item(item).lead_time_days
        lead_days = int(np.ceil(lead))
        rows.append(
            {
                "item": item,
                "supplier": "; ".join(names) if names else "(own production)",
                "units_to_add": float(stock[j]),
                "days_of_cover": float(stock[j] / usage[j]) if usage[j] > 0 else 0.0,
                "holding_cost": float(stock[j] * hold[j]),
                "value_of_one_more_day_of_cover": float(value_per_unit[j] * usage[j]),
                "holding_cost_of_one_more_day": float(hold[j] * usage[j]),
                "lead_time_days": lead,
                "order_by": (needed - dt.timedelta(days=lead_days)).isoformat(),
                "arrives_by": (today + dt.timedelta(days=lead_days)).isoformat(),
                "recommended": "yes" if recommended else "no (see the recommendation)",
            }
        )
    rows.sort(key=lambda r: -r["holding_cost"])
    return rows


def write_plan(rows: list[dict[str, Any]], folder: Path) -> list[str]:
    """``plan.csv``, ``orders.csv`` and ``plan.xlsx`` (sheets *plan* and *orders*: what to
    buy from whom by when) in ``folder``."""
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    orders: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["supplier"], r["order_by"])
        o = orders.setdefault(
            key,
            {
                "supplier": r["supplier"],
                "order_by": r["order_by"],
                "arrives_by": r["arrives_by"],
                "items": 0,
                "units": 0.0,
                "holding_cost": 0.0,
            },
        )
        o["items"] += 1
        o["units"] += r["units_to_add"]
        o["holding_cost"] += r["holding_cost"]
    order_rows = sorted(orders.values(), key=lambda o: (o["order_by"], o["supplier"]))
    order_cols = ("supplier", "order_by", "arrives_by", "items", "units", "holding_cost")
    files = []
    for name, cols, data in (
        ("plan.csv", PLAN_COLUMNS, rows),
        ("orders.csv", order_cols, order_rows),
    ):
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            wr = csv.DictWriter(fh, fieldnames=list(cols))
            wr.writeheader()
            wr.writerows(data)
        files.append(str(path))
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "plan"
    ws.append(list(PLAN_COLUMNS))
    for r in rows:
        ws.append([r[c] for c in PLAN_COLUMNS])
    wo = wb.create_sheet("orders")
    wo.append(list(order_cols))
    for o in order_rows:
        wo.append([o[c] for c in order_cols])
    xlsx = folder / "plan.xlsx"
    wb.save(xlsx)
    files.append(str(xlsx))
    return files


def run_stockpile_plan(
    net: SupplyNetwork | None,
    problem: ResilienceProblem,
    *,
    probability: float,
    designations: dict[str, float] | None = None,
    risk: RiskParams | None = None,
    objective: str = "cost",
    cvar_level: float = 0.95,
    service_level: float | None = None,
    budget: float | None = None,
    replications: int = 2,
    scenarios: int = 1_600,
    validation_samples: int = 4_000,
    previous: Path | None = None,
    seed: int = 0,
    workers: int = 1,
    out_dir: Path | None = None,
    needed_by: dt.date | None = None,
    frontier_points: int = 0,
    model: DesignationModel | None = None,
) -> dict[str, Any]:
    """The stockpile at scale (:func:`plan_stockpile`): L-shaped SAA on stratified
    conditional samples, bounds, validation against no stock and the previous plan on an
    independent paired sample; the whole plan and the order list (CSV, XLSX). ``model``
    (e.g. estimated from the lists' history) replaces the uniform ``probability``."""
    risk = risk or RiskParams()
    p = risk.apply(problem)
    dm = risk.designation_model(p, probability, designations or {}, model)
    prev = read_plan(previous, p) if previous is not None else None
    mapper = workers_mapper(workers)
    res = plan_stockpile(
        p,
        dm,
        objective=objective,
        level=cvar_level,
        service_level=service_level,
        budget=budget,
        replications=replications,
        scenarios=scenarios,
        validation_samples=validation_samples,
        previous=prev,
        seed=seed,
        mapper=mapper,
        frontier_points=frontier_points,
    )
    out: dict[str, Any] = res.as_dict()
    rows = plan_rows(
        net,
        p,
        res.candidate,
        res.value_per_unit,
        needed_by,
        recommended=res.recommended == "plan",
    )
    out["plan_items"] = len(rows)
    out["plan_holding_cost"] = float(sum(r["holding_cost"] for r in rows))
    out["stock"] = rows
    if out_dir is not None:
        out["files"] = write_plan(rows, out_dir)
    out["assumptions"] = assumption_rows(
        p.assumptions
        + dm.assumptions()
        + risk.assumptions()
        + (
            Assumption("stockpile.objective", objective, "cost, cvar or service"),
            Assumption("stockpile.cvar_level", cvar_level, "level a of CVaR_a of lost margin"),
            Assumption(
                "stockpile.service_level",
                service_level if service_level is not None else "none",
                "share of designation scenarios production must survive (service objective)",
            ),
            Assumption("stockpile.replications", replications, "independent sample problems"),
            Assumption(
                "stockpile.scenarios",
                scenarios,
                "stratified conditional horizons "
                "per sample problem (every supplier with p > 0 at least once)",
            ),
            Assumption(
                "stockpile.validation_samples",
                validation_samples,
                "importance-sampled horizons of the independent paired validation",
            ),
            Assumption(
                "stockpile.designations",
                ", ".join(f"{k}={v:g}" for k, v in (designations or {}).items()) or "none",
                "per-supplier probability overrides (e.g. a rumoured listing)",
            ),
        )
    )
    return out


def run_stockpile(
    problem: ResilienceProblem,
    *,
    probability: float,
    scenarios: int,
    seed: int,
    budget: float | None = None,
    target_expected_loss: float | None = None,
    frontier_points: int = 6,
    chart_dir: Path | None = None,
    scheme: str = "sample",
    replications: int = 5,
    selection_samples: int = 1_000,
    prediction_samples: int = 2_000,
    replay_samples: int = 10_000,
    model: DesignationModel | None = None,
) -> dict[str, Any]:
    """Sample average approximation with validation (:func:`validated_stockpile`):
    ``replications`` SAA problems of ``scenarios`` scenarios each (``sample``: plain Monte
    Carlo horizons with a designation; ``covering``: rounds of every supplier designated in
    turn), the plan with the least validated cost on an independent selection sample, its
    **prediction** (expected loss ± SE on a fresh sample: unbiased), the SAA lower bound and
    the optimality gap; then a replay of the plan in a fresh Monte Carlo (independent seed)
    and the check ``replay <= prediction + 2 combined SE``. The chosen replication's own
    in-sample figure is reported too, labelled as biased."""
    if scheme not in ("sample", "covering"):
        raise InputError(f"unknown scenario scheme {scheme!r}", field="scheme")
    dm = model or DesignationModel.uniform(problem.suppliers, probability)
    pim = PiModel(problem)
    val = validated_stockpile(
        problem,
        dm,
        replications=replications,
        scenarios=scenarios,
        selection_samples=selection_samples,
        prediction_samples=prediction_samples,
        scheme=scheme,
        seed=seed,
        budget=budget,
        target_expected_loss=target_expected_loss,
        pi_model=pim,
    )
    plan = val.plan
    out: dict[str, Any] = {
        **val.as_dict(),
        "budget": budget,
        "target_expected_loss": target_expected_loss,
        "budget_dual": plan.budget_dual,
        "stock": plan.top(problem, 25),
        # kept for callers of the earlier output (the service): the scenarios of one
        # replication, and the expected loss as the unbiased prediction
        "scenarios": val.scenarios_per_replication,
        "expected_loss": val.predicted.mean,
    }
    if frontier_points > 0:
        free = val.model.solve()
        budgets = list(np.linspace(0.0, max(free.holding_cost, 1e-9), frontier_points))
        front = val.model.frontier(budgets)
        out["frontier_in_sample"] = [
            {"budget": f.budget, "holding_cost": f.holding_cost, "expected_loss": f.expected_loss}
            for f in front
        ]
        out["frontier"] = out["frontier_in_sample"]  # the earlier key
    out["assumptions"] = assumption_rows(
        plan.assumptions
        + dm.assumptions()
        + (
            Assumption("stockpile.replications", replications, "independent SAA problems (M)"),
            Assumption(
                "stockpile.selection_samples",
                selection_samples,
                "Monte Carlo horizons to choose among the M plans (N')",
            ),
            Assumption(
                "stockpile.prediction_samples",
                prediction_samples,
                "fresh Monte Carlo horizons for the unbiased prediction (N'')",
            ),
        )
    )
    if replay_samples > 0:
        t0 = time.perf_counter()
        replay = monte_carlo(
            problem,
            model=dm,
            n_samples=replay_samples,
            seed=seed + 1_000_003,
            extra_stock=plan.extra_stock_units,
            pi_model=pim,
        )
        se = float(np.hypot(val.predicted.std_error, replay.std_error))
        out["replay_samples"] = replay_samples
        out["replay_expected_loss"] = replay.mean
        out["replay_std_error"] = replay.std_error
        out["replay_minus_predicted_in_se"] = (replay.mean - val.predicted.mean) / se
        out["replay_within_2se"] = bool(replay.mean <= val.predicted.mean + 2 * se)
        out["seconds_replay"] = time.perf_counter() - t0
    if chart_dir is not None and frontier_points > 0:
        chart_dir.mkdir(parents=True, exist_ok=True)
        out["charts"] = [
            str(charts.stockpile_frontier(front, chart_dir / f"frontier.{s}"))
            for s in ("png", "svg")
        ]
    return out
