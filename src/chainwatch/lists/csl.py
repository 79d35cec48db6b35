"""trade.gov Consolidated Screening List (CSL): ``consolidated.csv`` and ``consolidated.json``.

Format source: International Trade Administration, "Consolidated Screening List" downloads
(https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv and
``.json``) and the CSL API documentation (developer.trade.gov, "Consolidated Screening List
API"). The CSV has 29 columns::

    _id, source, entity_number, type, programs, name, title, addresses,
    federal_register_notice, start_date, end_date, standard_order, license_requirement,
    license_policy, call_sign, vessel_type, gross_tonnage, gross_registered_tonnage,
    vessel_flag, vessel_owner, remarks, source_list_url, alt_names, citizenships,
    dates_of_birth, nationalities, places_of_birth, source_information_url, ids

Several values in one field are joined by ``;``; an address is ``street, city, [state,]
postal code, country-ISO2``; an id is ``[country, ]number, type``. The JSON has the same fields
under ``{"results": [...]}`` with ``alt_names``, ``programs``, ``citizenships``,
``nationalities``, ``dates_of_birth``, ``places_of_birth`` as arrays, ``addresses`` as objects
``{address, city, state, postal_code, country}`` and ``ids`` as objects ``{type, number,
country, issue_date, expiration_date}``; plain strings are accepted there too.

Entry ids: ``<code>:<_id>`` (``_id`` is the OFAC entity number for Treasury lists and a SHA-1
for the others), made unique with ``#2`` for the rare exact duplicate rows.

Entity type: the ``type`` column (Individual, Entity, Vessel, Aircraft) where given; otherwise
(BIS and State lists leave it empty) an organisation word in the name ("Co.", "Institute",
"Corporation" ...) makes it a company, else the list's default: ``company`` for EL, MEU, UVL,
``person`` for DPL and DTC, ``unknown`` for ISN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainwatch.lists.fields import (
    IdAllocator,
    clean_text,
    infer_entity_type,
    join_citations,
    merge_aliases,
    name_and_aliases,
    parse_date,
    split_aliases,
    split_values,
    unique,
)
from chainwatch.lists.reading import CsvFile, label, load_json, peek_bytes
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "csl"
FEED = "csl"

COLUMNS = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
)
REQUIRED = ("source", "name")

#: The 13 CSL sources by the names the file uses, and their list codes.
SOURCE_CODES: dict[str, str] = {
    "Entity List (EL) - Bureau of Industry and Security": "EL",
    "Denied Persons List (DPL) - Bureau of Industry and Security": "DPL",
    "Unverified List (UVL) - Bureau of Industry and Security": "UVL",
    "Military End User (MEU) List - Bureau of Industry and Security": "MEU",
    "ITAR Debarred (DTC) - State Department": "DTC",
    "Nonproliferation Sanctions (ISN) - State Department": "ISN",
    "Specially Designated Nationals (SDN) - Treasury Department": "SDN",
    "Sectoral Sanctions Identifications List (SSI) - Treasury Department": "SSI",
    "Foreign Sanctions Evaders (FSE) - Treasury Department": "FSE",
    "Palestinian Legislative Council List (PLC) - Treasury Department": "PLC",
    "Capta List (CAP) - Treasury Department": "CAP",
    "Correspondent Account or Payable-Through Account Sanctions (CAPTA) - Treasury Department": (
        "CAP"
    ),
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department": (
        "CMIC"
    ),
    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department": "NS-MBS",
}
_CODE_IN_NAME = re.compile(r"\(([A-Z][A-Z-]{1,9})(?: List)?\)")
_CODE_ALIASES = {"CAPTA": "CAP", "NS-MBS LIST": "NS-MBS"}
KNOWN_CODES = frozenset(SOURCE_CODES.values())

_TYPES: dict[str, EntityType] = {
    "individual": "person",
    "entity": "company",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_DEFAULT_TYPE: dict[str, EntityType] = {
    "EL": "company",
    "MEU": "company",
    "UVL": "company",
    "DPL": "person",
    "DTC": "person",
}
# "ids" items that are dates or notes rather than identifiers: kept in `extra`.
_NOT_AN_ID = re.compile(
    r"date|directive|target type|gender|secondary sanctions|organization type|"
    r"additional sanctions|issuer name|transactions prohibited|former|nationality|citizen|"
    r"title|ifca|caatsa|effective",
    re.IGNORECASE,
)
_POSTAL = re.compile(r"\d")


def source_code(source: str) -> str:
    """The list code of a CSL `source` value ("Entity List (EL) - ..." → "EL")."""
    source = clean_text(source)
    if source in SOURCE_CODES:
        return SOURCE_CODES[source]
    match = _CODE_IN_NAME.search(source)
    if match:
        code = match.group(1).upper()
        return _CODE_ALIASES.get(code, code)
    if source.upper() in KNOWN_CODES:
        return source.upper()
    return ""


def parse_address(text: str) -> Address:
    """``street, city, [state,] postal, CC`` → Address with the ISO2 country and a city guess
    (the last part before the country that is not a postal code)."""
    full = clean_text(text)
    parts = [p.strip() for p in full.split(",") if p.strip()]
    country = to_iso2(parts[-1]) if parts else ""
    city = ""
    if parts:
        rest = parts[:-1] if country else parts
        for part in reversed(rest):
            if not _POSTAL.search(part) and len(part) > 2:
                city = part
                break
    return Address(full=full, city=city, country=country)


def parse_id(text: str) -> tuple[Identifier | None, tuple[str, str] | None]:
    """One CSV ``ids`` item: ``[CC, ]number, type`` → an Identifier, or a note for `extra`."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2:
        return None, ("id", text.strip())
    country = ""
    if len(parts) >= 3 and len(parts[0]) == 2 and parts[0].isupper() and to_iso2(parts[0]):
        country = parts[0]
        parts = parts[1:]
    scheme = parts[-1].rstrip(":").strip()
    value = ", ".join(parts[:-1]).strip()
    if not value or _NOT_AN_ID.search(scheme):
        return None, (scheme or "id", value)
    return Identifier(scheme=scheme, value=value, country=country), None


def _strings(value: Any, sep: str = ";") -> list[str]:
    """A field that is a `sep`-joined string or a list of strings, as stripped strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return split_values(value, sep)
    if isinstance(value, list):
        return [clean_text(str(v)) for v in value if v is not None and clean_text(str(v))]
    return [clean_text(str(value))]


def _addresses(value: Any) -> list[Address]:
    if isinstance(value, list):
        out: list[Address] = []
        for item in value:
            if isinstance(item, Mapping):
                street = clean_text(str(item.get("address") or ""))
                city = clean_text(str(item.get("city") or ""))
                state = clean_text(str(item.get("state") or ""))
                postal = clean_text(str(item.get("postal_code") or ""))
                country = clean_text(str(item.get("country") or ""))
                full = ", ".join(p for p in (street, city, state, postal, country) if p)
                if full:
                    out.append(Address(full=full, city=city, country=to_iso2(country)))
            elif isinstance(item, str) and item.strip():
                out.append(parse_address(item))
        return out
    return [parse_address(a) for a in _strings(value)]


def _ids(value: Any) -> tuple[list[Identifier], list[tuple[str, str]]]:
    ids: list[Identifier] = []
    notes: list[tuple[str, str]] = []
    if isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
        for item in value:
            if not isinstance(item, Mapping):
                continue
            scheme = clean_text(str(item.get("type") or ""))
            number = clean_text(str(item.get("number") or ""))
            country = to_iso2(str(item.get("country") or ""))
            if not number:
                continue
            if _NOT_AN_ID.search(scheme):
                notes.append((scheme or "id", number))
            else:
                ids.append(Identifier(scheme=scheme, value=number, country=country))
        return ids, notes
    for text in _strings(value):
        ident, note = parse_id(text)
        if ident:
            ids.append(ident)
        if note:
            notes.append(note)
    return ids, notes


def _field(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(clean_text(str(v)) for v in value if v)
    return clean_text(str(value))


def record_to_entry(
    record: Mapping[str, Any], *, file: str, row: int, ids: IdAllocator
) -> ListEntry:
    """One CSL record (a CSV row as a dict, or a JSON result) as a ListEntry."""
    source = _field(record, "source")
    code = source_code(source)
    if not code:
        raise InputError(f"unknown CSL source {source!r}", file=file, row=row, field="source")
    raw_name = _field(record, "name")
    if not raw_name:
        raise InputError("empty name", file=file, row=row, field="name")
    name, embedded = name_and_aliases(raw_name)
    aliases = merge_aliases(name, embedded, split_aliases(_strings(record.get("alt_names"))))
    addresses = _addresses(record.get("addresses"))
    identifiers, notes = _ids(record.get("ids"))
    citizenships = _strings(record.get("citizenships"))
    nationalities = _strings(record.get("nationalities"))
    countries = unique(
        [a.country for a in addresses] + [to_iso2(c) for c in citizenships + nationalities]
    )
    kind = _TYPES.get(_field(record, "type").lower())
    if kind is None:
        kind = infer_entity_type(name, _DEFAULT_TYPE.get(code, "unknown"))
    record_id = _field(record, "_id") or _field(record, "id") or _field(record, "entity_number")
    if not record_id:
        raise InputError("empty record id", file=file, row=row, field="_id")
    extra: list[tuple[str, str]] = []
    for key in (
        "entity_number",
        "title",
        "standard_order",
        "call_sign",
        "vessel_type",
        "gross_tonnage",
        "gross_registered_tonnage",
        "vessel_flag",
        "vessel_owner",
        "source_list_url",
    ):
        value = _field(record, key)
        if value:
            extra.append((key, value))
    extra += [("citizenship", c) for c in citizenships]
    extra += [("nationality", c) for c in nationalities]
    extra += [("place_of_birth", p) for p in _strings(record.get("places_of_birth"))]
    extra += notes
    if name != raw_name:
        extra.append(("published_name", raw_name))
    return ListEntry(
        entry_id=ids.take(f"{code}:{record_id}"),
        source=code,
        name=name,
        entity_type=kind,
        programs=tuple(_strings(record.get("programs"))),
        aliases=aliases,
        addresses=tuple(addresses),
        countries=countries,
        identifiers=tuple(identifiers),
        dates_of_birth=tuple(_strings(record.get("dates_of_birth"))),
        federal_register=join_citations(_field(record, "federal_register_notice")),
        listed_on=parse_date(_field(record, "start_date")),
        end_date=parse_date(_field(record, "end_date")),
        license_requirement=_field(record, "license_requirement"),
        license_policy=_field(record, "license_policy"),
        remarks=_field(record, "remarks"),
        source_url=_field(record, "source_information_url") or _field(record, "source_list_url"),
        extra=tuple(extra),
    )


def parse_csv(path: Path) -> list[ListEntry]:
    """Entries of a CSL CSV (plain or gzipped), streamed row by row."""
    ids = IdAllocator()
    entries: list[ListEntry] = []
    with CsvFile(path, required=REQUIRED) as table:
        columns = table.columns
        for row, values in table.records():
            record = dict(zip(columns, values, strict=True))
            entries.append(record_to_entry(record, file=table.file, row=row, ids=ids))
    return entries


def parse_json(path: Path) -> list[ListEntry]:
    """Entries of a CSL JSON download (``{"results": [...]}`` or a bare array)."""
    file = label(path)
    data = load_json(path)
    results = data.get("results") if isinstance(data, Mapping) else data
    if not isinstance(results, list):
        raise InputError("expected {'results': [...]}", file=file, row=1, field="results")
    ids = IdAllocator()
    entries: list[ListEntry] = []
    for index, record in enumerate(results, start=1):
        if not isinstance(record, Mapping):
            raise InputError("record is not an object", file=file, row=index, field="results")
        for key in REQUIRED:
            if key not in record:
                raise InputError(f"missing field {key!r}", file=file, row=index, field=key)
        entries.append(record_to_entry(record, file=file, row=index, ids=ids))
    if not entries:
        raise InputError("no records in 'results'", file=file, row=1, field="results")
    return entries


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse a CSL download, CSV or JSON (detected by content), plain or gzipped."""
    head = peek_bytes(path, 64).lstrip(b"\xef\xbb\xbf \t\r\n")
    entries = parse_json(path) if head[:1] in (b"{", b"[") else parse_csv(path)
    return ParsedFeed(feed=feed or FEED, format=FORMAT, origin=str(path), entries=tuple(entries))
