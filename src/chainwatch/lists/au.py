"""Australian Sanctions Office (DFAT) Consolidated List, XLSX.

Format source: Department of Foreign Affairs and Trade, "Consolidated List"
(https://www.dfat.gov.au/international-relations/security/sanctions/consolidated-list,
download ``regulation8_consolidated.xlsx``). One sheet, a header row, one row per *name*:
the primary name's row has a numeric ``Reference`` (``"1234"``); each alias or original-script
name of the same party follows with a lettered one (``"1234a"``, ``"1234b"``). Columns read
(compared without case and spacing):

* ``Reference``; ``Name of Individual or Entity``; ``Type`` (Individual, Entity, Vessel);
  ``Name Type`` (Primary Name, Alias, Original Script);
* ``Date of Birth`` (a date cell or text such as ``12/05/1960``, ``1960``, ``circa 1960``);
  ``Place of Birth``; ``Citizenship``; ``Address``; ``Additional Information``;
  ``Listing Information`` (UN reference numbers such as ``QDi.006`` are read from it);
  ``Committees`` (the regime: a UN committee or ``Autonomous (Russia)`` ...); ``IMO Number``;
  ``Control Date``.

Entry ids: ``AU:<numeric reference>``; a UN reference in the listing information is kept as
``same_as`` = ``UN:<reference>`` (:mod:`chainwatch.lists.linking`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chainwatch.lists.fields import IdAllocator, clean_text, merge_aliases, parse_date, unique
from chainwatch.lists.reading import label
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2
from chainwatch.text.spreadsheets import check_xlsx

FORMAT = "au-dfat"
FEED = "au"
SOURCE = "AU"
SOURCE_URL = "https://www.dfat.gov.au/international-relations/security/sanctions/consolidated-list"
_TYPES: dict[str, EntityType] = {"individual": "person", "entity": "company", "vessel": "vessel"}
_REFERENCE = re.compile(r"^(\d+)([a-z]*)$", re.I)
_UN_REFERENCE = re.compile(r"\b([A-Z]{2}[ie]\.\d{3})\b")
COLUMNS: dict[str, str] = {
    "reference": "Reference",
    "name": "Name of Individual or Entity",
    "type": "Type",
    "name_type": "Name Type",
    "dob": "Date of Birth",
    "pob": "Place of Birth",
    "citizenship": "Citizenship",
    "address": "Address",
    "info": "Additional Information",
    "listing": "Listing Information",
    "committees": "Committees",
    "imo": "IMO Number",
    "control_date": "Control Date",
}
REQUIRED = ("reference", "name")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


@dataclass
class _Party:
    row: int
    reference: str
    rows: list[dict[str, str]] = field(default_factory=list)


def _entry(party: _Party, ids: IdAllocator, file: str) -> ListEntry:
    first = party.rows[0]
    name = first["name"]
    aliases = [r["name"] for r in party.rows[1:] if r["name"]]

    def merged(key: str, sep: str = ";") -> list[str]:
        return list(unique(v.strip() for r in party.rows for v in r[key].split(sep) if v.strip()))

    extra: list[tuple[str, str]] = []
    for r in party.rows[1:]:
        if r["name_type"].lower().startswith("original"):
            extra.append(("original_script", r["name"]))
    extra += [("place_of_birth", v) for v in merged("pob")]
    extra += [("same_as", f"UN:{u}") for u in unique(_UN_REFERENCE.findall(first["listing"]))]
    addresses = [
        Address(full=a, city="", country=to_iso2(a.rsplit(",", 1)[-1])) for a in merged("address")
    ]
    citizenships = [to_iso2(c) for c in merged("citizenship", ",")]
    identifiers = [Identifier("IMO", v) for v in merged("imo")]
    kind = _TYPES.get(first["type"].lower(), "unknown")
    return ListEntry(
        entry_id=ids.take(f"{SOURCE}:{party.reference}"),
        source=SOURCE,
        name=name,
        entity_type=kind,
        programs=tuple(merged("committees")),
        aliases=merge_aliases(name, aliases),
        addresses=tuple(addresses),
        countries=unique(citizenships + [a.country for a in addresses]),
        identifiers=tuple(identifiers),
        dates_of_birth=tuple(merged("dob")),
        listed_on=parse_date(first["control_date"]),
        remarks="; ".join(v for v in (first["info"], first["listing"]) if v),
        source_url=SOURCE_URL,
        extra=tuple((k, v) for k, v in extra if v),
    )


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse the DFAT Consolidated List workbook: name rows grouped by reference number."""
    import openpyxl  # an edge dependency: only needed for XLSX input

    file = label(path)
    check_xlsx(path, label=file)  # a zip bomb is refused before openpyxl unpacks it
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook ({exc})", file=file, row=1) from None
    parties: dict[str, _Party] = {}
    try:
        sheet = book.worksheets[0]
        index: dict[str, int] | None = None
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = [_text(v) for v in row]
            if index is None:
                if not any(values):
                    continue
                by_key = {_key(v): i for i, v in enumerate(values) if v}
                index = {k: by_key[_key(h)] for k, h in COLUMNS.items() if _key(h) in by_key}
                for needed in REQUIRED:
                    if needed not in index:
                        raise InputError(
                            f"required column {COLUMNS[needed]!r} is missing from the header",
                            file=file,
                            row=row_number,
                            field=COLUMNS[needed],
                        )
                continue
            if not any(values):
                continue
            cells = {k: (values[i] if i < len(values) else "") for k, i in index.items()}
            cells.update({k: "" for k in COLUMNS if k not in cells})
            match = _REFERENCE.match(cells["reference"])
            if not match:
                raise InputError(
                    f"reference {cells['reference']!r} is not a number with an optional letter",
                    file=file,
                    row=row_number,
                    field=COLUMNS["reference"],
                )
            if not cells["name"]:
                raise InputError("empty name", file=file, row=row_number, field=COLUMNS["name"])
            number, letter = match.groups()
            if letter and number not in parties:
                raise InputError(
                    f"alias row {cells['reference']} comes before its party {number}",
                    file=file,
                    row=row_number,
                    field=COLUMNS["reference"],
                )
            if not letter and number in parties:
                raise InputError(
                    f"duplicate reference {number}", file=file, row=row_number, field="Reference"
                )
            parties.setdefault(number, _Party(row_number, number)).rows.append(cells)
        if index is None:
            raise InputError("sheet is empty: expected a header row", file=file, row=1)
    finally:
        book.close()
    if not parties:
        raise InputError("no parties", file=file, row=2)
    ids = IdAllocator()
    return ParsedFeed(
        feed=feed or FEED,
        format=FORMAT,
        origin=str(path),
        entries=tuple(_entry(p, ids, file) for p in parties.values()),
    )
