"""Screening queries and their results."""

from __future__ import annotations

from dataclasses import dataclass

from chainwatch.model.lists import EntityType


@dataclass(frozen=True, slots=True)
class Query:
    """A counterparty to screen. Only `name` is required; the rest is evidence when given."""

    name: str
    country: str = ""  # ISO alpha-2 or a country name
    entity_type: EntityType = "unknown"
    address: str = ""
    identifiers: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()  # restrict to these list codes (EL, SDN ...); empty: all
    birth_date: str = ""  # of a person: YYYY, YYYY-MM or YYYY-MM-DD (chainwatch-v3 reads it)
    nationality: str = ""  # of a person: ISO alpha-2 or a country name (chainwatch-v3)


@dataclass(frozen=True, slots=True)
class FeatureScore:
    """One named feature of a score: its value in [0, 1] (or -1 when the evidence contradicts),
    its contribution to the final score and the evidence a reviewer can check."""

    feature: str  # name, alias, country, address, identifier, entity_type, legal_form
    value: float
    contribution: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Match:
    """One list entry matched by a query, with the explanation of its score."""

    entry_id: str
    source: str
    listed_name: str
    matched_name: str  # the listed name or alias that matched best
    score: float  # in [0, 1]
    programs: tuple[str, ...]
    countries: tuple[str, ...]
    entity_type: EntityType
    features: tuple[FeatureScore, ...]
    algorithm: str
    snapshot: str  # content hash of the snapshot screened against
    # feeds of the snapshot the entry came from, when one party arrived in several (the CSL
    # and OFAC's files): the hit is reported once with all of them (chainwatch.lists.linking)
    listed_in: tuple[str, ...] = ()
