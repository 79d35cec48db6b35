"""Real list entries for the service tests (public-domain US government list data)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from chainwatch.model.lists import Address, ListEntry, ParsedFeed, entry_to_dict

HIKVISION = ListEntry(
    entry_id="EL:hikvision",
    source="EL",
    name="Hangzhou Hikvision Digital Technology Co., Ltd.",
    entity_type="company",
    programs=("EAR",),
    aliases=("Hikvision",),
    addresses=(Address("No. 555 Qianmo Road, Binjiang District, Hangzhou, 310052", "", "CN"),),
    countries=("CN",),
    federal_register="84 FR 54002",
    license_requirement="For all items subject to the EAR.",
    license_policy="Presumption of denial.",
)
DAHUA = ListEntry(
    entry_id="EL:dahua",
    source="EL",
    name="Zhejiang Dahua Technology Co., Ltd.",
    entity_type="company",
    programs=("EAR",),
    aliases=("Dahua Technology",),
    countries=("CN",),
    federal_register="84 FR 54002",
)
HUAWEI = ListEntry(
    entry_id="EL:huawei",
    source="EL",
    name="Huawei Technologies Co., Ltd.",
    entity_type="company",
    programs=("EAR",),
    countries=("CN",),
    federal_register="84 FR 22961",
)
ROSOBORONEXPORT = ListEntry(
    entry_id="SDN:10380",
    source="SDN",
    name="ROSOBORONEXPORT",
    entity_type="company",
    programs=("UKRAINE-EO13662", "RUSSIA-EO14024"),
    aliases=("ROSOBORONEKSPORT", "RUSSIAN DEFENSE EXPORT ROSOBORONEXPORT"),
    countries=("RU",),
)
SMIC = ListEntry(
    entry_id="EL:smic",
    source="EL",
    name="Semiconductor Manufacturing International Corporation",
    entity_type="company",
    programs=("EAR",),
    aliases=("SMIC",),
    countries=("CN",),
    federal_register="85 FR 83420",
)
# Added by a later list version in the monitoring tests (added to the Entity List in 2020).
DJI = ListEntry(
    entry_id="EL:dji",
    source="EL",
    name="SZ DJI Technology Co., Ltd.",
    entity_type="company",
    programs=("EAR",),
    aliases=("DJI",),
    countries=("CN",),
    federal_register="85 FR 83420",
)

BASE = (HIKVISION, DAHUA, HUAWEI, ROSOBORONEXPORT, SMIC)


def feed(*entries: ListEntry, name: str = "test-lists") -> ParsedFeed:
    return ParsedFeed(feed=name, format="entries-json", origin="tests", entries=entries)


def changed(entry: ListEntry, **fields: object) -> ListEntry:
    return dataclasses.replace(entry, **fields)  # type: ignore[arg-type]


def write_entries(
    path: Path, entries: tuple[ListEntry, ...] | list[ListEntry], name: str = "test-lists"
) -> Path:
    path.write_text(
        json.dumps({"feed": name, "entries": [entry_to_dict(e) for e in entries]}),
        encoding="utf-8",
    )
    return path


def filler(count: int, start: int = 0) -> list[ListEntry]:
    """Many plausible but fictitious companies, to make a load take a while."""
    words = [
        "Global",
        "Trading",
        "Precision",
        "Electronics",
        "Optical",
        "Marine",
        "Aero",
        "Systems",
        "Industrial",
        "Logistics",
        "Dynamics",
        "Photonics",
        "Materials",
    ]
    out = []
    for i in range(start, start + count):
        a, b, c = words[i % 13], words[(i // 13) % 13], words[(i // 169) % 13]
        out.append(
            ListEntry(
                entry_id=f"EL:fill{i}",
                source="EL",
                name=f"{a} {b} {c} Unit {i} Limited",
                entity_type="company",
                countries=("CN",),
            )
        )
    return out
