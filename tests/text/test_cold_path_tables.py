"""What a cold `chainwatch screen` reads instead of importing a library, checked against the
library.

* legal_forms_v3 calls rigour's org-type matcher through rigour._core (importing rigour.names
  costs ~0.1 s: normality, ICU, chardet): the flags it passes are rigour's defaults, and the
  results are rigour.names.org_types' own.
* text/countries reads pycountry's lookup from data/text/country_lookup.tsv: the table is what
  pycountry gives today (regenerate it with bench/build_country_lookup.py when pycountry changes).
"""

from __future__ import annotations

import pytest
from rigour.names import org_types
from rigour.text.normalize import Cleanup, Normalize

from chainwatch.text import countries, legal_forms_v3
from chainwatch.text.legal_forms_v3 import form_phrases

NAMES = [
    "Siemens Aktiengesellschaft",
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
    "общество с ограниченной ответственностью ромашка",
    "ACME Company Limited",
    "Foo GmbH & Co. KG",
    "Bank as Agent Ltd",
    "PT Bukit Asam Tbk",
    "Hikvision",
    "",
]


def test_the_flags_are_rigours_defaults() -> None:
    assert int(Normalize.CASEFOLD) == legal_forms_v3.RIGOUR_CASEFOLD
    assert int(Cleanup.Noop) == legal_forms_v3.RIGOUR_NOOP


@pytest.mark.parametrize("generic", [False, True])
def test_extract_equals_rigours(generic: bool) -> None:
    for name in [*NAMES, *form_phrases()]:
        text = name.casefold()
        expected = org_types.extract_org_types(text, generic=generic)
        assert legal_forms_v3.extract_org_types(text, generic=generic) == expected, name


def test_remove_equals_rigours() -> None:
    for name in [*NAMES, *form_phrases()]:
        text = name.casefold()
        expected = org_types.remove_org_types(text, replacement=" \ue000 ")
        assert legal_forms_v3.remove_org_types(text, replacement=" \ue000 ") == expected, name


def test_country_table_equals_pycountry() -> None:
    import pycountry

    assert countries._lookup() == countries.pycountry_lookup_table()
    assert countries._alpha2() == {c.alpha_2 for c in pycountry.countries}


@pytest.mark.parametrize(
    "value",
    [
        "CN",
        "cn",
        "Chn",
        "China",
        "Viet Nam",
        "Bolivia, Plurinational State of",
        "XX",
        "Nowhere",
        "156",
        "Türkiye",
    ],
)
def test_to_iso2_equals_pycountry(value: str) -> None:
    import pycountry

    countries.to_iso2.cache_clear()
    if value.casefold() in countries._EXTRA:
        expected = countries._EXTRA[value.casefold()]
    elif len(value) == 2:
        found = pycountry.countries.get(alpha_2=value.upper())
        expected = found.alpha_2 if found else ""
    else:
        try:
            expected = pycountry.countries.lookup(value).alpha_2
        except LookupError:
            expected = ""
    assert countries.to_iso2(value) == expected
