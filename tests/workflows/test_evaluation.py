"""The labelled-pair construction: which aliases count as spellings of one name."""

from __future__ import annotations

import pytest

from chainwatch.workflows.evaluation import is_spelling_variant


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("Hangzhou Hikvision Digital Technology Co., Ltd.", "HIKVISION DIGITAL TECHNOLOGY CO LTD"),
        ("JAYSH AL-ADL", "JEISH AL-ADL"),  # transliteration
        ("Peng Cheng Laboratory", "Peng Cheng Lab"),  # abbreviation
        ("OXIN STEEL COMPANY", "KHOUZESTAN OXIN STEEL COMPANY"),  # an added word
        ("PACIFIC SHIPPING AND TRANSPORTATION LIMITED", "PACIFIC SHIPPING & TRANS"),
    ],
)
def test_spelling_variants(name1: str, name2: str) -> None:
    assert is_spelling_variant(name1, name2)
    assert is_spelling_variant(name2, name1)


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("Dongguan Oasis Shoes Co., Ltd", "Dongguan Lvzhou Shoes Co., Ltd"),  # translation
        ("General Bureau of Atomic Energy", "General Department of Atomic Energy"),
        ("BANK MELLI IRAN", "NATIONAL BANK OF IRAN"),
        ("Zavod Plastmass", "Plastics Plant"),  # most words translated
        ("GSS", "Global Security Systems"),  # an acronym
        ("SAKSOUK EXCHANGE", "SAKSOUK COMPANY FOR EXCHANGE AND MONEY TRANSFER"),  # short form
    ],
)
def test_not_spelling_variants(name1: str, name2: str) -> None:
    assert not is_spelling_variant(name1, name2)
    assert not is_spelling_variant(name2, name1)
