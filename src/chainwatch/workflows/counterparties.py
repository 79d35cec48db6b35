"""Reading counterparty files (CSV, XLSX, Parquet) for batch screening.

What ERP and CRM exports look like, and how each is read:

* **Encodings.** UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are
  read as such. Anything else that is not valid UTF-8 (SAP, Dynamics and Excel "CSV" exports in
  Windows-1252, Windows-1250, DOS code page 850 ...) is detected by
  :func:`guess_legacy_encoding`; the codec used is reported (:attr:`CounterpartyFile.encoding`),
  so that a wrong guess can be seen and overridden with an explicit ``encoding``.
* **Delimiters.** ``,`` ``;`` tab and ``|`` are tried on the first records; the one that splits
  the header and the records into the same, largest number of fields wins (Excel in a German or
  French locale writes ``;``; many ERP exports write tabs).
* **Header only.** A file with a header and no rows is a valid, empty file: zero counterparties.
* **XLSX.** The first sheet, or the sheet named (or numbered from 1) by ``sheet``.
* **Columns.** The name column is found by its usual headers or named; so are the country,
  address, identifier, date-of-birth and nationality columns, and an ID column (the ERP's own
  customer or vendor number) that is passed through to the output with any other columns asked
  for (:class:`ColumnMap`).

Errors name the file, the row (as a spreadsheet user counts them: the header is row 1) and the
field. A file is read completely before anything is screened or written.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainwatch.model.errors import InputError
from chainwatch.model.screening import Query
from chainwatch.text.checks import text_problem
from chainwatch.workflows.table_rows import (
    MAX_ROWS,
    rows_csv,
    rows_parquet,
    rows_xlsx,
)

# what callers of the counterparty readers catch or tune, re-exported
from chainwatch.workflows.table_rows import TooManyRows as TooManyRows
from chainwatch.workflows.table_rows import guess_legacy_encoding as guess_legacy_encoding
from chainwatch.workflows.table_rows import sniff_delimiter as sniff_delimiter

NAME_COLUMNS = (
    "name",
    "counterparty",
    "company",
    "party",
    "party_name",
    "entity",
    "customer",
    "customer_name",
    "vendor_name",
    "supplier_name",
    "name1",
    "name_1",  # SAP's NAME1 as a German SE16N download heads it ("Name 1")
    "account_name",
)
COUNTRY_COLUMNS = ("country", "country_code", "country_key", "land", "pays")
ADDRESS_COLUMNS = ("address", "full_address", "street_address")
ID_COLUMNS = ("identifier", "identifiers", "id_number", "registration_number", "tax_id", "vat_id")
BIRTH_DATE_COLUMNS = ("birth_date", "date_of_birth", "dob", "birthdate")
NATIONALITY_COLUMNS = ("nationality",)
REFERENCE_COLUMNS = (
    "id",
    "reference",
    "customer_id",
    "customer_number",
    "vendor_id",
    "vendor_number",
    "supplier_id",
    "partner_id",
    "account_number",
)
MAX_NAME_LENGTH = 1000
log = logging.getLogger("chainwatch.counterparties")
_QUERY_FIELDS = frozenset(f.name for f in dataclasses.fields(Query))


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which column holds what. ``None``: found by its usual header names (see the module's
    ``*_COLUMNS``); header matching ignores case and surrounding spaces. `keep` names further
    columns copied to the output as they are."""

    name: str | None = None
    country: str | None = None
    address: str | None = None
    identifier: str | None = None
    birth_date: str | None = None
    nationality: str | None = None
    reference: str | None = None
    keep: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Counterparty:
    row: int  # row number in the file (header = 1)
    query: Query
    record: dict[str, str]  # the input row as read
    reference: str = ""  # the ID column's value (the user's own id of the party)
    birth_date: str = ""
    nationality: str = ""
    kept: dict[str, str] = field(default_factory=dict)  # the --keep columns, by header


@dataclass(frozen=True, slots=True)
class CounterpartyFile:
    """A counterparty file as read: its parties and how it was read."""

    path: Path
    parties: list[Counterparty]
    header: list[str]
    encoding: str = ""  # the codec used (CSV only); "detected" ones are named in `note`
    delimiter: str = ""
    sheet: str = ""
    note: str = ""  # e.g. "read as cp1252 (detected; not UTF-8)"
    reference_column: str = ""  # header of the ID column, if there is one
    keep_columns: tuple[str, ...] = ()


def with_person_fields(query: Query, birth_date: str, nationality: str) -> Query:
    """`query` with a date of birth and a nationality as evidence, where the query model has
    those fields (chainwatch-v3 reads them; a model without them leaves the query as it is)."""
    if not birth_date and not nationality:
        return query
    changes: dict[str, Any] = {
        name: value
        for name, value in (("birth_date", birth_date), ("nationality", nationality))
        if value and name in _QUERY_FIELDS
    }
    return dataclasses.replace(query, **changes) if changes else query


def _pick(
    header: Sequence[str],
    wanted: str | None,
    candidates: Sequence[str],
    path: Path,
    what: str,
    header_row: int = 1,
) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        if wanted.strip().lower() not in lowered:
            raise InputError(
                f"no {what} column {wanted!r}; columns are {', '.join(header)}",
                file=str(path),
                row=header_row,
                field=wanted,
            )
        return lowered.index(wanted.strip().lower())
    normalised = [h.replace(" ", "_").replace("-", "_").replace(".", "") for h in lowered]
    for name in candidates:
        if name in normalised:
            return normalised.index(name)
    return None


@dataclass(frozen=True)
class RowMapper:
    """Which cell of a row is what, found once from the header; turns rows into
    :class:`Counterparty` objects (shared by :func:`read_counterparty_file` and the streaming
    reader of :mod:`chainwatch.workflows.streaming`)."""

    path: Path
    header: list[str]
    name_at: int
    country_at: int | None
    address_at: int | None
    id_at: int | None
    dob_at: int | None
    nationality_at: int | None
    reference_at: int | None
    keep_at: tuple[tuple[str, int | None], ...]

    @property
    def reference_column(self) -> str:
        return self.header[self.reference_at] if self.reference_at is not None else ""

    @property
    def keep_columns(self) -> tuple[str, ...]:
        return tuple(self.header[at] for _, at in self.keep_at if at is not None)

    @classmethod
    def for_header(
        cls,
        path: Path,
        header: list[str],
        columns: ColumnMap,
        header_row: int = 1,
        rows: Sequence[Sequence[str]] | None = None,
        *,
        title: str = "",
        codec: str = "",
        delimiter: str = "",
    ) -> RowMapper:
        """The mapping of `header` (row `header_row` of `path`); `rows` (some or all of the
        records) only tell a one-column file without rows from one with rows."""
        name_at = _pick(header, columns.name, NAME_COLUMNS, path, "name", header_row)
        if name_at is None:
            if len(header) == 1 and not any(any(c.strip() for c in r) for r in rows or ()):
                raise InputError(
                    f"the file has no rows, and its one column {header[0]!r} is not a name column; "
                    "name it with --column",
                    file=str(path),
                    row=header_row,
                )
            if len(header) == 1:
                name_at = 0
            else:
                raise InputError(
                    f"no name column found (looked for {', '.join(NAME_COLUMNS)}); "
                    "name it with --column",
                    file=str(path),
                    row=header_row,
                )
        country_at = _pick(header, columns.country, COUNTRY_COLUMNS, path, "country", header_row)
        address_at = _pick(header, columns.address, ADDRESS_COLUMNS, path, "address", header_row)
        id_at = _pick(header, columns.identifier, ID_COLUMNS, path, "identifier", header_row)
        dob_at = _pick(
            header, columns.birth_date, BIRTH_DATE_COLUMNS, path, "date-of-birth", header_row
        )
        nationality_at = _pick(
            header, columns.nationality, NATIONALITY_COLUMNS, path, "nationality", header_row
        )
        if nationality_at is not None and nationality_at == country_at:
            nationality_at = None
        if country_at is None and "nationality" not in _QUERY_FIELDS:
            country_at = nationality_at  # a query model without nationality: it is the country
        reference_at = _pick(header, columns.reference, REFERENCE_COLUMNS, path, "ID", header_row)
        keep_at = [(k, _pick(header, k, (), path, "--keep", header_row)) for k in columns.keep]
        picked = {
            "name": name_at,
            "country": country_at,
            "address": address_at,
            "identifier": id_at,
            "birth date": dob_at,
            "nationality": nationality_at,
            "ID": reference_at,
        }
        log.info(
            "%s: %s; columns: %s",
            path.name,
            f"sheet {title!r}" if title else f"{codec or 'binary'}, delimiter {delimiter!r}",
            ", ".join(f"{what} = {header[at]!r}" for what, at in picked.items() if at is not None),
        )
        return cls(
            path,
            header,
            name_at,
            country_at,
            address_at,
            id_at,
            dob_at,
            nationality_at,
            reference_at,
            tuple(keep_at),
        )

    def party(self, row: list[str], number: int) -> Counterparty | None:
        """The counterparty of file row `number`; None for a blank row. Errors name the file,
        the row and the field."""
        path, header, name_at = self.path, self.header, self.name_at
        if not any(cell.strip() for cell in row):
            return None
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
                where = header[at] if at < len(header) else f"column {at + 1}"
                raise InputError(problem, file=str(path), row=number, field=where)
        identifiers = tuple(v.strip() for v in cell(self.id_at).split(";") if v.strip())
        record = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        query = with_person_fields(
            Query(
                name=name,
                country=cell(self.country_at),
                address=cell(self.address_at),
                identifiers=identifiers,
            ),
            cell(self.dob_at),
            cell(self.nationality_at),
        )
        return Counterparty(
            number,
            query,
            record,
            reference=cell(self.reference_at),
            birth_date=cell(self.dob_at),
            nationality=cell(self.nationality_at),
            kept={header[at]: cell(at) for _, at in self.keep_at if at is not None},
        )


def read_counterparty_file(
    path: Path,
    columns: ColumnMap | None = None,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    max_rows: int = MAX_ROWS,
) -> CounterpartyFile:
    """Every counterparty of a CSV, XLSX or Parquet file; rows with an empty name are errors,
    and so are cells with NUL or control characters; blank rows are skipped, a header without
    rows is an empty file; more than `max_rows` rows is an error found while streaming (the
    rest of the file is not read)."""
    columns = columns or ColumnMap()
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, expected a file", file=str(path))
    suffix = path.suffix.lower()
    codec = delimiter = title = note = ""
    skipped = 0
    if sheet is not None and suffix not in {".xlsx", ".xlsm"}:
        raise InputError("--sheet is for XLSX workbooks", file=str(path))
    if suffix in {".xlsx", ".xlsm"}:
        header, rows, title, skipped = rows_xlsx(path, sheet, max_rows)
    elif suffix == ".parquet":
        header, rows = rows_parquet(path, max_rows)
    else:
        header, rows, codec, delimiter, note, skipped = rows_csv(path, encoding, max_rows)
    mapper = RowMapper.for_header(
        path, header, columns, skipped + 1, rows, title=title, codec=codec, delimiter=delimiter
    )
    out: list[Counterparty] = []
    for offset, row in enumerate(rows):
        party = mapper.party(row, offset + skipped + 2)  # as a spreadsheet numbers its rows
        if party is not None:
            out.append(party)
    return CounterpartyFile(
        path=path,
        parties=out,
        header=header,
        encoding=codec,
        delimiter=delimiter,
        sheet=title,
        note=note,
        reference_column=mapper.reference_column,
        keep_columns=mapper.keep_columns,
    )


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
        header, rows, _, _ = rows_xlsx(path, None, max_rows)
    elif suffix == ".parquet":
        header, rows = rows_parquet(path, max_rows)
    else:
        header, rows, _, _, _, _ = rows_csv(path, None, max_rows)
    mapping: dict[str, str] = {}
    for role, candidates in (
        ("name", NAME_COLUMNS),
        ("country", COUNTRY_COLUMNS),
        ("address", ADDRESS_COLUMNS),
        ("identifier", ID_COLUMNS),
        ("birth date", BIRTH_DATE_COLUMNS),
    ):
        at = _pick(header, None, candidates, path, role)
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
    """Every counterparty of a CSV, XLSX or Parquet file (see :func:`read_counterparty_file`)."""
    columns = ColumnMap(
        name=column, country=country_column, address=address_column, identifier=id_column
    )
    return read_counterparty_file(path, columns, max_rows=max_rows).parties
