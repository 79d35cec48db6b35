"""Bill-of-materials algorithms: topological order, levels, explosion, cost roll-up.

A BOM is a directed acyclic graph: edge ``parent -> child`` with ``quantity_per`` units of the
child per unit of the parent. Explosion multiplies quantities along every path and adds over
paths (a multi-level "where-used" sum, Orlicky, *Material Requirements Planning*, 1975):

    gross(child) = Σ_{parent} quantity_per(parent, child) · gross(parent)

Worked example (tested): a phone P uses 2 boards B and 1 case K; each board uses 3 chips C,
and the case uses 1 chip. Exploding 10 phones gives B = 20, K = 10, C = 20·3 + 10·1 = 70.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chainwatch.model.errors import InputError
from chainwatch.model.network import SupplyNetwork


def topological_order(
    nodes: Iterable[str], edges: Iterable[tuple[str, str]], *, file: str | None = None
) -> list[str]:
    """Kahn's algorithm over ``(parent, child)`` edges: parents before children.

    Raises :class:`InputError` naming one cycle when the graph is not acyclic.
    """
    node_list = list(dict.fromkeys(nodes))
    out: dict[str, list[str]] = {n: [] for n in node_list}
    indeg: dict[str, int] = dict.fromkeys(node_list, 0)
    for parent, child in edges:
        out.setdefault(parent, []).append(child)
        indeg.setdefault(parent, 0)
        indeg[child] = indeg.get(child, 0) + 1
        out.setdefault(child, [])
    ready = [n for n, d in indeg.items() if d == 0]
    order: list[str] = []
    while ready:
        n = ready.pop()
        order.append(n)
        for c in out[n]:
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
    if len(order) < len(indeg):
        cycle = find_cycle({n: out[n] for n in indeg if indeg[n] > 0})
        raise InputError(
            "the bill of materials has a cycle: " + " -> ".join(cycle),
            file=file,
            field="child",
        )
    return order


def find_cycle(graph: Mapping[str, list[str]]) -> list[str]:
    """One cycle of a directed graph given as adjacency lists (empty list when acyclic)."""
    color: dict[str, int] = {}
    for start in graph:
        if color.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, idx = stack.pop()
            if idx == 0:
                color[node] = 1
                path.append(node)
            succ = graph.get(node, [])
            if idx < len(succ):
                stack.append((node, idx + 1))
                nxt = succ[idx]
                if color.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if not color.get(nxt):
                    stack.append((nxt, 0))
            else:
                color[node] = 2
                path.pop()
    return []


def bom_order(network: SupplyNetwork) -> list[str]:
    """Item ids, every parent before its children (products first)."""
    return topological_order(
        (i.id for i in network.items), ((e.parent, e.child) for e in network.bom)
    )


def bom_levels(network: SupplyNetwork) -> dict[str, int]:
    """Low-level code of each item: 0 for items used by nothing, else 1 + max parent level."""
    level: dict[str, int] = {}
    for item_id in bom_order(network):
        parents = network.parents(item_id)
        level[item_id] = 1 + max(level[e.parent] for e in parents) if parents else 0
    return level


def explode(network: SupplyNetwork, demand: Mapping[str, float]) -> dict[str, float]:
    """Gross requirement of every item to build ``demand`` (item id -> units).

    >>> from chainwatch.model.network import BomEdge, Item
    >>> net = SupplyNetwork(items=(Item("P", "P", "product"), Item("C", "C", "component")),
    ...                     bom=(BomEdge("P", "C", 2.5),))
    >>> explode(net, {"P": 4})
    {'P': 4.0, 'C': 10.0}
    """
    gross: dict[str, float] = {}
    for item_id in bom_order(network):
        own = float(demand.get(item_id, 0.0))
        used = sum(e.quantity_per * gross.get(e.parent, 0.0) for e in network.parents(item_id))
        total = own + used
        if total:
            gross[item_id] = total
    return gross


def rolled_up_cost(network: SupplyNetwork, own_cost: Mapping[str, float]) -> dict[str, float]:
    """Cost of one unit of every item: its own (value-added or purchase) cost plus its inputs'
    rolled-up costs times their quantity per: ``c_j = own_j + Σ_k r_kj c_k``."""
    cost: dict[str, float] = {}
    for item_id in reversed(bom_order(network)):
        cost[item_id] = float(own_cost.get(item_id, 0.0)) + sum(
            e.quantity_per * cost[e.child] for e in network.children(item_id)
        )
    return cost


def descendants(network: SupplyNetwork, item_id: str) -> set[str]:
    """Every item below ``item_id`` in the BOM (its inputs, their inputs, ...)."""
    seen: set[str] = set()
    stack = [item_id]
    while stack:
        for e in network.children(stack.pop()):
            if e.child not in seen:
                seen.add(e.child)
                stack.append(e.child)
    return seen


def ancestors(network: SupplyNetwork, item_id: str) -> set[str]:
    """Every item that uses ``item_id`` directly or indirectly."""
    seen: set[str] = set()
    stack = [item_id]
    while stack:
        for e in network.parents(stack.pop()):
            if e.parent not in seen:
                seen.add(e.parent)
                stack.append(e.parent)
    return seen
