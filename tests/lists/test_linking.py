"""One party once: the same SDN entry from the CSL and from OFAC's files is one hit listing both
feeds; EU/UK transpositions of a UN listing are linked both ways but stay separate lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.lists import parse_feed
from chainwatch.lists.linking import feed_rank, link_entries, listed_in, same_as
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.lists import load_path, snapshot_entries
from chainwatch.workflows.screening import Screener, match_to_dict
from conftest import FIXTURES

LISTS = FIXTURES / "lists"
CSL_SDN_ROWS = LISTS / "csl" / "consolidated-2022-sdn-rows.csv"  # real 2022 CSL rows


def _pairs(*items: tuple[str, Path]) -> list[tuple[str, ListEntry]]:
    out: list[tuple[str, ListEntry]] = []
    for feed, path in items:
        out += [(feed, e) for e in parse_feed(path).entries]
    return out


def test_worked_example_csl_and_ofac_trio() -> None:
    """The example of chainwatch.lists.linking: 4 + 4 entries, 4 parties."""
    pairs = _pairs(("csl", CSL_SDN_ROWS), ("ofac-sdn", LISTS / "ofac" / "sdn"))
    assert len(pairs) == 8
    linked = link_entries(pairs)
    assert len(linked) == 8 - 4
    assert all(listed_in(e) == ("ofac-sdn", "csl") for e in linked)
    bank = next(e for e in linked if e.entry_id == "SDN:306")
    assert bank.name == "BANCO NACIONAL DE CUBA"
    assert {"BNC", "NATIONAL BANK OF CUBA"} <= set(bank.aliases)
    # the CSL's addresses (Zurich, Madrid, Tokyo, Panama) are kept with OFAC's
    assert {a.country for a in bank.addresses} >= {"CH", "ES", "JP", "PA"}
    malkevich = next(e for e in linked if e.entry_id == "SDN:26235")
    assert malkevich.programs == ("CYBER2", "ELECTION-EO13848", "UKRAINE-EO13661")
    assert malkevich.dates_of_birth == ("14 Jun 1975", "1975-06-14")


def test_three_feeds_and_one_feed_entries() -> None:
    pairs = _pairs(
        ("csl", LISTS / "csl" / "consolidated-sample.csv"),  # SDN:21944 etc., not in OFAC's
        ("csl-2022", CSL_SDN_ROWS),
        ("ofac-sdn", LISTS / "ofac" / "sdn"),
        ("ofac-sdn-advanced", LISTS / "ofac" / "advanced" / "SDN_ADVANCED.XML"),
    )
    linked = link_entries(pairs)
    # 11 + 4 + 4 + 5 = 24 entries; 4 parties in three feeds, the vessel 15036 in one
    assert len(pairs) == 24 and len(linked) == 24 - 2 * 4
    bank = next(e for e in linked if e.entry_id == "SDN:306")
    assert listed_in(bank) == ("ofac-sdn-advanced", "ofac-sdn", "csl-2022")
    assert bank.listed_on is not None  # from the advanced XML's EntryEvent
    alone = next(e for e in linked if e.entry_id == "SDN:15036")
    assert listed_in(alone) == ()
    assert feed_rank("ofac-sdn") < feed_rank("csl") < feed_rank("custom:uflpa")


def test_un_transpositions_are_linked_not_merged() -> None:
    pairs = _pairs(
        ("un", LISTS / "un" / "consolidated-sample.xml"),
        ("eu", LISTS / "eu" / "eu-fsf-sample.xml"),
        ("uk", LISTS / "uk" / "UK-Sanctions-List-sample.csv"),
    )
    linked = {e.entry_id: e for e in link_entries(pairs)}
    assert len(linked) == len(pairs) == 4 + 3 + 4
    assert same_as(linked["UN:CDi.003"]) == ("EU:EU.3411.47", "UK:DRC0003")
    assert same_as(linked["EU:EU.3411.47"]) == ("UN:CDi.003",)
    assert same_as(linked["UK:DRC0003"]) == ("UN:CDi.003",)


def test_screening_reports_the_party_once_with_both_sources(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINWATCH_CACHE", str(tmp_path / "cache"))
    store = ListStore(open_engine(db_url))
    load_path(store, CSL_SDN_ROWS)
    load_path(store, LISTS / "ofac" / "sdn")
    snapshot = store.active()
    assert snapshot is not None and snapshot.entry_count == 8  # stored as published
    assert len(store.entries(snapshot)) == 8 and len(snapshot_entries(store, snapshot)) == 4
    hits = Screener(store).screen(Query(name="Banco Nacional de Cuba"), threshold=0.5)
    bank = [h for h in hits if h.entry_id == "SDN:306"]
    assert len(bank) == 1  # was two hits, one per feed
    assert bank[0].listed_in == ("ofac-sdn", "csl")
    assert match_to_dict(bank[0])["listed_in"] == ["ofac-sdn", "csl"]
    # an alias only the CSL gives finds the merged entry too
    alias_hits = Screener(store).screen(Query(name="National Bank of Cuba"), threshold=0.5)
    assert [h.entry_id for h in alias_hits][:1] == ["SDN:306"]


@pytest.mark.shared
@pytest.mark.slow
def test_real_csl_and_ofac_files_link_by_ent_num() -> None:
    """The 2022 CSL and OFAC's SDN (2024-05-03) and non-SDN (2025-12) files: every Treasury
    row of the CSL whose ent_num is still on OFAC's list is one party with the OFAC entry."""
    from conftest import shared_path

    lists = shared_path("lists")
    csl = parse_feed(lists / "us_csl" / "consolidated-2022.csv.gz")
    sdn = parse_feed(lists / "ofac" / "sdn-2024-05-03.csv")
    cons = parse_feed(lists / "ofac" / "consolidated-2025-12" / "cons_prim.csv")
    pairs = [("csl", e) for e in csl.entries] + [("ofac-sdn", e) for e in sdn.entries]
    pairs += [("ofac-cons", e) for e in cons.entries]
    csl_ids = {e.entry_id for e in csl.entries}
    both = (csl_ids & {e.entry_id for e in sdn.entries}) | (
        csl_ids & {e.entry_id for e in cons.entries}
    )
    assert (len(pairs), len(both)) == (14_160 + 14_965 + 442, 9_552 + 440)
    linked = link_entries(pairs)
    assert len(linked) == len(pairs) - len(both) == 19_575
    assert sum(1 for e in linked if listed_in(e)) == len(both)
    # the non-SDN codes the OFAC adapter derives from programs are the CSL's: SSI to SSI ...
    assert {e.source for e in linked if listed_in(e) and e.source != "SDN"} == {
        "SSI",
        "PLC",
        "CMIC",
        "NS-MBS",
        "CAP",
    }
