"""OFAC Sanctions List Service "advanced" XML (``SDN_ADVANCED.XML``, ``CONS_ADVANCED.XML``).

Format source: OFAC, "Sanctions List Service — Advanced Sanctions Data Model" and its XSD
(https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML.xsd;
the model follows the UN's "Standard for the exchange of sanctions list data"). Unlike the CSV
trio, it carries identifiers, dates and addresses as structured records instead of Remarks
text. The root ``Sanctions`` holds, in this order (an ``xs:sequence``):

* ``DateOfIssue`` (Year, Month, Day);
* ``ReferenceValueSets``: lookup tables, ``<XValues><X ID="..">text</X></XValues>`` —
  AliasType (A.K.A., F.K.A., N.K.A., Name), Country (with ``ISO2``), DetailReference (Male, ...),
  FeatureType (Birthdate, Place of Birth, Nationality Country, Citizenship Country, Location,
  Gender, Website, ...), IDRegDocType (Passport, Tax ID No., Vessel Registration
  Identification, ...), List (SDN List, ...), NamePartType (Last Name, First Name, Middle Name,
  Entity Name, Vessel Name, ...), PartySubType (with ``PartyTypeID``), PartyType (Individual,
  Entity, ...), Script, SanctionsType (Program, ...);
* ``Locations/Location`` (``ID``; ``LocationPart`` with ``LocPartTypeID`` and
  ``LocationPartValue/Value``; ``LocationCountry CountryID``);
* ``IDRegDocuments/IDRegDocument`` (``IDRegDocTypeID``, ``IdentityID``,
  ``IssuedBy-CountryID``; ``IDRegistrationNo``);
* ``DistinctParties/DistinctParty`` (``FixedRef``) with one ``Profile`` (``ID``,
  ``PartySubTypeID``): ``Identity`` (``ID``) with ``Alias`` (``AliasTypeID``, ``Primary``,
  ``LowQuality``) / ``DocumentedName`` / ``DocumentedNamePart`` / ``NamePartValue``
  (``NamePartGroupID`` -> ``NamePartGroups/MasterNamePartGroup/NamePartGroup NamePartTypeID``),
  and ``Feature`` (``FeatureTypeID``) / ``FeatureVersion`` holding a ``DatePeriod``
  (``Start``/``End`` each ``From``/``To`` Year, Month, Day), a ``VersionLocation LocationID``
  or a ``VersionDetail`` (text or ``DetailReferenceID``);
* ``SanctionsEntries/SanctionsEntry`` (``ProfileID``, ``ListID``): ``EntryEvent/Date`` (the
  listing), ``SanctionsMeasure`` (``SanctionsTypeID``; ``Comment``: the program code).

Entries are the same parties as in the CSV files, with the same ids (``SDN:<FixedRef>``, the
ent_num; non-SDN codes from the programs as in :mod:`chainwatch.lists.ofac`), so a snapshot
holding both is linked (:mod:`chainwatch.lists.linking`). Names are written as OFAC writes
them in the CSV (``LAST, First Middle``). The file is streamed record by record
(:mod:`chainwatch.lists.xmlstream`); DOCTYPEs and entities are refused.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chainwatch.lists.fields import IdAllocator, merge_aliases, unique
from chainwatch.lists.ofac import SOURCE_URL_SDN, cons_code
from chainwatch.lists.xmlstream import XmlRecords, attr, text
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "ofac-xml"
ROOT = "Sanctions"
FEED_SDN_ADVANCED = "ofac-sdn-advanced"
FEED_CONS_ADVANCED = "ofac-cons-advanced"
_LOC_ORDER = ("ADDRESS1", "ADDRESS2", "ADDRESS3", "CITY", "STATE/PROVINCE", "POSTAL CODE", "REGION")


@dataclass
class _Party:
    row: int
    fixed_ref: str
    name: str
    kind: EntityType
    aliases: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Listing:
    list_name: str = ""
    programs: list[str] = field(default_factory=list)
    listed_on: date | None = None


def _ymd(element: ET.Element | None) -> tuple[int, int, int] | None:
    if element is None or not text(element, "Year").isdigit():
        return None
    month, day = text(element, "Month"), text(element, "Day")
    return (
        int(text(element, "Year")),
        int(month) if month.isdigit() else 0,
        int(day) if day.isdigit() else 0,
    )


def _iso(ymd: tuple[int, int, int]) -> str:
    y, m, d = ymd
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if m and d else "")


def date_period(period: ET.Element) -> str:
    """A DatePeriod as the CSV writes a DOB: one day, a whole year, or a range.

    ``Start From/To = End From/To = 1962-10-19`` -> ``"1962-10-19"``;
    ``Start From 1962-01-01, End To 1962-12-31`` -> ``"1962"``; else ``"1960 to 1962"``.
    """
    start = _ymd(period.find("Start/From"))
    end = _ymd(period.find("End/To")) or _ymd(period.find("End/From")) or start
    if start is None or end is None:
        return ""
    approximate = any(
        (e.get("Approximate") or "").lower() == "true"
        for e in (period.find("Start"), period.find("End"))
        if e is not None
    )
    if start == end:
        value = _iso(start)
    elif start[0] == end[0] and start[1:] == (1, 1) and end[1:] == (12, 31):
        value = f"{start[0]:04d}"
    elif start[:2] == end[:2] and start[2] == 1 and end[2] >= 28:
        value = f"{start[0]:04d}-{start[1]:02d}"
    else:
        first = f"{start[0]:04d}" if start[1:] == (1, 1) else _iso(start)
        last = f"{end[0]:04d}" if end[1:] == (12, 31) else _iso(end)
        value = f"{first} to {last}"
    return f"circa {value}" if approximate else value


class _Document:
    """The reference tables, locations and documents read so far, and the parties."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.refs: dict[str, dict[str, ET.Element]] = defaultdict(dict)
        self.locations: dict[str, tuple[str, str, str]] = {}  # id -> (full, city, country)
        self.documents: dict[str, list[Identifier]] = defaultdict(list)  # identity id -> ids
        self.parties: dict[str, _Party] = {}  # profile id -> party
        self.listings: dict[str, _Listing] = {}
        self.issued: tuple[int, int, int] | None = None
        self.date_parts: dict[str, str] = {}

    def ref(self, table: str, ref_id: str) -> str:
        element = self.refs[table].get(ref_id)
        return text(element) if element is not None else ""

    def error(self, message: str, row: int, where: str) -> InputError:
        return InputError(message, file=self.file, row=row, field=where)

    # -- records --------------------------------------------------------------------------

    def reference_set(self, element: ET.Element) -> None:
        table = element.tag.removesuffix("Values")
        for item in element:
            if item.get("ID"):
                self.refs[table][item.get("ID", "")] = item

    def country(self, country_id: str) -> str:
        element = self.refs["Country"].get(country_id)
        if element is None:
            return ""
        return to_iso2(attr(element, "ISO2")) or to_iso2(text(element))

    def location(self, element: ET.Element) -> None:
        parts: dict[str, str] = {}
        for part in element.findall("LocationPart"):
            kind = self.ref("LocPartType", attr(part, "LocPartTypeID")).upper()
            values = [text(v, "Value") for v in part.findall("LocationPartValue")]
            primary = [
                text(v, "Value")
                for v in part.findall("LocationPartValue")
                if (v.get("Primary") or "").lower() == "true"
            ]
            value = (primary or values or [""])[0]
            if value:
                parts[kind or attr(part, "LocPartTypeID")] = value
        country_element = element.find("LocationCountry")
        country_id = attr(country_element, "CountryID") if country_element is not None else ""
        country_name = self.ref("Country", country_id)
        ordered = [parts[k] for k in _LOC_ORDER if k in parts]
        ordered += [v for k, v in parts.items() if k not in _LOC_ORDER]
        full = ", ".join([*ordered, country_name] if country_name else ordered)
        self.locations[attr(element, "ID")] = (
            full,
            parts.get("CITY", ""),
            self.country(country_id),
        )

    def document(self, element: ET.Element, row: int) -> None:
        number = text(element, "IDRegistrationNo")
        identity = attr(element, "IdentityID")
        if not identity:
            raise self.error("IDRegDocument without IdentityID", row, "IDRegDocument/@IdentityID")
        if number:
            scheme = self.ref("IDRegDocType", attr(element, "IDRegDocTypeID")) or "Document"
            country = self.country(attr(element, "IssuedBy-CountryID"))
            self.documents[identity].append(Identifier(scheme, number, country))

    def _name(self, documented: ET.Element, groups: dict[str, str]) -> str:
        last: list[str] = []
        rest: list[str] = []
        for value in documented.findall("DocumentedNamePart/NamePartValue"):
            piece = text(value)
            if not piece:
                continue
            kind = self.ref("NamePartType", groups.get(attr(value, "NamePartGroupID"), ""))
            (last if kind == "Last Name" else rest).append(piece)
        if last and rest:
            return f"{' '.join(last)}, {' '.join(rest)}"
        return " ".join(last + rest)

    def party(self, element: ET.Element, row: int) -> None:
        profile = element.find("Profile")
        fixed_ref = attr(element, "FixedRef")
        if profile is None or not fixed_ref:
            raise self.error("DistinctParty without FixedRef or Profile", row, "DistinctParty")
        subtype = self.refs["PartySubType"].get(attr(profile, "PartySubTypeID"))
        sub = text(subtype).lower() if subtype is not None else ""
        party_type = (
            self.ref("PartyType", attr(subtype, "PartyTypeID")) if subtype is not None else ""
        )
        kind: EntityType = (
            "vessel"
            if sub == "vessel"
            else "aircraft"
            if sub == "aircraft"
            else "person"
            if party_type.lower() == "individual"
            else "company"
            if party_type.lower() == "entity"
            else "unknown"
        )
        primary = ""
        aliases: list[str] = []
        weak: list[str] = []
        identity_ids: list[str] = []
        extra: list[tuple[str, str]] = [("ent_num", fixed_ref)]
        for identity in profile.findall("Identity"):
            identity_ids.append(attr(identity, "ID"))
            groups = {
                attr(g, "ID"): attr(g, "NamePartTypeID")
                for g in identity.findall("NamePartGroups/MasterNamePartGroup/NamePartGroup")
            }
            for alias in identity.findall("Alias"):
                names = [self._name(d, groups) for d in alias.findall("DocumentedName")]
                names = [n for n in names if n]
                if not names:
                    continue
                alias_type = self.ref("AliasType", attr(alias, "AliasTypeID"))
                if (alias.get("Primary") or "").lower() == "true" and not primary:
                    primary, names = names[0], names[1:]
                aliases += names
                if (alias.get("LowQuality") or "").lower() == "true":
                    weak += names
                if alias_type.upper() in ("F.K.A.", "N.K.A."):
                    extra += [(f"alias_{alias_type.lower().replace('.', '')}", n) for n in names]
        if not primary:
            raise self.error(
                f"party {fixed_ref} has no primary name",
                row,
                "DistinctParty/Profile/Identity/Alias",
            )
        party = _Party(row, fixed_ref, primary, kind, aliases, weak, extra=extra)
        for identity_id in identity_ids:
            party.identifiers += self.documents.get(identity_id, [])
        for feature in profile.findall("Feature"):
            self._feature(party, feature, row)
        self.parties[attr(profile, "ID") or fixed_ref] = party

    def _feature(self, party: _Party, feature: ET.Element, row: int) -> None:
        name = self.ref("FeatureType", attr(feature, "FeatureTypeID"))
        lowered = name.lower()
        for version in feature.findall("FeatureVersion"):
            period = version.find("DatePeriod")
            location = version.find("VersionLocation")
            values: list[str] = []
            if period is not None:
                values.append(date_period(period))
            if location is not None:
                found = self.locations.get(attr(location, "LocationID"))
                if found is None:
                    raise self.error(
                        f"unknown LocationID {attr(location, 'LocationID')!r}",
                        row,
                        "Feature/FeatureVersion/VersionLocation/@LocationID",
                    )
                full, city, country = found
                if lowered == "location" or lowered.endswith("address"):
                    party.addresses.append(Address(full, city, country))
                elif "nationality" in lowered or "citizenship" in lowered:
                    party.countries.append(country)
                else:
                    values.append(full)
            for detail in version.findall("VersionDetail"):
                reference = attr(detail, "DetailReferenceID")
                values.append(self.ref("DetailReference", reference) if reference else text(detail))
            values = [v for v in values if v]
            if lowered == "birthdate":
                party.dates_of_birth += values
            elif "nationality" in lowered or "citizenship" in lowered:
                party.countries += [to_iso2(v) for v in values]
            elif lowered in ("website", "email address"):
                party.identifiers += [Identifier(name, v) for v in values]
            else:
                key = lowered.replace(" ", "_") or f"feature_{attr(feature, 'FeatureTypeID')}"
                party.extra += [(key, v) for v in values]

    def sanctions_entry(self, element: ET.Element) -> None:
        listing = _Listing(self.ref("List", attr(element, "ListID")))
        for measure in element.findall("SanctionsMeasure"):
            if self.ref("SanctionsType", attr(measure, "SanctionsTypeID")).lower() == "program":
                listing.programs.append(text(measure, "Comment"))
        for event in element.findall("EntryEvent"):
            ymd = _ymd(event.find("Date"))
            if ymd and ymd[1] and ymd[2]:
                day = date(*ymd)
                listing.listed_on = min(listing.listed_on or day, day)
        self.listings[attr(element, "ProfileID")] = listing


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse an SLS advanced XML file (plain or gzipped)."""
    reader = XmlRecords(path, roots={ROOT}, depth=2)
    doc = _Document(reader.file)
    for line, parent, element in reader:
        if parent == "ReferenceValueSets":
            doc.reference_set(element)
        elif parent == "DateOfIssue":
            doc.date_parts[element.tag] = text(element)
        elif element.tag == "Location":
            doc.location(element)
        elif element.tag == "IDRegDocument":
            doc.document(element, line)
        elif element.tag == "DistinctParty":
            doc.party(element, line)
        elif element.tag == "SanctionsEntry":
            doc.sanctions_entry(element)
    if not doc.parties:
        raise InputError("no DistinctParty records", file=reader.file, row=1, field=ROOT)
    lists = {listing.list_name for listing in doc.listings.values()}
    sdn_file = not lists or any(n.upper().startswith("SDN") for n in lists)
    feed_name = FEED_SDN_ADVANCED if sdn_file else FEED_CONS_ADVANCED
    ids = IdAllocator()
    entries: list[ListEntry] = []
    for profile_id, party in doc.parties.items():
        listing = doc.listings.get(profile_id, _Listing())
        programs = tuple(p for p in listing.programs if p)
        sdn = listing.list_name.upper().startswith("SDN") or (not listing.list_name and sdn_file)
        code = "SDN" if sdn else cons_code(programs)
        extra = party.extra + [("weak_alias", w) for w in party.weak]
        if listing.list_name:
            extra.append(("list", listing.list_name))
        entries.append(
            ListEntry(
                entry_id=ids.take(f"{code}:{party.fixed_ref}"),
                source=code,
                name=party.name,
                entity_type=party.kind,
                programs=programs,
                aliases=merge_aliases(party.name, party.aliases),
                addresses=tuple(party.addresses),
                countries=unique(party.countries + [a.country for a in party.addresses]),
                identifiers=tuple(dict.fromkeys(party.identifiers)),
                dates_of_birth=unique(party.dates_of_birth),
                listed_on=listing.listed_on,
                source_url=SOURCE_URL_SDN.format(party.fixed_ref),
                extra=tuple((k, v) for k, v in extra if v),
            )
        )
    parts = doc.date_parts
    published = ""
    if parts.get("Year", "").isdigit():
        published = _iso(
            (int(parts["Year"]), int(parts.get("Month") or 0), int(parts.get("Day") or 0))
        )
    return ParsedFeed(
        feed=feed or feed_name,
        format=FORMAT,
        origin=str(path),
        entries=tuple(entries),
        published=published,
    )
