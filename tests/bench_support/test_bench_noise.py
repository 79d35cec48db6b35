"""The noise model of bench/noise.py: every kind does what its documentation says, on names
worked by hand, and the whole model is deterministic."""

from __future__ import annotations

import random

import pytest
from rapidfuzz.distance import OSA

from noise import EDIT_KINDS, KINDS, NEIGHBOURS, apply_noise, noisy


def test_keyboard_neighbours_are_touching_keys() -> None:
    assert set(NEIGHBOURS["g"]) == set("fhtybv")
    assert set(NEIGHBOURS["q"]) == set("wa")
    assert set(NEIGHBOURS["m"]) == set("njk")
    assert all(ch not in near for ch, near in NEIGHBOURS.items())
    # touching is symmetric
    assert all(ch in NEIGHBOURS[other] for ch, near in NEIGHBOURS.items() for other in near)


@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_one_edit_is_one_edit_in_one_word(kind: str) -> None:
    name = "Hangzhou Hikvision Digital Technology Co., Ltd."
    for seed in range(40):
        out = noisy(name, kind, seed)
        assert out is not None
        before, after = name.split(), out.split()
        assert len(before) == len(after)
        changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
        assert len(changed) == 1
        assert OSA.distance(*changed[0]) == 1


def test_substitution_uses_a_keyboard_neighbour_and_keeps_case() -> None:
    for seed in range(30):
        out = noisy("BANCO NACIONAL", "substitute", seed)
        assert out is not None and out.isupper()
        for a, b in zip("BANCO NACIONAL", out, strict=True):
            if a != b:
                assert b.lower() in NEIGHBOURS[a.lower()]


def test_edits_reach_the_first_letter() -> None:
    firsts = {noisy("Siemens", "substitute", seed)[0] for seed in range(200)}  # type: ignore[index]
    assert firsts - {"S"}, "the first letter is never edited"


def test_short_words_are_never_edited() -> None:
    assert apply_noise("ZTE", "substitute", random.Random(1)) is None
    for seed in range(30):
        out = noisy("ZTE Kangxun", "delete", seed)
        assert out is not None and out.startswith("ZTE ")


def test_two_edits_in_two_words_or_one_long_word() -> None:
    for seed in range(30):
        out = noisy("Procter & Gamble", "two_edits", seed)
        assert out is not None
        a, _, b = out.split()
        assert OSA.distance("Procter", a) == 1 and OSA.distance("Gamble", b) == 1
    out = noisy("Technologies", "two_edits", 3)
    assert out is not None and 1 <= OSA.distance("Technologies", out) <= 2
    assert noisy("Siemens AG", "two_edits", 0) is None  # one word of 4-7 letters only


def test_and_both_ways() -> None:
    assert noisy("Procter & Gamble", "and", 0) == "Procter and Gamble"
    assert noisy("PROCTER & GAMBLE", "and", 0) == "PROCTER AND GAMBLE"
    assert noisy("Bank of Commerce and Development", "and", 0) == "Bank of Commerce & Development"
    assert noisy("Siemens AG", "and", 0) is None


def test_legal_forms_expanded_and_dropped() -> None:
    assert noisy("Siemens AG", "legal_expand", 0) == "Siemens Aktiengesellschaft"
    assert noisy("Deutsche Bank GmbH", "legal_expand", 0) == (
        "Deutsche Bank Gesellschaft mit beschränkter Haftung"
    )
    assert noisy("Rostec LLC", "legal_expand", 0) == "Rostec Limited Liability Company"
    assert noisy("Huawei Technologies Co., Ltd.", "legal_expand", 0) == (
        "Huawei Technologies Company Limited"
    )
    assert noisy("CECOEX, S.A.", "legal_expand", 0) == "CECOEX SOCIEDAD ANONIMA"
    assert noisy("Cecoex, S.A.", "legal_expand", 0) == "Cecoex Sociedad Anonima"
    assert noisy("Huawei Technologies Co., Ltd.", "legal_drop", 0) == "Huawei Technologies"
    assert noisy("ACME TRADING LIMITED LIABILITY COMPANY", "legal_drop", 0) == "ACME TRADING"
    assert noisy("CECOEX, S.A.", "legal_drop", 0) == "CECOEX"
    assert noisy("Siemens", "legal_drop", 0) is None
    assert noisy("Ltd", "legal_drop", 0) is None


def test_swap_merge_split_keep_the_legal_form_in_place() -> None:
    assert noisy("Deutsche Bank GmbH", "swap_words", 0) == "Bank Deutsche GmbH"
    assert noisy("Deutsche Bank GmbH", "merge_split", 1) in {
        "DeutscheBank GmbH",
        *(f"{'Deutsche'[:k]} {'Deutsche'[k:]} Bank GmbH" for k in range(3, 6)),
    }
    assert noisy("Siemens AG", "swap_words", 0) is None
    assert noisy("AFONIN, Yuriy", "swap_words", 0) == "Yuriy, AFONIN"


def test_generic_word_dropped() -> None:
    assert noisy("Huawei Technologies Co., Ltd.", "generic_drop", 0) == "Huawei Co., Ltd."
    assert noisy("Lion Group", "generic_drop", 0) == "Lion"
    assert noisy("Trading Company", "generic_drop", 0) in {"Trading", "Company"}
    assert noisy("Siemens AG", "generic_drop", 0) is None


@pytest.mark.parametrize("kind", KINDS)
def test_deterministic_and_never_the_name_itself(kind: str) -> None:
    names = ["Huawei Technologies Co., Ltd.", "Procter & Gamble International Group", "BANCO X"]
    for name in names:
        first = [noisy(name, kind, seed) for seed in range(10)]
        assert first == [noisy(name, kind, seed) for seed in range(10)]
        assert name not in first


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError):
        noisy("Siemens AG", "shout", 0)
