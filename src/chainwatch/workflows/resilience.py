"""Resilience use cases: load a network, apply labelled assumptions, run a model, chart it.

Each function returns a JSON-ready dict that always carries ``assumptions`` (every labelled,
overridable parameter behind the figures: the loader's and the resilience models').
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from chainwatch.model.errors import InputError

__all__ = ["InputError", "RiskParams", "load", "run_monte_carlo", "run_stockpile_plan"]
from chainwatch.model.network import Assumption, SupplyNetwork
from chainwatch.network.io import load_network
from chainwatch.network.willems import WillemsAssumptions, load_willems_chain
from chainwatch.resilience import charts
from chainwatch.resilience.benders import restrict_stock
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.network_adapter import ResilienceParams, from_network
from chainwatch.resilience.problem import FloatArray, ResilienceProblem
from chainwatch.resilience.sweep import sweep
from chainwatch.resilience.validation import plan_stockpile, validated_stockpile


def load(
    source: str, overrides: dict[str, str] | None = None
) -> tuple[SupplyNetwork, ResilienceProblem, ResilienceParams]:
    """``source`` is ``willems:NN[:root]`` or a network path (CSV folder or XLSX).

    ``overrides`` (``key=value``) go to :class:`ResilienceParams` or, with a ``willems.``
    prefix, to the Willems loader's :class:`WillemsAssumptions`.
    """
    overrides = {
        k: v for k, v in (overrides or {}).items() if not k.startswith(RiskParams.PREFIXES)
    }
    willems = {
        k.removeprefix("willems."): v for k, v in overrides.items() if k.startswith("willems.")
    }
    ours = {k: v for k, v in overrides.items() if not k.startswith("willems.")}
    params = ResilienceParams().with_overrides(ours)  # unknown keys fail before any I/O
    for key in willems:
        if not hasattr(WillemsAssumptions(), key):
            raise InputError(f"unknown Willems assumption {key!r}", field=f"willems.{key}")
    if source.startswith("willems:"):
        parts = source.split(":", 2)
        root = (
            parts[2]
            if len(parts) > 2
            else str(
                Path(__file__).resolve().parents[4] / "shared" / "data" / "supply" / "willems2008"
            )
        )
        wa = WillemsAssumptions(
            **{k: type(getattr(WillemsAssumptions(), k))(v) for k, v in willems.items()}
        )  # type: ignore[arg-type]
        net = load_willems_chain(root, int(parts[1]), wa)
    else:
        net = load_network(source)
    return net, from_network(net, params), params


@dataclass(frozen=True, slots=True)
class RiskParams:
    """Labelled assumptions of the designation model and the stockpile plan, settable with
    ``--set montecarlo.KEY=VALUE`` / ``--set stockpile.KEY=VALUE``."""

    country_loading: float = 0.4
    owner_loading: float = 0.6
    no_country: str = "own"
    stock_at: str = "purchased"
    holding_cost_factor: float = 1.0
    margin_factor: float = 1.0

    PREFIXES: ClassVar[tuple[str, ...]] = ("montecarlo.", "stockpile.")
    KEYS: ClassVar[dict[str, str]] = {
        "montecarlo.country_loading": "country_loading",
        "montecarlo.owner_loading": "owner_loading",
        "montecarlo.no_country": "no_country",
        "stockpile.stock_at": "stock_at",
        "stockpile.holding_cost_factor": "holding_cost_factor",
        "stockpile.margin_factor": "margin_factor",
    }

    @classmethod
    def from_overrides(cls, overrides: dict[str, str] | None) -> RiskParams:
        values: dict[str, Any] = {}
        for key, raw in (overrides or {}).items():
            if not key.startswith(cls.PREFIXES):
                continue
            name = cls.KEYS.get(key)
            if name is None:
                raise InputError(
                    f"unknown parameter {key!r} (known: {', '.join(cls.KEYS)})", field=key
                )
            if name in ("no_country", "stock_at"):
                values[name] = raw
                continue
            try:
                values[name] = float(raw)
            except ValueError:
                raise InputError(f"not a number: {raw!r}", field=key) from None
        out = cls(**values)
        if out.holding_cost_factor < 0 or out.margin_factor < 0:
            raise InputError("factors must be non-negative", field="stockpile")
        return out

    def designation(
        self, problem: ResilienceProblem, probability: float, by_name: dict[str, float]
    ) -> DesignationModel:
        if not 0 <= probability <= 1:
            raise InputError(f"probability {probability!r} is not in [0, 1]", field="probability")
        dm = DesignationModel(
            np.full(len(problem.suppliers), float(probability)),
            self.country_loading,
            self.owner_loading,
            self.no_country,
        )
        return dm.with_overrides(problem.suppliers, by_name) if by_name else dm

    def apply(self, problem: ResilienceProblem) -> ResilienceProblem:
        """Scale holding costs and margins; restrict where stock may be held."""
        p = restrict_stock(problem, self.stock_at)
        if self.holding_cost_factor == 1 and self.margin_factor == 1:
            return p
        return dataclasses.replace(
            p,
            holding_cost_per_unit=p.holding_cost_per_unit * self.holding_cost_factor,
            margin_per_unit=p.margin_per_unit * self.margin_factor,
            _index={},
        )

    def assumptions(self) -> tuple[Assumption, ...]:
        return (
            Assumption(
                "stockpile.stock_at",
                self.stock_at,
                "where extra stock may be held: 'purchased' (items a supplier delivers) or "
                "'all' (every item with a holding cost)",
            ),
            Assumption(
                "stockpile.holding_cost_factor",
                self.holding_cost_factor,
                "multiplier on every holding cost (the holding rate itself is "
                "willems.holding_cost_rate_per_year or the network's data)",
            ),
            Assumption(
                "stockpile.margin_factor",
                self.margin_factor,
                "multiplier on every margin per unit lost (the margin itself is "
                "willems.markup_on_cost or the network's data)",
            ),
        )


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
) -> dict[str, Any]:
    """The stockpile at scale (:func:`plan_stockpile`): L-shaped SAA on stratified
    conditional samples, bounds, validation against no stock and the previous plan on an
    independent paired sample; the whole plan and the order list (CSV, XLSX)."""
    risk = risk or RiskParams()
    p = risk.apply(problem)
    dm = risk.designation(p, probability, designations or {})
    prev = read_plan(previous, p) if previous is not None else None
    mapper = _mapper(workers)
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
    out["assumptions"] = _assumptions(
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


def _mapper(workers: int, engine: Any = None) -> Any:
    if engine is not None:  # a chainwatch.engine.base.Engine: local pool or Dask
        from chainwatch.workflows.resilience_engine import engine_mapper

        return engine_mapper(engine)
    if workers <= 1:
        return None
    from chainwatch.engine.local import map_chunks

    def mapper(function: Any, items: Any) -> Any:
        return map_chunks(
            function, items, workers=workers, chunk_size=max(1, len(items) // (4 * workers) + 1)
        )

    return mapper


def _assumptions(items: tuple[Assumption, ...]) -> list[dict[str, Any]]:
    return [{"name": a.name, "value": a.value, "description": a.description} for a in items]


def run_sweep(
    problem: ResilienceProblem,
    params: ResilienceParams,
    chart_dir: Path | None = None,
    top: int = 20,
    engine: Any = None,
) -> dict[str, Any]:
    result = sweep(
        problem,
        horizon_days=params.horizon_days,
        ttr_quantile=params.ttr_quantile,
        mapper=_mapper(1, engine),
    )
    out = result.as_dict()
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        files = []
        for suffix in ("png", "svg"):
            files.append(
                str(charts.exposure_bars(result.scenarios, chart_dir / f"exposure.{suffix}", top))
            )
        worst = [s.name for s in result.scenarios[:5]]
        units = [u for u in problem.suppliers if u.name in worst]
        horizon = max([s.ttr_days for s in result.scenarios[:5]] + [1.0]) * 1.5
        days = np.linspace(0, horizon, 25)
        for suffix in ("png", "svg"):
            path, _ = charts.survival_curves(
                PiModel(problem), units, days, chart_dir / f"survival.{suffix}"
            )
            files.append(str(path))
        out["charts"] = files
    return out


def run_monte_carlo(
    problem: ResilienceProblem,
    *,
    probability: float,
    samples: int,
    seed: int,
    by_country: dict[str, float] | None = None,
    chart_dir: Path | None = None,
    scheme: str = "plain",
    designations: dict[str, float] | None = None,
    risk: RiskParams | None = None,
    workers: int = 1,
    model: DesignationModel | None = None,
    engine: Any = None,
) -> dict[str, Any]:
    """Monte Carlo of the lost margin (plain or importance sampling), with the standard
    errors of the mean, P95 and ES95; ``workers`` processes (or `engine`, a
    :class:`chainwatch.engine.base.Engine`) over independent groups.
    ``model`` (e.g. estimated from the lists' history) replaces the uniform probability."""
    risk = risk or RiskParams()
    problem = risk.apply(problem)
    dm = model if model is not None else risk.designation(problem, probability, designations or {})
    if by_country:
        dm = DesignationModel(
            np.array(
                [
                    by_country.get(u.country, q)
                    for u, q in zip(problem.suppliers, dm.probability, strict=True)
                ]
            ),
            dm.country_loading,
            dm.owner_loading,
            dm.no_country,
        )
    mc = monte_carlo(
        problem,
        model=dm,
        n_samples=samples,
        seed=seed,
        scheme=scheme,
        mapper=_mapper(workers, engine),
    )
    out: dict[str, Any] = mc.as_dict()
    out["assumptions"] = list(out["assumptions"]) + _assumptions(risk.assumptions())
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        c = mc.convergence
        out["charts"] = [
            str(
                charts.convergence_chart(
                    c.n_samples, c.mean, c.ci95_low, c.ci95_high, chart_dir / f"convergence.{s}"
                )
            )
            for s in ("png", "svg")
        ]
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
    out["assumptions"] = _assumptions(
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
