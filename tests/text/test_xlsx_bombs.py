"""Every XLSX reader refuses a zip bomb before openpyxl unpacks it (check_xlsx), naming the file
and the workbook part: counterparty files, custom lists, the DFAT workbook, network workbooks
and the Willems workbook."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from chainwatch.lists import au, custom
from chainwatch.model.errors import InputError
from chainwatch.network import io, willems

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"


def _shared_string_bomb(path: Path) -> Path:
    """A small workbook whose shared strings unpack to 30 MB (the limit is 20 MB)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name"])
    sheet.append(["ACME"])
    plain = path.with_name("plain-" + path.name)
    book.save(plain)

    def strings() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" count="2" uniqueCount="2"><si><t>name</t></si><si><t>'
        )
        for _ in range(30):
            yield b"A" * 1_000_000
        yield b"</t></si></sst>"

    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                dst.writestr(info, src.read(info.filename))
        member = zipfile.ZipInfo("xl/sharedStrings.xml")
        member.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(member, "w") as fh:
            for chunk in strings():
                fh.write(chunk)
    return path


READERS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "custom list": (
        "example_list.xlsx",
        lambda p: custom.parse(p, FIXTURES / "custom" / "example_list.toml"),
    ),
    "DFAT workbook": ("regulation8_consolidated.xlsx", au.parse),
    "network workbook": ("network.xlsx", io.read_xlsx),
    "Willems workbook": ("willems2008.xlsx", willems.load_willems_xlsx),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_zip_bomb_is_refused_naming_file_and_part(reader: str, tmp_path: Path) -> None:
    name, read = READERS[reader]
    bomb = _shared_string_bomb(tmp_path / name)
    assert bomb.stat().st_size < 1_000_000  # a small file that unpacks to 30 MB
    with pytest.raises(InputError) as info:
        read(bomb)
    assert "zip bomb" in info.value.reason
    assert name in str(info.value.file)
    assert info.value.field == "xl/sharedStrings.xml"
