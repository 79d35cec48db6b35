"""Field mapping of each adapter on small real-format fixtures (real rows of the government
files; OpenSanctions rows are invented in the exact format)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chainwatch.lists import FORMATS, detect_format, parse_feed
from chainwatch.model.lists import ListEntry, entry_from_dict, entry_to_dict
from conftest import FIXTURES

LISTS = FIXTURES / "lists"


def _by_name(entries: tuple[ListEntry, ...], needle: str, source: str | None = None) -> ListEntry:
    found = [
        e
        for e in entries
        if needle.lower() in e.name.lower() and (source is None or e.source == source)
    ]
    assert found, f"no entry named like {needle!r}"
    return found[0]


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("csl/consolidated-sample.csv", "csl"),
        ("csl/consolidated-sample.csv.gz", "csl"),
        ("csl/consolidated-sample.json", "csl"),
        ("ofac/sdn", "ofac"),
        ("ofac/sdn/sdn.csv", "ofac"),
        ("ofac/cons/cons_prim.csv", "ofac"),
        ("ofac/lone/sdn-2024-05-03.csv", "ofac"),
        ("un/consolidated-sample.xml", "un"),
        ("bis/dpl-sample.txt", "bis-dpl"),
        ("opensanctions/targets.simple-sample.csv", "opensanctions"),
        ("opensanctions/entities.ftm.json", "opensanctions"),
        ("custom/bis_entity_list.json", "custom"),
        ("ofac/sls", "ofac"),
        ("ofac/sls/SDN.CSV", "ofac"),
        ("ofac/advanced/SDN_ADVANCED.XML", "ofac-xml"),
        ("eu/eu-fsf-sample.xml", "eu-fsf"),
        ("uk/UK-Sanctions-List-sample.csv", "uk-sl"),
        ("au/regulation8_consolidated-sample.xlsx", "au-dfat"),
    ],
)
def test_detect_format(path: str, fmt: str) -> None:
    assert fmt in FORMATS
    assert detect_format(LISTS / path) == fmt


def test_csl_entity_list_hikvision() -> None:
    feed = parse_feed(LISTS / "csl" / "consolidated-sample.csv")
    hik = _by_name(feed.entries, "Hangzhou Hikvision", "EL")
    assert hik.entry_id == "EL:f095626c9f8becc70b5948507fb6de6e443b257a"
    assert hik.entity_type == "company"
    assert hik.aliases == ("Hikvision",)
    assert hik.countries == ("CN",)
    assert hik.addresses[0].city == "Hangzhou"
    assert hik.federal_register == "84 FR 54002; 85 FR 44159"
    assert hik.listed_on == date(2019, 10, 9)
    assert hik.license_requirement.startswith("For all items subject to the EAR")
    assert "presumption of denial for all other items" in hik.license_policy
    assert hik.source_url == "http://bit.ly/1L47xrV"
    dahua = _by_name(feed.entries, "Dahua Technology", "EL")
    assert dahua.listed_on == date(2019, 10, 9)


def test_csl_sources_ids_and_aliases() -> None:
    feed = parse_feed(LISTS / "csl" / "consolidated-sample.csv")
    sources = {e.source for e in feed.entries}
    assert {"EL", "SDN", "SSI", "CAP", "CMIC", "DPL", "DTC"} <= sources
    # The two identical CAP rows of the 2022 file stay two entries with distinct, stable ids.
    assert {e.entry_id for e in feed.entries if e.source == "CAP"} == {
        "CAP:15268",
        "CAP:15268#2",
    }
    plant = _by_name(feed.entries, "140 Repair Plant")
    assert plant.aliases == ("Open Joint Stock Company 140 Repair Plant", "JSC 140 Repair Plant")
    chitron = _by_name(feed.entries, "Chitron")
    assert chitron.name == "Chitron Electronics Company Ltd."
    assert "Chi-Chung Electronics Company Ltd." in chitron.aliases
    assert "Chitron-Shenzhen" in chitron.aliases
    fetco = _by_name(feed.entries, "Far East Trading")
    assert fetco.name == "Far East Trading Company, Inc."
    assert fetco.aliases == ("FETCO, Inc.",)
    cmic = _by_name(feed.entries, "HIKVISION", "CMIC")
    assert ("Unified Social Credit Code (USCC)", "91330000733796106P", "CN") in {
        (i.scheme, i.value, i.country) for i in cmic.identifiers
    }
    assert ("Listing Date (CMIC)", "03 Jun 2021") in cmic.extra
    person = next(e for e in feed.entries if e.entry_id == "SDN:21944")
    assert person.entity_type == "person"
    assert person.dates_of_birth == ("1973-03-25",)
    assert person.countries == ("SY",)
    dpl = _by_name(feed.entries, "DAHUA ELECTRONICS", "DPL")
    assert dpl.entity_type == "company"
    assert dpl.end_date == date(2025, 11, 19)


def test_csl_json_matches_csv() -> None:
    from_csv = parse_feed(LISTS / "csl" / "consolidated-sample.csv")
    from_json = parse_feed(LISTS / "csl" / "consolidated-sample.json")
    assert [e.entry_id for e in from_csv.entries] == [e.entry_id for e in from_json.entries]
    for a, b in zip(from_csv.entries, from_json.entries, strict=True):
        assert (a.name, a.aliases, a.countries, a.listed_on, a.license_policy) == (
            b.name,
            b.aliases,
            b.countries,
            b.listed_on,
            b.license_policy,
        )
        assert {i.value for i in a.identifiers} == {i.value for i in b.identifiers}


def test_csl_entries_round_trip_through_dict() -> None:
    for entry in parse_feed(LISTS / "csl" / "consolidated-sample.csv").entries:
        assert entry_from_dict(entry_to_dict(entry)) == entry


def test_ofac_sdn_trio() -> None:
    feed = parse_feed(LISTS / "ofac" / "sdn")
    assert feed.feed == "ofac-sdn"
    bnc = next(e for e in feed.entries if e.entry_id == "SDN:306")
    assert bnc.name == "BANCO NACIONAL DE CUBA"
    assert "NATIONAL BANK OF CUBA" in bnc.aliases and "BNC" in bnc.aliases
    assert bnc.programs == ("CUBA",)
    assert bnc.entity_type == "company"
    assert {a.country for a in bnc.addresses} >= {"CH"}
    assert parse_feed(LISTS / "ofac" / "sdn" / "sdn.csv").entries == feed.entries


def test_ofac_cons_hikvision() -> None:
    feed = parse_feed(LISTS / "ofac" / "cons" / "cons_prim.csv")
    assert feed.feed == "ofac-cons"
    hik = next(e for e in feed.entries if e.entry_id == "CMIC:30946")
    assert hik.aliases == ("HIKVISION", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY")
    assert hik.programs == ("CMIC-EO13959",)
    assert hik.countries == ("CN",)
    assert ("ISIN", "CNE100000PM8") in {(i.scheme, i.value) for i in hik.identifiers}
    assert {e.source for e in feed.entries} == {"CMIC", "PLC", "CAP"}
    plc = next(e for e in feed.entries if e.source == "PLC")
    assert plc.dates_of_birth == ("1962",)


def test_ofac_lone_primary_file() -> None:
    feed = parse_feed(LISTS / "ofac" / "lone" / "sdn-2024-05-03.csv")
    assert len(feed.entries) == 3
    assert feed.published == "2024-05-03"
    bnc = next(e for e in feed.entries if e.entry_id == "SDN:306")
    assert bnc.aliases == ("BNC",)  # from the Remarks "a.k.a. 'BNC'"


def test_un_xml() -> None:
    feed = parse_feed(LISTS / "un" / "consolidated-sample.xml")
    assert feed.published == "2026-02-27"
    gaston = next(e for e in feed.entries if e.entry_id == "UN:CDi.003")
    assert gaston.name == "GASTON IYAMUREMYE"
    assert gaston.entity_type == "person"
    assert gaston.programs == ("DRC",)
    assert "Victor Rumuri" in gaston.aliases
    assert ("weak_alias", "Rumuli") in gaston.extra
    assert gaston.countries[0] == "RW"
    assert gaston.dates_of_birth == ("1948",)
    assert gaston.listed_on == date(2010, 12, 1)
    documented = next(e for e in feed.entries if e.identifiers)
    assert documented.identifiers[0].scheme
    adf = next(e for e in feed.entries if e.entry_id == "UN:CDe.001")
    assert adf.entity_type == "company"
    assert "Allied Democratic Forces" in adf.aliases
    assert adf.countries == ("CD",)


def test_bis_dpl() -> None:
    feed = parse_feed(LISTS / "bis" / "dpl-sample.txt")
    dahua = _by_name(feed.entries, "DAHUA")
    assert dahua.entity_type == "company"
    assert dahua.countries == ("US",)  # empty Country, state NY
    assert dahua.federal_register == "82 F.R. 46480 10/5/2017"
    assert dahua.listed_on == date(2017, 9, 28)
    assert dahua.end_date == date(2025, 11, 19)
    sun = _by_name(feed.entries, "FUYI SUN")
    assert sun.name == "FUYI SUN" and sun.aliases == ("FRANK SUN",)
    assert sun.entity_type == "person"
    again = parse_feed(LISTS / "bis" / "dpl-sample.txt")
    assert [e.entry_id for e in again.entries] == [e.entry_id for e in feed.entries]


def test_opensanctions_simple_csv() -> None:
    feed = parse_feed(LISTS / "opensanctions" / "targets.simple-sample.csv")
    vessel = feed.entries[0]
    assert vessel.entry_id == "OS:NK-test-vessel-1"
    assert vessel.entity_type == "vessel"
    assert vessel.aliases == ("Example Star One", "Old Example")
    assert vessel.countries == ("PA", "LR")
    assert vessel.programs == ("XX-TEST-PROGRAM",)
    person = _by_name(feed.entries, "EXAMPLOV")
    assert person.entity_type == "person" and person.dates_of_birth == ("1970-01-01",)
    assert _by_name(feed.entries, "Example Holdings").entity_type == "company"


def test_opensanctions_ftm_lines() -> None:
    feed = parse_feed(LISTS / "opensanctions" / "entities.ftm.json")
    assert [e.entry_id for e in feed.entries] == ["OS:NK-test-company-1", "OS:NK-test-person-1"]
    company = feed.entries[0]
    assert company.countries == ("CN",)
    assert company.identifiers[0].value == "91440300EXAMPLE001"
    assert company.listed_on == date(2024, 3, 1)
    assert company.source_url == "https://example.org/notice/1"
    person = feed.entries[1]
    assert "The Example" in person.aliases and ("weak_alias", "The Example") in person.extra


def test_custom_entity_list_extract() -> None:
    feed = parse_feed(LISTS / "custom" / "bis_entity_list.json")
    assert feed.feed == "custom:bis_entity_list"
    hik = _by_name(feed.entries, "Hikvision")
    assert hik.source == "EL"
    assert hik.entry_id.startswith("EL:") and len(hik.entry_id) == 15
    assert hik.aliases == ("Hikvision",)
    assert [a.country for a in hik.addresses] == ["CN", "CN", "CN"]
    assert hik.federal_register.split("; ")[0] == "84 FR 54004, 10/9/19"
    assert hik.listed_on == date(2019, 10, 9)
    assert hik.license_requirement == "For all items subject to the EAR. (See § 744.11 of the EAR)"
    ebcc = _by_name(feed.entries, "EBCC")
    assert ebcc.aliases[:2] == ("EBCC", "Emal Bilal Construction Company")
    mec = _by_name(feed.entries, "Mesbah")
    assert mec.name == "Mesbah Energy Company" and mec.aliases == ("MEC",)
    again = parse_feed(LISTS / "custom" / "bis_entity_list.json")
    assert [e.entry_id for e in again.entries] == [e.entry_id for e in feed.entries]


def test_custom_csv_and_xlsx(tmp_path: Path) -> None:
    import csv

    import openpyxl

    mapping = LISTS / "custom" / "example_list.toml"
    from_csv = parse_feed(LISTS / "custom" / "example_list.csv", mapping=mapping)
    assert from_csv.feed == "custom:example_list"
    first = from_csv.entries[0]
    assert first.entry_id == "TEST:T-1"
    assert first.aliases == ("Example Widgets", "EWT")
    assert first.countries == ("CN",)
    assert first.identifiers[0].value == "REG-1"
    assert ("Status", "Active") in first.extra
    second = from_csv.entries[1]
    assert second.listed_on == date(2025, 1, 2)  # from the FR citation's date
    assert "EOG" in second.aliases

    book = openpyxl.Workbook()
    sheet = book.active
    with (LISTS / "custom" / "example_list.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    xlsx = tmp_path / "example_list.xlsx"
    book.save(xlsx)
    from_xlsx = parse_feed(xlsx, mapping=mapping)
    assert from_xlsx.entries == from_csv.entries
