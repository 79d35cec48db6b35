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


def tables_xlsx(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    """A workbook with one sheet per table (columns from the rows), text as string cells."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in tables.items():
        sheet = book.create_sheet(name[:31])
        columns = list(dict.fromkeys(k for r in rows for k in r))
        sheet.append(xlsx_row(sheet, columns))
        for row in rows:
            sheet.append(xlsx_row(sheet, [plain_cell(row.get(c, "")) for c in columns]))
    if not tables:
        book.create_sheet("empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value)
    return value


ACRONYMS = {"tts", "ttr", "rei", "id", "bom", "eccn", "lp", "fr", "ear", "usd"}
UNITS = {"days": "days", "usd": "USD", "eur": "EUR", "pct": "%", "hours": "h", "kg": "kg"}


def column_label(name: str) -> str:
    """A column name for people: "lost_margin_usd" -> "Lost margin (USD)",
    "lead_time_days" -> "Lead time (days)", "tts" -> "TTS"."""
    parts = [p for p in name.split("_") if p]
    if not parts:
        return name
    unit = ""
    if len(parts) > 1 and parts[-1].lower() in UNITS:
        unit = UNITS[parts.pop().lower()]
    text = " ".join(p.upper() if p.lower() in ACRONYMS else p for p in parts)
    text = text[:1].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def readable_number(value: Any) -> str:
    """Numbers for people: thousands separators; two decimals (three significant digits
    under 1); integers as integers. 1234567.891 -> "1,234,567.89", 0.012345 -> "0.0123"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) < 1:
        return f"{value:.3g}"
    return f"{value:,.2f}"
