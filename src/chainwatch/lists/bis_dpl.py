"""BIS Denied Persons List, official tab-separated file.

Format source: U.S. Department of Commerce, Bureau of Industry and Security, "Denied Persons
List" download (historically https://www.bis.doc.gov/dpl/dpl.txt): UTF-8/ASCII, tab-separated,
fields in double quotes, one header row::

    Name  Street_Address  City  State  Country  Postal_Code  Effective_Date  Expiration_Date
    Standard_Order  Last_Update  Action  FR_Citation

Dates are ``MM/DD/YYYY`` (``Last_Update`` is ISO). The list has no record id: entry ids are
``DPL:<sha1 prefix of name, street, city, country, FR citation>``; the file has a few exact
duplicate rows, which get ``#2``. Entity type: an organisation word in the name makes a
company, otherwise a person (most denied parties are individuals). An empty Country with a US
state code is the United States.
"""

from __future__ import annotations

from pathlib import Path

from chainwatch.lists.fields import (
    IdAllocator,
    clean_text,
    infer_entity_type,
    join_citations,
    name_and_aliases,
    parse_date,
    stable_id,
)
from chainwatch.lists.reading import CsvFile
from chainwatch.model.lists import Address, ListEntry, ParsedFeed
from chainwatch.text.countries import to_iso2

FORMAT = "bis-dpl"
FEED = "bis-dpl"
SOURCE = "DPL"
SOURCE_URL = "https://www.bis.gov/licensing/end-user-guidance/denied-persons-list-dpl"
COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)
REQUIRED = ("Name", "Country", "FR_Citation")
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)


def parse(path: Path, *, feed: str | None = None) -> ParsedFeed:
    """Parse the DPL tab-separated file (plain or gzipped), streamed row by row."""
    ids = IdAllocator()
    entries: list[ListEntry] = []
    with CsvFile(path, delimiter="\t", required=REQUIRED) as table:
        index = table.index

        def get(values: list[str], column: str) -> str:
            position = index.get(column)
            return clean_text(values[position]) if position is not None else ""

        for row, values in table.records():
            raw_name = get(values, "Name")
            if not raw_name:
                raise table.error("empty name", row, "Name")
            name, aliases = name_and_aliases(raw_name)
            street, city, state = (get(values, c) for c in ("Street_Address", "City", "State"))
            country_raw = get(values, "Country")
            country = to_iso2(country_raw)
            if not country and not country_raw and state.upper() in US_STATES:
                country = "US"
            postal = get(values, "Postal_Code")
            full = ", ".join(p for p in (street, city, state, postal, country_raw) if p)
            citation = get(values, "FR_Citation")
            extra = [
                (key.lower(), get(values, key))
                for key in ("Standard_Order", "Last_Update", "Action")
                if get(values, key)
            ]
            if name != raw_name:
                extra.append(("published_name", raw_name))
            entries.append(
                ListEntry(
                    entry_id=ids.take(
                        stable_id(SOURCE, raw_name, street, city, country_raw, citation)
                    ),
                    source=SOURCE,
                    name=name,
                    entity_type=infer_entity_type(name, "person"),
                    aliases=tuple(aliases),
                    addresses=(Address(full=full, city=city, country=country),) if full else (),
                    countries=(country,) if country else (),
                    federal_register=join_citations(citation),
                    listed_on=parse_date(get(values, "Effective_Date")),
                    end_date=parse_date(get(values, "Expiration_Date")),
                    remarks=get(values, "Action"),
                    source_url=SOURCE_URL,
                    extra=tuple(extra),
                )
            )
    if not entries:
        raise table.error("no records after the header", 2)
    return ParsedFeed(feed=feed or FEED, format=FORMAT, origin=str(path), entries=tuple(entries))
