"""The shipped example networks (HackRF One, IP camera) give readable exposure reports.

Screening uses a TEST DOUBLE, not the chainwatch matcher: an exact lookup of normalised names
over a few real Entity List entries (names, Federal Register citations and licence
requirement as published in Supplement No. 4 to Part 744).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Match
from chainwatch.network.io import load_network
from chainwatch.network.scenario import PartyScreener
from chainwatch.workflows.network import check_covered_inventory, run_exposure, write_report

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "networks"

REAL_ENTITY_LIST = (
    ListEntry(
        "EL:hisilicon",
        "EL",
        "HiSilicon Technologies Co., Ltd (HiSilicon)",
        "company",
        countries=("CN",),
        federal_register="84 FR 22963, 5/21/19",
        license_requirement="For all items subject to the EAR",
        license_policy="Presumption of denial",
    ),
    ListEntry(
        "EL:huawei",
        "EL",
        "Huawei Technologies Co., Ltd.",
        "company",
        aliases=("Shenzhen Huawei Technologies", "Huawei Technology"),
        countries=("CN",),
        federal_register="84 FR 22963, 5/21/19",
        license_requirement="For all items subject to the EAR",
        license_policy="Presumption of denial",
    ),
    ListEntry(
        "EL:hikvision",
        "EL",
        "Hangzhou Hikvision Digital Technology Co., Ltd.",
        "company",
        aliases=("Hikvision",),
        countries=("CN",),
        federal_register="84 FR 54004, 10/9/19",
    ),
    ListEntry(
        "EL:sugon",
        "EL",
        "Sugon",
        "company",
        aliases=("Dawning", "Dawning Information Industry", "Sugon Information Industry"),
        countries=("CN",),
        federal_register="84 FR 29373, 6/24/19",
    ),
)


def _norm(s: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in s.casefold()).split())


class ExactNameScreener:
    """Test double for :class:`PartyScreener`: exact normalised-name lookup (score 1.0)."""

    def __init__(self, entries: tuple[ListEntry, ...]) -> None:
        self.index = {_norm(n): (e, n) for e in entries for n in e.all_names}

    def __call__(self, name: str, country: str) -> list[Match]:
        hit = self.index.get(_norm(name))
        if hit is None:
            return []
        entry, matched = hit
        return [
            Match(
                entry.entry_id,
                entry.source,
                entry.name,
                matched,
                1.0,
                entry.programs,
                entry.countries,
                entry.entity_type,
                (),
                "test-double-exact",
                "test",
            )
        ]


def test_double_satisfies_protocol() -> None:
    screener: PartyScreener = ExactNameScreener(REAL_ENTITY_LIST)
    assert screener("HISILICON TECHNOLOGIES CO., LTD (HISILICON)", "CN")
    assert screener("Sony Semiconductor Solutions Corporation", "JP") == []


def test_ipcamera_report(tmp_path: Path) -> None:
    run = run_exposure(
        EXAMPLES / "ipcamera",
        screener=ExactNameScreener(REAL_ENTITY_LIST),
        as_of=date(2026, 1, 15),
    )
    s = run.report.summary
    hits = {x.party_id for x in run.screenings if x.hit}
    assert hits == {"HISI", "HUAWEI", "SUGON"}
    assert s["suppliers_hit"] == 1  # HiSilicon supplies the SoC
    p = run.inbound.product("CAM-4MP")
    assert p.available_now == 0 and p.available_with_alternates == pytest.approx(0.8)
    assert p.revenue_at_risk_per_day == pytest.approx(400 * 62)
    assert p.recovery_days is None  # Ingenic covers 80 % only
    (sugon,) = [r for r in run.report.tables["outbound"] if r["customer"] == "SUGON"]
    # 2 x 0.90 (TI, EAR99: not controlled to CN) + 0.80 (ATECC608A 5A992.c, assumed) / 62
    assert sugon["us_content_ratio"] == pytest.approx(0.8 / 62, abs=1e-6)
    assert sugon["license_required"] == "no"  # not subject to the EAR by de minimis
    assert any("suspended" in n for n in s["rules"])  # 2026-01-15: BIS affiliates suspended
    files = write_report(run, tmp_path / "report", formats=("csv", "json", "xlsx"))
    names = {f.name for f in files}
    assert {"products.csv", "suppliers.csv", "exposure.json", "exposure.xlsx"} <= names
    assert "network.svg" in names and b"<svg" in (tmp_path / "report" / "network.svg").read_bytes()
    doc = json.loads((tmp_path / "report" / "exposure.json").read_text())
    assert doc["summary"]["revenue_at_risk_per_day"] == pytest.approx(24_800)


def test_ipcamera_affiliates_rule_when_huawei_alone_is_named() -> None:
    run = run_exposure(
        EXAMPLES / "ipcamera",
        names=[("Huawei Technologies Co., Ltd.", ("EL",))],
        as_of=date(2025, 10, 1),
    )
    (d,) = [r for r in run.report.tables["designations"] if r["party_id"] == "HISI"]
    assert d["basis"] == "bis-affiliates-rule"
    assert "Huawei Technologies Co., Ltd. -[100%]-> HiSilicon" in d["ownership_paths"]
    assert d["license_policy"] == "Presumption of denial"
    assert run.report.summary["revenue_at_risk_per_day"] == pytest.approx(24_800)


def test_hackrf_report(tmp_path: Path) -> None:
    net = load_network(EXAMPLES / "hackrf")
    assert len([i for i in net.items if i.kind == "component"]) == 67
    assert net.party("SUNLORD").country == "CN"
    screened = run_exposure(EXAMPLES / "hackrf", screener=ExactNameScreener(REAL_ENTITY_LIST))
    assert not any(x.hit for x in screened.screenings)
    assert screened.report.summary["revenue_at_risk_per_day"] == 0
    what_if = run_exposure(EXAMPLES / "hackrf", designate=["SUNLORD"])
    assert what_if.inbound.product("HACKRF-ONE").revenue_at_risk_per_day == pytest.approx(20 * 340)
    write_report(what_if, tmp_path / "r", formats=("csv",), picture="png")
    assert (tmp_path / "r" / "network.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_network_writes_nothing(tmp_path: Path) -> None:
    from chainwatch.model.errors import InputError

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "items.csv").write_text("id,name,kind\nP,Phone,product\n")
    (bad / "bom.csv").write_text("parent,child,quantity_per\nP,Q,1\n")
    out = tmp_path / "out"
    with pytest.raises(InputError):
        write_report(run_exposure(bad), out)
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_covered_device_inventory_example() -> None:
    findings, _ = check_covered_inventory(
        EXAMPLES / "ipcamera" / "devices.csv",
        [Path(__file__).resolve().parents[1] / "fixtures" / "network" / "oui-extract.csv"],
    )
    status = {f.device_id: f.status for f in findings}
    assert status == {
        "lobby-cam-1": "covered",
        "yard-cam-2": "covered",
        "door-cam-3": "covered",
        "radio-4": "covered",
        "nvr-5": "covered",
        "radio-6": "covered",
        "cam-7": "not covered",
        "cam-8": "not covered",
        "cam-9": "review",
    }
