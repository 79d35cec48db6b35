"""Country groups of the EAR used by the de minimis rule, with their sources.

Source: Supplement No. 1 to 15 CFR Part 740, Country Group E — E:1 "Terrorist supporting
countries" and E:2 "Unilateral embargo" (https://www.ecfr.gov/current/title-15/subtitle-B/
chapter-VII/subchapter-C/part-740/appendix-Supplement%20No.%201%20to%20Part%20740).

* E:1: Iran (IR), North Korea (KP), Syria (SY).
* E:2: Cuba (CU).

15 CFR 734.4(c) applies the 10 % de minimis level to destinations in Country Group E:1 and E:2
(REFERENCE.md states E:1; Cuba, the only E:2 country, is included here because the current text
names both groups). Country groups change by rule (Sudan left E:1 after its state-sponsor
designation was rescinded in December 2020; Syria's controls were eased in 2025): **verify
against the eCFR before relying on them**, and override with ``lower_level_countries``.

For embargoed destinations (E:1 and E:2) even EAR99 items need a licence (15 CFR Parts 746 and
744), so US-origin EAR99 content counts as controlled content for them.
"""

from __future__ import annotations

COUNTRY_GROUP_E1: frozenset[str] = frozenset({"IR", "KP", "SY"})
COUNTRY_GROUP_E2: frozenset[str] = frozenset({"CU"})
EMBARGOED: frozenset[str] = COUNTRY_GROUP_E1 | COUNTRY_GROUP_E2
AS_OF = "2025-12 (Supplement No. 1 to Part 740; verify)"
SOURCE = "15 CFR Part 740, Supplement No. 1, Country Group E"


def lower_de_minimis_countries() -> frozenset[str]:
    """Destinations with the 10 % de minimis level (15 CFR 734.4(c)): E:1 and E:2."""
    return COUNTRY_GROUP_E1 | COUNTRY_GROUP_E2
