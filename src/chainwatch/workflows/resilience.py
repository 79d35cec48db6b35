"""Resilience use cases: load a network, apply labelled assumptions, run a model, chart it.

Each function returns a JSON-ready dict that always carries ``assumptions`` (every labelled,
overridable parameter behind the figures: the loader's and the resilience models'). The
stockpile use cases are in :mod:`chainwatch.workflows.stockpile`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from chainwatch.model.errors import InputError

__all__ = ["InputError", "RiskParams", "load", "run_monte_carlo", "run_sweep"]
from chainwatch.model.network import Assumption, SupplyNetwork
from chainwatch.network.io import load_network
from chainwatch.network.willems import WillemsAssumptions, load_willems_chain
from chainwatch.resilience import charts
from chainwatch.resilience.benders import restrict_stock
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.network_adapter import ResilienceParams, from_network
from chainwatch.resilience.problem import ResilienceProblem
from chainwatch.resilience.sweep import sweep


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
    explicit: tuple[str, ...] = ()  # the fields the user set with --set

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
        out = cls(**values, explicit=tuple(values))
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

    def designation_model(
        self,
        problem: ResilienceProblem,
        probability: float,
        by_name: dict[str, float],
        model: DesignationModel | None = None,
    ) -> DesignationModel:
        """The designation model of a run: ``model`` (the lists' history or a probability
        file) when given, else ``probability`` for every supplier. Then what the user said
        wins over the model: copula loadings set with ``--set montecarlo.*`` and the named
        suppliers' probabilities (``--designation``, a rumoured listing)."""
        if model is None:
            return self.designation(problem, probability, by_name)
        mine = ("country_loading", "owner_loading", "no_country")
        set_here = {k: getattr(self, k) for k in mine if k in self.explicit}
        dm = dataclasses.replace(model, **set_here) if set_here else model
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


def workers_mapper(workers: int, engine: Any = None) -> Any:
    """A ``mapper`` over `engine` (a :class:`chainwatch.engine.base.Engine`: local pool or
    Dask) when given, else over ``workers`` local processes (None: inline)."""
    if engine is not None:
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


def assumption_rows(items: tuple[Assumption, ...]) -> list[dict[str, Any]]:
    """Assumptions as the JSON rows every use case prints."""
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
        mapper=workers_mapper(1, engine),
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
    dm = risk.designation_model(problem, probability, designations or {}, model)
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
        mapper=workers_mapper(workers, engine),
    )
    out: dict[str, Any] = mc.as_dict()
    out["assumptions"] = list(out["assumptions"]) + assumption_rows(risk.assumptions())
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
