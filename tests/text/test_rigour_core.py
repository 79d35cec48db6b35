"""legal_forms_v3 calls rigour's org-type matcher through rigour._core (importing
rigour.names costs a cold `chainwatch screen` ~0.1 s: normality, ICU, chardet): the flags it
passes are rigour's defaults, and the results are rigour.names.org_types' own."""

from __future__ import annotations

import pytest
from rigour.names import org_types
from rigour.text.normalize import Cleanup, Normalize

from chainwatch.text import legal_forms_v3
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
