"""OFAC SDN and non-SDN consolidated lists, official CSV file trios.

Format source: U.S. Treasury OFAC, "SDN List - Data Specification" (dat_spec.txt) and the
CSV files of the Sanctions List Service, https://sanctionslistservice.ofac.treas.gov/api/
PublicationPreview/exports/ (``SDN.CSV``, ``ALT.CSV``, ``ADD.CSV``, ``SDN_COMMENTS.CSV``;
non-SDN consolidated list: ``CONS_PRIM.CSV``, ``CONS_ALT.CSV``, ``CONS_ADD.CSV``,
``CONS_COMMENTS.CSV``), the same files as the legacy treasury.gov ``/ofac/downloads/`` ones.
File names are matched without regard to case.
No header row; ``-0-`` (often followed by a space) means empty; the files may end with a DOS
``\\x1a`` end-of-file byte. Columns:

* primary: ent_num, SDN_Name, SDN_Type (individual / vessel / aircraft / ``-0-`` for an
  entity), Program (several as ``A] [B``), Title, Call_Sign, Vess_type, Tonnage, GRT,
  Vess_flag, Vess_owner, Remarks
* alt: ent_num, alt_num, alt_type (aka / fka / nka), alt_name, alt_remarks
* add: ent_num, add_num, address, city/state/province/postal code, country, add_remarks
* comments (``sdn_comments.csv`` / ``cons_comments.csv``): ent_num, remarks_extended. The
  Remarks column of the primary file has a fixed maximum length; what overflows it is
  published here, one or more rows per entry, and continues the Remarks text exactly where it
  was cut (it is appended without separator, as OFAC's and Moov Watchman's readers do; a
  comment that repeats the whole Remarks replaces it). The joined text is what the Remarks
  rules below read, so a DOB or passport in the overflow is found.

``Remarks`` carries ``;``-separated facts; this adapter reads dates of birth (``DOB``),
nationality and citizenship (as countries), identifiers (``Passport X (Country)``,
``Tax ID No. X``, ``IMO 1234567`` ...) and the quoted ``a.k.a. 'NAME'`` aliases that the lone
primary file carries. A lone primary file (alt/add siblings absent) is accepted.

Entry ids: ``SDN:<ent_num>`` for the SDN list; for the non-SDN list the code follows the
program, as on the CSL: SSI (UKRAINE-EO13662), PLC (NS-PLC), CMIC (CMIC-EO13959), CAP
(561-Related), FSE (FSE-*), NS-MBS (RUSSIA-EO14024 menu-based), else NS-MBS.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.lists.fields import (
    IdAllocator,
    clean_text,
    merge_aliases,
    name_and_aliases,
    unique,
)
from chainwatch.lists.reading import CsvFile, logical_name, peek_bytes
from chainwatch.model.errors import InputError
from chainwatch.model.lists import Address, EntityType, Identifier, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "ofac"
FEED_SDN = "ofac-sdn"
FEED_CONS = "ofac-cons"

PRIMARY_COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
COMMENTS_COLUMNS = ("ent_num", "remarks_extended")

SOURCE_URL_SDN = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"
_TYPES: dict[str, EntityType] = {
    "individual": "person",
    "vessel": "vessel",
    "aircraft": "aircraft",
    "": "company",
}
_CONS_CODES = (
    ("FSE-", "FSE"),
    ("NS-PLC", "PLC"),
    ("CMIC-", "CMIC"),
    ("561-", "CAP"),
    ("UKRAINE-EO13662", "SSI"),
    ("RUSSIA-EO14024", "NS-MBS"),
)

_AKA = re.compile(r"\b[afn]\.k\.a\.,?\s+'(.+?)'(?=\s*(?:[;.,]|$))")
_DOB = re.compile(r"^(?:alt\.\s+)?DOB\s+(.+?)\.?$")
_POB = re.compile(r"^(?:alt\.\s+)?POB\s+(.+?)\.?$")
_NATIONALITY = re.compile(r"^(?:alt\.\s+)?(?:nationality|citizen)\s+(.+?)\.?$", re.I)
_NOT_ID = re.compile(
    r"^(?:alt\.\s+)?(?:DOB|POB|nationality|citizen|Gender|Additional Sanctions|Secondary "
    r"sanctions|Organization Established|Organization Type|Listing Date|Effective Date|"
    r"Linked To|Target Type|Title|Executive Order|Transactions Prohibited|Member of|"
    r"Aircraft Model|Aircraft Manufacture Date|Vessel Year of Build|Phone|Fax|"
    r"For more information|Purchase/Sales|Issuer Name|Other Vessel|IFCA|CAATSA|Former|"
    r"Subject to|arrested|Birth|[afn]\.k\.a\.|Equity Ticker|Aircraft Operator|Vessel Type|"
    r"Vessel Flag)",
    re.I,
)
_ID = re.compile(
    r"^(?:alt\.\s+)?(?P<scheme>[A-Za-z].{0,80})\s+(?P<value>[^\s()]*\d[^\s()]*)"
    r"(?:\s+\((?P<country>[^()]+)\))?$"
)
_ID_SUFFIX = re.compile(r"\s+(?:issued|expires|expired|valid)\b.*$|\.$", re.I)
_WEB = re.compile(r"^(?:alt\.\s+)?(Website|Email Address)\s+(\S+?)\.?$", re.I)


def empty(value: str) -> str:
    """OFAC's ``-0-`` (and blanks) as ""; other values whitespace-cleaned."""
    text = clean_text(value)
    return "" if text == "-0-" else text


def programs_of(value: str) -> tuple[str, ...]:
    """``"NPWMD] [IFSR"`` or ``"[SDGT] [IRGC]"`` → ``("NPWMD", "IFSR")``."""
    text = empty(value)
    return tuple(p.strip(" []") for p in text.split("] [") if p.strip(" []"))


def cons_code(programs: tuple[str, ...]) -> str:
    """The non-SDN list a consolidated-list entry belongs to, from its programs."""
    for prefix, code in _CONS_CODES:
        if any(p.upper().startswith(prefix.upper()) for p in programs):
            return code
    return "NS-MBS"


@dataclass(slots=True)
class RemarkFacts:
    """What the Remarks column says besides free text."""

    dates_of_birth: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)


def parse_remarks(remarks: str) -> RemarkFacts:
    """Dates of birth, countries, identifiers and quoted aliases from an OFAC Remarks value."""
    facts = RemarkFacts()
    if not remarks:
        return facts
    facts.aliases = [clean_text(m) for m in _AKA.findall(remarks)]
    for raw in remarks.split(";"):
        item = raw.strip()
        if not item:
            continue
        if m := _DOB.match(item):
            facts.dates_of_birth.append(m.group(1).strip())
        elif m := _POB.match(item):
            facts.extra.append(("place_of_birth", m.group(1).strip()))
        elif m := _NATIONALITY.match(item):
            code = to_iso2(m.group(1))
            if code:
                facts.countries.append(code)
        elif m := _WEB.match(item):
            facts.identifiers.append(Identifier(scheme=m.group(1), value=m.group(2)))
        elif not _NOT_ID.match(item) and (m := _ID.match(_ID_SUFFIX.sub("", item))):
            country = m.group("country") or ""
            facts.identifiers.append(
                Identifier(
                    scheme=m.group("scheme").strip(),
                    value=m.group("value").strip(),
                    country=to_iso2(country),
                )
            )
    return facts


@dataclass(frozen=True, slots=True)
class FileSet:
    """The primary file of a trio and its alt/add siblings when present."""

    primary: Path
    alt: Path | None
    add: Path | None
    feed: str
    comments: Path | None = None


def _sibling(primary: Path, old: str, new: str) -> Path | None:
    name = primary.name
    index = name.lower().rfind(old)
    if index < 0:
        return None
    target = (name[:index] + new + name[index + len(old) :]).lower()
    for candidate in primary.parent.iterdir():
        if candidate.name.lower() == target and candidate.is_file():
            return candidate
    return None


def locate(path: Path) -> FileSet:
    """Find the trio from a directory or from the primary file's path.

    A directory must hold ``sdn.csv`` or ``cons_prim.csv`` (optionally ``.gz``); a file whose
    name contains ``cons`` is the non-SDN list. Siblings are the same name with ``sdn`` →
    ``alt``/``add`` (``cons_prim`` → ``cons_alt``/``cons_add``).
    """
    if path.is_dir():
        found = {
            logical_name(p).lower(): p
            for p in path.iterdir()
            if p.is_file() and logical_name(p).lower() in ("sdn.csv", "cons_prim.csv")
        }
        if len(found) == 2:
            raise InputError(
                "directory holds both sdn.csv and cons_prim.csv: name the file to load",
                file=str(path),
            )
        if not found:
            raise InputError("no sdn.csv or cons_prim.csv in directory", file=str(path))
        path = next(iter(found.values()))
    name = path.name.lower()
    if "cons" in name:
        old = "prim" if "prim" in name else "cons"
        return FileSet(
            path,
            _sibling(path, old, "alt" if old == "prim" else "cons_alt"),
            _sibling(path, old, "add" if old == "prim" else "cons_add"),
            FEED_CONS,
            _sibling(path, old, "comments" if old == "prim" else "cons_comments"),
        )
    if "sdn" in name:
        return FileSet(
            path,
            _sibling(path, "sdn", "alt"),
            _sibling(path, "sdn", "add"),
            FEED_SDN,
            _sibling(path, "sdn", "sdn_comments"),
        )
    return FileSet(path, None, None, FEED_SDN)


def _read_alt(path: Path, known: set[str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with CsvFile(path, fieldnames=ALT_COLUMNS, eof_marker=True) as table:
        for row, values in table.records():
            ent, _num, kind, name, _remarks = (empty(v) for v in values)
            if ent not in known:
                raise table.error(f"alias of unknown entry {ent!r}", row, "ent_num")
            if name:
                out[ent].append((kind.lower() or "aka", name))
    return out


def _read_add(path: Path, known: set[str]) -> dict[str, list[Address]]:
    out: dict[str, list[Address]] = defaultdict(list)
    with CsvFile(path, fieldnames=ADD_COLUMNS, eof_marker=True) as table:
        for row, values in table.records():
            ent, _num, street, city, country, _remarks = (empty(v) for v in values)
            if ent not in known:
                raise table.error(f"address of unknown entry {ent!r}", row, "ent_num")
            full = ", ".join(p for p in (street, city, country) if p)
            if full:
                out[ent].append(Address(full=full, city=city, country=to_iso2(country)))
    return out


def _read_comments(path: Path, known: set[str]) -> dict[str, str]:
    """Remarks overflow per ent_num, rows of one entry joined in file order."""
    out: dict[str, str] = {}
    if not peek_bytes(path, 64).strip(b" \t\r\n\x1a"):
        return out  # a comments file with nothing to add is valid
    with CsvFile(path, fieldnames=COMMENTS_COLUMNS, eof_marker=True) as table:
        for row, values in table.records():
            ent = empty(values[0])
            if not ent.isdigit():
                raise table.error(f"ent_num {ent!r} is not a number", row, "ent_num")
            if ent not in known:
                raise table.error(f"comment of unknown entry {ent!r}", row, "ent_num")
            text = values[1].strip()
            if text and text != "-0-":
                out[ent] = out.get(ent, "") + text
    return out


def join_remarks(remarks: str, overflow: str) -> str:
    """Remarks of the primary file continued by the comments file's overflow.

    >>> join_remarks("DOB 1970; Passport A12", "345 (Iran).")
    'DOB 1970; Passport A12345 (Iran).'
    """
    if not overflow:
        return remarks
    if not remarks or overflow.startswith(remarks):
        return clean_text(overflow)
    return clean_text(remarks + overflow)


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse an OFAC trio given its directory or its primary file (plain or gzipped)."""
    files = locate(path)
    primary: list[tuple[int, list[str]]] = []
    known: set[str] = set()
    with CsvFile(files.primary, fieldnames=PRIMARY_COLUMNS, eof_marker=True) as table:
        for row, raw in table.records():
            values = [empty(v) for v in raw]
            if not values[0].isdigit():
                raise table.error(f"ent_num {values[0]!r} is not a number", row, "ent_num")
            if not values[1]:
                raise table.error("empty name", row, "SDN_Name")
            if values[0] in known:
                raise table.error(f"duplicate ent_num {values[0]}", row, "ent_num")
            known.add(values[0])
            primary.append((row, values))
    alts = _read_alt(files.alt, known) if files.alt else {}
    adds = _read_add(files.add, known) if files.add else {}
    comments = _read_comments(files.comments, known) if files.comments else {}

    ids = IdAllocator()
    entries: list[ListEntry] = []
    for _row, values in primary:
        ent, raw_name, kind, program = values[0], values[1], values[2], values[3]
        programs = programs_of(program)
        code = "SDN" if files.feed == FEED_SDN else cons_code(programs)
        remarks = join_remarks(values[11], comments.get(ent, ""))
        facts = parse_remarks(remarks)
        name, embedded = name_and_aliases(raw_name)
        alt_names = [n for _k, n in alts.get(ent, [])]
        addresses = adds.get(ent, [])
        extra: list[tuple[str, str]] = [("ent_num", ent)]
        for key, value in zip(PRIMARY_COLUMNS[4:11], values[4:11], strict=True):
            if value:
                extra.append((key, value))
        extra += [(f"alias_{k}", n) for k, n in alts.get(ent, []) if k != "aka"]
        extra += facts.extra
        entries.append(
            ListEntry(
                entry_id=ids.take(f"{code}:{ent}"),
                source=code,
                name=name,
                entity_type=_TYPES.get(kind.lower(), "unknown"),
                programs=programs,
                aliases=merge_aliases(name, embedded, alt_names, facts.aliases),
                addresses=tuple(addresses),
                countries=unique([a.country for a in addresses] + facts.countries),
                identifiers=tuple(facts.identifiers),
                dates_of_birth=tuple(facts.dates_of_birth),
                remarks=remarks,
                source_url=SOURCE_URL_SDN.format(ent),
                extra=tuple(extra),
            )
        )
    return ParsedFeed(
        feed=feed or files.feed,
        format=FORMAT,
        origin=str(path),
        entries=tuple(entries),
    )
