"""OpenSanctions exports: ``targets.simple.csv`` and FollowTheMoney (FtM) JSON lines.

Format sources: OpenSanctions, "Using the data / file formats"
(https://www.opensanctions.org/docs/bulk/) and the FollowTheMoney schema reference
(https://followthemoney.tech/explorer/). Licence: CC-BY-NC 4.0 for commercial users; this
adapter only reads files the user supplies, nothing of OpenSanctions ships with chainwatch.

* ``targets.simple.csv``: header ``id, schema, name, aliases, birth_date, countries,
  addresses, identifiers, sanctions, phones, emails, program_ids, dataset, first_seen,
  last_seen, last_change``; multiple values joined by ``;``; countries are lower-case ISO2.
* FtM JSON lines: one entity per line, ``{id, schema, properties: {prop: [values]}, caption,
  datasets, referents, target, first_seen, last_seen, last_change}``. Only target entities
  (``target: true``; or, when the key is absent, entities of a party schema) become entries;
  sanction, address and relation objects are skipped.

Source code ``OS``; entry ids ``OS:<id>``. Entity type by schema: Person → person; Company,
Organization, PublicBody → company; Vessel → vessel; Airplane → aircraft; LegalEntity → company
when the name has an organisation word, else unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainwatch.lists.fields import (
    IdAllocator,
    clean_text,
    infer_entity_type,
    merge_aliases,
    parse_date,
    split_values,
    unique,
)
from chainwatch.lists.reading import CsvFile, iter_json_lines, label, peek_bytes
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "opensanctions"
FEED = "opensanctions"
SOURCE = "OS"
ENTITY_URL = "https://www.opensanctions.org/entities/{}/"
COLUMNS = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "addresses",
    "identifiers",
    "sanctions",
    "phones",
    "emails",
    "program_ids",
    "dataset",
    "first_seen",
    "last_seen",
    "last_change",
)
REQUIRED = ("id", "schema", "name")
_SCHEMA_TYPES: dict[str, EntityType] = {
    "person": "person",
    "company": "company",
    "organization": "company",
    "publicbody": "company",
    "vessel": "vessel",
    "airplane": "aircraft",
}
PARTY_SCHEMAS = frozenset(
    {"Person", "Company", "Organization", "LegalEntity", "PublicBody", "Vessel", "Airplane"}
)
_ID_PROPS = (
    "idNumber",
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "imoNumber",
    "mmsi",
    "passportNumber",
    "vatCode",
    "uniqueEntityId",
    "dunsCode",
    "callSign",
    "registrationNumber",
)


def entity_type(schema: str, name: str) -> EntityType:
    """The entity type of an FtM schema (see module docstring)."""
    kind = _SCHEMA_TYPES.get(schema.lower())
    return kind if kind else infer_entity_type(name, "unknown")


def _countries(values: list[str]) -> tuple[str, ...]:
    return unique(to_iso2(v) for v in values)


def parse_simple_csv(path: Path) -> list[ListEntry]:
    """Entries of a ``targets.simple.csv`` export, streamed row by row."""
    ids = IdAllocator()
    entries: list[ListEntry] = []
    with CsvFile(path, required=REQUIRED) as table:
        index = table.index

        def get(values: list[str], column: str) -> str:
            position = index.get(column)
            return values[position] if position is not None else ""

        for row, values in table.records():
            entity_id = clean_text(get(values, "id"))
            name = clean_text(get(values, "name"))
            if not entity_id:
                raise table.error("empty id", row, "id")
            if not name:
                raise table.error("empty name", row, "name")
            schema = clean_text(get(values, "schema"))
            addresses = [
                Address(full=a, country="") for a in split_values(get(values, "addresses"))
            ]
            extra = [
                (key, value)
                for key in ("sanctions", "phones", "emails", "dataset", "first_seen", "last_seen")
                for value in split_values(get(values, key))
                if value.strip('"')
            ]
            entries.append(
                ListEntry(
                    entry_id=ids.take(f"{SOURCE}:{entity_id}"),
                    source=SOURCE,
                    name=name,
                    entity_type=entity_type(schema, name),
                    programs=tuple(split_values(get(values, "program_ids"))),
                    aliases=merge_aliases(name, split_values(get(values, "aliases"))),
                    addresses=tuple(addresses),
                    countries=_countries(split_values(get(values, "countries"))),
                    identifiers=tuple(
                        Identifier(scheme="id", value=v)
                        for v in split_values(get(values, "identifiers"))
                    ),
                    dates_of_birth=tuple(split_values(get(values, "birth_date"))),
                    source_url=ENTITY_URL.format(entity_id),
                    extra=(("schema", schema), *extra),
                )
            )
    return entries


def _props(entity: Mapping[str, Any], key: str) -> list[str]:
    properties = entity.get("properties")
    if not isinstance(properties, Mapping):
        return []
    value = properties.get(key)
    if isinstance(value, list):
        return [clean_text(str(v)) for v in value if v is not None and clean_text(str(v))]
    if isinstance(value, str) and value.strip():
        return [clean_text(value)]
    return []


def ftm_to_entry(entity: Mapping[str, Any], *, file: str, row: int, ids: IdAllocator) -> ListEntry:
    """One FtM target entity as a ListEntry."""
    entity_id = clean_text(str(entity.get("id") or ""))
    schema = clean_text(str(entity.get("schema") or ""))
    if not entity_id:
        raise InputError("entity has no id", file=file, row=row, field="id")
    names = _props(entity, "name")
    name = names[0] if names else clean_text(str(entity.get("caption") or ""))
    if not name:
        raise InputError("entity has no name", file=file, row=row, field="properties.name")
    identifiers = [
        Identifier(scheme=prop, value=value) for prop in _ID_PROPS for value in _props(entity, prop)
    ]
    listed = [parse_date(v) for v in _props(entity, "createdAt")]
    extra: list[tuple[str, str]] = [("schema", schema)]
    extra += [("weak_alias", v) for v in _props(entity, "weakAlias")]
    extra += [("former_name", v) for v in _props(entity, "previousName")]
    extra += [("topic", v) for v in _props(entity, "topics")]
    datasets = entity.get("datasets")
    if isinstance(datasets, list):
        extra += [("dataset", str(d)) for d in datasets]
    for key in ("first_seen", "last_seen", "last_change"):
        if entity.get(key):
            extra.append((key, str(entity[key])))
    return ListEntry(
        entry_id=ids.take(f"{SOURCE}:{entity_id}"),
        source=SOURCE,
        name=name,
        entity_type=entity_type(schema, name),
        programs=tuple(unique(_props(entity, "programId") + _props(entity, "program"))),
        aliases=merge_aliases(
            name,
            names[1:],
            _props(entity, "alias"),
            _props(entity, "weakAlias"),
            _props(entity, "previousName"),
        ),
        addresses=tuple(Address(full=a) for a in _props(entity, "address")),
        countries=_countries(
            _props(entity, "country")
            + _props(entity, "nationality")
            + _props(entity, "citizenship")
            + _props(entity, "jurisdiction")
        ),
        identifiers=tuple(identifiers),
        dates_of_birth=tuple(_props(entity, "birthDate")),
        listed_on=min((d for d in listed if d), default=None),
        remarks="; ".join(_props(entity, "notes")),
        source_url=(_props(entity, "sourceUrl") or [ENTITY_URL.format(entity_id)])[0],
        extra=tuple(extra),
    )


def parse_ftm(path: Path) -> list[ListEntry]:
    """Target entities of an FtM JSON-lines file, streamed line by line."""
    file = label(path)
    ids = IdAllocator()
    entries: list[ListEntry] = []
    for row, entity in iter_json_lines(path):
        if not isinstance(entity, Mapping):
            raise InputError("line is not a JSON object", file=file, row=row)
        target = entity.get("target")
        schema = str(entity.get("schema") or "")
        if target is False or (target is None and schema not in PARTY_SCHEMAS):
            continue
        entries.append(ftm_to_entry(entity, file=file, row=row, ids=ids))
    if not entries:
        raise InputError("no target entities in file", file=file, row=1)
    return entries


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse an OpenSanctions export: FtM JSON lines or targets.simple.csv (by content)."""
    head = peek_bytes(path, 64).lstrip(b"\xef\xbb\xbf \t\r\n")
    entries = parse_ftm(path) if head[:1] == b"{" else parse_simple_csv(path)
    return ParsedFeed(feed=feed or FEED, format=FORMAT, origin=str(path), entries=tuple(entries))
