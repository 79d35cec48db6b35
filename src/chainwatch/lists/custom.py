"""Custom lists: a CSV, JSON or XLSX file plus a small TOML mapping that names its fields.

The mapping (read with :mod:`tomllib`) has three tables; only ``list.code`` and
``fields.name`` are required::

    [list]
    code = "EL"                      # list code: ListEntry.source and the entry-id prefix
    name = "Entity List"             # human-readable name (kept in `extra`)
    source_url = "https://..."       # link used when a record has none
    entity_type = "company"          # default type: company|person|vessel|aircraft|unknown
    infer_entity_type = true         # an organisation word in the name makes a company
    programs = ["EAR 744.11"]        # programs every entry carries
    license_requirement = ""         # constants, used when no field gives a value
    license_policy = ""

    [records]
    format = "json"                  # json | csv | xlsx (default: from the file extension)
    path = "entities"                # JSON: dotted path to the array of records ("" = root)
    count = "count"                  # JSON: dotted path of a declared record count, checked
    published = "extracted"          # JSON: dotted path of the publication date
    delimiter = ","                  # CSV
    sheet = ""                       # XLSX: sheet name (default: the first sheet)
    header_row = 1                   # CSV/XLSX: the row holding the column names

    [fields]                         # record field names (JSON: dotted paths inside a record)
    id = ""                          # record id; default: SHA-1 prefix of name+country+FR
    name = "name"
    aliases = "aliases"              # an array or a string joined by alias_separator
    alias_separator = ";"
    country = "country"              # country name or code → ISO2
    address = "address"              # an array or a string joined by address_separator
    address_separator = ";"
    dates_of_birth = ""
    listed_on = "effective_date"
    listed_on_from_federal_register = true   # else: earliest date in the FR citation
    end_date = ""
    federal_register = "federal_register"
    license_requirement = "notes"
    license_policy = ""
    remarks = "notes"
    programs = ""
    entity_type = ""                 # a field holding Individual/Entity/Person/Company/...
    source_url = ""
    identifiers = { USCC = "uscc" }  # identifier scheme → field
    extra = ["status"]               # fields copied to `extra`

    [[patterns]]                     # values found by a regular expression in a text field
    field = "notes"
    target = "identifier"            # identifier | program | date_of_birth | alias
    scheme = "USCC"                  # for identifiers
    regex = 'USCC:\\s*([0-9A-Z]{18})'

Row numbers in errors: CSV and XLSX rows are the file's rows (header included); for JSON,
syntax errors give the line and record errors the record's 1-based position in its array.
The shipped mappings for the 2026-07 US list extract live in ``chainwatch/data/mappings``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chainwatch.lists.fields import (
    IdAllocator,
    clean_text,
    earliest_date,
    infer_entity_type,
    join_citations,
    merge_aliases,
    name_and_aliases,
    parse_date,
    split_aliases,
    split_values,
    stable_id,
    unique,
)
from chainwatch.lists.reading import CsvFile, label, load_json, logical_name
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2
from chainwatch.text.spreadsheets import check_xlsx

FORMAT = "custom"
ENTITY_TYPES: tuple[EntityType, ...] = ("company", "person", "vessel", "aircraft", "unknown")
_TYPE_WORDS: dict[str, EntityType] = {
    "individual": "person",
    "person": "person",
    "entity": "company",
    "company": "company",
    "organization": "company",
    "organisation": "company",
    "vessel": "vessel",
    "ship": "vessel",
    "aircraft": "aircraft",
    "airplane": "aircraft",
}
_LIST_KEYS = {
    "code",
    "name",
    "source_url",
    "entity_type",
    "infer_entity_type",
    "programs",
    "license_requirement",
    "license_policy",
}
_RECORD_KEYS = {"format", "path", "count", "published", "delimiter", "sheet", "header_row"}
_TEXT_FIELDS = (
    "id",
    "name",
    "aliases",
    "country",
    "address",
    "dates_of_birth",
    "listed_on",
    "end_date",
    "federal_register",
    "license_requirement",
    "license_policy",
    "remarks",
    "programs",
    "entity_type",
    "source_url",
)
_FIELD_KEYS = {
    *_TEXT_FIELDS,
    "alias_separator",
    "address_separator",
    "listed_on_from_federal_register",
    "identifiers",
    "extra",
}
_PATTERN_TARGETS = {"identifier", "program", "date_of_birth", "alias"}
_ADDRESS_TAIL = re.compile(r"\s*\(see [^)]*\)\.?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A value extracted from a text field by a regular expression (first group)."""

    field: str
    target: str
    regex: re.Pattern[str]
    scheme: str = ""


@dataclass(frozen=True, slots=True)
class ListMapping:
    """A parsed mapping file (see module docstring)."""

    path: Path
    code: str
    list_name: str = ""
    source_url: str = ""
    entity_type: EntityType = "unknown"
    infer_entity_type: bool = True
    programs: tuple[str, ...] = ()
    license_requirement: str = ""
    license_policy: str = ""
    format: str = ""
    records_path: str = ""
    count_path: str = ""
    published_path: str = ""
    delimiter: str = ","
    sheet: str = ""
    header_row: int = 1
    fields: dict[str, str] = field(default_factory=dict)
    alias_separator: str = ";"
    address_separator: str = ";"
    listed_on_from_federal_register: bool = True
    identifiers: dict[str, str] = field(default_factory=dict)
    extra: tuple[str, ...] = ()
    patterns: tuple[Pattern, ...] = ()

    @property
    def stem(self) -> str:
        return self.path.stem


def _mapping_error(path: Path, message: str, key: str | None = None) -> InputError:
    return InputError(message, file=str(path), field=key)


def _section(data: dict[str, Any], name: str, allowed: set[str], path: Path) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise _mapping_error(path, f"[{name}] must be a table", name)
    for key in section:
        if key not in allowed:
            raise _mapping_error(path, f"unknown key {key!r} in [{name}]", f"{name}.{key}")
    return section


def load_mapping(path: Path) -> ListMapping:
    """Read and validate a mapping file; errors name the file, line (TOML syntax) and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _mapping_error(path, "mapping file not found") from None
    except UnicodeDecodeError:
        raise _mapping_error(path, "mapping file is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise InputError(
            f"invalid TOML: {exc}", file=str(path), row=int(match.group(1)) if match else None
        ) from None
    for key in data:
        if key not in ("list", "records", "fields", "patterns"):
            raise _mapping_error(path, f"unknown table [{key}]", key)
    lst = _section(data, "list", _LIST_KEYS, path)
    rec = _section(data, "records", _RECORD_KEYS, path)
    fld = _section(data, "fields", _FIELD_KEYS, path)
    code = str(lst.get("code") or "").strip()
    if not code or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", code):
        raise _mapping_error(path, "list.code is required (letters, digits, - _ .)", "list.code")
    if not fld.get("name"):
        raise _mapping_error(path, "fields.name is required", "fields.name")
    kind = str(lst.get("entity_type") or "unknown")
    if kind not in ENTITY_TYPES:
        raise _mapping_error(path, f"entity_type must be one of {ENTITY_TYPES}", "list.entity_type")
    fmt = str(rec.get("format") or "").lower()
    if fmt and fmt not in ("json", "csv", "xlsx"):
        raise _mapping_error(path, "records.format must be json, csv or xlsx", "records.format")
    identifiers = fld.get("identifiers") or {}
    if not isinstance(identifiers, dict):
        raise _mapping_error(path, "fields.identifiers must be a table", "fields.identifiers")
    patterns: list[Pattern] = []
    raw_patterns = data.get("patterns", [])
    if not isinstance(raw_patterns, list):
        raise _mapping_error(path, "[[patterns]] must be an array of tables", "patterns")
    for i, item in enumerate(raw_patterns, start=1):
        if not isinstance(item, dict) or item.get("target") not in _PATTERN_TARGETS:
            raise _mapping_error(
                path, f"pattern {i}: target must be one of {sorted(_PATTERN_TARGETS)}", "patterns"
            )
        try:
            regex = re.compile(str(item.get("regex", "")))
        except re.error as exc:
            raise _mapping_error(path, f"pattern {i}: bad regex: {exc}", "patterns") from None
        patterns.append(
            Pattern(
                str(item.get("field", "")), str(item["target"]), regex, str(item.get("scheme", ""))
            )
        )
    programs = lst.get("programs") or []
    extra = fld.get("extra") or []
    return ListMapping(
        path=path,
        code=code,
        list_name=str(lst.get("name") or ""),
        source_url=str(lst.get("source_url") or ""),
        entity_type=kind,  # type: ignore[arg-type]
        infer_entity_type=bool(lst.get("infer_entity_type", True)),
        programs=tuple(str(p) for p in programs),
        license_requirement=str(lst.get("license_requirement") or ""),
        license_policy=str(lst.get("license_policy") or ""),
        format=fmt,
        records_path=str(rec.get("path") or ""),
        count_path=str(rec.get("count") or ""),
        published_path=str(rec.get("published") or ""),
        delimiter=str(rec.get("delimiter") or ","),
        sheet=str(rec.get("sheet") or ""),
        header_row=int(rec.get("header_row") or 1),
        fields={k: str(fld[k]) for k in _TEXT_FIELDS if fld.get(k)},
        alias_separator=str(fld.get("alias_separator") or ";"),
        address_separator=str(fld.get("address_separator") or ";"),
        listed_on_from_federal_register=bool(fld.get("listed_on_from_federal_register", True)),
        identifiers={str(k): str(v) for k, v in identifiers.items()},
        extra=tuple(str(e) for e in extra),
        patterns=tuple(patterns),
    )


# --- reading records -----------------------------------------------------------------------


def _dig(data: Any, dotted: str) -> Any:
    """`data` at a dotted path (``"a.b"``), or None."""
    value = data
    for part in dotted.split(".") if dotted else []:
        if isinstance(value, Mapping):
            value = value.get(part)
        else:
            return None
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(_as_text(v) for v in value if v is not None)
    return str(value)


def _as_list(value: Any, sep: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [clean_text(_as_text(v)) for v in value if clean_text(_as_text(v))]
    return split_values(_as_text(value), sep)


def _json_records(path: Path, mapping: ListMapping) -> tuple[Iterator[tuple[int, Any]], str]:
    file = label(path)
    data = load_json(path)
    records = _dig(data, mapping.records_path) if mapping.records_path else data
    if not isinstance(records, list):
        raise InputError(
            f"no array of records at {mapping.records_path or 'the top level'!r}",
            file=file,
            row=1,
            field=mapping.records_path or None,
        )
    if mapping.count_path:
        declared = _dig(data, mapping.count_path)
        if declared is not None and declared != len(records):
            raise InputError(
                f"file declares {declared} records but holds {len(records)} (partial file?)",
                file=file,
                row=1,
                field=mapping.count_path,
            )
    published = _as_text(_dig(data, mapping.published_path)) if mapping.published_path else ""
    for index, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise InputError("record is not an object", file=file, row=index)
    return enumerate(records, start=1), published


def _check_columns(mapping: ListMapping, columns: list[str], file: str, row: int) -> None:
    wanted = [*mapping.fields.values(), *mapping.identifiers.values(), *mapping.extra]
    wanted += [p.field for p in mapping.patterns]
    for column in wanted:
        if column not in columns:
            raise InputError(
                f"column {column!r} named by the mapping is missing",
                file=file,
                row=row,
                field=column,
            )


def _csv_records(path: Path, mapping: ListMapping) -> Iterator[tuple[int, Any]]:
    with CsvFile(path, delimiter=mapping.delimiter) as table:
        _check_columns(mapping, table.columns, table.file, 1)
        columns = table.columns
        for row, values in table.records():
            yield row, dict(zip(columns, values, strict=True))


def _xlsx_records(path: Path, mapping: ListMapping) -> Iterator[tuple[int, Any]]:
    import zipfile

    import openpyxl  # an edge dependency: only needed for XLSX input

    file = label(path)
    check_xlsx(path, label=file)  # a zip bomb is refused before openpyxl unpacks it
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook ({exc})", file=file) from None
    try:
        if mapping.sheet and mapping.sheet not in book.sheetnames:
            raise InputError(f"no sheet {mapping.sheet!r}", file=file, field="records.sheet")
        sheet = book[mapping.sheet] if mapping.sheet else book.worksheets[0]
        header: list[str] | None = None
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if row_number < mapping.header_row:
                continue
            if header is None:
                header = [clean_text(_as_text(v)) for v in row]
                _check_columns(mapping, header, file, row_number)
                continue
            if all(v is None or not str(v).strip() for v in row):
                continue
            yield row_number, dict(zip(header, row, strict=False))
        if header is None:
            raise InputError("sheet is empty: expected a header row", file=file, row=1)
    finally:
        book.close()


# --- records → entries ---------------------------------------------------------------------


def _addresses(value: Any, sep: str, default_country: str) -> list[Address]:
    out: list[Address] = []
    for part in _as_list(value, sep):
        text = _ADDRESS_TAIL.sub("", re.sub(r"^(?:and|or)\s+", "", part)).strip().rstrip(".")
        if not text:
            continue
        pieces = [p.strip() for p in text.split(",") if p.strip()]
        country = to_iso2(pieces[-1]) if pieces else ""
        city = pieces[-2] if country and len(pieces) >= 2 else ""
        city = re.sub(r"\s*\d[\d -]*$", "", city)
        out.append(Address(full=text, city=city, country=country or default_country))
    return out


def record_to_entry(
    record: Mapping[str, Any], mapping: ListMapping, *, file: str, row: int, ids: IdAllocator
) -> ListEntry:
    """One mapped record as a ListEntry."""
    f = mapping.fields

    def get(key: str) -> Any:
        column = f.get(key)
        return _dig(record, column) if column else None

    def text(key: str) -> str:
        return clean_text(_as_text(get(key)))

    raw_name = text("name")
    if not raw_name:
        raise InputError("empty name", file=file, row=row, field=f["name"])
    name, embedded = name_and_aliases(raw_name)
    country_raw = text("country")
    country = to_iso2(country_raw)
    addresses = _addresses(get("address"), mapping.address_separator, country)
    citation = join_citations(_as_text(get("federal_register")))
    listed_on = parse_date(text("listed_on"))
    if listed_on is None and mapping.listed_on_from_federal_register:
        listed_on = earliest_date(citation)
    kind_word = text("entity_type").lower()
    kind: EntityType = _TYPE_WORDS.get(kind_word, mapping.entity_type)
    if kind_word not in _TYPE_WORDS and mapping.infer_entity_type:
        kind = infer_entity_type(name, mapping.entity_type)

    identifiers = [
        Identifier(scheme=scheme, value=value, country=country)
        for scheme, column in mapping.identifiers.items()
        for value in _as_list(_dig(record, column), ";")
    ]
    programs = list(mapping.programs) + _as_list(get("programs"), ";")
    dates_of_birth = _as_list(get("dates_of_birth"), ";")
    pattern_aliases: list[str] = []
    for pattern in mapping.patterns:
        source_text = _as_text(_dig(record, pattern.field))
        for match in pattern.regex.finditer(source_text):
            value = clean_text(match.group(1) if pattern.regex.groups else match.group(0))
            if not value:
                continue
            if pattern.target == "identifier":
                identifiers.append(Identifier(scheme=pattern.scheme, value=value, country=country))
            elif pattern.target == "program":
                programs.append(value)
            elif pattern.target == "date_of_birth":
                dates_of_birth.append(value)
            else:
                pattern_aliases.append(value)

    record_id = text("id")
    entry_id = (
        f"{mapping.code}:{record_id}"
        if record_id
        else stable_id(mapping.code, raw_name, country_raw, citation)
    )
    extra: list[tuple[str, str]] = []
    if mapping.list_name:
        extra.append(("list_name", mapping.list_name))
    for column in mapping.extra:
        value = clean_text(_as_text(_dig(record, column)))
        if value:
            extra.append((column, value))
    if name != raw_name:
        extra.append(("published_name", raw_name))
    return ListEntry(
        entry_id=ids.take(entry_id),
        source=mapping.code,
        name=name,
        entity_type=kind,
        programs=unique(programs),
        aliases=merge_aliases(
            name,
            embedded,
            split_aliases(_as_list(get("aliases"), mapping.alias_separator)),
            pattern_aliases,
        ),
        addresses=tuple(addresses),
        countries=unique([country, *(a.country for a in addresses)]),
        identifiers=tuple(dict.fromkeys(identifiers)),
        dates_of_birth=tuple(dates_of_birth),
        federal_register=citation,
        listed_on=listed_on,
        end_date=parse_date(text("end_date")),
        license_requirement=text("license_requirement") or mapping.license_requirement,
        license_policy=text("license_policy") or mapping.license_policy,
        remarks=text("remarks"),
        source_url=text("source_url") or mapping.source_url,
        extra=tuple(extra),
    )


def record_format(path: Path, mapping: ListMapping) -> str:
    """json, csv or xlsx: the mapping's choice, else the file extension."""
    if mapping.format:
        return mapping.format
    suffix = Path(logical_name(path)).suffix.lower()
    if suffix in (".json", ".xlsx", ".csv"):
        return suffix[1:]
    if suffix in (".tsv", ".txt"):
        return "csv"
    raise InputError(
        "cannot tell the record format from the file name: set records.format in the mapping",
        file=label(path),
    )


def parse(path: Path, mapping_path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse a custom list file with its mapping; the feed is ``custom:<mapping stem>``."""
    mapping = load_mapping(mapping_path)
    file = label(path)
    fmt = record_format(path, mapping)
    published = ""
    if fmt == "json":
        records, published = _json_records(path, mapping)
    elif fmt == "csv":
        records = _csv_records(path, mapping)
    else:
        records = _xlsx_records(path, mapping)
    ids = IdAllocator()
    entries = [
        record_to_entry(record, mapping, file=file, row=row, ids=ids) for row, record in records
    ]
    if not entries:
        raise InputError("no records", file=file, row=1, field=mapping.records_path or None)
    return ParsedFeed(
        feed=feed or f"custom:{mapping.stem}",
        format=FORMAT,
        origin=str(path),
        entries=tuple(entries),
        published=published,
    )
