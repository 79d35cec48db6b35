"""From a :class:`~chainwatch.model.network.SupplyNetwork` to a :class:`ResilienceProblem`.

Mapping (each choice the network does not fix is a field of :class:`ResilienceParams`,
recorded as a labelled :class:`~chainwatch.model.network.Assumption`):

* every item is a node: inventory = units on hand (all sites), demand = ``demand_per_day``
  (or the sum of its shipments), loss per unit = ``margin_per_unit`` (or
  ``revenue_per_unit`` with ``loss_basis="revenue"``), capacity = ``capacity_per_day``
  (blank or 0: the item node itself is unconstrained, ``inf``);
* a BOM line ``parent <- child`` is an input slot of ``parent`` with one source, ``child``;
* a bought item with one primary source is produced by that supplier: cutting the supplier
  cuts the item node. An item with several primary sources gets one extra node per source
  (capacity ``share_of_volume * surge_factor * capacity``), all alternates in one input slot
  of the item, so cutting one source leaves the others. **Blank capacity** (one rule with the
  exposure report, :mod:`chainwatch.network.exposure`): when the item's ``capacity_per_day``
  is blank, ``capacity`` here is the item's daily requirement (its demand plus what its users
  need, exploded through the BOM), so a source delivers its share of today's volume and, at
  the default ``surge_factor = 1``, no more: cutting a 60 % source loses 60 % in both models.
  Alternate sources that are not yet qualified (``is_alternate``) deliver nothing during
  the outage: they are what recovery is;
* a supplier's time-to-recover is ``qualification_days`` of the best alternate of its items
  (``requalification_days`` when it has none) plus ``ramp_days``, spread as a triangular
  (``ttr_low_factor``, ``ttr_high_factor``) or lognormal (``ttr_sigma``) distribution;
* holding cost of one extra unit = ``holding_cost_per_unit_day * stockpile_holding_days``.
  **Blank holding cost** is not free stock: it defaults to ``holding_cost_rate_per_year *
  unit value / 365`` (the labelled assumption ``holding_cost_rate_per_year``, 25 % a year by
  default), the unit value being the item's ``unit_cost``, else the mean unit cost of its
  primary sources, else revenue minus margin per unit. An item with none of them cannot be
  priced, so it is **not stockable** (holding cost ``inf``: the stockpile never recommends
  it). Both lists are labelled assumptions, ``resilience.holding_cost_defaulted`` and
  ``resilience.not_stockable``, printed with every result.

Worked example of the two rules (tested): a phone (demand 100/day) needs one chip from S1
(60 %) or S2 (40 %), capacities blank. Cutting S1 leaves the S2 node 0.4 * 100 = 40/day: 60
phones a day lost, as the exposure report says. A chip with ``unit_cost`` 6 and no holding
cost holds at 0.25 * 6 / 365 = 0.00411 per unit-day.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

import numpy as np

from chainwatch.model.errors import InputError
from chainwatch.model.network import Assumption, SupplyNetwork
from chainwatch.resilience.problem import Disruption, ResilienceProblem
from chainwatch.resilience.ttr import TtrDistribution


@dataclass(frozen=True, slots=True)
class ResilienceParams:
    """Overridable assumptions of the resilience models (see the module docstring)."""

    requalification_days: float = 90.0
    ramp_days: float = 30.0
    ttr_distribution: Literal["triangular", "lognormal"] = "triangular"
    ttr_low_factor: float = 0.75
    ttr_high_factor: float = 2.0
    ttr_sigma: float = 0.4
    surge_factor: float = 1.0
    loss_basis: Literal["margin", "revenue"] = "margin"
    stockpile_holding_days: float = 365.0
    horizon_days: float = 365.0
    ttr_quantile: float = 0.5
    holding_cost_rate_per_year: float = 0.25

    def with_overrides(self, overrides: dict[str, str]) -> ResilienceParams:
        """A copy with ``key=value`` overrides (as typed on a command line)."""
        known = {f.name: f for f in fields(self)}
        values: dict[str, object] = {}
        for key, raw in overrides.items():
            if key not in known:
                raise InputError(f"unknown resilience parameter {key!r}", field=key)
            current = getattr(self, key)
            try:
                values[key] = raw if isinstance(current, str) else float(raw)
            except ValueError:
                raise InputError(f"not a number: {raw!r}", field=key) from None
        return replace(self, **values)  # type: ignore[arg-type]

    def assumptions(self) -> tuple[Assumption, ...]:
        return tuple(
            Assumption(f"resilience.{f.name}", getattr(self, f.name), _DESCRIPTIONS[f.name])
            for f in fields(self)
        )

    def ttr(self, base_days: float) -> TtrDistribution:
        if self.ttr_distribution == "lognormal":
            return TtrDistribution.lognormal(base_days, self.ttr_sigma)
        return TtrDistribution.triangular(base_days, self.ttr_low_factor, self.ttr_high_factor)


_DESCRIPTIONS = {
    "requalification_days": "days to find and qualify a new source when an item has no known "
    "alternate",
    "ramp_days": "days for a newly qualified source to ramp up to volume",
    "ttr_distribution": "family of the time-to-recover distribution (triangular or lognormal)",
    "ttr_low_factor": "triangular TTR: lowest value as a multiple of qualification + ramp days",
    "ttr_high_factor": "triangular TTR: highest value as a multiple of qualification + ramp days",
    "ttr_sigma": "lognormal TTR: sigma of log(TTR); the median is qualification + ramp days",
    "surge_factor": "a remaining primary source can deliver this multiple of its share of the "
    "item's capacity",
    "loss_basis": "lost demand is valued at the product's margin or its revenue per unit",
    "stockpile_holding_days": "days an extra unit of stock is held; its holding cost is "
    "holding_cost_per_unit_day times this",
    "horizon_days": "upper bound on time-to-survive (the TTS LP is unbounded without one)",
    "ttr_quantile": "quantile of the TTR distribution used as t(n) in the single-scenario sweep",
    "holding_cost_rate_per_year": "holding cost per unit-day of an item with a blank "
    "holding_cost_per_unit_day = rate x unit value / 365 (assumption)",
}


def daily_requirement(net: SupplyNetwork, demand: dict[str, float]) -> dict[str, float]:
    """Units per day each item must be made or bought to meet ``demand``: its own demand
    plus ``quantity_per`` times each user's requirement (a BOM explosion)."""
    req: dict[str, float] = {}
    visiting: set[str] = set()

    def need(item_id: str) -> float:
        if item_id in req:
            return req[item_id]
        if item_id in visiting:
            raise InputError(f"the bill of materials has a cycle through {item_id!r}", field="bom")
        visiting.add(item_id)
        total = demand.get(item_id, 0.0) + sum(
            e.quantity_per * need(e.parent) for e in net.parents(item_id)
        )
        visiting.discard(item_id)
        req[item_id] = total
        return total

    for it in net.items:
        need(it.id)
    return req


def holding_cost_per_unit_day(
    net: SupplyNetwork, item_id: str, rate_per_year: float
) -> tuple[float, bool]:
    """The item's holding cost per unit-day and whether it is the labelled default
    (``inf``: no value to derive one from, the item is not stockable)."""
    it = net.item(item_id)
    if it.holding_cost_per_unit_day > 0:
        return it.holding_cost_per_unit_day, False
    costs = [s.unit_cost for s in net.sources_of(item_id) if not s.is_alternate and s.unit_cost]
    value = (
        it.unit_cost
        or (sum(costs) / len(costs) if costs else 0.0)
        or max(it.revenue_per_unit - it.margin_per_unit, 0.0)
    )
    if value <= 0:
        return float("inf"), True
    return rate_per_year * value / 365.0, True


def from_network(net: SupplyNetwork, params: ResilienceParams | None = None) -> ResilienceProblem:
    """The array problem of a supply network, with one :class:`Disruption` per supplier."""
    p = params or ResilienceParams()
    items = list(net.items)
    if not items:
        raise InputError("the network has no items", field="items")
    ids: list[str] = [it.id for it in items]
    index = {i: n for n, i in enumerate(ids)}
    inv = [net.on_hand(it.id) for it in items]
    cap = [it.capacity_per_day if it.capacity_per_day > 0 else np.inf for it in items]
    shipped: dict[str, float] = {}
    for sh in net.shipments:
        shipped[sh.item] = shipped.get(sh.item, 0.0) + sh.quantity_per_day
    dem = [it.demand_per_day or shipped.get(it.id, 0.0) for it in items]
    loss = [
        (it.revenue_per_unit if p.loss_basis == "revenue" else it.margin_per_unit) if d > 0 else 0.0
        for it, d in zip(items, dem, strict=True)
    ]
    hold = []
    defaulted: list[str] = []
    unpriced: list[str] = []
    for it in items:
        per_day, default = holding_cost_per_unit_day(net, it.id, p.holding_cost_rate_per_year)
        hold.append(per_day * p.stockpile_holding_days)
        if default:
            (defaulted if np.isfinite(per_day) else unpriced).append(it.id)
    requirement = daily_requirement(net, {it.id: d for it, d in zip(items, dem, strict=True)})
    slot_node: list[int] = []
    slot_q: list[float] = []
    arc_src: list[int] = []
    arc_slot: list[int] = []
    quantity: dict[tuple[str, str], float] = {}
    for edge in net.bom:
        for name in (edge.parent, edge.child):
            if name not in index:
                raise InputError(f"BOM line names unknown item {name!r}", field="bom")
        key = (edge.parent, edge.child)
        quantity[key] = quantity.get(key, 0.0) + edge.quantity_per
    for (parent, child), q in quantity.items():
        arc_src.append(index[child])
        arc_slot.append(len(slot_node))
        slot_node.append(index[parent])
        slot_q.append(q)

    supplier_nodes: dict[str, list[int]] = {}
    supplier_base: dict[str, float] = {}
    for it in items:
        primary = [s for s in net.sources_of(it.id) if not s.is_alternate]
        alternates = [s for s in net.sources_of(it.id) if s.is_alternate]
        if not primary:
            continue
        qual = min((a.qualification_days for a in alternates), default=p.requalification_days)
        if len(primary) == 1:
            nodes_for = {primary[0].supplier: index[it.id]}
        else:
            k = len(slot_node)
            slot_node.append(index[it.id])
            slot_q.append(1.0)
            nodes_for = {}
            for src in primary:
                node = len(ids)
                ids.append(f"{it.id}@{src.supplier}")
                inv.append(0.0)
                base_cap = it.capacity_per_day if it.capacity_per_day > 0 else requirement[it.id]
                cap.append(src.share_of_volume * p.surge_factor * base_cap)
                dem.append(0.0)
                loss.append(0.0)
                hold.append(np.inf)
                arc_src.append(node)
                arc_slot.append(k)
                nodes_for[src.supplier] = node
        for supplier, node in nodes_for.items():
            supplier_nodes.setdefault(supplier, []).append(node)
            supplier_base[supplier] = max(supplier_base.get(supplier, 0.0), qual + p.ramp_days)

    disruptions = []
    for supplier, nodes in supplier_nodes.items():
        party = net.party(supplier) if net.has_party(supplier) else None
        owners = [o for o in net.owners_of(supplier) if o.share >= 0.5]
        disruptions.append(
            Disruption(
                name=supplier,
                kind="supplier",
                nodes=tuple(sorted(set(nodes))),
                ttr=p.ttr(supplier_base[supplier]),
                country=party.country if party else "",
                owner=owners[0].owner if owners else "",
            )
        )
    return ResilienceProblem(
        node_ids=tuple(ids),
        inventory_units=np.array(inv, dtype=np.float64),
        capacity_per_day=np.array(cap, dtype=np.float64),
        demand_per_day=np.array(dem, dtype=np.float64),
        margin_per_unit=np.array(loss, dtype=np.float64),
        holding_cost_per_unit=np.array(hold, dtype=np.float64),
        slot_node=np.array(slot_node, dtype=np.int64),
        slot_quantity_per=np.array(slot_q, dtype=np.float64),
        arc_source=np.array(arc_src, dtype=np.int64),
        arc_slot=np.array(arc_slot, dtype=np.int64),
        assumptions=tuple(net.assumptions)
        + p.assumptions()
        + (
            (
                Assumption(
                    "resilience.holding_cost_defaulted",
                    ";".join(defaulted),
                    "items whose blank holding cost was set to holding_cost_rate_per_year x "
                    "unit value / 365",
                ),
            )
            if defaulted
            else ()
        )
        + (
            (
                Assumption(
                    "resilience.not_stockable",
                    ";".join(unpriced),
                    "items with neither a holding cost nor a unit value: never stockpiled",
                ),
            )
            if unpriced
            else ()
        ),
        suppliers=tuple(disruptions),
    )


def part_disruptions(problem: ResilienceProblem, ttr: TtrDistribution) -> tuple[Disruption, ...]:
    """Every node without inputs (a bought part) as its own disruption unit."""
    has_input = np.zeros(problem.n_nodes, dtype=bool)
    has_input[problem.slot_node] = True
    return tuple(
        Disruption(problem.node_ids[i], "part", (int(i),), ttr) for i in np.flatnonzero(~has_input)
    )
