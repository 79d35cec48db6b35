"""The labelled pairs of bench/pairs_v3.py: plain rules checked by hand, and on the real lists
the split by entry (no entry on both sides), the categories, determinism."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import shared_path

import pairs_v3 as pv


def test_plain_key_sets_aside_legal_forms_and_exchange_suffixes() -> None:
    assert pv.plain_key("Alibaba Group Holding Ltd") == "alibaba group holding"
    assert pv.plain_key("HUDSON TECHNOLOGIES INC /NY") == "hudson technologies"
    assert pv.plain_key("Contemporary Amperex Technology Co., Limited/ADR") == (
        "contemporary amperex technology"
    )
    assert pv.plain_key("AKTSIONERNOE OBSHCHESTVO SHVABE") == "shvabe"
    assert pv.plain_key("Procter & Gamble") == "procter gamble"


def test_relation_of_two_names() -> None:
    assert pv.relation("ANSAR AL-ISLAM", "أنصار الاسلام") == "script"
    assert pv.relation("Hikvision", "Hangzhou Hikvision Digital Technology Co., Ltd.") == "short"
    assert pv.relation("ROTENBERG, Liliya Arkadievna", "ROTENBERG, Lilia Arkadiivna") == (
        "spelling"
    )
    assert pv.relation("Khouzestan Oxin Steel", "Oxin Steel Co") == "partial"
    assert pv.relation("Bank Melli Iran", "National Bank of Iran") == "translation"
    assert pv.relation("Dongguan Oasis Shoes", "Dongguan Lvzhou Shoes") == "translation"
    assert pv.relation("KHAN, Mustafa Hajji Muhammad", "SHAHJI, Ahmad") == "translation"
    assert pv.relation("SLEWA, Roodi", "SLAIWAH, Rudi") == "spelling"


def test_really_listed_needs_equal_keys_and_agreeing_legal_forms() -> None:
    listed = {
        pv.plain_key(n): [n]
        for n in ("Baidu, Inc.", "Alibaba Group Holding Limited", "PTC GMBH", "OPERA", "Hesai")
    }
    assert pv.really_listed("Baidu, Inc.", listed) == "Baidu, Inc."
    assert pv.really_listed("Alibaba Group Holding Ltd", listed) == "Alibaba Group Holding Limited"
    assert pv.really_listed("Hesai", listed) is None  # one word, no legal form
    assert pv.really_listed("PTC INC.", listed) is None  # Inc. is not GmbH
    assert pv.really_listed("Opera Ltd", listed) is None  # one word, the list names no form
    assert pv.really_listed("Opera", listed) is None
    assert pv.really_listed("Baidu Capital Inc.", listed) is None


def test_negative_categories() -> None:
    places = pv._place_words()
    assert pv._negative_category("Fund X", "Fund XI", ["x"], ["xi"], places) == "neg_series"
    assert (
        pv._negative_category(
            "Bank of China (Hong Kong)",
            "Bank of China (Singapore)",
            ["hong", "kong"],
            ["singapore"],
            places,
        )
        == "neg_qualifier"
    )
    assert pv._negative_category("Pars Tile", "Pars Sazeh", ["tile"], ["sazeh"], places) == (
        "neg_shared_words"
    )
    # leftovers that resemble each other may be two spellings of one name: not a negative
    spelt = pv._negative_category("Jiasibo Tech", "Jiasbo Tech", ["jiasibo"], ["jiasbo"], places)
    assert spelt is None
    assert pv._negative_category("Huawei", "Huawei Canada", [], ["canada"], places) == (
        "neg_qualifier"
    )
    assert pv._negative_category("Huawei", "Huawei Cloud", [], ["cloud"], places) is None


def test_parties_union_find_with_a_size_limit() -> None:
    parties = pv.Parties()
    assert parties.union("SDN:1", "UN:QDi.1")
    assert parties.find("UN:QDi.1") == parties.find("SDN:1") == "SDN:1"
    assert not parties.union("SDN:1", "SDN:2", max_size=2)
    assert parties.find("SDN:2") == "SDN:2"
    copy = parties.copy()
    copy.union("SDN:2", "SDN:3")
    assert parties.find("SDN:3") == "SDN:3"


def test_split_is_stable_and_near_seventy_thirty() -> None:
    keys = [f"SDN:{i}" for i in range(5000)]
    splits = Counter(pv.split_of(k) for k in keys)
    assert 0.27 < splits["eval"] / len(keys) < 0.33
    assert [pv.split_of(k) for k in keys[:50]] == [pv.split_of(k) for k in keys[:50]]


@pytest.fixture(scope="module")
def small_build() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The pair set of the smaller lists (UN, OFAC non-SDN, the 2026-07 extract, the
    OpenSanctions export when present) and 400 SEC names, built twice."""
    shared = shared_path("lists", "un", "consolidated-2026-02-27.xml").parents[2]
    records = [
        r
        for r in pv.load_records(shared)
        if r.feed in ("un2026", "cons2025", "os2026") or r.feed.startswith("x2026:")
    ]
    first, _ = pv.build(shared, records=records, sec_limit=400)
    second, _ = pv.build(shared, records=records, sec_limit=400)
    return first, second


@pytest.mark.shared
@pytest.mark.slow
def test_no_entry_on_both_sides_of_the_split(small_build: tuple) -> None:
    rows, _ = small_build
    sides: dict[str, set[str]] = {}
    for row in rows:
        for entry in (row["entry1"], row["entry2"]):
            sides.setdefault(entry, set()).add(row["split"])
    assert rows and all(len(s) == 1 for s in sides.values())
    assert {r["split"] for r in rows} == {"train", "eval"}
    assert not [r for r in rows if r["entry1"].startswith("OS:") and r["split"] == "train"]


@pytest.mark.shared
@pytest.mark.slow
def test_categories_and_labels_present(small_build: tuple) -> None:
    rows, _ = small_build
    categories = Counter((r["kind"], r["category"], r["label"]) for r in rows)
    for kind, category, label in [
        ("company", "alias_spelling", "1"),
        ("company", "alias_translation", "1"),
        ("person", "alias_script", "1"),
        ("company", "noise_substitute", "1"),
        ("company", "noise_legal_expand", "1"),
        ("person", "noise_swap_words", "1"),
        ("company", "neg_shared_words", "0"),
        ("company", "neg_sec", "0"),
        ("person", "neg_family_name", "0"),
    ]:
        assert categories[(kind, category, label)] > 0, (kind, category)
    assert all(r["label"] == ("0" if r["category"].startswith("neg_") else "1") for r in rows)
    assert all(r["name1"].casefold() != r["name2"].casefold() for r in rows)


@pytest.mark.shared
@pytest.mark.slow
def test_deterministic(small_build: tuple) -> None:
    first, second = small_build
    assert first == second


@pytest.mark.shared
@pytest.mark.slow
def test_written_files_round_trip(tmp_path: Path, small_build: tuple) -> None:
    rows, _ = small_build
    pv.write(rows[:50], tmp_path / "p.csv")
    assert pv.read(tmp_path / "p.csv") == rows[:50]
