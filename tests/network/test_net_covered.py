"""Covered equipment (NDAA § 889 / FCC Covered List) by vendor name and by MAC prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.model.network import Device
from chainwatch.network.covered import check_devices, match_vendor, normalise_mac
from chainwatch.network.io import load_oui_registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "network"
# A real extract of the IEEE registry (Debian ieee-data 20220827.1, oui.csv and mam.csv).
EXTRACT = load_oui_registry([FIXTURES / "oui-extract.csv", FIXTURES / "mam-extract.csv"])

INVENTORY = (
    # by vendor name
    Device("cam-1", "Hikvision", "DS-2CD2043G2-I", ""),
    Device("cam-2", "Dahua Technology", "IPC-HFW2431S", ""),
    Device("cam-3", "EZVIZ", "C6N", ""),
    Device("radio-1", "Hytera", "PD785", ""),
    # by MAC prefix only (vendor recorded as the reseller / unknown)
    Device("cam-4", "Generic NVR", "", "44:47:CC:12:34:56"),  # Hikvision 4447CC
    Device("cam-5", "", "", "08-ED-ED-00-00-01"),  # Zhejiang Dahua 08EDED
    Device("cam-6", "", "", "64:f2:fb:aa:bb:cc"),  # Hangzhou Ezviz Software 64F2FB
    Device("radio-2", "", "", "9C:06:6E:00:00:01"),  # Hytera Communications 9C066E
    # other makers: not covered
    Device("cam-7", "Axis Communications", "P3245", "AC:CC:8E:01:02:03"),
    Device("tv-1", "Sony", "KD-55", "00:1A:80:00:00:01"),
    Device("scale-1", "Shanghai Dahua Scale Factory", "", "40:2C:76:10:00:00"),
    Device("cam-8", "Lorex", "E892AB", ""),
)


def test_vendor_names() -> None:
    assert match_vendor("Hangzhou Hikvision Digital Technology Co.,Ltd.") is not None
    assert match_vendor("Prama Hikvision India Private Limited") is not None
    hit = match_vendor("EZVIZ Inc.")
    assert hit is not None and hit.company.startswith("Hangzhou Hikvision")
    assert match_vendor("Shanghai Dahua Scale Factory") is None
    assert match_vendor("Honor Device Co., Ltd.") is None
    assert match_vendor("Aztec Corp") is None  # "zte" only as a word
    assert normalise_mac("64:f2:fb:aa:bb:cc") == "64F2FBAABBCC"


def test_inventory_with_registry_extract() -> None:
    assert EXTRACT is not None
    found = {f.device_id: f for f in check_devices(INVENTORY, EXTRACT)}
    covered = {d for d, f in found.items() if f.covered}
    assert covered == {"cam-1", "cam-2", "cam-3", "radio-1", "cam-4", "cam-5", "cam-6", "radio-2"}
    assert found["cam-4"].matched_by == ("MAC prefix",)
    assert "4447CC" in found["cam-4"].evidence[0] and "Hikvision" in found["cam-4"].evidence[0]
    assert found["cam-3"].relation == "subsidiary"
    assert found["cam-6"].company == "Hangzhou Hikvision Digital Technology Company"
    assert found["scale-1"].status == "not covered"
    assert found["cam-7"].status == "not covered" and "Axis" in found["cam-7"].evidence[0]
    assert found["cam-8"].status == "review"


def test_both_name_and_mac_recorded() -> None:
    (f,) = check_devices([Device("x", "Hikvision", "", "44:47:CC:00:00:01")], EXTRACT)
    assert f.matched_by == ("vendor name", "MAC prefix")
    (g,) = check_devices([Device("y", "Acme", "", "46:47:CC:00:00:01")], EXTRACT)
    assert g.status == "not covered" and "locally administered" in g.evidence[0]


def test_full_debian_registry_when_installed() -> None:
    path = Path("/usr/share/ieee-data/oui.csv")
    if not path.exists():
        pytest.skip("Debian ieee-data not installed (apt-get install ieee-data)")
    registry = load_oui_registry([path])
    assert registry is not None and len(registry.assignments) > 30_000
    found = check_devices(INVENTORY[4:7], registry)
    assert all(f.covered for f in found)
