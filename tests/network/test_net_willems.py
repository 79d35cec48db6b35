"""The Willems (2008) loader: all 38 real chains, labelled assumptions, a hand-checked chain."""

from __future__ import annotations

import time

import pytest
from tests.conftest import shared_path

from chainwatch.model.errors import InputError
from chainwatch.network.willems import (
    WillemsAssumptions,
    build_chain,
    load_willems,
    load_willems_chain,
    load_willems_xlsx,
)

pytestmark = pytest.mark.shared


def test_all_38_chains_load_fast() -> None:
    root = shared_path("supply", "willems2008")
    start = time.perf_counter()
    nets = load_willems(root)
    elapsed = time.perf_counter() - start
    assert len(nets) == 38
    assert sum(len(n.items) for n in nets) == 15_872  # Willems (2008), Table 1
    assert sum(len(n.bom) for n in nets) == 43_589
    assert elapsed < 5.0
    for net in nets:
        names = {a.name for a in net.assumptions}
        assert {"quantity_per", "inventory_days", "capacity_factor", "markup_on_cost"} <= names
        assert net.products()


def test_chain_01_by_hand() -> None:
    net = load_willems_chain(shared_path("supply", "willems2008"), 1)
    retail = net.item("Retail_0001")
    # Manuf_0001 (39) <- Part_0001 (12), Part_0002 (5), Part_0003 (9)
    assert retail.unit_cost == 65.0
    assert retail.revenue_per_unit == pytest.approx(81.25)
    assert retail.margin_per_unit == pytest.approx(16.25)
    assert retail.demand_per_day == 253.0
    # Manuf_0001 feeds Retail_0001 (253) and Retail_0002 (45): flow 298
    manuf = net.item("Manuf_0001")
    assert manuf.kind == "assembly"
    assert manuf.capacity_per_day == pytest.approx(1.25 * 298)
    assert net.on_hand("Manuf_0001") == pytest.approx(14 * 298)
    # Part_0001 feeds both Manuf stages: flow 253 + 45 + 45 + 75 = 418
    assert net.on_hand("Part_0001") == pytest.approx(14 * 418)
    (src,) = net.sources_of("Part_0001")
    assert src.share_of_volume == 1.0 and src.unit_cost == 12.0 and src.lead_time_days == 28.0
    assert net.party(src.supplier).roles == ("supplier",)


def test_assumptions_are_overridable_and_recorded() -> None:
    params = WillemsAssumptions(quantity_per=2.0, inventory_days=0.0, supplier_country="DE")
    net = load_willems_chain(shared_path("supply", "willems2008"), 1, params)
    assert net.item("Retail_0001").unit_cost == 2 * 39 + 4 * (12 + 5 + 9)
    assert net.inventory == ()
    recorded = net.assumption("supplier_country")
    assert recorded is not None and recorded.value == "DE"
    assert all(net.party(s.supplier).country == "DE" for s in net.sources)


def test_xlsx_matches_csv() -> None:
    root = shared_path("supply", "willems2008")
    from_xlsx = load_willems_xlsx(root / "willems2008.xlsx")
    from_csv = load_willems(root)
    assert len(from_xlsx) == 38
    assert "Aircraft Engines" in from_xlsx[25].name
    for a, b in zip(from_xlsx, from_csv, strict=True):
        assert a.items == b.items and set(a.bom) == set(b.bom)


def test_bad_rows_name_file_row_field() -> None:
    stages = [{"Stage Name": "A", "stageCost": "1"}, {"Stage Name": "B", "stageCost": "x"}]
    with pytest.raises(InputError) as err:
        build_chain(1, stages, [], stage_file="01_SD.csv")
    assert (err.value.file, err.value.row, err.value.field) == ("01_SD.csv", 3, "stageCost")
    stages[1]["stageCost"] = "2"
    with pytest.raises(InputError) as err:
        build_chain(1, stages, [{"sourceStage": "A", "destinationStage": "Z"}], arc_file="LL")
    assert (err.value.row, err.value.field) == (2, "destinationStage")
    arcs = [
        {"sourceStage": "A", "destinationStage": "B"},
        {"sourceStage": "B", "destinationStage": "A"},
    ]
    with pytest.raises(InputError, match="cycle"):
        build_chain(1, stages, arcs)


def test_every_single_stage_disruption_over_all_chains() -> None:
    """Acceptance 2: the 15,872 single-stage scenarios over all 38 chains compute; the time
    (under 30 s on one core) is measured by bench/bench_exposure.py, not asserted here."""
    from chainwatch.network.exposure import single_stage_exposure

    results = [single_stage_exposure(n) for n in load_willems(shared_path("supply", "willems2008"))]
    assert sum(len(r.item_ids) for r in results) == 15_872
    assert all((r.products_hit >= 1).all() for r in results)  # every stage feeds a product
