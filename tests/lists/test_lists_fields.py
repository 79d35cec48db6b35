"""Unit checks of the shared field rules: aliases, countries, dates, ids."""

from __future__ import annotations

from datetime import date

import pytest

from chainwatch.lists.fields import (
    IdAllocator,
    dates_in,
    infer_entity_type,
    name_and_aliases,
    split_aliases,
    stable_id,
)
from chainwatch.text.countries import to_iso2


@pytest.mark.parametrize(
    ("raw", "name", "aliases"),
    [
        (
            "Emal Bilal Construction Company (EBCC)",
            "Emal Bilal Construction Company (EBCC)",
            ["EBCC", "Emal Bilal Construction Company"],
        ),
        ("SIBERIAN AIRLINES D/B/A S7 AIRLINES", "SIBERIAN AIRLINES", ["S7 AIRLINES"]),
        ("PEARL (A.K.A. NEI-CHIEN CHU) LI", "PEARL LI", ["NEI-CHIEN CHU"]),
        ("Acme Corp f/k/a Old Acme Inc.", "Acme Corp", ["Old Acme Inc."]),
        (
            "Huawei Technologies (Australia) Pty Ltd.",
            "Huawei Technologies (Australia) Pty Ltd.",
            [],
        ),
        ("Ace Electronics (HK) Co., Limited", "Ace Electronics (HK) Co., Limited", []),
        (
            "China Aerospace Science and Industry Corporation (CASIC) 3rd Academy",
            "China Aerospace Science and Industry Corporation (CASIC) 3rd Academy",
            [],
        ),
        ("YK-AKA", "YK-AKA", []),
    ],
)
def test_name_and_aliases(raw: str, name: str, aliases: list[str]) -> None:
    assert name_and_aliases(raw) == (name, aliases)


def test_split_aliases() -> None:
    assert split_aliases("A Co.; and B Ltd.; C Institute.") == ["A Co.", "B Ltd.", "C Institute"]
    assert split_aliases(["Namhung Trading Corp., aka Namhung", "also known as: Karl Lee"]) == [
        "Namhung Trading Corp.",
        "Namhung",
        "Karl Lee",
    ]
    assert split_aliases(
        "National Development Complex (NDC), a.k.a., the following two aliases:"
    ) == ["National Development Complex (NDC)"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("China", "CN"),
        ("Burma", "MM"),
        ("Russia", "RU"),
        ("Crimea Region of Ukraine", "UA"),
        ("Korea, North", "KP"),
        ("People’s Republic of China", "CN"),
        ("UK", "GB"),
        ("Turkey", "TR"),
        ("Iran", "IR"),
        ("hk", "HK"),
        ("Kosovo", "XK"),
        ("Fishing Vessels", ""),
        ("", ""),
    ],
)
def test_to_iso2(value: str, code: str) -> None:
    assert to_iso2(value) == code


def test_dates_and_ids() -> None:
    assert dates_in("84 FR 54004, 10/9/19.\n85 FR 34505, 6/5/20") == [
        date(2019, 10, 9),
        date(2020, 6, 5),
    ]
    assert dates_in("91 FR 35189 (June 10, 2026)") == [date(2026, 6, 10)]
    assert dates_in("Listing Date (CMIC) 03 Jun 2021") == [date(2021, 6, 3)]
    # two-digit years padded to four, as the 2022 CSL has them for two Entity List entries
    assert dates_in("0097-06-30") == [date(1997, 6, 30)]
    assert dates_in("0017-05-26") == [date(2017, 5, 26)]
    assert stable_id("EL", "Acme", "China", "84 FR 1") == stable_id(
        "EL", " acme ", "CHINA", "84 FR 1"
    )
    ids = IdAllocator()
    assert [ids.take("X:1"), ids.take("X:1"), ids.take("X:2")] == ["X:1", "X:1#2", "X:2"]
    assert infer_entity_type("Adams, Ryan", "person") == "person"
    assert infer_entity_type("Example Trading Co., Ltd.", "person") == "company"
