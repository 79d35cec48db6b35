from __future__ import annotations

import pytest

from chainwatch.text.countries import to_iso2
from chainwatch.text.legal_forms import split_cjk_legal_forms, split_legal_forms
from chainwatch.text.normalize import name_forms
from chainwatch.text.transliteration import romanised_key


def texts(name: str) -> list[str]:
    return [f.text for f in name_forms(name)]


@pytest.mark.parametrize(
    ("name", "expected", "forms"),
    [
        (
            "Hangzhou Hikvision Digital Tech. Limited",
            "hangzhou hikvision digital technology",
            ("LTD",),
        ),
        ("HIKVISION DIGITAL TECHNOLOGY CO LTD", "hikvision digital technology", ("LTD",)),
        ("Dahua Technology Co., Ltd.", "dahua technology", ("LTD",)),
        ("Banco Nacional S.A. de C.V.", "banco nacional", ("SA",)),
        ("ООО Ромашка", "romashka", ("RU",)),
        ("Siemens AG", "siemens", ("GMBH",)),
        ("Mr. Ali Reza O'Brien", "ali reza obrien", ()),
        ("Import & Export Co", "import export", ("CO",)),
        ("ＨＩＫＶＩＳＩＯＮ", "hikvision", ()),  # full-width folded by NFKC
    ],
)
def test_latin_and_romanised_forms(name: str, expected: str, forms: tuple[str, ...]) -> None:
    form = name_forms(name)[0]
    assert form.text == expected
    assert form.legal_forms == forms


def test_han_names_are_translated_and_romanised() -> None:
    forms = name_forms("杭州海康威视数字技术股份有限公司")
    assert [f.text for f in forms] == [
        "hangzhou hikvision digital technology",
        "hangzhou haikang weishi shuzi jishu",
    ]
    assert all(f.legal_forms == ("LTD",) for f in forms)


def test_traditional_and_simplified_fold_together() -> None:
    assert texts("杭州海康威視數字技術股份有限公司") == texts("杭州海康威视数字技术股份有限公司")


def test_hangul_greek_and_arabic_are_romanised() -> None:
    assert name_forms("삼성전자 주식회사")[0].legal_forms == ("KK",)
    assert texts("Ωμέγα") == ["omega"]
    assert texts("محمد")[0].isascii()


def test_legal_form_never_strips_the_whole_name() -> None:
    assert split_legal_forms(["company"]) == (["company"], [])
    assert split_cjk_legal_forms("公司") == ("公司", [])


def test_empty_and_punctuation_only_names_have_no_form() -> None:
    assert name_forms("") == ()
    assert name_forms(" .,; ") == ()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("China", "CN"),
        ("cn", "CN"),
        ("CHN", "CN"),
        ("Russia", "RU"),
        ("Korea, North", "KP"),
        ("", ""),
    ],
)
def test_countries(value: str, code: str) -> None:
    assert to_iso2(value) == code


def test_words_in_parentheses_may_be_left_out() -> None:
    assert texts("Global Technology Import & Export, S.A. (GTI)") == [
        "global technology import export sa gti",
        "global technology import export",
    ]
    # the name itself in parentheses: the words around it alone are no form of the name
    assert texts("Financial Corporation (Fincorp International), S.A.") == [
        "financial corporation fincorp international"
    ]


def test_repeated_words_abbreviations_and_more_legal_forms() -> None:
    assert texts("INSURANCE COMPANY SBERBANK INSURANCE LLC") == ["insurance company sberbank"]
    assert texts("Peng Cheng Lab") == texts("Peng Cheng Laboratory")
    assert texts("Shenzhen Shunjinxin IMP&EXP Co. Ltd.") == ["shenzhen shunjinxin import export"]
    for name in ("BEIRUT GEM SAL", "EUROGROUP ENGINEERING EAD", "VA BO EOOD"):
        assert name_forms(name)[0].legal_forms == ("SA",), name


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("moghaddam", "moqadam"),
        ("sovfracht", "sovfrakht"),
        ("otkritie", "otkrytie"),
        ("noor", "nour"),
        ("jemaah", "jamaah"),
        ("kontsern", "concern"),
        ("evrofinance", "evrofinans"),
    ],
)
def test_romanisations_of_one_word_share_a_key(one: str, other: str) -> None:
    assert romanised_key(one) == romanised_key(other)


@pytest.mark.parametrize(("one", "other"), [("hikvision", "hisense"), ("dahua", "huawei")])
def test_different_words_have_different_keys(one: str, other: str) -> None:
    assert romanised_key(one) != romanised_key(other)
