"""EU consolidated list of persons, groups and entities subject to EU financial sanctions (XML).

Format source: European Commission, Financial Sanctions Files (FSF), "XML (version 1.1)" full
list, https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=...
and its schema (namespace ``http://eu.europa.ec/fpi/fsd/export``). Root ``export``
(attribute ``generationDate``) with one ``sanctionEntity`` per listed party (attributes
``logicalId``, ``euReferenceNumber`` e.g. ``EU.27.28``, ``unitedNationId`` e.g. ``QDi.001``,
``designationDetails``), holding:

* ``regulation`` (``programme`` e.g. ``TAQA``, ``publicationDate``, ``entryIntoForceDate``,
  ``numberTitle``, ``publicationUrl``) — the first is the listing;
* ``subjectType`` (``code`` ``person`` / ``enterprise``, ``classificationCode`` P / E);
* ``nameAlias`` (``wholeName``, ``firstName``, ``middleName``, ``lastName``, ``title``,
  ``function``, ``gender``, ``strong`` true/false, ``nameLanguage``) — the first is the name,
  the others aliases; an alias with ``strong="false"`` is a weak alias (kept, also listed in
  ``extra`` as ``weak_alias`` so a matcher can weigh it down, as for the UN list);
* ``citizenship`` (``countryIso2Code``), ``birthdate`` (``birthdate`` ISO date, or ``year`` /
  ``monthOfYear`` / ``dayOfMonth``, ``circa``, ``city``, ``countryIso2Code``);
* ``identification`` (``number``, ``identificationTypeCode`` / ``...Description``,
  ``countryIso2Code``, ``knownFalse``, ``knownExpired``);
* ``address`` (``street``, ``poBox``, ``city``, ``zipCode``, ``region``, ``place``,
  ``countryIso2Code``, ``countryDescription``); ``remark`` elements: remarks.

Entry ids: ``EU:<euReferenceNumber>`` (else ``EU:<logicalId>``). The UN reference number
(``unitedNationId``) is kept in ``extra`` as ``same_as`` = ``UN:<number>``, so an EU entry that
transposes a UN listing is linked to the UN entry (:mod:`chainwatch.lists.linking`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from chainwatch.lists.fields import IdAllocator, clean_text, merge_aliases, parse_date, unique
from chainwatch.lists.xmlstream import XmlRecords, attr, text
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "eu-fsf"
FEED = "eu"
SOURCE = "EU"
SOURCE_URL = "https://data.europa.eu/data/datasets/consolidated-list-of-persons-groups-and-entities-subject-to-eu-financial-sanctions"
ROOT = "export"
RECORD = "sanctionEntity"
_TYPES: dict[str, EntityType] = {
    "person": "person",
    "enterprise": "company",
    "P": "person",
    "E": "company",
}


def _true(value: str) -> bool:
    return value.strip().lower() == "true"


def _country(element: ET.Element) -> str:
    return to_iso2(attr(element, "countryIso2Code")) or to_iso2(attr(element, "countryDescription"))


def _birth_date(element: ET.Element) -> str:
    value = attr(element, "birthdate")
    if not value:
        year, month, day = (attr(element, k) for k in ("year", "monthOfYear", "dayOfMonth"))
        if year and month and day:
            value = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
        elif year and month:
            value = f"{int(year):04d}-{int(month):02d}"
        else:
            value = year
    if value and _true(attr(element, "circa")):
        value = f"circa {value}"
    return value


def record_to_entry(record: ET.Element, *, file: str, row: int, ids: IdAllocator) -> ListEntry:
    """One ``sanctionEntity`` as a ListEntry."""
    reference = attr(record, "euReferenceNumber") or attr(record, "logicalId")
    if not reference:
        raise InputError(
            "sanctionEntity has no euReferenceNumber or logicalId",
            file=file,
            row=row,
            field="sanctionEntity/@euReferenceNumber",
        )
    names = record.findall("nameAlias")
    whole = [
        attr(n, "wholeName")
        or clean_text(" ".join(attr(n, k) for k in ("firstName", "middleName", "lastName")))
        for n in names
    ]
    if not whole or not whole[0]:
        raise InputError(
            f"sanctionEntity {reference} has no name",
            file=file,
            row=row,
            field="nameAlias/@wholeName",
        )
    name = whole[0]
    extra: list[tuple[str, str]] = [
        ("eu_reference", reference),
        ("logical_id", attr(record, "logicalId")),
    ]
    for alias_element, alias in zip(names[1:], whole[1:], strict=True):
        if alias and not _true(attr(alias_element, "strong") or "true"):
            extra.append(("weak_alias", alias))
    for key in ("function", "title", "gender"):
        extra += [(key, v) for v in unique(attr(n, key) for n in names)]
    un_id = attr(record, "unitedNationId")
    if un_id:
        extra.append(("same_as", f"UN:{un_id}"))

    subject = record.find("subjectType")
    kind: EntityType = "unknown"
    if subject is not None:
        kind = _TYPES.get(
            attr(subject, "code"), _TYPES.get(attr(subject, "classificationCode"), "unknown")
        )

    programs: list[str] = []
    listed = None
    for regulation in record.findall("regulation"):
        programs.append(attr(regulation, "programme"))
        if listed is None:
            listed = parse_date(
                attr(regulation, "entryIntoForceDate") or attr(regulation, "publicationDate")
            )
        url = text(regulation, "publicationUrl")
        if url:
            extra.append(("regulation_url", url))
        if attr(regulation, "numberTitle"):
            extra.append(("regulation", attr(regulation, "numberTitle")))

    addresses: list[Address] = []
    for element in record.findall("address"):
        city = attr(element, "city")
        parts = [attr(element, k) for k in ("street", "poBox", "zipCode", "place", "region")]
        full = ", ".join(
            p
            for p in (
                parts[0],
                parts[1],
                city,
                parts[2],
                parts[3],
                parts[4],
                attr(element, "countryDescription"),
            )
            if p
        )
        if full:
            addresses.append(Address(full=full, city=city, country=_country(element)))

    dates: list[str] = []
    for element in record.findall("birthdate"):
        value = _birth_date(element)
        if value:
            dates.append(value)
        place = ", ".join(
            p
            for p in (
                attr(element, "city"),
                attr(element, "place"),
                attr(element, "countryDescription"),
            )
            if p
        )
        if place:
            extra.append(("place_of_birth", place))

    identifiers: list[Identifier] = []
    for element in record.findall("identification"):
        number = attr(element, "number") or attr(element, "latinNumber")
        if not number:
            continue
        scheme = (
            attr(element, "identificationTypeDescription")
            or attr(element, "identificationTypeCode")
            or "Identification"
        )
        if _true(attr(element, "knownFalse")):
            scheme += " (known false)"
        identifiers.append(Identifier(scheme=scheme, value=number, country=_country(element)))

    citizenships = [_country(c) for c in record.findall("citizenship")]
    remarks = "; ".join(t for t in (text(r) for r in record.findall("remark")) if t)
    return ListEntry(
        entry_id=ids.take(f"{SOURCE}:{reference}"),
        source=SOURCE,
        name=name,
        entity_type=kind,
        programs=unique(programs),
        aliases=merge_aliases(name, whole[1:]),
        addresses=tuple(addresses),
        countries=unique(citizenships + [a.country for a in addresses]),
        identifiers=tuple(identifiers),
        dates_of_birth=unique(dates),
        listed_on=listed,
        remarks=remarks,
        source_url=SOURCE_URL,
        extra=tuple((k, v) for k, v in extra if v),
    )


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse the EU FSF XML (plain or gzipped), streamed entity by entity."""
    reader = XmlRecords(path, roots={ROOT}, depth=1)
    ids = IdAllocator()
    entries: list[ListEntry] = []
    for line, _parent, element in reader:
        if element.tag == RECORD:
            entries.append(record_to_entry(element, file=reader.file, row=line, ids=ids))
    if not entries:
        raise InputError(f"no {RECORD} records", file=reader.file, row=1, field=ROOT)
    return ParsedFeed(
        feed=feed or FEED,
        format=FORMAT,
        origin=str(path),
        entries=tuple(entries),
        published=reader.root_attrs.get("generationDate", "")[:10],
    )
