"""Inbound and outbound exposure, by hand; single-stage bitset propagation against the engine."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from chainwatch.model.network import (
    BomEdge,
    Designation,
    Item,
    Ownership,
    Party,
    Scenario,
    Shipment,
    Source,
    SupplyNetwork,
)
from chainwatch.network.bom import bom_levels, explode, rolled_up_cost
from chainwatch.network.exposure import (
    inbound_exposure,
    outbound_exposure,
    single_stage_exposure,
    single_stage_exposure_naive,
)

# Phone P (100/day, revenue 200, margin 50) = 1 board B + 1 display D; B = 2 modem chips M +
# 4 resistors R. Two suppliers per bought part; one alternate (S3 for M, 60 % after 90 days).
PHONE = SupplyNetwork(
    name="phone",
    items=(
        Item("P", "Phone", "product", demand_per_day=100, revenue_per_unit=200, margin_per_unit=50),
        Item("B", "Board", "assembly"),
        Item("D", "Display", "component"),
        Item("M", "Modem chip", "component"),
        Item("R", "Resistor", "component"),
    ),
    bom=(BomEdge("P", "B", 1), BomEdge("P", "D", 1), BomEdge("B", "M", 2), BomEdge("B", "R", 4)),
    parties=(*tuple(Party(f"S{k}", f"Supplier {k}") for k in range(1, 8)), Party("O", "Owner")),
    ownership=(Ownership("O", "S2", 0.5),),
    sources=(
        Source("S1", "M", 0.6),
        Source("S2", "M", 0.4),
        Source("S3", "M", 0.6, is_alternate=True, qualification_days=90),
        Source("S4", "D", 0.7),
        Source("S5", "D", 0.3),
        Source("S6", "R", 0.5),
        Source("S7", "R", 0.5),
    ),
)


def hand(*pids: str, lists: tuple[str, ...] = ("SDN",)) -> Scenario:
    return Scenario("t", tuple(Designation(p, "by-hand", lists) for p in pids), date(2026, 1, 1))


def test_bom_helpers() -> None:
    assert bom_levels(PHONE) == {"P": 0, "B": 1, "D": 1, "M": 2, "R": 2}
    assert explode(PHONE, {"P": 10}) == {"P": 10, "B": 10, "D": 10, "M": 20, "R": 40}
    cost = rolled_up_cost(PHONE, {"B": 1.0, "D": 30.0, "M": 5.0, "R": 0.01})
    assert cost["P"] == pytest.approx(30 + 1 + 2 * 5 + 4 * 0.01)


def test_one_supplier_with_alternate() -> None:
    exp = inbound_exposure(PHONE, hand("S1"))
    m = exp.item("M")
    assert (m.sourcing_now, m.sourcing_with_alternates, m.qualification_days) == (0.4, 1.0, 90)
    assert m.lost_suppliers == ("S1",) and m.alternates == ("S3",)
    assert exp.item("B").available_now == pytest.approx(0.4)
    p = exp.product("P")
    assert p.available_now == pytest.approx(0.4)
    assert p.units_lost_per_day == pytest.approx(60)
    assert p.revenue_at_risk_per_day == pytest.approx(12_000)
    assert p.margin_at_risk_per_day == pytest.approx(3_000)
    assert p.revenue_at_risk_after_alternates_per_day == pytest.approx(0)
    assert p.recovery_days == 90
    assert p.via == ("M",)
    assert exp.exposed_items() == {"M", "B", "P"}
    (imp,) = exp.suppliers
    assert imp.party_id == "S1" and imp.items == ("M",) and "blocked by OFAC" in imp.effect


def test_two_parts_hit_no_alternate_for_display() -> None:
    exp = inbound_exposure(PHONE, hand("S1", "S4"))
    p = exp.product("P")
    assert p.available_now == pytest.approx(0.3)  # display 30 % < modem 40 %
    assert p.revenue_at_risk_per_day == pytest.approx(70 * 200)
    assert p.margin_at_risk_per_day == pytest.approx(70 * 50)
    assert p.available_with_alternates == pytest.approx(0.3)
    assert p.revenue_at_risk_after_alternates_per_day == pytest.approx(70 * 200)
    assert p.recovery_days is None
    assert p.via == ("D", "M")


def test_ownership_reaches_second_supplier() -> None:
    # O (SDN) owns 50 % of S2: S2 is blocked too; only the alternate S3 (60 %) is left.
    exp = inbound_exposure(PHONE, hand("S1", "O"))
    assert exp.item("M").sourcing_now == 0.0
    assert exp.item("M").sourcing_with_alternates == pytest.approx(0.6)
    p = exp.product("P")
    assert p.revenue_at_risk_per_day == pytest.approx(20_000)
    assert p.revenue_at_risk_after_alternates_per_day == pytest.approx(40 * 200)
    s2 = next(s for s in exp.suppliers if s.party_id == "S2")
    assert s2.basis == "ofac-50-percent" and s2.evidence == (
        "ofac-50-percent: Owner -[50%]-> Supplier 2",
    )


def test_cut_lists_policy() -> None:
    scen = hand("S1", lists=("EL",))
    assert inbound_exposure(PHONE, scen).revenue_at_risk_per_day == pytest.approx(12_000)
    spared = inbound_exposure(PHONE, scen, cut_lists=frozenset({"SDN"}))
    assert spared.revenue_at_risk_per_day == 0.0


def test_outbound_licence_requirements() -> None:
    net = SupplyNetwork(
        items=(
            Item("R", "Router", "product", revenue_per_unit=100, country="TW"),
            Item("F", "FPGA", "component", country="US", eccn="3A001", us_origin=True),
            Item("C", "Chassis", "component"),
        ),
        bom=(BomEdge("R", "F", 2), BomEdge("R", "C", 1)),
        parties=(Party("X", "Buyer X"), Party("Y", "Buyer Y"), Party("Z", "Buyer Z")),
        sources=(Source("V", "F", 1.0, unit_cost=15.0, us_origin=True, eccn="3A001"),),
        shipments=(
            Shipment("X", "R", "CN", 10),
            Shipment("X", "F", "CN", 5),
            Shipment("Y", "R", "CN", 1),
            Shipment("Z", "R", "DE", 1),
        ),
    )
    net = SupplyNetwork(
        **{
            **{f: getattr(net, f) for f in ("items", "bom", "shipments", "sources")},
            "parties": (*net.parties, Party("V", "Vendor")),
        }
    )
    scen = Scenario(
        "t",
        (Designation("X", "listed", ("EL",)), Designation("Y", "listed", ("SDN",))),
    )
    rows = {(r.customer, r.item_id): r for r in outbound_exposure(net, scen)}
    assert set(rows) == {("X", "R"), ("X", "F"), ("Y", "R")}
    # Router: 2 x 15 = 30 % US-controlled content > 25 % -> subject -> licence (Entity List)
    assert rows["X", "R"].subject_to_ear and rows["X", "R"].license_required == "yes"
    assert rows["X", "R"].revenue_per_day == 1000
    assert rows["X", "F"].ear_reason.startswith("US-origin item")
    assert rows["Y", "R"].license_required == "prohibited"


def test_single_stage_bitsets_equal_engine_and_naive() -> None:
    fast = single_stage_exposure(PHONE)
    slow = single_stage_exposure_naive(PHONE)
    for k, item_id in enumerate(fast.item_ids):
        engine = inbound_exposure(PHONE, Scenario("s", disrupted_items=(item_id,)))
        assert fast.revenue_at_risk_per_day[k] == pytest.approx(engine.revenue_at_risk_per_day)
        assert fast.margin_at_risk_per_day[k] == pytest.approx(engine.margin_at_risk_per_day)
    np.testing.assert_allclose(fast.revenue_at_risk_per_day, slow.revenue_at_risk_per_day)
    assert list(fast.products_hit) == [1, 1, 1, 1, 1]


@pytest.mark.shared
def test_single_stage_on_willems_chains_matches_engine() -> None:
    from tests.conftest import shared_path

    from chainwatch.network.willems import load_willems_chain

    root = shared_path("supply", "willems2008")
    for chain in (1, 7, 13):
        net = load_willems_chain(root, chain)
        fast = single_stage_exposure(net)
        for k, item_id in enumerate(fast.item_ids):
            engine = inbound_exposure(net, Scenario("s", disrupted_items=(item_id,)))
            assert fast.revenue_at_risk_per_day[k] == pytest.approx(engine.revenue_at_risk_per_day)
            assert fast.products_hit[k] == sum(p.available_now < 1 for p in engine.products)


def test_site_owned_by_designated_party_stops_its_items() -> None:
    from chainwatch.model.network import Site

    net = SupplyNetwork(
        items=(
            Item("P", "Phone", "product", demand_per_day=10, revenue_per_unit=5, site_id="F"),
            Item("C", "Chip", "component"),
        ),
        bom=(BomEdge("P", "C", 1),),
        parties=(Party("CM", "Contract manufacturer"),),
        sites=(Site("F", "Factory", "CN", owner="CM"),),
    )
    exp = inbound_exposure(net, hand("CM"))
    assert exp.item("P").cause == "made at a site owned by CM"
    assert exp.revenue_at_risk_per_day == 50
    assert exp.suppliers[0].items == ("site:F",)


def test_no_date_means_affiliates_rule_not_assessed() -> None:
    from chainwatch.network.ownership import apply_ownership_rules

    res = apply_ownership_rules(PHONE, Scenario("t", (Designation("O", "listed", ("EL",)),)))
    assert any("not assessed" in n for n in res.notes)
    assert res.party_ids == {"O"}
