"""Reading networks from CSV directories and XLSX workbooks; bad files give clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from chainwatch.model.errors import InputError
from chainwatch.network.io import load_devices, load_network

GOOD = {
    "items.csv": "id,name,kind,demand_per_day,revenue_per_unit,margin_per_unit,country\n"
    "P,Phone,product,100,200,50,TW\nB,Board,assembly,,,,\nM,Modem,component,,,,\n",
    "bom.csv": "parent,child,quantity_per\nP,B,1\nB,M,2.5\n",
    "parties.csv": "id,name,country,roles\nS1,Supplier One,CN,supplier\nS2,Supplier Two,KR,"
    "supplier\nO,Owner,CN,owner\n",
    "ownership.csv": "owner,owned,share\nO,S1,60%\n",
    "sources.csv": "supplier,item,share_of_volume,is_alternate,qualification_days\n"
    "S1,M,0.6,no,\nS2,M,0.4,,\nO,M,0.5,yes,30\n",
}


def write(tmp: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp


def test_good_directory(tmp_path: Path) -> None:
    net = load_network(write(tmp_path, GOOD))
    assert [i.id for i in net.items] == ["P", "B", "M"]
    assert net.children("B")[0].quantity_per == 2.5
    assert net.ownership[0].share == pytest.approx(0.6)
    assert [s.is_alternate for s in net.sources_of("M")] == [False, False, True]


def test_good_workbook(tmp_path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, text in GOOD.items():
        ws = wb.create_sheet(name.removesuffix(".csv"))
        for line in text.strip().splitlines():
            ws.append([float(v) if v.replace(".", "").isdigit() else v for v in line.split(",")])
    wb.save(tmp_path / "net.xlsx")
    net = load_network(tmp_path / "net.xlsx")
    assert len(net.items) == 3 and net.children("B")[0].quantity_per == 2.5


BAD = [
    # (file, replacement text, expected row, field, message fragment)
    ("bom.csv", "parent,child,quantity_per\nP,B,1\nB,X,1\n", 3, "child", "unknown item id 'X'"),
    ("bom.csv", "parent,child,quantity_per\nP,B,1\nB,M,1\nM,P,1\n", None, "child", "cycle"),
    ("bom.csv", "parent,child,quantity_per\nP,B,-1\n", 2, "quantity_per", "negative"),
    ("bom.csv", "parent,child\nP,B\n", 1, "quantity_per", "missing required column"),
    ("bom.csv", "parent,child,quantity_per\nP,B,two\n", 2, "quantity_per", "not a number"),
    (
        "sources.csv",
        "supplier,item,share_of_volume\nS1,M,0.6\nS2,M,0.3\n",
        2,
        "share_of_volume",
        "adding up to 90.0%",
    ),
    ("sources.csv", "supplier,item,share_of_volume\nZZ,M,1\n", 2, "supplier", "unknown party"),
    ("ownership.csv", "owner,owned,share\nO,S1,0.7\nS2,S1,0.5\n", 3, "share", "more than 100"),
    ("items.csv", "id,name,kind\nP,Phone,gadget\n", 2, "kind", "kind must be one of"),
    ("items.csv", "id,name,kind\nP,Phone,product\nP,Again,product\n", 3, "id", "duplicate"),
    ("items.csv", "id,name\nP,Phone\n", 1, "kind", "missing required column"),
]


@pytest.mark.parametrize(("file", "text", "row", "field", "fragment"), BAD)
def test_bad_files_name_file_row_field(
    tmp_path: Path, file: str, text: str, row: int | None, field: str, fragment: str
) -> None:
    files = dict(GOOD)
    files[file] = text
    if file == "items.csv":  # keep only the items table so other tables do not fail first
        files = {"items.csv": text}
    with pytest.raises(InputError) as err:
        load_network(write(tmp_path, files))
    e = err.value
    assert e.file is not None and e.file.endswith(file)
    assert e.field == field
    if row is not None:
        assert e.row == row
    assert fragment in str(e)
    assert file in str(e) and f"field {field!r}" in str(e)


def test_cycle_error_names_the_closing_row(tmp_path: Path) -> None:
    files = dict(GOOD)
    files["bom.csv"] = "parent,child,quantity_per\nP,B,1\nB,M,1\nM,B,1\n"
    with pytest.raises(InputError) as err:
        load_network(write(tmp_path, files))
    assert "B -> M -> B" in str(err.value) or "M -> B -> M" in str(err.value)
    assert err.value.row in (3, 4)


def test_missing_items_and_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="items table is required"):
        load_network(write(tmp_path, {"bom.csv": GOOD["bom.csv"]}))
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(InputError, match="not a readable XLSX"):
        load_network(bad)


def test_device_inventory(tmp_path: Path) -> None:
    f = tmp_path / "devices.csv"
    f.write_text("id,vendor,model,mac\n1,Hikvision,DS-2CD2043,\n,,,\n")
    assert len(load_devices(f)) == 1
    f.write_text("id,vendor,model,mac\n1,Hikvision,DS-2CD2043,\n2,,X,\n")
    with pytest.raises(InputError) as err:
        load_devices(f)
    assert (err.value.row, err.value.field) == (3, "vendor")
