"""The Sanctions List Service formats (CSV with comments, advanced XML), the EU FSF XML and the
UK Sanctions List CSV, on hand-made fixtures in their published layouts."""

from __future__ import annotations

from datetime import date

from chainwatch.lists import parse_feed
from chainwatch.lists.ofac import join_remarks
from chainwatch.lists.uk import uk_date
from chainwatch.model.lists import Address, Identifier
from conftest import FIXTURES

LISTS = FIXTURES / "lists"


def test_sls_comments_continue_the_remarks() -> None:
    """SDN.CSV cuts MALKEVICH's Remarks after "Passport 7176"; SDN_COMMENTS.CSV carries the
    rest in two rows. Joined, the passport and national id in the overflow are read."""
    sls = parse_feed(LISTS / "ofac" / "sls")
    legacy = parse_feed(LISTS / "ofac" / "sdn")
    joined = next(e for e in sls.entries if e.entry_id == "SDN:26235")
    whole = next(e for e in legacy.entries if e.entry_id == "SDN:26235")
    assert joined.remarks == whole.remarks
    assert joined.identifiers == (
        Identifier("Passport", "717637093", "RU"),
        Identifier("National ID No.", "781005202108", ""),
    )
    assert joined == whole  # the split file reads exactly as the unsplit one
    assert sls.entries == legacy.entries  # and a "-0-" comment (ent 306) adds nothing
    assert (
        join_remarks("DOB 1970; Passport A12", "345 (Iran).") == "DOB 1970; Passport A12345 (Iran)."
    )
    assert join_remarks("DOB 1970", "DOB 1970; POB Tehran") == "DOB 1970; POB Tehran"


def test_ofac_advanced_xml() -> None:
    feed = parse_feed(LISTS / "ofac" / "advanced" / "SDN_ADVANCED.XML")
    assert (feed.feed, feed.format, feed.published) == (
        "ofac-sdn-advanced",
        "ofac-xml",
        "2026-02-26",
    )
    by_id = {e.entry_id: e for e in feed.entries}
    assert list(by_id) == ["SDN:36", "SDN:306", "SDN:9935", "SDN:26235", "SDN:15036"]
    person = by_id["SDN:9935"]
    assert person.name == "'ABD AL-RAZZIQ, Abu Sufian al-Salamabi Muhammed Ahmed"  # as the CSV
    assert person.entity_type == "person" and person.programs == ("SDGT",)
    assert person.dates_of_birth == ("1962-08-06",)
    assert person.countries == ("CA", "SD")
    assert person.identifiers == (Identifier("Passport", "BC166787", "CA"),)
    assert ("weak_alias", "ABOU EL LAYTH") in person.extra
    assert ("place_of_birth", "Al-Bawgah, Sudan") in person.extra
    bank = by_id["SDN:306"]
    assert bank.aliases == ("BNC",) and bank.entity_type == "company"
    assert bank.addresses == (Address("Calle 23, No. 156 Vedado, Havana, Cuba", "Havana", "CU"),)
    assert bank.listed_on == date(1986, 1, 1)
    malkevich = by_id["SDN:26235"]
    assert malkevich.aliases == ("МАЛЬКЕВИЧ, Александр Александрович",)
    assert ("gender", "Male") in malkevich.extra and ("linked_to", "USA REALLY") in malkevich.extra
    vessel = by_id["SDN:15036"]
    assert vessel.entity_type == "vessel"
    assert (
        vessel.identifiers[0].value == "IMO 8712362"
        and ("vessel_flag", "Korea, North") in vessel.extra
    )
    # the same parties, ids and names as the CSV trio, so the two feeds link
    csv = {e.entry_id: e for e in parse_feed(LISTS / "ofac" / "sdn").entries}
    assert {i: csv[i].name for i in csv} == {i: by_id[i].name for i in csv}


def test_eu_fsf_xml() -> None:
    feed = parse_feed(LISTS / "eu" / "eu-fsf-sample.xml")
    assert (feed.feed, feed.format, feed.published) == ("eu", "eu-fsf", "2026-02-26")
    un_person, company, person = feed.entries
    assert un_person.entry_id == "EU:EU.3411.47" and un_person.source == "EU"
    assert un_person.name == "Gaston IYAMUREMYE" and un_person.entity_type == "person"
    assert un_person.aliases == ("Rumuli", "Victor Rumuri")
    assert ("weak_alias", "Rumuli") in un_person.extra and (
        "same_as",
        "UN:CDi.003",
    ) in un_person.extra
    assert un_person.dates_of_birth == ("1948",) and un_person.countries == ("RW", "CD")
    assert un_person.programs == ("COD",) and un_person.listed_on == date(2011, 1, 6)
    assert company.entity_type == "company"
    assert company.identifiers == (Identifier("Registration Number", "1111832003018", "RU"),)
    assert company.addresses[0] == Address(
        "3B Deryabin Street, Izhevsk, 426006, Udmurt Republic, RUSSIAN FEDERATION", "Izhevsk", "RU"
    )
    assert company.aliases == ("АО Концерн Калашников",)
    assert person.dates_of_birth == ("1962-10-19", "circa 1963")
    assert person.identifiers == (Identifier("National passport", "720123456", "RU"),)


def test_uk_sanctions_list_csv() -> None:
    feed = parse_feed(LISTS / "uk" / "UK-Sanctions-List-sample.csv")
    assert (feed.feed, feed.format, feed.published) == ("uk", "uk-sl", "2026-02-26")
    by_id = {e.entry_id: e for e in feed.entries}
    assert list(by_id) == ["UK:DRC0003", "UK:RUS0251", "UK:RUS1712", "UK:RUS0777"]  # 7 rows
    gaston = by_id["UK:DRC0003"]
    assert gaston.name == "Gaston IYAMUREMYE" and gaston.entity_type == "person"
    assert gaston.aliases == ("RUMULI", "Victor RUMURI")
    assert ("weak_alias", "RUMULI") in gaston.extra and ("same_as", "UN:CDi.003") in gaston.extra
    assert gaston.dates_of_birth == ("1948",) and gaston.listed_on == date(2010, 12, 1)
    assert gaston.countries == ("RW", "CD")
    concern = by_id["UK:RUS0251"]
    assert concern.entity_type == "company" and len(concern.addresses) == 1
    assert concern.aliases == ("АО Концерн Калашников", "JOINT STOCK COMPANY KALASHNIKOV CONCERN")
    assert concern.identifiers == (Identifier("Business Registration Number", "1111832003018"),)
    ship = by_id["UK:RUS1712"]
    assert ship.entity_type == "vessel" and ship.identifiers == (Identifier("IMO", "9321172"),)
    assert by_id["UK:RUS0777"].dates_of_birth == ("1962-10-19",)
    assert (uk_date("00/00/1948"), uk_date("00/10/1962"), uk_date("19/10/1962")) == (
        "1948",
        "1962-10",
        "1962-10-19",
    )


def test_au_dfat_consolidated_list_xlsx() -> None:
    feed = parse_feed(LISTS / "au" / "regulation8_consolidated-sample.xlsx")
    assert (feed.feed, feed.format) == ("au", "au-dfat")
    gaston, concern, ship = feed.entries  # 6 rows: aliases 1234a/b and 8120a join their party
    assert gaston.entry_id == "AU:1234" and gaston.entity_type == "person"
    assert gaston.aliases == ("RUMULI", "Victor RUMURI") and gaston.dates_of_birth == ("1948",)
    assert ("same_as", "UN:CDi.003") in gaston.extra and gaston.listed_on == date(2010, 12, 1)
    assert gaston.countries == ("RW", "CD")
    assert concern.aliases == ("АО Концерн Калашников",) and concern.countries == ("RU",)
    assert concern.programs == ("Autonomous (Russia)",)
    assert ship.entity_type == "vessel" and ship.identifiers == (Identifier("IMO", "9321172"),)
