"""The self-listing scenario fed to the resilience models: TTS, TTR, performance impact and the
stockpile that carries production until the alternates are qualified.

Per affected component ``c`` (an item whose own sourcing the listing cuts):

* the cut: the resilience nodes of its cut source lines (the item node when it has one primary
  source, ``c@supplier`` nodes when it has several: :mod:`chainwatch.resilience.network_adapter`);
* ``TTR(c)``: days until supply is back — the qualification days of the alternates the exposure
  report uses, plus ``ramp_days``; the licence lead time when only licences bring it back;
  ``requalification_days + ramp_days`` (labelled assumptions) when nothing does. This is the
  stated, most likely value (the mode of the supplier sweep's TTR distribution); the
  ``ttr_days_sweep`` column gives the sweep's ``ttr_quantile`` of that distribution, so the two
  reports can be read side by side;
* ``TTS(c)``: the time-to-survive LP with the cut (Simchi-Levi et al., *Interfaces* 45(5), 2015);
  ``PI(c)``: lost margin over ``TTR(c)`` (the performance-impact LP);
* the stock that bridges the outage: the shortfall summed over the recovery steps (each
  alternate adds its share after its qualification + ``ramp_days``, each licence its
  approved share after the licence lead time), ``extra(c) = max(0, Σ_k short_k × usage per
  day × (t_k − t_(k−1)) − on hand)``; with one step this is ``lost share × usage × TTR(c) −
  on hand``; ``usage per day`` is the component's daily requirement (BOM explosion); its
  holding cost is ``extra × holding cost per unit-day × stockpile_holding_days``
  and its value ``extra × unit value``. It is checked by re-solving PI with the extra stock
  (``covered`` = no lost margin with the cut held for ``TTR(c)``; with several steps, for the
  first step, since the LP cannot restore a share part-way). Stock cannot bridge a permanent
  shortfall (alternates restoring less than 100 %): such components are flagged.

The recommended rise in component stock is ``Σ extra × unit value / Σ on-hand × unit value``
over bought components — the figure to set beside the more than 90 % rise Hikvision reported
in 2019 (a comparison, not a target).

Worked example (part A of ``tests/network/test_net_self_listing.py``): a product (demand
100/day, margin 20) needs one SoC, bought only from a US maker (US-origin, subject to the EAR)
with an alternate qualified in 120 days; 500 SoCs on hand, ramp 30 days. TTR = 150 days;
TTS = 500 / 100 = 5 days; PI over 150 days = (150 − 5) × 100 × 20 = 290,000; extra stock =
1 × 100 × 150 − 500 = 14,500 SoCs, held at 0.25 × 8 a year each = 29,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chainwatch.model.network import SupplyNetwork
from chainwatch.network.exposure import InboundExposure
from chainwatch.network.self_listing import SelfListing
from chainwatch.resilience.lp import PiModel, TtsModel
from chainwatch.resilience.network_adapter import (
    ResilienceParams,
    from_network,
    holding_cost_per_unit_day,
)

#: Hikvision's reported rise in component stock in the six months after the US weighed listing
#: it (2019); see examples/networks/surveillance/README.md for the source.
HIKVISION_2019_RISE = 0.90
#: Cover cap for the second comparison figure: the six months over which Hikvision's rise was
#: reported (half a year, 182.5 days, rounded to 180).
COVER_CAP_DAYS = 180.0


@dataclass(frozen=True, slots=True)
class ComponentPlan:
    item_id: str
    name: str
    lost_share: float
    usage_per_day: float
    on_hand: float
    ttr_days: float
    ttr_days_sweep: float
    ttr_basis: str
    tts_days: float
    lost_margin_over_ttr: float
    extra_stock_units: float
    days_of_cover_after: float
    unit_value: float
    holding_cost_per_day: float
    holding_cost: float
    covered: bool
    permanent_shortfall: float
    note: str


def _unit_value(net: SupplyNetwork, item_id: str) -> float:
    it = net.item(item_id)
    costs = [s.unit_cost for s in net.sources_of(item_id) if not s.is_alternate and s.unit_cost]
    return it.unit_cost or (sum(costs) / len(costs) if costs else 0.0)


def listing_resilience(
    net: SupplyNetwork,
    inbound: InboundExposure,
    listing: SelfListing,
    params: ResilienceParams | None = None,
) -> tuple[list[ComponentPlan], dict[str, Any]]:
    """Per-component TTS/TTR/PI and stock plan, and a summary (see the module doc)."""
    p = params or ResilienceParams()
    problem = from_network(net, p)
    pim = PiModel(problem)
    tts_model = TtsModel(problem, horizon_days=p.horizon_days)
    usage = problem.usage_per_day()
    cut_lines = listing.cut_lines()
    plans: list[ComponentPlan] = []
    all_cut: list[int] = []
    for exp in inbound.items:
        lines = [
            s
            for s in net.sources_of(exp.item_id)
            if not s.is_alternate and (s.supplier, s.item) in cut_lines
        ]
        if not lines:
            continue
        ids = set(problem.node_ids)
        nodes = sorted(
            {
                problem.index(f"{s.item}@{s.supplier}")
                if f"{s.item}@{s.supplier}" in ids
                else problem.index(s.item)
                for s in lines
            }
        )
        all_cut.extend(nodes)
        cut = np.array(nodes, dtype=np.int64)
        lost = 1.0 - exp.sourcing_now
        recovered = exp.sourcing_with_alternates
        node = problem.index(exp.item_id)
        per_day = float(usage[node])
        # each step of the recovery: an alternate after qualification + ramp, a licence after
        # the licence lead time; the stock covers the shortfall left between the steps
        steps = sorted(
            (d if label.startswith("licence:") else d + p.ramp_days, share, label)
            for d, share, label in exp.recovery_steps
        )
        if not steps:
            ttr = p.requalification_days + p.ramp_days
            basis = (
                f"no usable alternate: requalification_days {p.requalification_days:g} + "
                f"ramp_days {p.ramp_days:g} (assumptions)"
            )
            need_units = lost * per_day * ttr
        else:
            ttr = steps[-1][0]
            basis = "; ".join(
                f"{label} +{share:.0%} after {d:g} days"
                + ("" if label.startswith("licence:") else f" (incl. ramp_days {p.ramp_days:g})")
                for d, share, label in steps
            )
            need_units, short, t_prev = 0.0, lost, 0.0
            for d, share, _ in steps:
                need_units += short * per_day * (d - t_prev)
                short, t_prev = max(0.0, short - share), d
        extra = max(0.0, need_units - exp.on_hand)
        extra_vec = np.zeros(problem.n_nodes)
        extra_vec[node] = extra
        tts = tts_model.solve(cut)
        pi = pim.solve(cut, ttr).lost_margin
        # the LP check holds the cut for the whole TTR: exact for a one-step recovery; with
        # several steps (partial alternates, licences) it is checked over the first step only
        check_days = ttr if len(steps) <= 1 else steps[0][0]
        pi_with = pim.solve(cut, check_days, extra_vec).lost_margin
        hold_day, _ = holding_cost_per_unit_day(net, exp.item_id, p.holding_cost_rate_per_year)
        hold_day = hold_day if np.isfinite(hold_day) else 0.0
        shortfall = max(0.0, 1.0 - recovered)
        note = (
            f"alternates restore only {recovered:.0%}: {shortfall:.0%} of the volume stays lost "
            "after TTR; stock covers the qualification period only"
            if shortfall > 1e-9
            else ""
        )
        plans.append(
            ComponentPlan(
                item_id=exp.item_id,
                name=exp.name,
                lost_share=lost,
                usage_per_day=per_day,
                on_hand=exp.on_hand,
                ttr_days=ttr,
                ttr_days_sweep=p.ttr(ttr).quantile(p.ttr_quantile),
                ttr_basis=basis,
                tts_days=tts,
                lost_margin_over_ttr=pi,
                extra_stock_units=extra,
                days_of_cover_after=(exp.on_hand + extra) / (lost * per_day)
                if lost * per_day > 0
                else float("inf"),
                unit_value=_unit_value(net, exp.item_id),
                holding_cost_per_day=extra * hold_day,
                holding_cost=extra * hold_day * p.stockpile_holding_days,
                covered=pi_with <= 1e-6 * max(1.0, pi),
                permanent_shortfall=shortfall,
                note=note,
            )
        )
    plans.sort(key=lambda c: -c.extra_stock_units * c.unit_value)
    on_hand_value = sum(
        net.on_hand(i.id) * _unit_value(net, i.id)
        for i in net.items
        if i.kind == "component" and net.sources_of(i.id)
    )
    extra_value = sum(c.extra_stock_units * c.unit_value for c in plans)
    tts_all = tts_model.solve(np.array(sorted(set(all_cut)), dtype=np.int64)) if all_cut else None
    rise = extra_value / on_hand_value if on_hand_value > 0 else None
    capped_value = sum(
        max(0.0, c.lost_share * c.usage_per_day * min(c.ttr_days, COVER_CAP_DAYS) - c.on_hand)
        * c.unit_value
        for c in plans
    )
    summary: dict[str, Any] = {
        "components_to_stock": [c.item_id for c in plans if c.extra_stock_units > 0],
        "tts_all_cut_days": None if tts_all is None else round(tts_all, 3),
        "max_ttr_days": max((c.ttr_days for c in plans), default=0.0),
        "extra_stock_value": round(extra_value, 2),
        "component_stock_value_on_hand": round(on_hand_value, 2),
        "recommended_rise_in_component_stock": None if rise is None else round(rise, 4),
        "holding_cost_per_day": round(sum(c.holding_cost_per_day for c in plans), 2),
        "holding_cost": round(sum(c.holding_cost for c in plans), 2),
        "holding_days": p.stockpile_holding_days,
        "hikvision_2019_rise_reported": HIKVISION_2019_RISE,
        "cover_cap_days": COVER_CAP_DAYS,
        "extra_stock_value_capped": round(capped_value, 2),
        "rise_with_cover_capped": None
        if on_hand_value <= 0
        else round(capped_value / on_hand_value, 4),
        "comparison": _comparison(rise),
        "permanent_shortfall_components": [
            c.item_id for c in plans if c.permanent_shortfall > 1e-9
        ],
    }
    return plans, summary


def _comparison(rise: float | None) -> str:
    if rise is None:
        return "no component stock on hand: the rise cannot be expressed as a percentage"
    ratio = rise / HIKVISION_2019_RISE
    side = "above" if rise > HIKVISION_2019_RISE else "below"
    return (
        f"recommended rise in component stock {rise:.0%} vs Hikvision's reported >90 % in six "
        f"months of 2019: {side} it ({ratio:.1f}x); a comparison, not a target"
    )


def plans_table(plans: list[ComponentPlan]) -> list[dict[str, Any]]:
    return [
        {
            "item_id": c.item_id,
            "name": c.name,
            "lost_share": round(c.lost_share, 6),
            "usage_per_day": round(c.usage_per_day, 4),
            "on_hand": c.on_hand,
            "tts_days": round(c.tts_days, 3),
            "ttr_days": round(c.ttr_days, 3),
            "ttr_days_sweep": round(c.ttr_days_sweep, 3),
            "tts_below_ttr": c.tts_days < c.ttr_days,
            "lost_margin_over_ttr": round(c.lost_margin_over_ttr, 2),
            "ttr_basis": c.ttr_basis,
            "extra_stock_units": round(c.extra_stock_units, 2),
            "days_of_cover_after": round(c.days_of_cover_after, 2)
            if np.isfinite(c.days_of_cover_after)
            else "",
            "unit_value": c.unit_value,
            "extra_stock_value": round(c.extra_stock_units * c.unit_value, 2),
            "holding_cost_per_day": round(c.holding_cost_per_day, 4),
            "holding_cost": round(c.holding_cost, 2),
            "covered_by_stock": c.covered,
            "note": c.note,
        }
        for c in plans
    ]


_BASIS_LABEL = {
    "us-origin": "US-origin",
    "de-minimis": "by de minimis",
    "foreign-direct-product": "foreign direct product",
    "not-subject": "not affected",
}


def answer_text(summary: dict[str, Any], plans: list[dict[str, Any]]) -> str:
    """The seed question answered in plain text: which components to stock, how many days of
    cover, at what holding cost, and the comparison with Hikvision's reported rise."""
    st = summary["stockpile"]
    lst = summary["listing"]
    out = [
        f"If {lst.get('party_name') or lst['party_id']} is put on the Entity List "
        f"({lst['entry']}):",
        f"  licence requirement: {lst['license_requirement']}"
        + (f" — {lst['requirement_note']}" if lst.get("requirement_note") else ""),
        f"  policy applied: {lst['policy_applied']}"
        + (f" — {lst['policy_note']}" if lst["policy_note"] else ""),
        f"  {lst['lines_subject_to_ear']} of {lst['source_lines']} source lines are subject to "
        "the EAR: "
        + ", ".join(f"{n} {_BASIS_LABEL.get(b, b)}" for b, n in lst["lines_by_basis"].items()),
        f"  revenue at risk {summary['revenue_at_risk_per_day']:,.0f}/day, margin at risk "
        f"{summary['margin_at_risk_per_day']:,.0f}/day until alternates are qualified; "
        f"revenue at risk {summary['revenue_at_risk_after_alternates_per_day']:,.0f}/day "
        "after they are",
        f"  with today's stock the first shortfall comes after {st['tts_all_cut_days']:.1f} "
        "days (time-to-survive with every affected line cut)"
        if st["tts_all_cut_days"] is not None
        else "  nothing is cut",
        "",
        "Stock to build before the listing (bridges each component until its alternate or "
        "licence is in place):",
        "  (days of cover: of the lost share of the component's daily use; TTS now: days the "
        "network lasts today with this component cut; TTR: days until supply is back)",
        f"  {'component':<10} {'extra units':>12} {'days of cover':>14} {'TTS now':>8} "
        f"{'TTR':>6} {'stock value':>13} {'holding cost':>13}",
    ]
    for p in plans:
        if p["extra_stock_units"] <= 0:
            continue
        out.append(
            f"  {p['item_id']:<10} {p['extra_stock_units']:>12,.0f} "
            f"{p['days_of_cover_after']:>14,.0f} {p['tts_days']:>8.1f} {p['ttr_days']:>6.0f} "
            f"{p['extra_stock_value']:>13,.0f} {p['holding_cost']:>13,.0f}"
            + (f"  ! {p['note']}" if p["note"] else "")
        )
    rise = st["recommended_rise_in_component_stock"]
    out += [
        "",
        f"  extra stock value {st['extra_stock_value']:,.0f} on "
        f"{st['component_stock_value_on_hand']:,.0f} of component stock on hand: "
        + ("a rise of n/a" if rise is None else f"a rise of {rise:.0%}"),
        f"  holding cost {st['holding_cost_per_day']:,.0f}/day, {st['holding_cost']:,.0f} over "
        f"{st['holding_days']:g} days (stockpile_holding_days)",
        f"  {st['comparison']}",
        f"  capped at {st['cover_cap_days']:g} days of cover per component (the six months of "
        f"Hikvision's figure), the rise would be "
        + ("n/a" if st["rise_with_cover_capped"] is None else f"{st['rise_with_cover_capped']:.0%}")
        + f" ({st['extra_stock_value_capped']:,.0f} of extra stock)",
        "",
        "Every figure rests on the assumptions in assumptions.csv.",
    ]
    return "\n".join(out) + "\n"
