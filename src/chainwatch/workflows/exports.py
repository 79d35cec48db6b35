"""Tables the service hands out as files (the case queue, a batch's hits): CSV and XLSX.

Every text cell goes through :mod:`chainwatch.text.spreadsheets` (formula-like text escaped in
CSV, string cells in XLSX), so a counterparty named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chainwatch.text.spreadsheets import csv_row, xlsx_row

QUEUE_COLUMNS = (
    "id",
    "status",
    "score",
    "source",
    "entry_id",
    "listed_name",
    "matched_name",
    "counterparty_id",
    "counterparty",
    "country",
    "batch",
    "assignee",
    "reviewer",
    "decided_at",
    "created_at",
    "updated_at",
    "version",
)


def table_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 CSV with a BOM (Excel then reads the accents right), one header row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(csv_row(row.get(c, "") for c in columns))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], sheet_name: str = "cases"
) -> bytes:
    """One-sheet workbook (written streaming), text cells as strings, header row frozen."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    sheet.freeze_panes = "A2"
    sheet.append(xlsx_row(sheet, list(columns)))
    for row in rows:
        sheet.append(xlsx_row(sheet, [row.get(c, "") for c in columns]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
