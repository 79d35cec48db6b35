"""A picture of the network with the exposed paths highlighted (SVG or PNG, via matplotlib).

Layout by BOM level, done here rather than by a graph library: products in the top row (level
0), each lower BOM level one row down, suppliers in the bottom row. Within a row, nodes are
ordered by the mean position of their parents (one barycentre sweep, Sugiyama et al., 1981) to
keep edges short. Exposed items and designated suppliers are red, and so are the edges along
which the cut propagates; alternate sources are dashed; everything else is grey.
"""

from __future__ import annotations

import io
from collections.abc import Collection

from chainwatch.model.network import SupplyNetwork
from chainwatch.network.bom import bom_levels
from chainwatch.network.exposure import InboundExposure


def render(
    network: SupplyNetwork,
    exposure: InboundExposure | None = None,
    *,
    fmt: str = "svg",
    max_nodes: int = 400,
    cut_lines: Collection[tuple[str, str]] = (),
) -> bytes:
    """The picture as bytes in ``fmt`` ("svg" or "png"). ``cut_lines`` (supplier, item) are
    source lines cut whoever the supplier is (the self-listing scenario): drawn red, and so
    are their suppliers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = bom_levels(network)
    exposed = exposure.exposed_items() if exposure else set()
    lines = set(cut_lines)
    designated = set(exposure.designated.designations) if exposure else set()
    cut = designated | {sup for sup, _ in lines}
    suppliers = list(dict.fromkeys(s.supplier for s in network.sources))
    items = list(levels)
    if len(items) + len(suppliers) > max_nodes:  # keep the exposed part and its neighbours
        keep = set(exposed) | {e.child for e in network.bom if e.parent in exposed}
        keep |= {p.id for p in network.products()}
        items = [i for i in items if i in keep][:max_nodes]
        suppliers = [s for s in suppliers if s in cut][: max_nodes // 4]
    bottom = (max(levels.values()) + 1) if levels else 0
    rows: dict[int, list[str]] = {}
    for item_id in items:
        rows.setdefault(levels[item_id], []).append(item_id)
    rows[bottom] = [f"party:{s}" for s in suppliers]
    pos: dict[str, tuple[float, float]] = {}
    for lvl in sorted(rows):
        nodes = rows[lvl]
        if lvl > 0:

            def bary(node: str) -> float:
                if node.startswith("party:"):
                    ups = [s.item for s in network.supplied_by(node[6:])]
                else:
                    ups = [e.parent for e in network.parents(node)]
                xs = [pos[u][0] for u in ups if u in pos]
                return sum(xs) / len(xs) if xs else 0.5

            nodes.sort(key=bary)
        for k, node in enumerate(nodes):
            pos[node] = ((k + 1) / (len(nodes) + 1), -float(lvl))

    width = max(8.0, min(40.0, 0.35 * max(len(v) for v in rows.values())))
    fig, ax = plt.subplots(figsize=(width, 1.6 * (bottom + 1) + 1))
    red, grey = "#c0392b", "#b0b0b0"

    def edge(a: str, b: str, hot: bool, dashed: bool = False) -> None:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        ax.plot(
            [x1, x2],
            [y1, y2],
            color=red if hot else grey,
            lw=1.6 if hot else 0.5,
            ls="--" if dashed else "-",
            zorder=2 if hot else 1,
        )

    for e in network.bom:
        if e.parent in pos and e.child in pos:
            edge(e.parent, e.child, e.parent in exposed and e.child in exposed)
    for s in network.sources:
        node = f"party:{s.supplier}"
        if node in pos and s.item in pos:
            hot_line = (s.supplier, s.item) in lines or s.supplier in designated
            edge(s.item, node, hot_line and not s.is_alternate, s.is_alternate)
    names = {p.id: p.name for p in network.parties}
    for node, (x, y) in pos.items():
        is_party = node.startswith("party:")
        key = node[6:] if is_party else node
        hot = key in cut if is_party else key in exposed
        colour = red if hot else ("#34495e" if is_party else "#7f8c8d")
        ax.scatter(
            [x],
            [y],
            s=60 if is_party else 40,
            marker="s" if is_party else "o",
            color=colour,
            zorder=3,
        )
        if len(pos) > 120 and not hot:
            continue
        if is_party:  # below the square, slanted, so neighbours do not overlap
            ax.annotate(
                names.get(key, key)[:32],
                (x, y),
                textcoords="offset points",
                xytext=(3, -8),
                ha="right",
                va="top",
                fontsize=6,
                rotation=40,
                color=red if hot else "#333333",
            )
        else:
            ax.annotate(
                key[:28],
                (x, y),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=6,
                rotation=25 if len(rows.get(levels[key], [])) > 12 else 0,
                color=red if hot else "#333333",
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
                zorder=4,
            )
    for lvl in rows:
        ax.text(
            -0.02,
            -lvl,
            "suppliers" if lvl == bottom else f"BOM level {lvl}",
            ha="right",
            va="center",
            fontsize=8,
        )
    title = network.name or "supply network"
    if exposure is not None:
        title += f" — scenario {exposure.scenario}: {len(exposed)} items exposed"
    ax.set_title(title, fontsize=10)
    ax.text(
        1.0,
        0.35,
        "red: cut, or short of a cut input\ndashed: alternate source (not used today)",
        ha="right",
        va="bottom",
        fontsize=7,
        color="#555555",
    )
    ax.set_xlim(-0.12, 1.02)
    ax.axis("off")
    buf = io.BytesIO()
    # The same network gives the same file: no creation date, no random SVG ids.
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    with plt.rc_context({"svg.hashsalt": "chainwatch"}):
        fig.savefig(buf, format=fmt, bbox_inches="tight", dpi=120, metadata=metadata)
    plt.close(fig)
    return buf.getvalue()
