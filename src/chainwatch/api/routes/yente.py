"""yente-shaped endpoints (OpenSanctions), for teams that already script against yente.

* **yente** (OpenSanctions): ``POST /match/{dataset}`` takes a batch of FollowTheMoney query
  entities and answers each with scored results; ``GET /search/{dataset}?q=`` and
  ``GET /entities/{id}``. Entities are FtM JSON (:mod:`chainwatch.workflows.ftm`).

A client moving from yente or Watchman changes its base URL and its API key; the differences
that remain are documented in docs/interfaces.md: the scores are chainwatch's (the default
``threshold`` is chainwatch's calibrated threshold, not yente's 0.70), yente's algorithm names
select chainwatch's default algorithm, and datasets are chainwatch's list codes
(``default`` = every list).

Authentication as the rest of the API: an API key, sent as ``Authorization: ApiKey <key>``
(what yente clients send to OpenSanctions), ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``; or a browser session. Every route needs the viewer role.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi import Query as QueryParam
from pydantic import BaseModel, ConfigDict, Field

from chainwatch.api.compat import Caller, Svc, best_matches
from chainwatch.api.deps import Services
from chainwatch.model.screening import Query
from chainwatch.screening.algorithm import DEFAULT_ALGORITHM, DEFAULT_THRESHOLD
from chainwatch.workflows.counterparties import with_person_fields
from chainwatch.workflows.ftm import dataset_name, entry_to_ftm, hit_to_ftm

router = APIRouter(tags=["compatible: yente, Watchman"])

MAX_QUERIES = 100  # yente's limit per /match request
MAX_NAMES_PER_QUERY = 10
YENTE_ALGORITHMS = frozenset(
    {
        "best",
        "logic-v1",
        "logic-v2",
        "name-based",
        "name-qualified",
        "regression-v1",
        "regression-v3",
    }
)
ALL_DATASETS = frozenset({"default", "sanctions", "all", "chainwatch"})
SCHEMA_TYPES = {
    "Person": "person",
    "Company": "company",
    "Organization": "company",
    "PublicBody": "company",
    "LegalEntity": "unknown",
    "Thing": "unknown",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
COUNTRY_PROPS = ("country", "jurisdiction", "nationality", "citizenship", "mainCountry")
ID_PROPS = (
    "registrationNumber",
    "idNumber",
    "taxNumber",
    "vatCode",
    "leiCode",
    "innCode",
    "ogrnCode",
    "okpoCode",
    "swiftBic",
    "passportNumber",
    "imoNumber",
    "mmsi",
    "icaoCode",
    "serialNumber",
)


class FtmEntity(BaseModel):
    """A FollowTheMoney entity as OpenSanctions publishes it."""

    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    datasets: list[str]
    referents: list[str] = Field(default_factory=list)
    target: bool = True
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None

    model_config = ConfigDict(populate_by_name=True)


class FeatureDetail(BaseModel):
    score: float
    detail: str


class ScoredEntity(FtmEntity):
    """A result of /match: the entity with its score and why."""

    score: float = Field(ge=0.0, le=1.0)
    match: bool = Field(description="The score is at or above the threshold.")
    features: dict[str, float] = Field(description="Contribution of each feature to the score.")
    explanations: dict[str, FeatureDetail]
    algorithm: str
    snapshot: str


class Total(BaseModel):
    value: int
    relation: str = "eq"


class EntityExample(BaseModel):
    """A query entity: an FtM schema and its properties (values as a list or one string)."""

    id: str | None = Field(default=None, max_length=200)
    schema_: str = Field(alias="schema", max_length=50)
    properties: dict[str, list[str] | str] = Field(max_length=50)

    model_config = ConfigDict(populate_by_name=True, extra="allow")


class MatchRequest(BaseModel):
    queries: dict[str, EntityExample] = Field(max_length=MAX_QUERIES)
    weights: dict[str, float] = Field(default_factory=dict, max_length=50)
    config: dict[str, Any] = Field(default_factory=dict, max_length=50)


class QueryResponse(BaseModel):
    status: int = 200
    results: list[ScoredEntity]
    total: Total
    query: dict[str, Any]


class MatchResponse(BaseModel):
    responses: dict[str, QueryResponse]
    matcher: dict[str, Any]
    limit: int


class SearchResponse(BaseModel):
    results: list[dict[str, Any]]
    total: Total
    limit: int
    offset: int
    facets: dict[str, Any]


_SOURCES: dict[str, frozenset[str]] = {}


def _sources(svc: Services) -> frozenset[str]:
    snapshot = svc.live.snapshot().content_hash
    found = _SOURCES.get(snapshot)
    if found is None:
        found = frozenset(e.source for e in svc.live.entries().values())
        _SOURCES.clear()
        _SOURCES[snapshot] = found
    return found


def lists_of_dataset(svc: Services, dataset: str) -> tuple[str, ...]:
    """The list codes a dataset name stands for (empty: all); 404 for an unknown dataset."""
    if dataset.lower() in ALL_DATASETS:
        return ()
    sources = _sources(svc)
    for source in sources:
        if dataset.lower() in {source.lower(), dataset_name(source)}:
            return (source,)
    known = ", ".join(sorted(dataset_name(s) for s in sources))
    raise HTTPException(404, f"no dataset {dataset!r}; known: default, {known}")


def check_algorithm(algorithm: str) -> str:
    if algorithm == DEFAULT_ALGORITHM.name or algorithm in YENTE_ALGORITHMS:
        return DEFAULT_ALGORITHM.name
    raise HTTPException(
        400,
        f"unknown algorithm {algorithm!r}: this API serves {DEFAULT_ALGORITHM.name} "
        f"(yente's names {', '.join(sorted(YENTE_ALGORITHMS))} select it too)",
    )


def _values(props: dict[str, list[str] | str], key: str) -> list[str]:
    value = props.get(key, [])
    values = [value] if isinstance(value, str) else value
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def queries_of(example: EntityExample, lists: tuple[str, ...]) -> list[Query]:
    """chainwatch queries for an FtM query entity: one per name (yente matches every name)."""
    if example.schema_ not in SCHEMA_TYPES:
        raise HTTPException(
            400, f"schema {example.schema_!r} cannot be matched; use {', '.join(SCHEMA_TYPES)}"
        )
    props = example.properties
    names = _values(props, "name")
    if not names:
        parts = [
            " ".join(_values(props, k))
            for k in ("firstName", "secondName", "middleName", "fatherName", "lastName")
        ]
        joined = " ".join(p for p in parts if p)
        names = [joined] if joined else []
    names += [a for a in _values(props, "alias") if a not in names]
    if not names:
        raise HTTPException(400, "a query entity needs a name (or firstName/lastName)")
    if any(len(n) > 1000 for n in names):
        raise HTTPException(400, "a name is longer than 1000 characters")
    country = next((v for k in COUNTRY_PROPS for v in _values(props, k)), "")
    identifiers = tuple(v for k in ID_PROPS for v in _values(props, k))[:20]
    address = next(iter(_values(props, "address")), "")
    entity_type = SCHEMA_TYPES[example.schema_]
    return [
        with_person_fields(
            Query(
                name=name,
                country=country,
                entity_type=entity_type,  # type: ignore[arg-type]
                address=address,
                identifiers=identifiers,
                lists=lists,
            ),
            next(iter(_values(props, "birthDate")), ""),
            next(iter(_values(props, "nationality")), ""),
        )
        for name in names[:MAX_NAMES_PER_QUERY]
    ]


DatasetParam = Annotated[str, PathParam(min_length=1, max_length=100, pattern=r"^[\w.-]+$")]


@router.post("/match/{dataset}", response_model=MatchResponse, response_model_by_alias=True)
def match(
    dataset: DatasetParam,
    body: MatchRequest,
    svc: Svc,
    who: Caller,
    threshold: Annotated[float, QueryParam(ge=0.0, le=1.0)] = DEFAULT_THRESHOLD,
    cutoff: Annotated[float, QueryParam(ge=0.0, le=1.0)] = 0.5,
    limit: Annotated[int, QueryParam(ge=1, le=500)] = 5,
    algorithm: Annotated[str, QueryParam(max_length=50)] = "best",
    include_dataset: Annotated[list[str] | None, QueryParam(max_length=30)] = None,
    exclude_dataset: Annotated[list[str] | None, QueryParam(max_length=30)] = None,
) -> dict[str, Any]:
    """yente's match: each query entity scored against the dataset's entities.

    A result's ``match`` is true when its score is at or above `threshold`; results below
    `cutoff` are left out. `include_dataset` / `exclude_dataset` narrow the dataset to some of
    its lists, as in yente.
    """
    used = check_algorithm(algorithm)
    lists = lists_of_dataset(svc, dataset)
    if include_dataset or exclude_dataset:
        chosen = set(lists or _sources(svc))
        if include_dataset:
            chosen &= {s for name in include_dataset for s in lists_of_dataset(svc, name)}
        for name in exclude_dataset or []:
            chosen -= set(lists_of_dataset(svc, name) or _sources(svc))
        if not chosen:
            raise HTTPException(400, "include_dataset/exclude_dataset leave no list to match")
        lists = tuple(sorted(chosen))
    entries = svc.live.entries()
    responses: dict[str, Any] = {}
    cutoff = min(cutoff, threshold)
    for key, example in body.queries.items():
        matches = best_matches(svc, queries_of(example, lists), cutoff, limit)
        responses[key] = {
            "status": 200,
            "results": [hit_to_ftm(m, entries.get(m.entry_id), threshold) for m in matches],
            "total": {"value": len(matches), "relation": "eq"},
            "query": example.model_dump(by_alias=True, exclude_none=True),
        }
    return {
        "responses": responses,
        "matcher": {"name": used, "threshold": threshold, "cutoff": cutoff},
        "limit": limit,
    }


def _facets(entities: list[dict[str, Any]]) -> dict[str, Any]:
    def facet(label: str, values: Counter[str]) -> dict[str, Any]:
        return {
            "label": label,
            "values": [
                {"name": name, "label": name, "count": count}
                for name, count in values.most_common()
            ],
        }

    return {
        "datasets": facet("Data sources", Counter(d for e in entities for d in e["datasets"])),
        "countries": facet(
            "Countries", Counter(c for e in entities for c in e["properties"].get("country", []))
        ),
        "schema": facet("Types", Counter(e["schema"] for e in entities)),
    }


@router.get("/search/{dataset}", response_model=SearchResponse)
def search(
    dataset: DatasetParam,
    svc: Svc,
    who: Caller,
    q: Annotated[str, QueryParam(min_length=1, max_length=1000)],
    schema: Annotated[str | None, QueryParam(max_length=50)] = None,
    countries: Annotated[list[str] | None, QueryParam(max_length=20)] = None,
    limit: Annotated[int, QueryParam(ge=0, le=500)] = 10,
    offset: Annotated[int, QueryParam(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    """yente's search: entities whose names resemble `q`, best first."""
    lists = lists_of_dataset(svc, dataset)
    entity_type = SCHEMA_TYPES.get(schema or "", "unknown")
    country = (countries or [""])[0]
    query = Query(name=q, country=country, entity_type=entity_type, lists=lists)  # type: ignore[arg-type]
    matches, _ = svc.live.screen(query, threshold=0.3, limit=min(offset + limit, 500) or 1)
    entries = svc.live.entries()
    found = []
    for m in matches:
        entity = entry_to_ftm(entries[m.entry_id]) if m.entry_id in entries else None
        if entity is None or (schema and entity["schema"] != schema):
            continue
        wanted = {c.lower() for c in countries or []}
        if wanted and not wanted & set(entity["properties"].get("country", [])):
            continue
        entity["score"] = round(m.score, 4)
        found.append(entity)
    return {
        "results": found[offset : offset + limit],
        "total": {"value": len(found), "relation": "eq" if len(matches) < 500 else "gte"},
        "limit": limit,
        "offset": offset,
        "facets": _facets(found),
    }


@router.get("/entities/{entity_id}", response_model=FtmEntity, response_model_by_alias=True)
def entity(
    entity_id: Annotated[str, PathParam(min_length=1, max_length=300)],
    svc: Svc,
    who: Caller,
) -> dict[str, Any]:
    """One entity by its id (a chainwatch entry id, e.g. ``SDN:10380``)."""
    found = svc.live.entries().get(entity_id)
    if found is None:
        raise HTTPException(404, f"no entity {entity_id!r} in the active snapshot")
    return entry_to_ftm(found)


@router.get("/catalog")
def catalog(svc: Svc, who: Caller) -> dict[str, Any]:
    """yente's catalog: the datasets (``default`` and one per list) with entity counts."""
    counts = Counter(e.source for e in svc.live.entries().values())
    snapshot = svc.live.snapshot()
    lists = [
        {
            "name": dataset_name(source),
            "title": source,
            "type": "source",
            "entity_count": count,
            "version": snapshot.content_hash[:12],
        }
        for source, count in sorted(counts.items())
    ]
    default = {
        "name": "default",
        "title": "All lists of the active snapshot",
        "type": "collection",
        "entity_count": sum(counts.values()),
        "version": snapshot.content_hash[:12],
        "children": [d["name"] for d in lists],
    }
    names = [d["name"] for d in lists]
    return {
        "datasets": [default, *lists],
        "current": ["default", *names],
        "outdated": [],
        "index_stale": svc.live.freshness().stale,
    }


@router.get("/algorithms")
def algorithms(who: Caller) -> dict[str, Any]:
    """yente's algorithm list: what /match serves."""
    return {
        "algorithms": [
            {
                "name": DEFAULT_ALGORITHM.name,
                "description": "chainwatch's matcher (docs/screening.md); yente's names "
                + ", ".join(sorted(YENTE_ALGORITHMS))
                + " select it too",
                "features": {},
            }
        ],
        "default": DEFAULT_ALGORITHM.name,
        "best": DEFAULT_ALGORITHM.name,
    }


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}
