"""Loader for the 38 real supply chains of Willems (2008).

Source: S. P. Willems, "Real-World Multiechelon Supply Chains Used for Inventory Optimization",
*Manufacturing & Service Operations Management* 10(1):19–23, 2008 (the workbook asks users to
cite the paper). Each chain ``NN`` has a stage table ``NN_SD`` (``Stage Name``, ``stageCost``
= cost added at the stage, ``stageTime`` = lead time in days, ``avgDemand`` / ``stdDevDemand``
for demand stages, ``stageClassification`` Part / Manuf / Trans / Dist / Retail) and an arc
table ``NN_LL`` (``sourceStage -> destinationStage``). Shipped both as a ``csv/`` folder and as
one workbook ``willems2008.xlsx`` (sheets ``NN_SD`` and ``NN_LL``).

Mapping to :class:`~chainwatch.model.network.SupplyNetwork` — every stage is an item:

* a stage with demand (a sink: no outgoing arc) is a ``product``; a ``Part`` stage is a
  ``component`` bought from one supplier party; any other stage is an ``assembly``;
* an arc ``u -> v`` is a BOM line ``parent=v, child=u`` with ``quantity_per`` (assumed, 1);
  every inbound arc is a required input (the guaranteed-service model the data was made for);
* demand through a stage is rolled down the BOM; capacity is ``capacity_factor`` times that
  flow; inventory on hand is ``inventory_days`` of that flow;
* unit cost is the BOM roll-up of ``stageCost`` (``c_j = stageCost_j + Σ_k r_kj c_k``); a
  product's revenue is its cost times ``1 + markup_on_cost`` and its margin the difference.

The data has no quantities per arc, inventories, capacities, margins, suppliers or countries:
each of those is a :class:`WillemsAssumptions` field, recorded as an
:class:`~chainwatch.model.network.Assumption` in the network it produces.

Worked example (chain 01, tested): ``Retail_0001`` has demand 253/day and is fed by
``Manuf_0001`` (stageCost 39) which uses ``Part_0001`` (12), ``Part_0002`` (5) and ``Part_0003``
(9); its unit cost is 0 + 39 + 12 + 5 + 9 = 65, revenue 65 × 1.25 = 81.25 and margin 16.25 per
unit with the default 25 % markup.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, fields
from pathlib import Path

from chainwatch.model.errors import InputError
from chainwatch.model.network import (
    Assumption,
    BomEdge,
    Inventory,
    Item,
    ItemKind,
    Party,
    Site,
    Source,
    SupplyNetwork,
)
from chainwatch.network.bom import topological_order
from chainwatch.text.spreadsheets import check_xlsx

CITATION = (
    "Willems, S. P. (2008). Real-World Multiechelon Supply Chains Used for Inventory "
    "Optimization. Manufacturing & Service Operations Management 10(1):19-23."
)
CHAIN_COUNT = 38


@dataclass(frozen=True, slots=True)
class WillemsAssumptions:
    """The parameters the Willems data does not give; each is overridable.

    Field descriptions are recorded with the values in ``SupplyNetwork.assumptions``.
    """

    quantity_per: float = 1.0
    inventory_days: float = 14.0
    capacity_factor: float = 1.25
    markup_on_cost: float = 0.25
    holding_cost_rate_per_year: float = 0.25
    supplier_country: str = ""
    site_country: str = ""
    demand_unit_days: float = 1.0


_DESCRIPTIONS = {
    "quantity_per": "units of the upstream stage per unit of the downstream stage on every arc "
    "(the data has no quantities)",
    "inventory_days": "inventory on hand at every stage, in days of the demand flowing through it",
    "capacity_factor": "capacity per day of every stage as a multiple of the demand flowing "
    "through it",
    "markup_on_cost": "revenue per unit of a product = rolled-up stageCost × (1 + markup); "
    "margin per unit = revenue − cost",
    "holding_cost_rate_per_year": "holding cost per unit-day = rate × unit cost / 365",
    "supplier_country": "country of each Part stage's supplier (the data names none; "
    "empty = unknown)",
    "site_country": "country of the chain's plant (the data names none; empty = unknown)",
    "demand_unit_days": "avgDemand is read as units per this many days (1: units per day)",
}


def _assumption_records(params: WillemsAssumptions) -> tuple[Assumption, ...]:
    base = [
        Assumption(f.name, getattr(params, f.name), _DESCRIPTIONS[f.name]) for f in fields(params)
    ]
    base.append(
        Assumption(
            "arc_semantics",
            "all-inputs-required",
            "every arc into a stage is a required input (assembly); no arc is an alternate source",
        )
    )
    base.append(
        Assumption(
            "one_supplier_per_part",
            True,
            "each Part stage is bought from one supplier party of its own, sole-sourced",
        )
    )
    return tuple(base)


def _num(value: object, *, file: str, row: int, field: str, default: float = 0.0) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"not a number: {value!r}", file=file, row=row, field=field) from None


def build_chain(
    chain: int,
    stage_rows: list[dict[str, object]],
    arc_rows: list[dict[str, object]],
    *,
    params: WillemsAssumptions | None = None,
    stage_file: str = "",
    arc_file: str = "",
    industry: str = "",
) -> SupplyNetwork:
    """Build one chain's network from its stage and arc rows (as dicts keyed by header).

    Row numbers in errors count the header as row 1.
    """
    p = params or WillemsAssumptions()
    prefix = f"W{chain:02d}"
    cost: dict[str, float] = {}
    time_days: dict[str, float] = {}
    demand: dict[str, float] = {}
    classification: dict[str, str] = {}
    for n, row in enumerate(stage_rows, start=2):
        name = str(row.get("Stage Name") or "").strip()
        if not name:
            continue
        if name in cost:
            raise InputError(
                f"duplicate stage {name!r}", file=stage_file, row=n, field="Stage Name"
            )
        cost[name] = _num(row.get("stageCost"), file=stage_file, row=n, field="stageCost")
        time_days[name] = _num(row.get("stageTime"), file=stage_file, row=n, field="stageTime")
        d = _num(row.get("avgDemand"), file=stage_file, row=n, field="avgDemand")
        if d:
            demand[name] = d / p.demand_unit_days
        classification[name] = str(row.get("stageClassification") or "").strip()
    arcs: list[tuple[str, str]] = []
    for n, row in enumerate(arc_rows, start=2):
        src = str(row.get("sourceStage") or "").strip()
        dst = str(row.get("destinationStage") or "").strip()
        if not src and not dst:
            continue
        for value, fld in ((src, "sourceStage"), (dst, "destinationStage")):
            if value not in cost:
                raise InputError(f"unknown stage {value!r}", file=arc_file, row=n, field=fld)
        arcs.append((dst, src))  # BOM: parent = destination, child = source
    arcs = list(dict.fromkeys(arcs))
    order = topological_order(cost, arcs, file=arc_file)  # parents (downstream) first
    children: dict[str, list[str]] = {}
    has_parent: set[str] = set()
    for parent, child in arcs:
        children.setdefault(parent, []).append(child)
        has_parent.add(child)
    # demand flowing through each stage: own demand + q × flow of every parent
    flow: dict[str, float] = {s: demand.get(s, 0.0) for s in cost}
    for stage in order:
        for child in children.get(stage, ()):
            flow[child] += p.quantity_per * flow[stage]
    unit_cost: dict[str, float] = {}
    for stage in reversed(order):
        unit_cost[stage] = cost[stage] + sum(
            p.quantity_per * unit_cost[c] for c in children.get(stage, ())
        )

    site_id = f"{prefix}-PLANT"
    company = f"{prefix}-COMPANY"
    items: list[Item] = []
    parties = [Party(company, f"Willems chain {chain:02d} company", p.site_country, (), ("self",))]
    sources: list[Source] = []
    inventory: list[Inventory] = []
    holding = p.holding_cost_rate_per_year / 365.0
    for stage in cost:
        cls = classification[stage]
        kind: ItemKind
        if stage not in has_parent or stage in demand:
            kind = "product"
        elif cls.startswith("Part"):
            kind = "component"
        else:
            kind = "assembly"
        c = unit_cost[stage]
        revenue = c * (1.0 + p.markup_on_cost) if kind == "product" else 0.0
        items.append(
            Item(
                id=stage,
                name=f"{stage} ({cls})" if cls else stage,
                kind=kind,
                demand_per_day=demand.get(stage, 0.0),
                revenue_per_unit=revenue,
                margin_per_unit=revenue - c if kind == "product" else 0.0,
                unit_cost=c,
                holding_cost_per_unit_day=holding * c,
                capacity_per_day=p.capacity_factor * flow[stage],
                lead_time_days=time_days[stage],
                site_id=site_id,
                country=p.site_country,
            )
        )
        if flow[stage] and p.inventory_days:
            inventory.append(Inventory(site_id, stage, p.inventory_days * flow[stage]))
        if cls.startswith("Part"):
            supplier = f"{prefix}-SUP-{stage}"
            parties.append(
                Party(
                    supplier,
                    f"Supplier of {stage} (chain {chain:02d})",
                    p.supplier_country,
                    (),
                    ("supplier",),
                )
            )
            sources.append(
                Source(
                    supplier=supplier,
                    item=stage,
                    share_of_volume=1.0,
                    unit_cost=cost[stage],
                    lead_time_days=time_days[stage],
                    origin_country=p.supplier_country,
                )
            )
    title = f"willems-{chain:02d}" + (f" ({industry})" if industry else "")
    return SupplyNetwork(
        name=title,
        items=tuple(items),
        bom=tuple(BomEdge(parent, child, p.quantity_per) for parent, child in arcs),
        parties=tuple(parties),
        sources=tuple(sources),
        sites=(Site(site_id, f"Chain {chain:02d} plant", p.site_country, company),),
        inventory=tuple(inventory),
        assumptions=_assumption_records(p),
    )


def _read_csv(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def _csv_dir(root: Path) -> Path:
    return root / "csv" if (root / "csv").is_dir() else root


def willems_chain_ids(root: str | Path) -> list[int]:
    """Chain numbers available under ``root`` (the willems2008 folder or its csv/ folder)."""
    found = []
    for f in _csv_dir(Path(root)).glob("*_SD.csv"):
        m = re.fullmatch(r"(\d+)_SD\.csv", f.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def load_willems_chain(
    root: str | Path, chain: int, params: WillemsAssumptions | None = None
) -> SupplyNetwork:
    """Load chain ``chain`` (1–38) from the CSV folder (``root`` or ``root/csv``)."""
    folder = _csv_dir(Path(root))
    sd = folder / f"{chain:02d}_SD.csv"
    ll = folder / f"{chain:02d}_LL.csv"
    return build_chain(
        chain,
        _read_csv(sd),
        _read_csv(ll),
        params=params,
        stage_file=str(sd),
        arc_file=str(ll),
    )


def load_willems(root: str | Path, params: WillemsAssumptions | None = None) -> list[SupplyNetwork]:
    """All chains under ``root`` (a folder with csv/ or the csv folder itself), in order."""
    chains = willems_chain_ids(root)
    if not chains:
        raise InputError("no NN_SD.csv stage files found", file=str(root))
    return [load_willems_chain(root, c, params) for c in chains]


def load_willems_xlsx(
    path: str | Path, params: WillemsAssumptions | None = None
) -> list[SupplyNetwork]:
    """All chains from the workbook ``willems2008.xlsx`` (sheets ``NN_SD``/``NN_LL``); the
    industry (SIC description) from its ``Summary Tables`` sheet goes into each name."""
    from openpyxl import load_workbook

    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=str(path))
    check_xlsx(path)  # a zip bomb is refused before openpyxl unpacks it
    wb = load_workbook(path, read_only=True, data_only=True)
    try:

        def rows(sheet: str) -> list[dict[str, object]]:
            it = wb[sheet].iter_rows(values_only=True)
            header = [str(h) if h is not None else "" for h in next(it)]
            return [dict(zip(header, r, strict=False)) for r in it]

        industry: dict[int, str] = {}
        if "Summary Tables" in wb.sheetnames:
            for r in wb["Summary Tables"].iter_rows(values_only=True):
                vals = [v for v in r if v is not None]
                if len(vals) == 4 and isinstance(vals[0], int) and isinstance(vals[3], str):
                    industry.setdefault(vals[0], vals[3].strip())
        out = []
        for sheet in wb.sheetnames:
            m = re.fullmatch(r"(\d+)_SD", sheet)
            if not m:
                continue
            chain = int(m.group(1))
            out.append(
                build_chain(
                    chain,
                    rows(sheet),
                    rows(f"{chain:02d}_LL"),
                    params=params,
                    stage_file=f"{path}[{sheet}]",
                    arc_file=f"{path}[{chain:02d}_LL]",
                    industry=industry.get(chain, ""),
                )
            )
        return out
    finally:
        wb.close()
