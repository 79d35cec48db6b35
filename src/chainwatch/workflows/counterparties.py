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

import csv
import dataclasses
import datetime as dt
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainwatch.model.errors import InputError
from chainwatch.model.screening import Query
from chainwatch.text.checks import text_problem
from chainwatch.text.spreadsheets import check_xlsx

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
MAX_ROWS = 1_000_000
DELIMITERS = (",", ";", "\t", "|")
LEGACY_ENCODINGS = (
    "cp1252",  # Western Europe, the Americas: Excel's and most ERP systems' "ANSI"
    "cp1250",  # Central Europe
    "cp1251",  # Cyrillic
    "cp1253",  # Greek
    "cp1254",  # Turkish
    "cp1257",  # Baltic
    "cp850",  # DOS Western Europe (older AS/400 and SAP GUI exports)
    "mac_roman",
    "shift_jis",
    "gb18030",
    "big5",
    "euc_kr",
)
_COMMON_PUNCTUATION = frozenset(".,;:'\"&()-/+#@!?%*_[]<>=$€|\\~^`{}")
log = logging.getLogger("chainwatch.counterparties")
_QUERY_FIELDS = frozenset(f.name for f in dataclasses.fields(Query))
_WORD = re.compile(r"[^\W\d_]+")


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


class TooManyRows(InputError):
    """The file has more rows than the caller's limit (found while streaming)."""


def _too_many(path: Path, max_rows: int) -> InputError:
    return TooManyRows(
        f"more than {max_rows:,} rows (the limit); split the file", file=str(path), row=max_rows + 2
    )


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str, str]:
    """(text, codec, note). An explicit encoding is used as given; otherwise UTF-8, UTF-16 with
    a byte-order mark, or the legacy codec that reads best."""
    if encoding:
        try:
            return data.decode(encoding), encoding, ""
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", file=str(path)) from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"not valid {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                file=str(path),
                row=line,
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", ""
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-16 text: {exc.reason}", file=str(path)) from exc
    try:
        return data.decode("utf-8-sig"), "utf-8", ""
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    codec = guess_legacy_encoding(data)
    if codec is None:
        line = data[:first_bad].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 (byte 0x{data[first_bad]:02x} at offset {first_bad}) and no other "
            "encoding fits; give it with --encoding (e.g. cp1252)",
            file=str(path),
            row=line,
        )
    return (
        data.decode(codec),
        codec,
        f"{path.name}: read as {codec} (detected; the file is not UTF-8). "
        "If names look wrong, give --encoding.",
    )


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split()[0]
    except ValueError:
        return "?"


def implausibility(text: str) -> int:
    """How unlike names and addresses a decoded text is: symbols that names do not hold
    (``£``, ``³``, box drawing, C1 controls), words mixing scripts (``M〕ler``), and Latin words
    made mostly of accented letters (``Ðîìàøêà``, which is Cyrillic read as Windows-1252)."""
    odd = sum(
        1
        for ch in text
        if not (ch.isalpha() or ch.isdigit() or ch.isspace() or ch in _COMMON_PUNCTUATION)
    )
    for word in _WORD.findall(text):
        scripts = {_script(c) for c in word}
        if len(scripts) > 1 or (
            scripts == {"LATIN"}
            and len(word) >= 3
            and sum(ord(c) > 127 for c in word) * 2 > len(word)
        ):
            odd += 1
    return odd


def guess_legacy_encoding(data: bytes) -> str | None:
    """The legacy codec under which `data` reads most like names, or None.

    Each codec of :data:`LEGACY_ENCODINGS` that decodes the bytes is scored by
    :func:`implausibility`; ties go to the codec listed first, so Windows-1252 (what Excel
    and most ERP systems write in Western locales) wins when the bytes read equally well in
    another Latin code page. Statistical detectors are not used: on files this short they
    pick rare code pages (charset-normalizer reads a German Windows-1252 export as cp775,
    ``Müller`` as ``M³ller``).

    >>> guess_legacy_encoding("Łódź Przemysł".encode("cp1250"))
    'cp1250'
    >>> guess_legacy_encoding("Müller Gerätebau".encode("cp1252"))
    'cp1252'
    """
    sample = _non_ascii_lines(data)
    scored = []
    for position, codec in enumerate(LEGACY_ENCODINGS):
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue
        scored.append((implausibility(text), position, codec))
    for _, _, codec in sorted(scored):
        if len(sample) == len(data):
            return codec
        try:  # the sample fits; the whole file must too
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def _non_ascii_lines(data: bytes, limit_bytes: int = 64 * 1024) -> bytes:
    """The lines that hold non-ASCII bytes (the only ones that tell codecs apart), up to
    `limit_bytes`; a big file is judged on them, not decoded twelve times whole."""
    if len(data) <= limit_bytes:
        return data
    picked: list[bytes] = []
    size = 0
    for line in data.split(b"\n"):
        if not line.isascii():
            picked.append(line)
            size += len(line) + 1
            if size >= limit_bytes:
                break
    return b"\n".join(picked)


def _split(text: str, delimiter: str, limit: int | None = None) -> list[list[str]] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error:
        return None
    return rows


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the most, equally wide, fields.

    >>> sniff_delimiter("Kunde;Land;Ort\\nAcme, Inc.;US;Boston\\n")
    ';'
    """
    sample = text[: 64 * 1024]
    if len(sample) < len(text):  # do not judge a cut record
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_width, best_consistent = ",", 1, False
    for delimiter in DELIMITERS:
        rows = _split(sample, delimiter, limit=50)
        if not rows:
            continue
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        width = len(rows[0])
        consistent = all(len(r) == width for r in rows)
        if width < 2:
            continue
        if (consistent, width) > (best_consistent, best_width):
            best, best_width, best_consistent = delimiter, width, consistent
    return best


def _rows_csv(
    path: Path, encoding: str | None, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[list[str]], str, str, str, int]:
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", file=str(path))
    text, codec, note = _decode(path, data, encoding)
    delimiter = sniff_delimiter(text)
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
    skipped = _skip_blank_top(rows)
    if not rows:
        raise InputError("the file is empty", file=str(path))
    return [h.strip() for h in rows[0]], rows[1:], codec, delimiter, note, skipped


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ERP number stored as a float: 100234.0 -> 100234
    return str(value)


def choose_sheet(workbook: Any, sheet: str | None, path: Path) -> Any:
    """The first sheet, or the one named or numbered (from 1) by `sheet`."""
    names = workbook.sheetnames
    if sheet is None:
        return workbook.worksheets[0]
    if sheet in names:
        return workbook[sheet]
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return workbook.worksheets[int(sheet) - 1]
    raise InputError(
        f"no sheet {sheet!r}; the sheets are {', '.join(map(repr, names))}", file=str(path)
    )


def _rows_xlsx(
    path: Path, sheet: str | None, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[list[str]], str, int]:
    """Rows of a sheet, streamed (read-only mode), after the archive's unpacked sizes were
    checked (:func:`chainwatch.text.spreadsheets.check_xlsx`); stops past `max_rows`."""
    import zipfile

    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from exc
    try:
        chosen = choose_sheet(workbook, sheet, path)
        rows: list[list[str]] = []
        for values in chosen.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > max_rows + 1:
                raise _too_many(path, max_rows)
        title = str(chosen.title)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from exc
    finally:
        workbook.close()
    skipped = _skip_blank_top(rows)
    if not rows:
        raise InputError(f"sheet {title!r} is empty", file=str(path))
    return [h.strip() for h in rows[0]], rows[1:], title, skipped


def _skip_blank_top(rows: list[list[str]]) -> int:
    """Drop the blank lines above the header; how many there were."""
    skipped = 0
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
        skipped += 1
    return skipped


def _rows_parquet(path: Path, max_rows: int = MAX_ROWS) -> tuple[list[str], list[list[str]]]:
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
    rows = [[_cell_text(data[c][i]) for c in columns] for i in range(table.num_rows)]
    return list(columns), rows


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
        header, rows, title, skipped = _rows_xlsx(path, sheet, max_rows)
    elif suffix == ".parquet":
        header, rows = _rows_parquet(path, max_rows)
    else:
        header, rows, codec, delimiter, note, skipped = _rows_csv(path, encoding, max_rows)
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
        header, rows, _, _ = _rows_xlsx(path, None, max_rows)
    elif suffix == ".parquet":
        header, rows = _rows_parquet(path, max_rows)
    else:
        header, rows, _, _, _, _ = _rows_csv(path, None, max_rows)
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
