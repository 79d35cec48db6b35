"""De minimis roll-up: is a foreign-made item subject to the EAR because of its US content?

Rule: 15 CFR 734.4 and Supplement No. 2 to Part 734 ("Guidelines for de minimis rules"). A
foreign-made item is subject to the EAR when the fair market value of the US-origin
*controlled* content it incorporates (US items that would need a licence to the item's
destination) **exceeds** the de minimis level: 10 % for destinations in Country Group E:1 (and
E:2, see :mod:`chainwatch.network.country_groups`), 25 % for all others; some items have no de
minimis level (0 %, 734.4(a)). The ratio is

    % = Σ FMV(US-controlled content) / FMV(foreign-made item)

Here the US content is rolled up through the bill of materials: every bought part contributes
``quantity per top-level unit × controlled value per unit`` (its source's
``us_controlled_content_value``, or its whole unit cost when the part is US-origin with a
controlling ECCN, or — to embargoed destinations — even when it is EAR99). Of several primary
sources of one part, the one with the most US-controlled content counts (worst case, since any
unit shipped may contain it). The result lists every line of the calculation.

Worked example (tested): a router sold at 100 contains 2 US-origin FPGAs (ECCN 3A001, 6 each)
and a board with 1 US-origin EAR99 DRAM (5). To Germany: 12/100 = 12 % ≤ 25 % → not subject.
To Iran (E:1): 12 + 5 (EAR99 needs a licence to Iran) = 17 % > 10 % → subject to the EAR.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainwatch.model.network import Source, SupplyNetwork
from chainwatch.network.bom import explode
from chainwatch.network.country_groups import EMBARGOED, lower_de_minimis_countries

STANDARD_LEVEL = 0.25
LOWER_LEVEL = 0.10
CITATION = "15 CFR 734.4; Supplement No. 2 to Part 734"


@dataclass(frozen=True, slots=True)
class DeMinimisLine:
    """One line of the calculation: a part, how many go into one top-level unit, its source and
    its US-controlled value per unit, and the product of the two."""

    item_id: str
    item_name: str
    quantity: float
    supplier: str
    eccn: str
    controlled_value_per_unit: float
    contribution: float
    reason: str


@dataclass(frozen=True, slots=True)
class DeMinimisResult:
    """The de minimis verdict for one item and one destination, with its calculation."""

    item_id: str
    destination_country: str
    fair_market_value: float
    controlled_us_content: float
    ratio: float
    level: float
    subject_to_ear: bool
    reason: str
    lines: tuple[DeMinimisLine, ...]

    def explain(self) -> str:
        """The calculation as text, one line per contributing part."""
        out = [f"De minimis ({CITATION}) for {self.item_id} to {self.destination_country or '?'}:"]
        for ln in self.lines:
            out.append(
                f"  {ln.item_id:<24} {ln.quantity:>8g} x {ln.controlled_value_per_unit:>10.4f}"
                f" = {ln.contribution:>10.4f}  ({ln.reason}; {ln.supplier or 'in-house'})"
            )
        out.append(
            f"  US-controlled content {self.controlled_us_content:.4f} / fair market value "
            f"{self.fair_market_value:.4f} = {self.ratio:.2%} vs level {self.level:.0%}: "
            f"{self.reason}"
        )
        return "\n".join(out)


def controlled_value(source: Source, eccn: str, destination: str) -> tuple[float, str]:
    """US-controlled content per unit of a part from ``source`` for ``destination``."""
    if destination.upper() in EMBARGOED and source.us_content_value > 0:
        return source.us_content_value, "stated US-origin content: all of it needs a licence to "
        "an embargoed destination"
    if source.us_controlled_content_value > 0:
        return source.us_controlled_content_value, "stated US-controlled content"
    if not source.us_origin:
        return 0.0, "not US-origin"
    code = (source.eccn or eccn).upper()
    if code in ("", "EAR99"):
        if destination.upper() in EMBARGOED:
            return source.unit_cost, f"US-origin {code or 'EAR99'}: licence needed to embargoed"
        return 0.0, f"US-origin {code or 'EAR99'}: no licence needed to this destination"
    return source.unit_cost, f"US-origin {code}: assumed to need a licence to the destination"


def de_minimis(
    network: SupplyNetwork,
    item_id: str,
    destination_country: str,
    *,
    lower_level_countries: frozenset[str] | None = None,
) -> DeMinimisResult:
    """Roll up US-controlled content through the BOM of ``item_id`` for one destination."""
    item = network.item(item_id)
    dest = destination_country.upper()
    lower = lower_de_minimis_countries() if lower_level_countries is None else lower_level_countries
    level = LOWER_LEVEL if dest in lower else STANDARD_LEVEL
    fmv = item.revenue_per_unit or item.unit_cost
    primaries = [s for s in network.sources_of(item_id) if not s.is_alternate]
    bought_us = bool(primaries) and all(s.us_origin for s in primaries)
    if item.us_origin or item.country.upper() == "US" or bought_us:
        return DeMinimisResult(
            item_id,
            dest,
            fmv,
            fmv,
            1.0,
            level,
            True,
            "US-origin item: subject to the EAR wherever it is (de minimis does not apply)",
            (),
        )
    gross = explode(network, {item_id: 1.0})
    lines: list[DeMinimisLine] = []
    done: set[str] = set()

    def visit(part_id: str) -> None:
        """Add the part's line; stop descending at bought parts (their sources say their US
        content) and at parts made in the US (their whole value is US content)."""
        part = network.item(part_id)
        qty = gross.get(part_id, 0.0)
        primaries = [s for s in network.sources_of(part_id) if not s.is_alternate]
        if primaries and part_id != item_id:
            best = max(
                ((controlled_value(s, part.eccn, dest), s) for s in primaries),
                key=lambda pair: pair[0][0],
            )
            (value, why), source = best
            if value:
                lines.append(
                    DeMinimisLine(
                        part_id,
                        part.name,
                        qty,
                        source.supplier,
                        source.eccn or part.eccn,
                        value,
                        qty * value,
                        why,
                    )
                )
            return
        if part_id != item_id and (part.us_origin or part.country.upper() == "US"):
            made = Source("", part_id, unit_cost=part.unit_cost, us_origin=True, eccn=part.eccn)
            value, why = controlled_value(made, part.eccn, dest)
            if value:
                lines.append(
                    DeMinimisLine(part_id, part.name, qty, "", part.eccn, value, qty * value, why)
                )
            return
        for edge in network.children(part_id):
            if edge.child not in done:
                done.add(edge.child)
                visit(edge.child)

    visit(item_id)
    lines.sort(key=lambda ln: -ln.contribution)
    content = sum(ln.contribution for ln in lines)
    ratio = content / fmv if fmv > 0 else (1.0 if content > 0 else 0.0)
    if not item.de_minimis_eligible:
        level = 0.0
    subject = ratio > level if item.de_minimis_eligible else content > 0
    if not item.de_minimis_eligible:
        reason = (
            "no de minimis level for this item: any US-controlled content makes it subject"
            if subject
            else "no US-controlled content"
        )
    elif subject:
        reason = f"exceeds the {level:.0%} de minimis level: subject to the EAR"
    else:
        reason = f"does not exceed the {level:.0%} de minimis level: not subject on this basis"
    return DeMinimisResult(item_id, dest, fmv, content, ratio, level, subject, reason, tuple(lines))
