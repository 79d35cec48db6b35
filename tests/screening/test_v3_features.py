"""chainwatch-v3's feature table and token similarity: each function on its own."""

from __future__ import annotations

from chainwatch.model.lists import Address, Identifier
from chainwatch.screening import v3_features as F
from chainwatch.screening.v3_align import align, name_bound
from chainwatch.screening.v3_tokens import edit_budget, edit_similarity, token_similarity


def test_edit_budget_grows_with_length_and_counts_the_first_letter() -> None:
    assert [edit_budget(n) for n in (3, 4, 7, 8)] == [0, 1, 1, 2]
    assert token_similarity("hikvsion", "hikvision") == 0.9  # transposition = one edit
    assert token_similarity("jikvision", "hikvision") == 0.9  # first letter substituted
    assert token_similarity("huwei", "huawei") == 0.87
    assert token_similarity("zte", "zti") == 0.0  # no edit below four letters
    assert token_similarity("2021", "2012") == 0.0  # numbers are exact
    assert token_similarity("hikvision", "hkvsion") == 0.76  # two edits from eight letters
    assert edit_similarity(2, 7) == 0.0


def test_alignment_credits_the_listed_weight_and_forgives_extra_listed_words() -> None:
    exact = align(["siemens"], [9.0], ["siemens"], [9.0], 1.0, 0.6)
    assert exact.value == 1.0
    typo = align(["technolgy"], [9.5], ["technology"], [1.1], 1.0, 0.6)
    assert typo.earned == 0.9 * 1.1  # the misspelt word weighs what the listed one weighs
    extra_generic = align(["huawei"], [9.0], ["huawei", "technology"], [9.0, 0.4], 1.0, 0.6)
    missing_distinct = align(["huawei", "technology"], [9.0, 0.4], ["huawei"], [9.0], 1.0, 0.6)
    extra_distinct = align(["huawei"], [9.0], ["huawei", "hikvision"], [9.0, 9.0], 1.0, 0.6)
    assert extra_generic.value > 0.95 > extra_distinct.value
    assert missing_distinct.value > extra_distinct.value
    joined = align(["hikvision"], [9.0], ["hik", "vision"], [5.0, 4.0], 1.0, 0.6)
    assert joined.pairs == (("hikvision", "hik vision", 0.95),)
    initials_only = align(["j", "s"], [1.0, 1.0], ["john", "smith"], [5.0, 5.0], 1.0, 0.6)
    assert initials_only.value == 0.0  # an initial never stands alone
    initial = align(["j", "smith"], [1.0, 5.0], ["john", "smith"], [5.0, 5.0], 1.0, 0.35)
    assert 0.7 < initial.value < 1.0


def test_name_bound_is_above_the_alignment() -> None:
    a = align(["huawei", "tech"], [9.0, 1.0], ["huawei", "technology"], [9.0, 0.4], 1.0, 0.6)
    bound = name_bound(9.0, 9.0, 1.0, 9.4, 1.0, 0.6)
    assert a.value <= bound


def test_legal_forms_agree_and_conflict() -> None:
    assert F.legal_form_agreement(["ag"], ["ag"]) == (1.0, "both ag")
    assert F.legal_form_agreement(["co"], ["co"]) is None
    assert F.legal_form_conflict(["ag"], ["gmbh"]) is not None
    assert F.legal_form_conflict(["ag"], []) is None
    assert F.legal_form_against_type(["ltd"], "person") is not None
    assert F.legal_form_against_type(["ltd"], "company") is None


def test_series_qualifiers_acronyms_single_words() -> None:
    assert F.series_conflict(["x"], ["xi"]) is not None
    assert F.series_conflict([], ["ii"]) is not None
    assert F.series_conflict(["ii"], ["ii"]) is None
    assert F.qualifier_conflict(["hong kong"], ["singapore"])[0] == -1.0  # type: ignore[index]
    assert F.qualifier_conflict([], ["canada"])[0] == -0.5  # type: ignore[index]
    assert F.qualifier_conflict(["macau"], ["macau"]) is None
    assert F.acronym_only([("zte", "zte")], 1, "company") is not None
    assert F.acronym_only([("zte", "zte")], 0, "company") is None
    assert F.acronym_only([("xi", "xi")], 1, "person") is None
    assert F.single_word((1, 2), (0, 1)) is not None
    assert F.single_word((2, 1), (0, 0)) is None  # "hik vision" / "hikvision"
    assert F.single_word((2, 2), (0, 0)) is None
    assert F.single_word_edited((1, 1), [("sonos", "sonis", 0.87)]) == (
        -1.0,
        "one word, matched with an edit: 'sonos' ~ 'sonis'",
    )
    assert F.single_word_edited((1, 1), [("hikvision", "hik vision", 0.95)]) is None
    long_word = F.single_word_edited((1, 1), [("pskovnefteprodukt", "pskovnefteproduct", 0.9)])
    assert long_word is not None and -0.15 < long_word[0] < 0  # a long word: weak evidence
    assert F.words_disagree(["technology"], ["engineering"], "company") is not None
    assert F.words_disagree(["gil"], ["gi"], "person") is None


def test_evidence_given_with_the_query() -> None:
    assert F.country("China", frozenset({"CN"}))[0] == 1.0  # type: ignore[index]
    assert F.country("DE", frozenset({"CN"}))[0] == -1.0  # type: ignore[index]
    assert F.country("", frozenset({"CN"})) is None
    assert F.nationality("RU", frozenset({"RU"}), "person")[0] == 1.0  # type: ignore[index]
    assert F.nationality("RU", frozenset({"RU"}), "company") is None
    assert F.date_of_birth("1957-06-12", ["1957-06-12"])[0] == 1.0  # type: ignore[index]
    assert F.date_of_birth("1957", ["12 Jun 1957"])[0] == 0.6  # type: ignore[index]
    assert F.date_of_birth("1957", ["1958"]) is None  # a year apart: no evidence either way
    assert F.date_of_birth("1970", ["1957"])[0] == -1.0  # type: ignore[index]
    ident = [Identifier("USCC", "91330000733796106P", "CN")]
    assert F.identifier(["9133 0000 7337 96106P"], ident) is not None
    assert F.identifier(["123"], ident) is None
    addr = Address("No. 555 Qianmo Road, Hangzhou", "Hangzhou", "CN")
    assert F.address(frozenset({"qianmo", "road"}), [(frozenset({"qianmo", "road", "555"}), addr)])
    assert F.entity_type("person", "company") is not None
    assert F.entity_type("unknown", "company") is None


def test_weights_are_data_and_bound_the_bonus() -> None:
    table = F.load_weights("chainwatch-v3")
    assert table.version == "chainwatch-v3"
    assert table.max_bonus(["country", "legal_form_conflict"]) == table.weight("country")
    assert 0.0 < table.listed_loss_person < table.listed_loss_company <= table.query_loss


def test_legal_forms_of_different_laws_conflict() -> None:
    assert F.legal_form_conflict(["inc"], ["gmbh"]) is not None  # PTC Inc. / PTC GmbH
    assert F.legal_form_conflict(["inc"], ["fzco"]) is not None
    assert F.legal_form_conflict(["ooo"], ["fzco"]) is None  # a Russian company's UAE twin
    assert F.legal_form_conflict(["inc"], ["ltd"]) is None


def test_word_commonness_tells_common_words_from_brands() -> None:
    assert F.word_commonness("target") > 0.8
    assert F.word_commonness("cool") == 1.0
    assert 0.2 < F.word_commonness("atlas") < 0.6
    for brand in ("tencent", "hikvision", "netposa", "cambricon", "zzqx"):
        assert F.word_commonness(brand) == 0.0
    assert F.word_commonness("hik vision") == 0.0  # joined words are looked up joined
    assert F.word_commonness("holding") > 0.8  # the table is keyed by the plural fold


def test_common_word_weighs_a_lone_common_word() -> None:
    assert F.common_word((1, 2), [0.9]) == (-0.9, "one common word (commonness 0.90)")
    assert F.common_word((1, 1), [0.4]) is not None  # "Atlas" / "ATLAS" too
    assert F.common_word((1, 2), [0.0]) is None  # a brand
    assert F.common_word((2, 3), [0.9]) is None  # no side is one word
    assert F.common_word((1, 2), []) is None


def test_common_words_partial_needs_words_left_over() -> None:
    value = F.common_words_partial((2, 4), (0, 2), [0.8, 0.9])
    assert value is not None and value[0] == -0.8  # the rarest agreeing word decides
    assert F.common_words_partial((2, 2), (0, 0), [0.8, 0.9]) is None  # equal names
    assert F.common_words_partial((2, 3), (0, 1), [0.0, 0.9]) is None  # a brand agrees
    assert F.common_words_partial((1, 3), (0, 2), [0.9]) is None  # common_word's case


def test_common_word_edited_reads_a_real_word_as_meant() -> None:
    boston = F.common_word_edited([("boston", "boson", 0.87), ("tech", "tech", 1.0)], [0.84, 0.6])
    assert boston is not None and boston[0] == -0.84  # the exact word does not count
    assert F.common_word_edited([("hikvsion", "hikvision", 0.9)], [0.0]) is None  # a typo
    assert F.common_word_edited([("hikvision", "hik vision", 0.95)], [0.0]) is None  # joined
    assert F.common_word_edited([("cool", "cool", 1.0)], [1.0]) is None  # no edit


def test_company_words_against_person() -> None:
    assert F.company_words_against_person(["system"], "person") is not None
    assert F.company_words_against_person(["system"], "company") is None
    assert F.company_words_against_person([], "person") is None
