"""UN Security Council Consolidated List, official XML.

Format source: https://scsanctions.un.org/resources/xml/en/consolidated.xml and its schema
https://www.un.org/sc/resources/sc-sanctions.xsd. Root ``CONSOLIDATED_LIST`` (attribute
``dateGenerated``) with ``INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY`` records: DATAID,
FIRST_NAME .. FOURTH_NAME, NAME_ORIGINAL_SCRIPT, UN_LIST_TYPE, REFERENCE_NUMBER, LISTED_ON,
COMMENTS1, DESIGNATION/VALUE, TITLE/VALUE, NATIONALITY/VALUE, ``*_ALIAS`` (QUALITY, ALIAS_NAME),
``*_ADDRESS`` (STREET, CITY, STATE_PROVINCE, ZIP_CODE, COUNTRY, NOTE),
INDIVIDUAL_DATE_OF_BIRTH (TYPE_OF_DATE, DATE | YEAR | FROM_YEAR/TO_YEAR, NOTE),
INDIVIDUAL_PLACE_OF_BIRTH and INDIVIDUAL_DOCUMENT (TYPE_OF_DOCUMENT, NUMBER, ISSUING_COUNTRY).

Parsing streams the file through expat and builds one small ElementTree per record (the
memory held is one record, not the document). ``xml.etree.iterparse`` is not used because its C
parser cannot refuse a DTD: here, as in defusedxml, any DOCTYPE, entity declaration or external
entity is refused, so no entity expansion ("billion laughs") or external fetch can happen.

Aliases of quality "Low" are kept as aliases and also listed in ``extra`` as ``weak_alias``
so that a matcher can weigh them down. Entry ids: ``UN:<REFERENCE_NUMBER>``.
"""

from __future__ import annotations

import codecs
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from chainwatch.lists.fields import IdAllocator, clean_text, merge_aliases, parse_date, unique
from chainwatch.lists.reading import label, open_binary
from chainwatch.lists.xmlstream import Refused, safe_parser
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "un"
FEED = "un"
SOURCE = "UN"
SOURCE_URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
ROOT = "CONSOLIDATED_LIST"
RECORDS = {("INDIVIDUALS", "INDIVIDUAL"), ("ENTITIES", "ENTITY")}
_CHUNK = 1 << 16


def _text(element: ET.Element, path: str) -> str:
    return clean_text(element.findtext(path) or "")


def _values(element: ET.Element, path: str) -> list[str]:
    return [clean_text(v.text or "") for v in element.findall(path) if clean_text(v.text or "")]


def record_to_entry(record: ET.Element, *, file: str, row: int, ids: IdAllocator) -> ListEntry:
    """One INDIVIDUAL or ENTITY element as a ListEntry."""
    person = record.tag == "INDIVIDUAL"
    prefix = "INDIVIDUAL" if person else "ENTITY"
    parts = [
        _text(record, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    ]
    name = " ".join(p for p in parts if p)
    if not name:
        raise InputError("record has no name", file=file, row=row, field="FIRST_NAME")
    reference = _text(record, "REFERENCE_NUMBER") or _text(record, "DATAID")
    if not reference:
        raise InputError("record has no reference", file=file, row=row, field="REFERENCE_NUMBER")

    aliases: list[str] = []
    extra: list[tuple[str, str]] = [("dataid", _text(record, "DATAID"))]
    original = _text(record, "NAME_ORIGINAL_SCRIPT")
    if original:
        aliases.append(original)
    for alias in record.findall(f"{prefix}_ALIAS"):
        alias_name = _text(alias, "ALIAS_NAME")
        if not alias_name:
            continue
        aliases.append(alias_name)
        quality = _text(alias, "QUALITY")
        if quality.lower() == "low":
            extra.append(("weak_alias", alias_name))
        elif quality.lower().startswith("f"):
            extra.append(("former_name", alias_name))

    addresses: list[Address] = []
    for address in record.findall(f"{prefix}_ADDRESS"):
        pieces = [
            _text(address, tag)
            for tag in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
        ]
        full = ", ".join(p for p in pieces if p)
        if full:
            addresses.append(Address(full=full, city=pieces[1], country=to_iso2(pieces[4])))

    dates: list[str] = []
    for dob in record.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        value = _text(dob, "DATE") or _text(dob, "YEAR")
        if not value and _text(dob, "FROM_YEAR"):
            value = f"{_text(dob, 'FROM_YEAR')} to {_text(dob, 'TO_YEAR')}".strip()
        value = value or _text(dob, "NOTE")
        if value:
            if _text(dob, "TYPE_OF_DATE").upper() == "APPROXIMATELY":
                value = f"circa {value}"
            dates.append(value)
    for pob in record.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        place = ", ".join(
            p for p in (_text(pob, t) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")) if p
        )
        if place:
            extra.append(("place_of_birth", place))

    identifiers: list[Identifier] = []
    for doc in record.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        if not number:
            continue
        scheme = _text(doc, "TYPE_OF_DOCUMENT") or "Document"
        country = _text(doc, "ISSUING_COUNTRY") or _text(doc, "COUNTRY_OF_ISSUE")
        identifiers.append(Identifier(scheme=scheme, value=number, country=to_iso2(country)))

    nationalities = _values(record, "NATIONALITY/VALUE")
    for key, path in (
        ("designation", "DESIGNATION/VALUE"),
        ("title", "TITLE/VALUE"),
        ("list_type", "LIST_TYPE/VALUE"),
        ("nationality", "NATIONALITY/VALUE"),
        ("last_updated", "LAST_DAY_UPDATED/VALUE"),
    ):
        extra += [(key, value) for value in _values(record, path)]
    if _text(record, "GENDER"):
        extra.append(("gender", _text(record, "GENDER")))

    listed = _text(record, "LISTED_ON")
    return ListEntry(
        entry_id=ids.take(f"{SOURCE}:{reference}"),
        source=SOURCE,
        name=name,
        entity_type="person" if person else "company",
        programs=tuple(_values(record, "UN_LIST_TYPE")),
        aliases=merge_aliases(name, aliases),
        addresses=tuple(addresses),
        countries=unique([to_iso2(n) for n in nationalities] + [a.country for a in addresses]),
        identifiers=tuple(identifiers),
        dates_of_birth=tuple(dates),
        listed_on=parse_date(listed),
        remarks=_text(record, "COMMENTS1"),
        source_url=SOURCE_URL,
        extra=tuple((k, v) for k, v in extra if v),
    )


class _Reader:
    """Expat handlers that hand each complete record element to a callback."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.parser = safe_parser(self._start, self._end, self._data)
        self.path: list[str] = []
        self.builder: ET.TreeBuilder | None = None
        self.record_line = 0
        self.published = ""
        self.entries: list[ListEntry] = []
        self.ids = IdAllocator()
        self.records = 0

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if not self.path:
            if tag != ROOT:
                raise Refused(f"root element is <{tag}>, expected <{ROOT}>")
            self.published = (attrs.get("dateGenerated") or "")[:10]
        elif len(self.path) == 2 and (self.path[1], tag) in RECORDS:
            self.builder = ET.TreeBuilder()
            self.record_line = self.parser.CurrentLineNumber
        self.path.append(tag)
        if self.builder is not None:
            self.builder.start(tag, attrs)

    def _end(self, tag: str) -> None:
        self.path.pop()
        if self.builder is None:
            return
        self.builder.end(tag)
        if len(self.path) == 2:
            element = self.builder.close()
            self.builder = None
            self.records += 1
            self.entries.append(
                record_to_entry(element, file=self.file, row=self.record_line, ids=self.ids)
            )

    def _data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)

    def where(self) -> str | None:
        return "/".join(self.path[1:]) or (self.path[0] if self.path else None)


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse the UN consolidated XML (plain or gzipped), streamed record by record."""
    file = label(path)
    reader = _Reader(file)
    line = 1
    with open_binary(path) as fh:
        decoder: codecs.IncrementalDecoder | None = None
        started = False
        try:
            while True:
                try:
                    chunk = fh.read(_CHUNK)
                except (EOFError, OSError) as exc:
                    raise InputError(
                        f"compressed data is truncated or corrupt ({exc})",
                        file=file,
                        row=reader.parser.CurrentLineNumber,
                        field=reader.where(),
                    ) from None
                if not started:
                    started = True
                    if not chunk.strip():
                        raise InputError("file is empty", file=file, row=1)
                    utf16 = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                    decoder = None if utf16 else codecs.getincrementaldecoder("utf-8")()
                if decoder is not None:
                    try:
                        decoder.decode(chunk, final=not chunk)
                    except UnicodeDecodeError as exc:
                        reader.parser.Parse(chunk[: exc.start], False)
                        raise InputError(
                            "invalid UTF-8 bytes (the XML declares UTF-8)",
                            file=file,
                            row=line + chunk[: exc.start].count(b"\n"),
                            field=reader.where(),
                        ) from None
                    line += chunk.count(b"\n")
                reader.parser.Parse(chunk, not chunk)
                if not chunk:
                    break
        except Refused as exc:
            raise InputError(
                str(exc), file=file, row=reader.parser.CurrentLineNumber, field=reader.where()
            ) from None
        except expat.ExpatError as exc:
            message = expat.ErrorString(exc.code)
            if exc.code in (
                expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
                expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
            ) or (reader.path and "no element" in str(message)):
                message = (
                    f"file ends inside <{reader.path[-1]}> (truncated?)"
                    if reader.path
                    else ("no XML element found")
                )
            else:
                message = f"malformed XML: {message}"
            raise InputError(message, file=file, row=exc.lineno, field=reader.where()) from None
    if not reader.entries:
        raise InputError("no INDIVIDUAL or ENTITY records", file=file, row=1, field=ROOT)
    return ParsedFeed(
        feed=feed or FEED,
        format=FORMAT,
        origin=str(path),
        entries=tuple(reader.entries),
        published=reader.published,
    )
