"""One rule for blank capacities and holding costs in exposure and resilience; outbound
shipments to embargoed destinations; covered equipment by registered legal names, spelling
variants, rebrands and model numbers (issue 10)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainwatch.model.network import (
    BomEdge,
    Device,
    Item,
    Party,
    Scenario,
    Shipment,
    Source,
    SupplyNetwork,
)
from chainwatch.network.covered import check_devices, normalise
from chainwatch.network.exposure import inbound_exposure, outbound_exposure
from chainwatch.network.io import load_oui_registry
from chainwatch.network.scenario import scenario_by_hand
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.network_adapter import ResilienceParams, from_network
from chainwatch.workflows.network import covered_name_matcher

ROOT = Path(__file__).resolve().parents[2]


def phone() -> SupplyNetwork:
    """Phone: demand 100/day, margin 50; one chip from S1 (60 %) or S2 (40 %), capacities
    blank; the chip costs 6 and has no holding cost."""
    return SupplyNetwork(
        name="phone",
        items=(
            Item("P", "Phone", "product", demand_per_day=100, revenue_per_unit=200,
                 margin_per_unit=50, holding_cost_per_unit_day=0.1),
            Item("M", "Chip", "component"),
        ),
        bom=(BomEdge("P", "M", 1),),
        parties=(Party("S1", "One", "CN"), Party("S2", "Two", "KR")),
        sources=(Source("S1", "M", 0.6, 6), Source("S2", "M", 0.4, 6)),
    )  # fmt: skip


def test_blank_capacity_means_the_same_in_exposure_and_resilience() -> None:
    """Cut S1 (60 %). Exposure: the chip at 40 %, 60 phones/day lost. Resilience: the S2 node's
    capacity is 0.4 x the chip's daily requirement (100) = 40/day, so over 10 days with no
    stock 600 phones are lost, 600 x 50 = 30,000 margin: the same 60 %. (Before the rule the
    S2 node was unlimited and resilience said "no loss".)"""
    net = phone()
    inbound = inbound_exposure(net, scenario_by_hand(net, ["S1"]))
    assert inbound.product("P").units_lost_per_day == pytest.approx(60)
    problem = from_network(net, ResilienceParams())
    s1 = next(d for d in problem.suppliers if d.name == "S1")
    assert problem.capacity_per_day[problem.index("M@S2")] == pytest.approx(40)
    sol = PiModel(problem).solve(s1.cut, 10.0)
    assert sol.lost_units == pytest.approx(60 * 10)
    assert sol.lost_margin == pytest.approx(30_000)
    # surge_factor 1.5 is the stated exception: S2 then delivers 60/day, 40 % lost
    surge = from_network(net, ResilienceParams(surge_factor=1.5))
    assert PiModel(surge).solve(s1.cut, 10.0).lost_units == pytest.approx(400)


def test_blank_holding_cost_is_a_labelled_default_not_free() -> None:
    """The chip has no holding cost: 0.25 x 6 / 365 per unit-day, 1.5 a year (365 days held);
    the product keeps its stated 0.1/day. An item with no value at all is not stockable (inf);
    both are listed in the assumptions."""
    problem = from_network(phone(), ResilienceParams())
    assert problem.holding_cost_per_unit[problem.index("M")] == pytest.approx(1.5)
    assert problem.holding_cost_per_unit[problem.index("P")] == pytest.approx(36.5)
    named = {a.name: a.value for a in problem.assumptions}
    assert named["resilience.holding_cost_defaulted"] == "M"
    assert named["resilience.holding_cost_rate_per_year"] == 0.25
    bare = SupplyNetwork(
        name="bare",
        items=(Item("P", "P", "product", demand_per_day=1, margin_per_unit=1),),
    )
    p2 = from_network(bare, ResilienceParams())
    assert np.isinf(p2.holding_cost_per_unit[0])
    assert {a.name: a.value for a in p2.assumptions}["resilience.not_stockable"] == "P"


def test_outbound_to_embargoed_destination_is_flagged_without_any_list() -> None:
    """The phone (price 200) holds one US-origin EAR99 chip of 6 (S3). To Iran (E:1): EAR99
    content counts, 6 / 200 = 3 % <= 10 % -> not subject on de minimis grounds: "check" with the
    rule named. A second part: a US-origin 3A001 board of 30 -> (30 + 6) / 200 = 18 % > 10 %:
    subject, licence required, group E:1, 15 CFR 746.7. To Germany: no row (buyer on no list,
    destination not embargoed)."""
    base = SupplyNetwork(
        name="out",
        items=(Item("P", "Phone", "product", 1, 200, 50), Item("M", "Chip", "component"),
               Item("B", "Board", "component")),
        bom=(BomEdge("P", "M", 1),),
        parties=(Party("S3", "US chips", "US"), Party("IR1", "Buyer", "IR"),
                 Party("DE1", "Käufer", "DE"), Party("S4", "US boards", "US")),
        sources=(Source("S3", "M", 1.0, 6, us_origin=True, eccn="EAR99"),
                 Source("S4", "B", 1.0, 30, us_origin=True, eccn="3A001")),
        shipments=(Shipment("IR1", "P", "IR", 10), Shipment("DE1", "P", "DE", 10)),
    )  # fmt: skip
    rows = outbound_exposure(base, Scenario("none"))
    assert len(rows) == 1
    r = rows[0]
    assert (r.destination_group, r.license_required, r.subject_to_ear) == ("E:1", "check", False)
    assert "746.7" in r.license_policy and r.de_minimis is not None
    assert r.de_minimis.ratio == pytest.approx(0.03)
    with_board = SupplyNetwork(
        name="out2",
        items=base.items,
        bom=(*base.bom, BomEdge("P", "B", 1)),
        parties=base.parties,
        sources=base.sources,
        shipments=base.shipments,
    )
    r2 = outbound_exposure(with_board, Scenario("none"))[0]
    assert r2.de_minimis is not None and r2.de_minimis.ratio == pytest.approx(0.18)
    assert (r2.license_required, r2.subject_to_ear) == ("yes", True)
    assert "Country Group E:1" in r2.license_policy and "EAR99 included" in r2.license_policy


# -- covered equipment ---------------------------------------------------------------------

#: Legal names under which the covered companies and their subsidiaries register MAC prefixes
#: (normalised): Hikvision, EZVIZ, HIKMICRO, Hikrobot, Prama Hikvision; Dahua and Imou's
#: maker; Huawei and Huawei Device; ZTE; Hytera, Sepura, Teltronic S.A.U., Norsat.
REGISTERED = (
    "hangzhou hikvision digital technology",
    "hangzhou ezviz software",
    "hangzhou microimage software",
    "hangzhou hikrobot technology",
    "prama hikvision india",
    "zhejiang dahua technology",
    "hangzhou huacheng network technology",
    "huawei technologies co",
    "huawei device co",
    "zte corporation",
    "hytera communications",
    "sepura plc",
    "teltronic s a u",
    "norsat international",
)


def test_every_registered_prefix_of_covered_subsidiaries_is_found(shared: type) -> None:
    """Every MA-L/MA-M/MA-S prefix in Debian's ieee-data whose registrant is one of the legal
    names above is found as covered by its MAC alone (vendor blank), including HIKMICRO's
    (Hangzhou Microimage Software) and Imou's (Hangzhou Huacheng Network Technology)."""
    oui = Path("/usr/share/ieee-data/oui.csv")
    if not oui.exists():
        pytest.skip("Debian's ieee-data is not installed")
    files = [Path("/usr/share/ieee-data") / f for f in ("oui.csv", "mam.csv", "oui36.csv")]
    registry = load_oui_registry([f for f in files if f.exists()])
    assert registry is not None
    wanted: list[tuple[str, str]] = []
    for f in files:
        if not f.exists():
            continue
        with f.open(newline="", encoding="utf-8", errors="replace") as fh:
            for row in csv.reader(fh):
                if len(row) >= 3 and any(n in normalise(row[2]) for n in REGISTERED):
                    wanted.append((row[1], row[2]))
    found_names = {normalise(org) for _, org in wanted}
    assert any("microimage" in n for n in found_names)
    assert any("huacheng" in n for n in found_names)
    devices = []
    for k, (prefix, _) in enumerate(wanted):
        mac = (prefix + "000000000")[:12]
        if int(mac[:2], 16) & 0x02:
            continue
        devices.append(Device(f"d{k}", mac=mac))
    findings = check_devices(devices, registry)
    missed = [(f.mac, f.evidence) for f in findings if f.status != "covered"]
    assert not missed, missed[:5]
    assert len(findings) > 1500  # Huawei alone holds over a thousand prefixes


def test_spelling_variants_rebrands_and_model_numbers() -> None:
    """Spelling variants are found by the screening matcher (review, with the score); Amcrest
    (reported Dahua OEM) and a Hikvision-numbered model under a generic vendor are "review";
    an unrelated "Shanghai Dahua Scale Factory" and Axis stay "not covered"; "Teltronic AG" is
    not taken for Hytera's Teltronic S.A.U."""
    near = covered_name_matcher()
    devices = [
        Device("1", vendor="Hikvison"),
        Device("2", vendor="Hik-Vision"),
        Device("3", vendor="Hua Wei"),
        Device("4", vendor="Amcrest", model="IPC-HDW2431T"),
        Device("5", vendor="Generic", model="DS-2CD2143G2-I"),
        Device("6", vendor="Shanghai Dahua Scale Factory"),
        Device("7", vendor="Axis Communications", model="M3106-L"),
        Device("8", vendor="Teltronic AG"),
        Device("9", vendor="Hikvision", model="DS-7608NI-K2"),
    ]
    f = {x.device_id: x for x in check_devices(devices, None, fuzzy=near)}
    for k, company in (("1", "Hikvision"), ("2", "Hikvision"), ("3", "Huawei")):
        assert f[k].status == "review" and company in f[k].company
        assert "screening matcher score" in f[k].evidence[0]
    assert f["4"].status == "review" and f["4"].relation == "OEM rebrand (reported)"
    assert "Dahua" in f["4"].company and any("agrees" in e for e in f["4"].evidence)
    assert f["5"].status == "review" and f["5"].relation == "model number"
    assert f["6"].status == "not covered" and f["7"].status == "not covered"
    assert f["8"].status == "review"
    assert f["9"].status == "covered"


# -- --json prints JSON only ------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHAINWATCH_DB": "sqlite:///" + str(ROOT / "no-such-dir" / "x.db")}
    return subprocess.run(
        [sys.executable, "-c", "from chainwatch.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_json_output_is_valid_json_only() -> None:
    """`resilience sweep --json` (the first HiGHS solver prints a banner on stdout unless it is
    routed away) and `network exposure --json` print one JSON document and nothing else."""
    res = _cli("resilience", "sweep", str(ROOT / "examples/networks/surveillance"), "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["scenarios"]
    net = _cli(
        "network", "exposure", str(ROOT / "examples/networks/surveillance"),
        "--designate", "self", "--no-screen", "--json",
    )  # fmt: skip
    assert net.returncode == 0, net.stderr
    summary = json.loads(net.stdout)
    assert summary["listing"]["party_id"] == "EXV"
    assert "stockpile" in summary


def test_new_source_columns_reject_bad_values(tmp_path: Path) -> None:
    """`us_direct_product` must be yes/no and `us_content_value` a non-negative number; the
    error names the file, the row and the field."""
    from chainwatch.model.errors import InputError
    from chainwatch.network.io import load_network

    (tmp_path / "items.csv").write_text("id,name,kind\nP,P,product\nM,M,component\n")
    (tmp_path / "parties.csv").write_text("id,name\nS,S\n")
    for column, value, message in (
        ("us_direct_product", "maybe", "not a yes/no value"),
        ("us_content_value", "-2", "negative value"),
    ):
        (tmp_path / "sources.csv").write_text(
            f"supplier,item,share_of_volume,{column}\nS,M,1,{value}\n"
        )
        with pytest.raises(InputError, match=message) as err:
            load_network(tmp_path)
        assert err.value.row == 2 and err.value.field == column
        assert str(err.value.file).endswith("sources.csv")
