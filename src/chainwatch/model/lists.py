"""Restricted-party list entries and snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

EntityType = Literal["company", "person", "vessel", "aircraft", "unknown"]


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as the list gives it; `country` is ISO 3166-1 alpha-2 when known."""

    full: str
    city: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier printed on the list (registration number, passport, IMO, tax id ...)."""

    scheme: str
    value: str
    country: str = ""


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One record of one restricted-party list, as published.

    `entry_id` is unique within a snapshot: it is prefixed with the source code
    (``"EL:..."``, ``"SDN:12345"``) so the same company on two lists is two entries.
    """

    entry_id: str
    source: str  # short code of the list: EL, SDN, DPL, UN, UFLPA, ...
    name: str
    entity_type: EntityType = "unknown"
    programs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    countries: tuple[str, ...] = ()  # ISO alpha-2, upper case
    identifiers: tuple[Identifier, ...] = ()
    dates_of_birth: tuple[str, ...] = ()
    federal_register: str = ""  # Federal Register citation(s)
    listed_on: date | None = None
    end_date: date | None = None
    license_requirement: str = ""
    license_policy: str = ""
    remarks: str = ""
    source_url: str = ""  # link to the source record or the list page
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def all_names(self) -> tuple[str, ...]:
        """Primary name first, then every alias, without duplicates."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.aliases:
            seen.setdefault(alias, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Provenance of one loaded source: what file, what format, what date, how many entries."""

    feed: str  # feed name, see ParsedFeed
    format: str  # adapter name: csl, ofac, un, bis-dpl, opensanctions, custom
    origin: str  # path or URL it came from
    content_hash: str  # sha256 of the normalised entries
    entry_count: int
    published: str = ""  # date stated in the data, if any
    loaded_at: str = ""  # ISO timestamp


def entry_to_dict(entry: ListEntry) -> dict[str, object]:
    """A JSON-ready dict of an entry (the store keeps entries in this form)."""
    return {
        "entry_id": entry.entry_id,
        "source": entry.source,
        "name": entry.name,
        "entity_type": entry.entity_type,
        "programs": list(entry.programs),
        "aliases": list(entry.aliases),
        "addresses": [[a.full, a.city, a.country] for a in entry.addresses],
        "countries": list(entry.countries),
        "identifiers": [[i.scheme, i.value, i.country] for i in entry.identifiers],
        "dates_of_birth": list(entry.dates_of_birth),
        "federal_register": entry.federal_register,
        "listed_on": entry.listed_on.isoformat() if entry.listed_on else None,
        "end_date": entry.end_date.isoformat() if entry.end_date else None,
        "license_requirement": entry.license_requirement,
        "license_policy": entry.license_policy,
        "remarks": entry.remarks,
        "source_url": entry.source_url,
        "extra": [list(kv) for kv in entry.extra],
    }


def entry_from_dict(data: dict[str, object]) -> ListEntry:
    """Inverse of :func:`entry_to_dict`."""

    def strs(key: str) -> tuple[str, ...]:
        value = data.get(key) or []
        assert isinstance(value, list)
        return tuple(str(v) for v in value)

    def rows(key: str) -> list[list[str]]:
        value = data.get(key) or []
        assert isinstance(value, list)
        return [[str(x) for x in row] for row in value]

    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(str(value)) if value else None

    entity_type = str(data.get("entity_type") or "unknown")
    return ListEntry(
        entry_id=str(data["entry_id"]),
        source=str(data["source"]),
        name=str(data["name"]),
        entity_type=entity_type,  # type: ignore[arg-type]
        programs=strs("programs"),
        aliases=strs("aliases"),
        addresses=tuple(Address(*row) for row in rows("addresses")),
        countries=strs("countries"),
        identifiers=tuple(Identifier(*row) for row in rows("identifiers")),
        dates_of_birth=strs("dates_of_birth"),
        federal_register=str(data.get("federal_register") or ""),
        listed_on=day("listed_on"),
        end_date=day("end_date"),
        license_requirement=str(data.get("license_requirement") or ""),
        license_policy=str(data.get("license_policy") or ""),
        remarks=str(data.get("remarks") or ""),
        source_url=str(data.get("source_url") or ""),
        extra=tuple((str(k), str(v)) for k, v in rows("extra")),
    )


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a list adapter returns: the entries of one file (or file set) and where they came from.

    A *feed* is one published file or file set (the CSL, the OFAC SDN trio, the UN XML, one
    custom file); its entries may belong to several lists (`ListEntry.source`). A snapshot is a
    set of feeds; loading a feed again replaces the previous version of that feed.
    """

    feed: str  # stable name, e.g. "csl", "ofac-sdn", "ofac-cons", "un", "bis-dpl", "custom:uflpa"
    format: str
    origin: str
    entries: tuple[ListEntry, ...]
    published: str = ""
