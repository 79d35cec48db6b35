"""List entries and hits as FollowTheMoney (FtM) entities, the data model of OpenSanctions,
yente and nomenklatura.

An FtM entity is ``{"id", "schema", "properties": {prop: [values]}, ...}``; every property value
is a list of strings. The entity header as OpenSanctions publishes it (``caption``, ``datasets``,
``referents``, ``target``, ``first_seen``, ``last_seen``, ``last_change``) is written too, so a
file or an answer made here reads like an OpenSanctions export (`docs/interfaces.md`).

Mapping of a :class:`~chainwatch.model.lists.ListEntry`:

=================  =====================================================================
entity_type        schema: company -> Company, person -> Person, vessel -> Vessel,
                   aircraft -> Airplane, unknown -> LegalEntity
name, aliases      ``name``, ``alias``
countries          ``country`` (ISO 3166-1 alpha-2, lower case as FtM writes it)
addresses          ``address`` (the full text)
identifiers        ``imoNumber`` (IMO, vessels), ``passportNumber`` (persons' passports),
                   ``idNumber`` (persons' other ids), ``registrationNumber`` (others)
dates_of_birth     ``birthDate`` (persons)
programs           ``program``; list code -> ``topics`` (``sanction``; ``export.control``
                   for the Commerce lists EL, MEU, UVL, DPL, ISN's export lists)
remarks, url       ``notes``, ``sourceUrl``
=================  =====================================================================

A hit is the listed entity with yente's result fields added: ``score``, ``match`` (score at or
above the threshold), ``features`` (feature -> contribution) and ``explanations``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Match, Query

SCHEMAS = {
    "company": "Company",
    "person": "Person",
    "vessel": "Vessel",
    "aircraft": "Airplane",
    "unknown": "LegalEntity",
}
ENTITY_TYPES = {
    "company": "company",
    "organization": "company",
    "legalentity": "unknown",
    "person": "person",
    "vessel": "vessel",
    "airplane": "aircraft",
    "thing": "unknown",
}
EXPORT_CONTROL_LISTS = frozenset({"EL", "MEU", "UVL", "DPL", "BIS-DPL"})
ENTITY_HEADER = ("first_seen", "last_seen", "last_change")


def dataset_name(source: str) -> str:
    """The FtM dataset of a list code: ``SDN`` -> ``chainwatch_sdn``."""
    return "chainwatch_" + source.lower().replace("-", "_")


def _add(props: dict[str, list[str]], key: str, *values: str) -> None:
    for value in values:
        value = value.strip()
        if value and value not in props.setdefault(key, []):
            props[key].append(value)


def entry_to_ftm(entry: ListEntry) -> dict[str, Any]:
    """The FtM entity of a list entry (see the module's table)."""
    schema = SCHEMAS.get(entry.entity_type, "LegalEntity")
    props: dict[str, list[str]] = {}
    _add(props, "name", entry.name)
    _add(props, "alias", *(a for a in entry.aliases if a != entry.name))
    _add(props, "country", *(c.lower() for c in entry.countries))
    _add(props, "address", *(a.full for a in entry.addresses))
    for ident in entry.identifiers:
        scheme = ident.scheme.lower()
        if schema == "Vessel" and "imo" in scheme:
            _add(props, "imoNumber", ident.value)
        elif schema == "Person":
            _add(props, "passportNumber" if "passport" in scheme else "idNumber", ident.value)
        elif schema not in ("Vessel", "Airplane"):
            _add(props, "registrationNumber", ident.value)
    if schema == "Person":
        _add(props, "birthDate", *entry.dates_of_birth)
    _add(props, "program", *entry.programs)
    topic = "export.control" if entry.source.upper() in EXPORT_CONTROL_LISTS else "sanction"
    _add(props, "topics", topic)
    _add(props, "notes", entry.remarks)
    _add(props, "sourceUrl", entry.source_url)
    listed = entry.listed_on.isoformat() if entry.listed_on else None
    return {
        "id": entry.entry_id,
        "caption": entry.name,
        "schema": schema,
        "properties": props,
        "datasets": [dataset_name(entry.source)],
        "referents": [],
        "target": True,
        "first_seen": listed,
        "last_seen": None,
        "last_change": listed,
    }


def query_to_ftm(query: Query, entity_id: str) -> dict[str, Any]:
    """A screened counterparty as an FtM query entity (what yente's /match takes)."""
    props: dict[str, list[str]] = {}
    _add(props, "name", query.name)
    if query.country:
        _add(props, "country", query.country.lower())
    _add(props, "address", query.address)
    _add(props, "registrationNumber", *query.identifiers)
    schema = SCHEMAS.get(query.entity_type, "LegalEntity")
    return {"id": entity_id, "schema": schema, "properties": props}


def hit_to_ftm(
    match: Match, entry: ListEntry | None, threshold: float, query: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A hit in yente's result shape: the listed entity plus score, match and features."""
    if entry is not None:
        entity = entry_to_ftm(entry)
    else:  # the entry is not at hand: what the hit itself carries
        props: dict[str, list[str]] = {}
        _add(props, "name", match.listed_name)
        _add(props, "country", *(c.lower() for c in match.countries))
        _add(props, "program", *match.programs)
        entity = {
            "id": match.entry_id,
            "caption": match.listed_name,
            "schema": SCHEMAS.get(match.entity_type, "LegalEntity"),
            "properties": props,
            "datasets": [dataset_name(match.source)],
            "referents": [],
            "target": True,
            "first_seen": None,
            "last_seen": None,
            "last_change": None,
        }
    entity["score"] = round(match.score, 4)
    entity["match"] = match.score >= threshold
    entity["features"] = {f.feature: round(f.contribution, 4) for f in match.features}
    entity["explanations"] = {
        f.feature: {"score": round(f.value, 4), "detail": f.evidence} for f in match.features
    }
    entity["algorithm"] = match.algorithm
    entity["snapshot"] = match.snapshot
    if query is not None:
        entity["query"] = query
    return entity


def write_jsonl(objects: Iterable[dict[str, Any]], out: Any) -> int:
    """Write one JSON object per line to a text stream; returns the count."""
    count = 0
    for obj in objects:
        out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


def iter_entities(entries: Iterable[ListEntry]) -> Iterator[dict[str, Any]]:
    return (entry_to_ftm(e) for e in entries)


def export_entities(entries: Iterable[ListEntry], path: Path) -> int:
    """FtM JSON lines of `entries`, written atomically to `path`."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, delete=False, encoding="utf-8", suffix=".partial"
    ) as tmp:
        count = write_jsonl(iter_entities(entries), tmp)
    os.replace(tmp.name, path)
    return count
