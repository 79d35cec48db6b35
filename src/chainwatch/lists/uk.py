"""UK Sanctions List (FCDO), CSV.

Format source: Foreign, Commonwealth & Development Office, "UK Sanctions List" downloads
(https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv; also published as XML, ODS and
PDF) and its guidance "UK sanctions list: data format". Since OFSI's Consolidated List closed
on 28 January 2026 this is the one official list of UK designations (all regimes, asset
freezes and other measures). The CSV starts with a ``Report Date: DD-Mon-YYYY`` line, then the
header; there is one row per *name* of a designation, rows of one designation share its
``Unique ID`` (e.g. ``RUS0251``). Columns read (names compared without case, spaces and
punctuation, so ``D.O.B`` = ``DOB``):

* ``Unique ID``; ``OFSI Group ID``; ``UN Reference Number`` (a UN listing transposed);
* names: ``Name 6`` (the surname, or the whole name of an entity or ship), ``Name 1`` to
  ``Name 5`` (given names); ``Name type`` (``Primary Name`` / ``Alias`` / ``Primary Name
  Variation``); ``Alias strength`` (``Good quality`` / ``Low quality``); ``Title``;
  ``Name non-latin script``;
* ``Individual, Entity, Ship`` (also accepted as ``Designation Type`` / ``Group Type``);
  ``Regime``; ``Sanctions Imposed``; ``Other Information``; ``Date Designated``;
* ``D.O.B`` (``dd/mm/yyyy``, ``00`` for an unknown day or month), ``Nationality(/ies)``,
  ``Passport number``, ``National Identifier number``, ``Business registration number (s)``,
  ``IMO number``, ``Position``, ``Town of birth`` / ``Country of birth``;
* ``Address Line 1`` .. ``Address Line 6``, ``Address Postal Code``, ``Address Country``.

Several values in one cell are separated by ``|`` or line breaks. Entry ids: ``UK:<Unique
ID>``; the UN reference is kept in ``extra`` as ``same_as`` = ``UN:<number>`` and the OFSI
group id as ``ofsi_group_id``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.lists.fields import IdAllocator, clean_text, merge_aliases, parse_date, unique
from chainwatch.lists.reading import CsvFile
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "uk-sl"
FEED = "uk"
SOURCE = "UK"
SOURCE_URL = "https://www.gov.uk/government/publications/the-uk-sanctions-list"
HEADER_MARKER = "Unique ID"
_TYPES: dict[str, EntityType] = {
    "individual": "person",
    "entity": "company",
    "ship": "vessel",
}
_SPLIT = re.compile(r"\s*(?:\||\n|\r)\s*")
_REPORT_DATE = re.compile(r"Report Date:\s*(\d{1,2}-[A-Za-z]{3}-\d{4})")
_DMY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")

# field -> accepted header names, compared by :func:`_key`
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("Unique ID",),
    "ofsi": ("OFSI Group ID",),
    "un": ("UN Reference Number",),
    "name6": ("Name 6",),
    "name1": ("Name 1",),
    "name2": ("Name 2",),
    "name3": ("Name 3",),
    "name4": ("Name 4",),
    "name5": ("Name 5",),
    "name_type": ("Name type", "Alias Type"),
    "strength": ("Alias strength", "Alias Quality"),
    "title": ("Title",),
    "non_latin": ("Name non-latin script",),
    "kind": ("Individual, Entity, Ship", "Designation Type", "Group Type"),
    "regime": ("Regime",),
    "measures": ("Sanctions Imposed",),
    "other": ("Other Information",),
    "designated": ("Date Designated", "Date designated"),
    "dob": ("D.O.B", "DOB"),
    "nationality": ("Nationality(/ies)", "Nationality"),
    "passport": ("Passport number",),
    "national_id": ("National Identifier number",),
    "registration": ("Business registration number (s)", "Business registration number"),
    "imo": ("IMO number",),
    "position": ("Position",),
    "birth_town": ("Town of birth",),
    "birth_country": ("Country of birth",),
    "address1": ("Address Line 1",),
    "address2": ("Address Line 2",),
    "address3": ("Address Line 3",),
    "address4": ("Address Line 4",),
    "address5": ("Address Line 5",),
    "address6": ("Address Line 6",),
    "postcode": ("Address Postal Code",),
    "country": ("Address Country",),
}
REQUIRED = ("id", "name6", "name_type")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def uk_date(value: str) -> str:
    """``"19/10/1962"`` -> ``"1962-10-19"``; ``"00/00/1962"`` -> ``"1962"``; else as given."""
    value = clean_text(value)
    m = _DMY.match(value)
    if not m:
        return value
    day, month, year = m.groups()
    if month == "00":
        return year
    if day == "00":
        return f"{year}-{month}"
    return f"{year}-{month}-{day}"


def _values(value: str) -> list[str]:
    return [v for v in (clean_text(p) for p in _SPLIT.split(value or "")) if v]


@dataclass
class _Group:
    row: int
    uid: str
    rows: list[dict[str, str]] = field(default_factory=list)


def _name_of(cells: dict[str, str]) -> str:
    given = " ".join(cells[k] for k in ("name1", "name2", "name3", "name4", "name5") if cells[k])
    surname = cells["name6"]
    return clean_text(f"{given} {surname}" if given else surname)


def _entry(group: _Group, ids: IdAllocator, file: str) -> ListEntry:
    primary_rows = [r for r in group.rows if r["name_type"].lower().startswith("primary name")]
    first = (primary_rows or group.rows)[0]
    name = _name_of(first)
    if not name:
        raise InputError(
            f"designation {group.uid} has no name", file=file, row=group.row, field="Name 6"
        )
    aliases: list[str] = []
    extra: list[tuple[str, str]] = []
    for cells in group.rows:
        alias = _name_of(cells)
        if alias and alias != name:
            aliases.append(alias)
            if "low" in cells["strength"].lower():
                extra.append(("weak_alias", alias))
        aliases += _values(cells["non_latin"])

    def merged(key: str) -> list[str]:
        return list(unique(v for cells in group.rows for v in _values(cells[key])))

    kind = _TYPES.get(first["kind"].strip().lower(), "unknown")
    identifiers = [Identifier("Passport", v) for v in merged("passport")]
    identifiers += [Identifier("National Identifier", v) for v in merged("national_id")]
    identifiers += [Identifier("Business Registration Number", v) for v in merged("registration")]
    identifiers += [Identifier("IMO", v) for v in merged("imo")]
    addresses: list[Address] = []
    seen_addresses: set[str] = set()
    for cells in group.rows:
        parts = [cells[f"address{i}"] for i in range(1, 7)] + [cells["postcode"], cells["country"]]
        full = ", ".join(p for p in (clean_text(x) for x in parts) if p)
        if full and full not in seen_addresses:
            seen_addresses.add(full)
            city = clean_text(cells["address4"] or cells["address3"])
            addresses.append(Address(full=full, city=city, country=to_iso2(cells["country"])))
    nationalities = [to_iso2(re.sub(r"^\(\d+\)\s*", "", n)) for n in merged("nationality")]
    for key, label in (
        ("ofsi", "ofsi_group_id"),
        ("title", "title"),
        ("position", "position"),
        ("measures", "sanctions_imposed"),
    ):
        extra += [(label, v) for v in merged(key)]
    births = [
        ", ".join(p for p in (clean_text(c["birth_town"]), clean_text(c["birth_country"])) if p)
        for c in group.rows
    ]
    extra += [("place_of_birth", b) for b in unique(births)]
    extra += [("same_as", f"UN:{v}") for v in merged("un")]
    return ListEntry(
        entry_id=ids.take(f"{SOURCE}:{group.uid}"),
        source=SOURCE,
        name=name,
        entity_type=kind,
        programs=tuple(merged("regime")),
        aliases=merge_aliases(name, aliases),
        addresses=tuple(addresses),
        countries=unique(nationalities + [a.country for a in addresses]),
        identifiers=tuple(identifiers),
        dates_of_birth=unique(uk_date(v) for v in merged("dob")),
        listed_on=parse_date(uk_date(first["designated"])),
        remarks="; ".join(merged("other")),
        source_url=SOURCE_URL,
        extra=tuple((k, v) for k, v in extra if v),
    )


def _columns(table: CsvFile) -> dict[str, int]:
    by_key = {_key(c): i for i, c in enumerate(table.columns)}
    found: dict[str, int] = {}
    for name, headers in COLUMNS.items():
        for header in headers:
            if _key(header) in by_key:
                found[name] = by_key[_key(header)]
                break
    for name in REQUIRED:
        if name not in found:
            raise table.error(
                f"required column {COLUMNS[name][0]!r} is missing from the header",
                1,
                COLUMNS[name][0],
            )
    return found


def _published(path: Path) -> str:
    from chainwatch.lists.reading import peek_bytes

    m = _REPORT_DATE.search(peek_bytes(path, 512).decode("utf-8", "ignore"))
    if not m:
        return ""
    d = parse_date(m.group(1).replace("-", " "))
    return d.isoformat() if d else ""


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse the UK Sanctions List CSV (plain or gzipped): rows grouped by Unique ID."""
    groups: dict[str, _Group] = {}
    with CsvFile(path, header_marker=HEADER_MARKER) as table:
        index = _columns(table)

        def cells_of(values: Sequence[str]) -> dict[str, str]:
            return {k: (values[index[k]] if k in index else "") for k in COLUMNS}

        for row, values in table.records():
            cells = cells_of(values)
            uid = clean_text(cells["id"])
            if not uid:
                raise table.error("empty Unique ID", row, "Unique ID")
            if not cells["name6"].strip() and not cells["name1"].strip():
                raise table.error(f"row of {uid} has no name", row, "Name 6")
            group = groups.setdefault(uid, _Group(row, uid))
            group.rows.append(cells)
        file = table.file
    if not groups:
        raise InputError("no designations", file=file, row=2)
    ids = IdAllocator()
    entries = tuple(_entry(g, ids, file) for g in groups.values())
    return ParsedFeed(
        feed=feed or FEED,
        format=FORMAT,
        origin=str(path),
        entries=entries,
        published=_published(path),
    )
