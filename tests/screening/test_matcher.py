"""Matcher behaviour on a handful of real listed names (CSL 2022 rows, public domain)."""

from __future__ import annotations

import pytest

from chainwatch.model.lists import Address, Identifier, ListEntry
from chainwatch.model.screening import Query
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD, Matcher
from chainwatch.screening.index import ScreeningIndex

ENTRIES = [
    ListEntry(
        "EL:hik",
        "EL",
        "Hangzhou Hikvision Digital Technology Co., Ltd.",
        "company",
        aliases=("Hikvision",),
        countries=("CN",),
        addresses=(
            Address("No. 555 Qianmo Road, Binjiang District, Hangzhou, 310052, CN", "", "CN"),
        ),
    ),
    ListEntry(
        "CMIC:30946",
        "CMIC",
        "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.",
        "company",
        aliases=("HIKVISION", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY"),
        countries=("CN",),
        identifiers=(Identifier("Unified Social Credit Code (USCC)", "91330000733796106P", "CN"),),
    ),
    ListEntry("EL:dahua", "EL", "Dahua Technology", "company", countries=("CN",)),
    ListEntry("DPL:dahua", "DPL", "DAHUA ELECTRONICS CORPORATION", "company", countries=("US",)),
    ListEntry("EL:huawei", "EL", "Huawei Technologies Co., Ltd.", "company", countries=("CN",)),
    ListEntry(
        "EL:bhd",
        "EL",
        "Beijing Huawei Digital Technologies Co., Ltd.",
        "company",
        countries=("CN",),
    ),
    ListEntry("SDN:melli", "SDN", "BANK MELLI IRAN", "company", countries=("IR",)),
    ListEntry(
        "SDN:rosneft",
        "SSI",
        "OPEN JOINT-STOCK COMPANY ROSNEFT OIL COMPANY",
        "company",
        aliases=("ROSNEFT",),
        countries=("RU",),
    ),
    ListEntry("SDN:abbas", "SDN", "'ABBAS, Rim", "person", countries=("SY",)),
    ListEntry(
        "EL:isv", "EL", "IS'Vision", "company", aliases=("Isvision Tech",), countries=("CN",)
    ),
] + [
    # filler so that token weights resemble a real list: many generic Chinese company names
    ListEntry(f"EL:f{i}", "EL", f"{city} {word} Technology Co., Ltd.", "company", countries=("CN",))
    for i, (city, word) in enumerate(
        (c, w)
        for c in ("Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Wuhan")
        for w in ("Aoxin", "Bluestar", "Cheng", "Dingtai", "Everbright", "Fenghuo", "Guoke")
    )
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(ScreeningIndex(ENTRIES, "test"))


@pytest.mark.parametrize(
    "name",
    [
        "Hikvision",
        "海康威视",
        "杭州海康威视数字技术股份有限公司",
        "Hangzhou Hikvision Digital Tech. Limited",
        "HIKVISION DIGITAL TECHNOLOGY CO LTD",
        "Hikvison",  # typo
        "Hik Vision",  # split differently
    ],
)
def test_hikvision_spellings_find_hikvision_first(matcher: Matcher, name: str) -> None:
    hits = matcher.screen(Query(name))
    assert hits, name
    assert "hikvision" in hits[0].listed_name.lower()
    assert hits[0].score >= DEFAULT_THRESHOLD


def test_dahua_does_not_return_hikvision(matcher: Matcher) -> None:
    hits = matcher.screen(Query("Dahua Technology Co., Ltd."))
    assert hits[0].entry_id == "EL:dahua"
    assert all("hikvision" not in h.listed_name.lower() for h in hits)


def test_generic_words_and_places_do_not_make_a_match(matcher: Matcher) -> None:
    assert matcher.screen(Query("Hangzhou Technology Co., Ltd.")) == []
    assert matcher.screen(Query("Beijing Trading Import & Export Co")) == []


def test_scores_are_bounded_explained_and_rise_with_evidence(matcher: Matcher) -> None:
    plain = matcher.screen(Query("Hangzhou Hikvision Digital Technology Co., Ltd."))[0]
    assert 0.0 < plain.score < 1.0
    features = {f.feature: f for f in plain.features}
    assert "name" in features and "hikvision" in features["name"].evidence
    with_country = matcher.screen(
        Query("Hangzhou Hikvision Digital Technology Co., Ltd.", country="China")
    )[0]
    assert with_country.score > plain.score
    with_id = matcher.screen(Query("Hikvision", identifiers=("91330000733796106P",)), limit=1)[0]
    assert with_id.entry_id == "CMIC:30946"
    assert any(f.feature == "identifier" for f in with_id.features)
    wrong_country = matcher.screen(Query("Hikvision", country="BR"), threshold=0.0)[0]
    assert wrong_country.score < matcher.screen(Query("Hikvision"))[0].score


def test_list_filter_and_entity_type(matcher: Matcher) -> None:
    hits = matcher.screen(Query("Hikvision", lists=("CMIC",)))
    assert [h.source for h in hits] == ["CMIC"]
    person = matcher.screen(Query("Rim Abbas"))
    assert person and person[0].entry_id == "SDN:abbas"  # free order of name parts
    as_company = matcher.screen(Query("Rim Abbas", entity_type="company"), threshold=0.0)
    assert as_company[0].score < person[0].score


def test_pair_scoring_uses_the_same_features(matcher: Matcher) -> None:
    same, features = matcher.score_pair("Hikvision", "Hangzhou Hikvision Digital Technology Co Ltd")
    other, _ = matcher.score_pair("Dahua Technology", "Hangzhou Hikvision Digital Technology")
    assert same >= DEFAULT_THRESHOLD > other
    assert features[0].feature == "name"


def test_romanisations_of_one_name_match(matcher: Matcher) -> None:
    """Spellings from different romanisation schemes earn more than a typo of the same size,
    and English words that merely share consonants earn nothing from it."""
    same, features = matcher.score_pair("Shahid Fakhar Moghaddam Group", "Shahid Fakhar Moqadam")
    assert same >= DEFAULT_THRESHOLD
    assert "'moghaddam'~'moqadam' (0.85)" in features[0].evidence
    assert matcher.score_pair("Coty Inc.", "Cotei")[0] < DEFAULT_THRESHOLD
