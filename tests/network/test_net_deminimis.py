"""De minimis roll-up (15 CFR 734.4) near the 25 % and 10 % levels, by hand."""

from __future__ import annotations

import pytest

from chainwatch.model.network import BomEdge, Item, Party, Source, SupplyNetwork
from chainwatch.network.country_groups import COUNTRY_GROUP_E1
from chainwatch.network.deminimis import de_minimis


def router(fpga_cost: float, dram_cost: float, *, eligible: bool = True) -> SupplyNetwork:
    """Router (made in TW, sold at 100) = 2 FPGAs (US, 3A001) + 1 board; board = 1 DRAM (US,
    EAR99) + 1 PCB (TW). Three BOM levels; the DRAM counts only for embargoed destinations."""
    return SupplyNetwork(
        items=(
            Item(
                "RT",
                "Router",
                "product",
                revenue_per_unit=100,
                country="TW",
                de_minimis_eligible=eligible,
            ),
            Item("BD", "Main board", "assembly", country="TW"),
            Item("FP", "FPGA", "component"),
            Item("DR", "DRAM", "component"),
            Item("PC", "PCB", "component"),
        ),
        bom=(
            BomEdge("RT", "FP", 2),
            BomEdge("RT", "BD", 1),
            BomEdge("BD", "DR", 1),
            BomEdge("BD", "PC", 1),
        ),
        parties=(Party("US1", "US chip maker", "US"), Party("TW1", "PCB maker", "TW")),
        sources=(
            Source("US1", "FP", 1.0, unit_cost=fpga_cost, us_origin=True, eccn="3A001"),
            Source("US1", "DR", 1.0, unit_cost=dram_cost, us_origin=True, eccn="EAR99"),
            Source("TW1", "PC", 1.0, unit_cost=3.0, origin_country="TW"),
        ),
    )


def test_worked_example_of_the_docstring() -> None:
    net = router(6.0, 5.0)
    de = de_minimis(net, "RT", "DE")
    assert de.controlled_us_content == pytest.approx(12.0) and not de.subject_to_ear
    ir = de_minimis(net, "RT", "IR")
    assert ir.level == 0.10 and ir.controlled_us_content == pytest.approx(17.0)
    assert ir.subject_to_ear
    assert [(ln.item_id, ln.quantity, ln.contribution) for ln in ir.lines] == [
        ("FP", 2.0, 12.0),
        ("DR", 1.0, 5.0),
    ]
    text = ir.explain()
    assert "17.00% vs level 10%" in text and "FP" in text and "DR" in text


def test_at_and_just_above_25_percent() -> None:
    at = de_minimis(router(12.5, 1.0), "RT", "CN")
    assert at.ratio == 0.25 and at.level == 0.25 and not at.subject_to_ear  # "exceeds" only
    above = de_minimis(router(12.51, 1.0), "RT", "CN")
    assert above.ratio == pytest.approx(0.2502) and above.subject_to_ear


def test_at_and_just_above_10_percent_for_e1() -> None:
    assert {"IR", "KP", "SY"} == COUNTRY_GROUP_E1
    at = de_minimis(router(4.0, 2.0), "RT", "SY")  # 2 x 4 + 2 = 10 = 10 %
    assert at.ratio == 0.10 and not at.subject_to_ear
    above = de_minimis(router(4.0, 2.01), "RT", "SY")
    assert above.ratio == pytest.approx(0.1001) and above.subject_to_ear
    # the same router to a non-E:1 destination: 8 % (EAR99 DRAM not controlled there)
    elsewhere = de_minimis(router(4.0, 2.01), "RT", "FR")
    assert elsewhere.ratio == pytest.approx(0.08) and not elsewhere.subject_to_ear


def test_no_de_minimis_level_and_us_origin() -> None:
    assert de_minimis(router(0.5, 0.0, eligible=False), "RT", "DE").subject_to_ear
    net = router(1.0, 1.0)
    assert de_minimis(net, "FP", "DE").subject_to_ear  # bought only from US-origin sources
    assert not de_minimis(net, "PC", "DE").subject_to_ear
    us_made = SupplyNetwork(items=(Item("X", "X", "product", country="US", unit_cost=5),))
    assert de_minimis(us_made, "X", "DE").subject_to_ear


def test_worst_primary_source_counts_and_stated_content() -> None:
    net = router(6.0, 5.0)
    extra = Source("TW1", "FP", 0.5, unit_cost=6.0, us_controlled_content_value=9.0)
    net2 = SupplyNetwork(
        items=net.items, bom=net.bom, parties=net.parties, sources=(*net.sources, extra)
    )
    res = de_minimis(net2, "RT", "DE")
    assert res.controlled_us_content == pytest.approx(18.0)  # 2 x 9 (stated) > 2 x 6
    assert res.lines[0].supplier == "TW1"
