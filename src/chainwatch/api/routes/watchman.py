"""Moov Watchman-shaped search: ``GET /v2/search?name=&type=&limit=&minMatch=``, for teams
that already script against Watchman (differences: docs/interfaces.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi import Query as QueryParam
from pydantic import BaseModel, Field

from chainwatch.api.compat import Caller, Svc, best_matches
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.workflows.counterparties import with_person_fields

router = APIRouter(tags=["compatible: yente, Watchman"])

OFAC_CODES = frozenset({"SDN", "SSI", "FSE", "PLC", "CAP", "NS-MBS", "CMIC", "NS-ISA", "MEU-OFAC"})
WATCHMAN_TYPES = {
    "person": "person",
    "business": "company",
    "organization": "company",
    "aircraft": "aircraft",
    "vessel": "vessel",
}


class WatchmanEntity(BaseModel):
    """An entity in Moov Watchman's v2 shape."""

    name: str
    entityType: str
    sourceList: str
    sourceID: str
    person: dict[str, Any] | None = None
    business: dict[str, Any] | None = None
    organization: dict[str, Any] | None = None
    aircraft: dict[str, Any] | None = None
    vessel: dict[str, Any] | None = None
    contact: dict[str, Any] = Field(default_factory=dict)
    addresses: list[dict[str, Any]] = Field(default_factory=list)
    cryptoAddresses: list[dict[str, Any]] = Field(default_factory=list)
    affiliations: list[dict[str, Any]] = Field(default_factory=list)
    sanctionsInfo: dict[str, Any] | None = None
    historicalInfo: list[dict[str, Any]] = Field(default_factory=list)
    sourceData: dict[str, Any] = Field(default_factory=dict)
    match: float | None = None


class WatchmanSearchResponse(BaseModel):
    query: dict[str, Any]
    entities: list[WatchmanEntity]


# -- shared -------------------------------------------------------------------------------------


def watchman_source(source: str) -> str:
    """Watchman's `sourceList` for a list code."""
    code = source.upper()
    if code in OFAC_CODES:
        return "us_ofac"
    if code == "UN":
        return "un_csl"
    if code.startswith("EU"):
        return "eu_csl"
    if code.startswith("UK"):
        return "uk_csl"
    return "us_csl"


def _government_ids(entry: ListEntry) -> list[dict[str, str]]:
    return [
        {"type": i.scheme, "country": i.country, "identifier": i.value} for i in entry.identifiers
    ]


def watchman_entity(entry: ListEntry, score: float | None = None) -> dict[str, Any]:
    """A list entry in Watchman v2's entity shape."""
    kind = {"person": "person", "company": "business", "vessel": "vessel", "aircraft": "aircraft"}
    entity_type = kind.get(entry.entity_type, "business")
    alt_names = [a for a in entry.aliases if a != entry.name]
    detail: dict[str, Any] = {"name": entry.name, "altNames": alt_names}
    if entity_type == "person":
        detail.update(
            {
                "birthDate": entry.dates_of_birth[0] if entry.dates_of_birth else None,
                "governmentIDs": _government_ids(entry),
            }
        )
    elif entity_type in ("business", "organization"):
        detail["governmentIDs"] = _government_ids(entry)
    elif entity_type == "vessel":
        imo = next((i.value for i in entry.identifiers if "imo" in i.scheme.lower()), "")
        detail.update({"imoNumber": imo, "flag": entry.countries[0] if entry.countries else ""})
    return {
        "name": entry.name,
        "entityType": entity_type,
        "sourceList": watchman_source(entry.source),
        "sourceID": entry.entry_id.partition(":")[2] or entry.entry_id,
        **{k: (detail if k == entity_type else None) for k in WATCHMAN_TYPES},
        "contact": {"emailAddresses": [], "phoneNumbers": [], "faxNumbers": [], "websites": []},
        "addresses": [
            {"line1": a.full, "city": a.city, "country": a.country} for a in entry.addresses
        ],
        "cryptoAddresses": [],
        "affiliations": [],
        "sanctionsInfo": {
            "programs": list(entry.programs),
            "secondary": False,
            "description": entry.remarks,
        },
        "historicalInfo": [],
        "sourceData": {
            "entry_id": entry.entry_id,
            "list": entry.source,
            "federal_register": entry.federal_register,
            "license_policy": entry.license_policy,
        },
        "match": None if score is None else round(score, 4),
    }


@router.get("/v2/search", response_model=WatchmanSearchResponse)
def watchman_search(
    svc: Svc,
    who: Caller,
    name: Annotated[str | None, QueryParam(max_length=1000)] = None,
    type: Annotated[
        str | None, QueryParam(pattern="^(person|business|organization|aircraft|vessel)$")
    ] = None,
    source: Annotated[str | None, QueryParam(max_length=50)] = None,
    sourceID: Annotated[str | None, QueryParam(max_length=200)] = None,
    altNames: Annotated[list[str] | None, QueryParam(max_length=10)] = None,
    birthDate: Annotated[str | None, QueryParam(max_length=20)] = None,
    limit: Annotated[int, QueryParam(ge=1, le=100)] = 10,
    minMatch: Annotated[float, QueryParam(ge=0.0, le=1.0)] = 0.0,
) -> dict[str, Any]:
    """Watchman v2's search: entities like the query, each with its `match` score."""
    entries = svc.live.entries()
    query_doc: dict[str, Any] = {
        "name": name or "",
        "entityType": type or "",
        "sourceList": source or "",
        "sourceID": sourceID or "",
        "altNames": altNames or [],
        "birthDate": birthDate,
    }
    if not name and not sourceID:
        raise HTTPException(400, "give a name (or a sourceID)")

    def wanted(entry: ListEntry) -> bool:
        if source and watchman_source(entry.source) != source and entry.source != source:
            return False
        return not sourceID or sourceID in (entry.entry_id, entry.entry_id.partition(":")[2])

    if not name:
        found = [watchman_entity(e, 1.0) for e in entries.values() if wanted(e)][:limit]
        return {"query": query_doc, "entities": found}
    entity_type = WATCHMAN_TYPES.get(type or "", "unknown")
    queries = [
        with_person_fields(Query(name=n, entity_type=entity_type), birthDate or "", "")  # type: ignore[arg-type]
        for n in [name, *(altNames or [])]
    ]
    floor = max(minMatch, 0.3)  # below 0.3 a name shares at most a common word
    matches = best_matches(svc, queries, floor, min(limit * 3, 300))
    found = [
        watchman_entity(entries[m.entry_id], m.score)
        for m in matches
        if m.entry_id in entries and wanted(entries[m.entry_id])
    ]
    return {"query": query_doc, "entities": found[:limit]}
