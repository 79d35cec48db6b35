"""The array form of a supply network that every resilience model solves.

A :class:`ResilienceProblem` is built once (from a hand-written spec with
:meth:`ResilienceProblem.build`, or from a ``SupplyNetwork`` with
:func:`chainwatch.resilience.network_adapter.from_network`) and reused across thousands of
scenarios: the LP matrices of :mod:`chainwatch.resilience.lp` are assembled from these arrays
once, and a scenario only changes bounds.

Notation follows Simchi-Levi, Schmidt, Wei et al., "Identifying Risks and Mitigating
Disruptions in the Automotive Supply Chain", Interfaces 45(5):375-390, 2015:

* node ``j`` (a part, a site, a product) with inventory ``s_j`` (units on hand that a cut-off
  does not take away), capacity ``c_j`` (units per day), demand ``d_j`` (units per day; the
  nodes with ``d_j > 0`` are the products ``V``) and margin ``f_j`` (per unit of lost demand);
* an *input slot* ``k`` of node ``j`` is one bill-of-materials line: ``r_kj`` units of one input
  per unit of ``j``; its *arcs* are the alternate sources ``i`` that can supply that input.
  Two arcs in one slot are alternates; two slots of one node are both needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from chainwatch.model.errors import InputError
from chainwatch.model.network import Assumption
from chainwatch.resilience.ttr import TtrDistribution

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Disruption:
    """A unit that can be cut off: a supplier (all the nodes it delivers), a part or a site.

    ``nodes`` are node indices whose production stops; ``ttr`` is the time-to-recover
    distribution; ``country`` and ``owner`` (the controlling owner, "" if none) couple
    designation events in the Monte Carlo.
    """

    name: str
    kind: str
    nodes: tuple[int, ...]
    ttr: TtrDistribution
    country: str = ""
    owner: str = ""

    @property
    def cut(self) -> IntArray:
        return np.array(self.nodes, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One node of a hand-written problem (tests, examples)."""

    inventory_units: float = 0.0
    capacity_per_day: float = float("inf")
    demand_per_day: float = 0.0
    margin_per_unit: float = 0.0
    holding_cost_per_unit: float = 0.0


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One bill-of-materials line: ``quantity_per`` units of input per unit of ``node``,
    supplied by any of ``sources`` (alternates)."""

    node: str
    sources: tuple[str, ...]
    quantity_per: float = 1.0


@dataclass(frozen=True, slots=True, eq=False)
class ResilienceProblem:
    """Nodes and bill-of-materials arcs as arrays (see the module docstring for notation).

    Arrays over nodes (length ``n_nodes``): ``inventory_units``, ``capacity_per_day``
    (``inf`` = unlimited), ``demand_per_day``, ``margin_per_unit``, ``holding_cost_per_unit``.
    Arrays over input slots (length ``n_slots``): ``slot_node`` (the consuming node) and
    ``slot_quantity_per``. ``holding_cost_per_unit`` is the cost of holding one extra unit for
    the stockpile's holding period (``inf``: cannot be stockpiled). Arrays over arcs (length
    ``n_arcs``): ``arc_source``, ``arc_slot`` (the consuming node is ``slot_node[arc_slot]``).
    """

    node_ids: tuple[str, ...]
    inventory_units: FloatArray
    capacity_per_day: FloatArray
    demand_per_day: FloatArray
    margin_per_unit: FloatArray
    holding_cost_per_unit: FloatArray
    slot_node: IntArray
    slot_quantity_per: FloatArray
    arc_source: IntArray
    arc_slot: IntArray
    assumptions: tuple[Assumption, ...] = ()
    suppliers: tuple[Disruption, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n = len(self.node_ids)
        for name in (
            "inventory_units",
            "capacity_per_day",
            "demand_per_day",
            "margin_per_unit",
            "holding_cost_per_unit",
        ):
            arr = getattr(self, name)
            if arr.shape != (n,):
                raise InputError(f"expected {n} values, got shape {arr.shape}", field=name)
            if np.any(np.isnan(arr)) or np.any(arr < 0):
                raise InputError("values must be non-negative numbers", field=name)
        if self.slot_node.shape != self.slot_quantity_per.shape:
            raise InputError("slot arrays differ in length", field="slot_quantity_per")
        if np.any(self.slot_quantity_per <= 0) or not np.all(np.isfinite(self.slot_quantity_per)):
            raise InputError("quantity per must be positive and finite", field="quantity_per")
        if self.arc_source.shape != self.arc_slot.shape:
            raise InputError("arc arrays differ in length", field="arc_slot")
        if len(self.slot_node) and (self.slot_node.min() < 0 or self.slot_node.max() >= n):
            raise InputError("slot refers to an unknown node", field="slot_node")
        if len(self.arc_source) and (self.arc_source.min() < 0 or self.arc_source.max() >= n):
            raise InputError("arc refers to an unknown source node", field="arc_source")
        if len(self.arc_slot) and (
            self.arc_slot.min() < 0 or self.arc_slot.max() >= len(self.slot_node)
        ):
            raise InputError("arc refers to an unknown slot", field="arc_slot")
        if len(self.slot_node) and np.any(np.bincount(self.arc_slot, minlength=self.n_slots) == 0):
            raise InputError("every input slot needs at least one source", field="arc_slot")
        if len(set(self.node_ids)) != n:
            raise InputError("node ids must be unique", field="node_ids")
        self._index.update({node: i for i, node in enumerate(self.node_ids)})

    # ----------------------------------------------------------------- sizes and lookups
    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_slots(self) -> int:
        return int(self.slot_node.shape[0])

    @property
    def n_arcs(self) -> int:
        return int(self.arc_source.shape[0])

    @property
    def arc_target(self) -> IntArray:
        """The consuming node of every arc."""
        return self.slot_node[self.arc_slot]

    @property
    def products(self) -> IntArray:
        """Indices of the nodes with demand (the set ``V``)."""
        return np.flatnonzero(self.demand_per_day > 0).astype(np.int64)

    def index(self, node_id: str) -> int:
        """The index of a node id; raises a clear error for an unknown id."""
        try:
            return self._index[node_id]
        except KeyError:
            raise InputError(f"unknown node {node_id!r}", field="node") from None

    def indices(self, node_ids: Sequence[str]) -> IntArray:
        return np.array([self.index(n) for n in node_ids], dtype=np.int64)

    # ----------------------------------------------------------------- derived quantities
    def usage_per_day(self) -> FloatArray:
        """Units per day each node must make or ship to meet all demand (BOM explosion).

        Demand flows up each input slot at ``quantity_per`` units per unit and is split evenly
        between alternate sources (an assumption used only to express stock in days of cover).
        """
        order = self.topological_order()
        usage = self.demand_per_day.copy()
        slots_of = _group(self.slot_node, self.n_nodes)
        arcs_of = _group(self.arc_slot, self.n_slots)
        for j in order[::-1]:  # consumers before their sources
            for k in slots_of[j]:
                srcs = arcs_of[k]
                need = usage[j] * self.slot_quantity_per[k] / len(srcs)
                for a in srcs:
                    usage[self.arc_source[a]] += need
        return usage

    def topological_order(self) -> IntArray:
        """Nodes with every source before its consumers; raises on a cycle."""
        n = self.n_nodes
        target = self.arc_target
        indeg = np.bincount(target, minlength=n)
        succ = _group(self.arc_source, n)
        order: list[int] = [int(i) for i in np.flatnonzero(indeg == 0)]
        indeg = indeg.copy()
        head = 0
        while head < len(order):
            i = order[head]
            head += 1
            for a in succ[i]:
                j = int(target[a])
                indeg[j] -= 1
                if indeg[j] == 0:
                    order.append(j)
        if len(order) != n:
            raise InputError("the bill of materials has a cycle", field="arcs")
        return np.array(order, dtype=np.int64)

    def downstream(self, nodes: Sequence[int] | IntArray) -> IntArray:
        """The given nodes and every node that (transitively) consumes one of them."""
        succ = _group(self.arc_source, self.n_nodes)
        target = self.arc_target
        seen = np.zeros(self.n_nodes, dtype=bool)
        stack = [int(i) for i in nodes]
        seen[stack] = True
        while stack:
            i = stack.pop()
            for a in succ[i]:
                j = int(target[a])
                if not seen[j]:
                    seen[j] = True
                    stack.append(j)
        return np.flatnonzero(seen).astype(np.int64)

    def with_inventory(self, inventory_units: FloatArray) -> ResilienceProblem:
        """The same problem with other inventories (e.g. plus a stockpile)."""
        return ResilienceProblem(
            node_ids=self.node_ids,
            inventory_units=np.asarray(inventory_units, dtype=np.float64),
            capacity_per_day=self.capacity_per_day,
            demand_per_day=self.demand_per_day,
            margin_per_unit=self.margin_per_unit,
            holding_cost_per_unit=self.holding_cost_per_unit,
            slot_node=self.slot_node,
            slot_quantity_per=self.slot_quantity_per,
            arc_source=self.arc_source,
            arc_slot=self.arc_slot,
            assumptions=self.assumptions,
            suppliers=self.suppliers,
        )

    # ----------------------------------------------------------------- construction
    @classmethod
    def build(
        cls,
        nodes: Mapping[str, NodeSpec],
        inputs: Sequence[InputSpec],
        assumptions: Sequence[Assumption] = (),
        suppliers: Sequence[Disruption] = (),
    ) -> ResilienceProblem:
        """A problem from a hand-written spec: nodes by id, and one :class:`InputSpec` per
        bill-of-materials line."""
        ids = tuple(nodes)
        idx = {n: i for i, n in enumerate(ids)}
        specs = [nodes[n] for n in ids]
        slot_node: list[int] = []
        slot_q: list[float] = []
        arc_src: list[int] = []
        arc_slot: list[int] = []
        for row, inp in enumerate(inputs):
            for name in (inp.node, *inp.sources):
                if name not in idx:
                    raise InputError(f"unknown node {name!r}", row=row, field="inputs")
            if not inp.sources:
                raise InputError("an input needs at least one source", row=row, field="sources")
            k = len(slot_node)
            slot_node.append(idx[inp.node])
            slot_q.append(inp.quantity_per)
            for s in inp.sources:
                arc_src.append(idx[s])
                arc_slot.append(k)
        return cls(
            node_ids=ids,
            inventory_units=np.array([s.inventory_units for s in specs], dtype=np.float64),
            capacity_per_day=np.array([s.capacity_per_day for s in specs], dtype=np.float64),
            demand_per_day=np.array([s.demand_per_day for s in specs], dtype=np.float64),
            margin_per_unit=np.array([s.margin_per_unit for s in specs], dtype=np.float64),
            holding_cost_per_unit=np.array(
                [s.holding_cost_per_unit for s in specs], dtype=np.float64
            ),
            slot_node=np.array(slot_node, dtype=np.int64),
            slot_quantity_per=np.array(slot_q, dtype=np.float64),
            arc_source=np.array(arc_src, dtype=np.int64),
            arc_slot=np.array(arc_slot, dtype=np.int64),
            assumptions=tuple(assumptions),
            suppliers=tuple(suppliers),
        )


def _group(keys: IntArray, n: int) -> list[list[int]]:
    """For each key value 0..n-1, the positions where it occurs."""
    out: list[list[int]] = [[] for _ in range(n)]
    for pos, key in enumerate(keys.tolist()):
        out[key].append(pos)
    return out
