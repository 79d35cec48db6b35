"""Reading counterparty files (CSV, XLSX, Parquet) for batch screening.

Errors name the file, the row (as a spreadsheet user counts them: the header is row 1) and the
field. A file is read completely before anything is screened or written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chainwatch.model.errors import InputError
from chainwatch.model.screening import Query
from chainwatch.text.checks import text_problem
from chainwatch.text.spreadsheets import check_xlsx

NAME_COLUMNS = ("name", "counterparty", "company", "party", "party_name", "entity", "customer")
COUNTRY_COLUMNS = ("country", "country_code", "nationality")
ADDRESS_COLUMNS = ("address", "full_address")
ID_COLUMNS = ("identifier", "identifiers", "id_number", "registration_number", "tax_id")
MAX_NAME_LENGTH = 1000
MAX_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class Counterparty:
    row: int  # row number in the file (header = 1)
    query: Query
    record: dict[str, str]  # the input row as read


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-16 text: {exc.reason}", file=str(path)) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            file=str(path),
            row=line,
        ) from exc


class TooManyRows(InputError):
    """The file has more rows than the caller's limit (found while streaming)."""


def _too_many(path: Path, max_rows: int) -> InputError:
    return TooManyRows(
        f"more than {max_rows:,} rows (the limit); split the file", file=str(path), row=max_rows + 2
    )


def _rows_csv(path: Path, max_rows: int) -> tuple[list[str], list[list[str]]]:
    text = _decode(path, path.read_bytes())
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > max_rows + 1:
                raise _too_many(path, max_rows)
    except csv.Error as exc:
        # strict mode: a quote left open at the end of the file is a truncated file
        raise InputError(
            f"malformed CSV ({exc}); truncated file?", file=str(path), row=len(rows) + 1
        ) from exc
    if not rows:
        raise InputError("the file is empty", file=str(path))
    return [h.strip() for h in rows[0]], rows[1:]


def _rows_xlsx(path: Path, max_rows: int) -> tuple[list[str], list[list[str]]]:
    """Rows of the first sheet, streamed (read-only mode), after the archive's unpacked sizes
    were checked (:func:`chainwatch.text.spreadsheets.check_xlsx`); stops past `max_rows`."""
    import zipfile

    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else str(v) for v in values])
            if len(rows) > max_rows + 1:
                raise _too_many(path, max_rows)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from exc
    finally:
        workbook.close()
    if not rows:
        raise InputError("the workbook's first sheet is empty", file=str(path))
    return [h.strip() for h in rows[0]], rows[1:]


def _rows_parquet(path: Path, max_rows: int) -> tuple[list[str], list[list[str]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if pq.ParquetFile(path).metadata.num_rows > max_rows:
            raise _too_many(path, max_rows)
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=str(path)) from exc
    columns = table.column_names
    data = table.to_pydict()
    rows = [
        ["" if data[c][i] is None else str(data[c][i]) for c in columns]
        for i in range(table.num_rows)
    ]
    return list(columns), rows


def _pick(
    header: Sequence[str], wanted: str | None, candidates: Sequence[str], path: Path
) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        if wanted.lower() not in lowered:
            raise InputError(
                f"no column {wanted!r}; columns are {', '.join(header)}",
                file=str(path),
                field=wanted,
            )
        return lowered.index(wanted.lower())
    for name in candidates:
        if name in lowered:
            return lowered.index(name)
    return None


@dataclass(frozen=True, slots=True)
class Preview:
    """The first rows of a file and the columns the reader would use (the mapping)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total_rows: int
    mapping: dict[str, str]  # role (name, country, address, identifier) -> column or ""


def preview_counterparties(path: Path, *, max_rows: int = MAX_ROWS, show: int = 10) -> Preview:
    """Header, first `show` rows, row count and the guessed column mapping of a file."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        header, rows = _rows_xlsx(path, max_rows)
    elif suffix == ".parquet":
        header, rows = _rows_parquet(path, max_rows)
    else:
        header, rows = _rows_csv(path, max_rows)
    mapping: dict[str, str] = {}
    for role, candidates in (
        ("name", NAME_COLUMNS),
        ("country", COUNTRY_COLUMNS),
        ("address", ADDRESS_COLUMNS),
        ("identifier", ID_COLUMNS),
    ):
        at = _pick(header, None, candidates, path)
        mapping[role] = header[at] if at is not None else ""
    if not mapping["name"] and len(header) == 1:
        mapping["name"] = header[0]
    return Preview(
        tuple(header),
        tuple(tuple(r) for r in rows[:show]),
        sum(1 for r in rows if any(c.strip() for c in r)),
        mapping,
    )


def read_counterparties(
    path: Path,
    column: str | None = None,
    country_column: str | None = None,
    *,
    max_rows: int = MAX_ROWS,
    address_column: str | None = None,
    id_column: str | None = None,
) -> list[Counterparty]:
    """Every counterparty of a CSV, XLSX or Parquet file; rows with an empty name are errors,
    and so are cells with NUL or control characters; more than `max_rows` rows is an error
    found while streaming (the rest of the file is not read)."""
    if not path.exists():
        raise InputError("file not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        header, rows = _rows_xlsx(path, max_rows)
    elif suffix == ".parquet":
        header, rows = _rows_parquet(path, max_rows)
    else:
        header, rows = _rows_csv(path, max_rows)
    name_at = _pick(header, column, NAME_COLUMNS, path)
    if name_at is None:
        if len(header) == 1:
            name_at = 0
        else:
            raise InputError(
                f"no name column found (looked for {', '.join(NAME_COLUMNS)}); "
                "name it with --column",
                file=str(path),
                row=1,
            )
    country_at = _pick(header, country_column, COUNTRY_COLUMNS, path)
    address_at = _pick(header, address_column, ADDRESS_COLUMNS, path)
    id_at = _pick(header, id_column, ID_COLUMNS, path)
    if not rows:
        raise InputError("the file has a header but no rows", file=str(path), row=2)
    out: list[Counterparty] = []
    for offset, row in enumerate(rows):
        number = offset + 2
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= name_at or not row[name_at].strip():
            raise InputError("empty name", file=str(path), row=number, field=header[name_at])
        name = row[name_at].strip()
        if len(name) > MAX_NAME_LENGTH:
            raise InputError(
                f"name longer than {MAX_NAME_LENGTH} characters",
                file=str(path),
                row=number,
                field=header[name_at],
            )

        def cell(at: int | None, row: list[str] = row) -> str:
            return row[at].strip() if at is not None and at < len(row) else ""

        for at, value in enumerate(row):
            problem = text_problem(value)
            if problem:
                field = header[at] if at < len(header) else f"column {at + 1}"
                raise InputError(problem, file=str(path), row=number, field=field)
        identifiers = tuple(v.strip() for v in cell(id_at).split(";") if v.strip())
        record = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        query = Query(
            name=name, country=cell(country_at), address=cell(address_at), identifiers=identifiers
        )
        out.append(Counterparty(number, query, record))
    return out
