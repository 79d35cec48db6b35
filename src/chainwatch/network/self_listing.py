"""The listed company's view: "if *we* are put on the Entity List, what stops, and for how long".

When a company is added to the Entity List (15 CFR 744.11, Supplement No. 4 to Part 744), no
one may export, re-export or transfer to it any item **subject to the EAR** named in its entry's
licence requirement (usually "all items subject to the EAR") without a licence, and licence
applications are reviewed under the entry's licence review policy (usually a presumption of
denial). For the listed company this is an *inbound* problem: every source line of every part
it buys is either subject to the EAR (and then stops unless licensed) or not.

Decision for one source line (a supplier delivering a part to the listed buyer), in this order:

1. **US-origin** (``us_origin``, or made in the US): subject to the EAR wherever it is
   (15 CFR 734.3(a)(1)-(2)) — EAR99 included, since the entry covers all items subject to the
   EAR, not only those on the Commerce Control List.
2. **De minimis** (15 CFR 734.4, Supplement No. 2 to Part 734): a foreign-made part is subject
   when its US-origin content that needs a licence to this buyer exceeds the de minimis level
   for the buyer's destination (10 % for Country Group E:1/E:2, otherwise 25 %; none for items
   with no de minimis level). To a party on the Entity List *every* US-origin item needs a
   licence, so all US-origin content counts: ``us_content_value`` (falling back to
   ``us_controlled_content_value``) over the part's price.
3. **Foreign direct product** (15 CFR 734.9(e)): when the entry carries a foreign-direct-product
   footnote — read from its licence requirement text, e.g. "For all items subject to the EAR,
   see §§ 734.9(e) 1 and 744.11 of the EAR" on the Huawei entries (footnote 1) — a foreign-made
   part the source line marks as a direct product of US technology or software
   (``us_direct_product``) is subject. Without the footnote, 734.9(e) does not apply and the
   report says so.
4. Otherwise **not affected**, with the reason (foreign-made, US content at or below the level,
   not a direct product or no footnote).

Licence policy (the entry's review policy text, or one the user states):

* presumption of denial: affected supply is cut, and stays cut until non-US alternates are
  qualified;
* case-by-case (or presumption of approval): affected supply is cut for ``licence_lead_time_days``
  (the time to apply and be decided), after which ``approval_rate`` of it returns; both are
  labelled parameters (assumptions) printed with every report.

Worked example (tested in ``tests/network/test_net_self_listing.py``): a camera maker in China
(destination CN, de minimis level 25 %) buys a SoC from a US maker (EAR99): subject, US-origin;
an image sensor from Japan with 3 of 10 in US content: 30 % > 25 %, subject by de minimis; a
DRAM from Korea with 2 of 10: 20 % ≤ 25 %, not affected; a flash chip from Taiwan marked as a
US direct product: not affected under an entry without the footnote, subject under one with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from chainwatch.model.errors import InputError
from chainwatch.model.network import Assumption, Source, SupplyNetwork
from chainwatch.network.country_groups import lower_de_minimis_countries
from chainwatch.network.deminimis import LOWER_LEVEL, STANDARD_LEVEL

DEFAULT_REQUIREMENT = "For all items subject to the EAR. (See § 744.11 of the EAR)"
DEFAULT_POLICY = "Presumption of denial."
DEFAULT_CASE_BY_CASE_APPROVAL_RATE = 0.5
DEFAULT_LICENCE_LEAD_TIME_DAYS = 60.0

_FDP = re.compile(r"734\.9\s*\(\s*e\s*\)(?:\s*\(\s*(\d+)\s*\))?(?:\s+(\d+)\b)?", re.IGNORECASE)
_TRAILING_FOOTNOTE = re.compile(r"\)\s*(\d+)\s*$")
#: 734.9(e)(1) is the rule of Entity List footnote 1 (Huawei), 734.9(e)(2) that of footnote 4
#: (advanced computing and supercomputers, 2022); used only when the text gives no footnote.
_PARAGRAPH_FOOTNOTE = {"1": "1", "2": "4"}
_OLD_FDP = re.compile(r"736\.2\s*\(\s*b\s*\)\s*\(\s*3\s*\)\s*\(\s*vi\s*\)", re.IGNORECASE)


def fdp_footnote(license_requirement: str) -> str | None:
    """The foreign-direct-product footnote an entry's licence requirement carries, or None.

    ``"For all items subject to the EAR, see §§ 734.9(e) 1 and 744.11 of the EAR 2"`` (Huawei)
    -> ``"1"``; ``"For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR) 4"``
    (Dahua, 2022) -> ``"4"``; ``"(See §§ 734.9(e)(2) and 744.11 of the EAR) 4"`` (Cambricon)
    -> ``"4"`` (the footnote, not the paragraph); ``"... 734.9(e)(1) ..."`` -> ``"1"``; a
    reference to 734.9(e)
    without a number -> ``""``, and so does the rule's earlier place, ``§ 736.2(b)(3)(vi)``
    (Huawei entries before BIS moved the direct-product rules to § 734.9 in 2022);
    ``"For all items subject to the EAR. (See § 744.11 of the EAR)"`` (Hikvision) -> None.
    """
    text = license_requirement or ""
    m = _FDP.search(text)
    if m is None:
        return "" if _OLD_FDP.search(text) else None
    paragraph, after = m.group(1), m.group(2)
    if after:
        return after
    trailing = _TRAILING_FOOTNOTE.search(text.strip())
    if trailing:
        return trailing.group(1)
    return _PARAGRAPH_FOOTNOTE.get(paragraph or "", "")


PolicyKind = Literal["denial", "case-by-case", "approval"]


@dataclass(frozen=True, slots=True)
class LicencePolicy:
    """What the licence review policy does to affected supply (see the module doc)."""

    kind: PolicyKind
    approval_rate: float
    licence_lead_time_days: float
    text: str
    note: str = ""

    def assumptions(self) -> tuple[Assumption, ...]:
        out = [
            Assumption(
                "listing.licence_policy",
                self.kind,
                f"licence review policy applied ({self.text or 'none stated'})"
                + (f"; {self.note}" if self.note else ""),
            )
        ]
        if self.kind != "denial":
            out += [
                Assumption(
                    "listing.approval_rate",
                    self.approval_rate,
                    "share of the affected volume for which licences are granted (assumption)",
                ),
                Assumption(
                    "listing.licence_lead_time_days",
                    self.licence_lead_time_days,
                    "days from the listing until licensed supply resumes (assumption)",
                ),
            ]
        return tuple(out)


def policy_from_text(
    text: str,
    *,
    approval_rate: float | None = None,
    licence_lead_time_days: float | None = None,
) -> LicencePolicy:
    """Read a licence review policy: "presumption of denial" cuts affected supply;
    "case-by-case" and "presumption of approval" let ``approval_rate`` of it return after
    ``licence_lead_time_days`` (defaults 50 % / 100 % and 60 days, labelled assumptions).
    An empty or unrecognised text is treated as a presumption of denial (the usual policy,
    and the worst case), with a note; a mixed policy (denial for most items, case-by-case for
    some) is treated as denial with a note to review."""
    low = (text or "").casefold()
    if approval_rate is not None and not 0.0 <= approval_rate <= 1.0:
        raise InputError(f"approval rate {approval_rate:g} is not in [0, 1]", field="approval_rate")
    if licence_lead_time_days is not None and licence_lead_time_days < 0:
        raise InputError("licence lead time must not be negative", field="licence_lead_time_days")
    lead = (
        DEFAULT_LICENCE_LEAD_TIME_DAYS if licence_lead_time_days is None else licence_lead_time_days
    )
    denial = "presumption of denial" in low or "policy of denial" in low
    case = "case-by-case" in low or "case by case" in low
    approval = "presumption of approval" in low or ("approval" in low and not denial)
    if denial:
        note = (
            "mixed policy (case-by-case for some items): treated as presumption of denial; review"
            if case
            else ""
        )
        return LicencePolicy("denial", 0.0, lead, text, note)
    if case:
        rate = DEFAULT_CASE_BY_CASE_APPROVAL_RATE if approval_rate is None else approval_rate
        return LicencePolicy("case-by-case", rate, lead, text)
    if approval:
        return LicencePolicy(
            "approval", 1.0 if approval_rate is None else approval_rate, lead, text
        )
    note = (
        "no policy stated: presumption of denial assumed (15 CFR 744.11(b), the usual policy)"
        if not low.strip()
        else "policy text not recognised: presumption of denial assumed (worst case); review"
    )
    return LicencePolicy("denial", 0.0, lead, text, note)


@dataclass(frozen=True, slots=True)
class ListingTerms:
    """The entry the company is (or would be) listed under."""

    party_id: str
    lists: tuple[str, ...] = ("EL",)
    license_requirement: str = DEFAULT_REQUIREMENT
    license_policy: str = DEFAULT_POLICY
    origin: str = "hypothetical entry"  # or "screen: EL:..." / "named"
    entry_ids: tuple[str, ...] = ()

    @property
    def fdp_footnote(self) -> str | None:
        return fdp_footnote(self.license_requirement)

    @property
    def scope_note(self) -> str:
        """A warning when the requirement is not "all items subject to the EAR": every line
        is still decided as if it were (the worst case), and the text should be reviewed."""
        if "all items subject to the ear" in " ".join(self.license_requirement.casefold().split()):
            return ""
        return (
            "the licence requirement does not read 'all items subject to the EAR': every item "
            "subject to the EAR is treated as needing a licence (worst case); review the text"
        )


Basis = Literal["us-origin", "de-minimis", "foreign-direct-product", "not-subject"]


@dataclass(frozen=True, slots=True)
class EarDecision:
    """Whether one source line is subject to the EAR for the listed buyer, and why."""

    item_id: str
    item_name: str
    supplier: str
    supplier_name: str
    is_alternate: bool
    share_of_volume: float
    origin_country: str
    eccn: str
    subject_to_ear: bool
    basis: Basis
    us_content_ratio: float | None
    de_minimis_level: float | None
    reason: str


def _origin(source: Source, net: SupplyNetwork) -> tuple[bool, str]:
    item = net.item(source.item)
    country = (source.origin_country or "").upper()
    us = source.us_origin or country == "US"
    if not country and not source.us_origin:
        country = item.country.upper()
        us = us or item.us_origin or country == "US"
    return us, country or ("US" if us else "")


def decide_line(
    net: SupplyNetwork,
    source: Source,
    terms: ListingTerms,
    destination_country: str,
    *,
    lower_level_countries: frozenset[str] | None = None,
) -> EarDecision:
    """The decision for one source line (rules 1-4 of the module doc)."""
    item = net.item(source.item)
    party = net.party(source.supplier) if net.has_party(source.supplier) else None
    eccn = (source.eccn or item.eccn).upper()
    us, country = _origin(source, net)
    dest = destination_country.upper()
    lower = lower_de_minimis_countries() if lower_level_countries is None else lower_level_countries
    level = LOWER_LEVEL if dest in lower else STANDARD_LEVEL
    if not item.de_minimis_eligible:
        level = 0.0
    footnote = terms.fdp_footnote

    def out(subject: bool, basis: Basis, reason: str, ratio: float | None = None) -> EarDecision:
        return EarDecision(
            item_id=item.id,
            item_name=item.name,
            supplier=source.supplier,
            supplier_name=party.name if party else source.supplier,
            is_alternate=source.is_alternate,
            share_of_volume=source.share_of_volume,
            origin_country=country,
            eccn=eccn or ("EAR99" if us else ""),
            subject_to_ear=subject,
            basis=basis,
            us_content_ratio=ratio,
            de_minimis_level=None if basis == "us-origin" else level,
            reason=reason,
        )

    if source.supplier == terms.party_id:
        return out(False, "not-subject", "not affected: made by the listed company itself")
    if us:
        code = eccn or "EAR99"
        return out(
            True,
            "us-origin",
            f"US-origin item ({code}): subject to the EAR wherever it is (15 CFR 734.3(a)); the "
            f"entry covers all items subject to the EAR"
            + (", EAR99 included" if code == "EAR99" else ""),
            1.0,
        )
    content = source.us_content_value or source.us_controlled_content_value
    value = source.unit_cost or item.unit_cost
    if content > 0 and value <= 0:
        raise InputError(
            f"source {source.supplier} -> {source.item} states US content {content:g} but no "
            "unit cost to compare it with",
            field="unit_cost",
        )
    ratio = content / value if value > 0 else 0.0
    where = f"foreign-made ({country or 'origin not stated'})"
    if ratio > level or (level == 0.0 and content > 0):
        return out(
            True,
            "de-minimis",
            f"{where}; US-origin content {content:g} of {value:g} = {ratio:.1%} exceeds the "
            f"{level:.0%} de minimis level for {dest} (15 CFR 734.4): subject to the EAR",
            ratio,
        )
    dm = (
        f"US-origin content {content:g} of {value:g} = {ratio:.1%} does not exceed the "
        f"{level:.0%} de minimis level for {dest} (15 CFR 734.4)"
    )
    if source.us_direct_product and footnote is not None:
        label = f"footnote {footnote}" if footnote else "an FDP footnote"
        return out(
            True,
            "foreign-direct-product",
            f"{where}; {dm}; but it is a direct product of US technology or software and the "
            f"entry carries {label}: subject to the EAR (15 CFR 734.9(e))",
            ratio,
        )
    if source.us_direct_product:
        fdp = (
            "a direct product of US technology or software, but the entry carries no "
            "foreign-direct-product footnote, so 15 CFR 734.9(e) does not apply"
        )
    elif footnote is not None:
        fdp = "not marked as a direct product of US technology or software (15 CFR 734.9(e))"
    else:
        fdp = "the entry carries no foreign-direct-product footnote"
    return out(False, "not-subject", f"not affected: {where}; {dm}; {fdp}", ratio)


def ear_decisions(
    net: SupplyNetwork,
    terms: ListingTerms,
    destination_country: str,
    *,
    lower_level_countries: frozenset[str] | None = None,
) -> tuple[EarDecision, ...]:
    """Every source line (primary and alternate) of every bought item, decided."""
    return tuple(
        decide_line(net, s, terms, destination_country, lower_level_countries=lower_level_countries)
        for s in net.sources
    )


@dataclass(frozen=True, slots=True)
class SelfListing:
    """A self-listing scenario, decided: terms, policy, destination and every line."""

    terms: ListingTerms
    policy: LicencePolicy
    destination_country: str
    decisions: tuple[EarDecision, ...]

    def cut_lines(self) -> dict[tuple[str, str], str]:
        """Source lines (supplier, item) that stop on the listing, with the reason."""
        return {
            (d.supplier, d.item_id): f"subject to the EAR ({d.basis}), licence needed"
            for d in self.decisions
            if d.subject_to_ear
        }

    def licensed(self) -> dict[tuple[str, str], tuple[float, float]]:
        """Cut primary lines that return under the policy: (share returned, days until)."""
        if self.policy.kind == "denial" or self.policy.approval_rate <= 0:
            return {}
        return {
            (d.supplier, d.item_id): (self.policy.approval_rate, self.policy.licence_lead_time_days)
            for d in self.decisions
            if d.subject_to_ear and not d.is_alternate
        }

    def assumptions(self) -> tuple[Assumption, ...]:
        return (
            Assumption(
                "listing.destination_country",
                self.destination_country,
                "the listed buyer's destination, for the de minimis level (15 CFR 734.4)",
            ),
            Assumption(
                "listing.entry",
                self.terms.origin,
                f"licence requirement: {self.terms.license_requirement}",
            ),
            *self.policy.assumptions(),
        )


def self_party(net: SupplyNetwork) -> str:
    """The id of the one party with role ``self`` (InputError when none or several)."""
    ids = [p.id for p in net.parties if "self" in p.roles]
    if len(ids) != 1:
        raise InputError(
            "designating 'self' needs exactly one party with role 'self' in parties "
            f"(found {len(ids)}{': ' + ', '.join(ids) if ids else ''})",
            field="roles",
        )
    return ids[0]


def decide_self_listing(
    net: SupplyNetwork,
    terms: ListingTerms,
    *,
    destination_country: str = "",
    approval_rate: float | None = None,
    licence_lead_time_days: float | None = None,
    lower_level_countries: frozenset[str] | None = None,
) -> SelfListing:
    """Decide every source line for ``terms`` and read the policy (see the module doc)."""
    party = net.party(terms.party_id)
    dest = (destination_country or party.country).upper()
    if not dest:
        raise InputError(
            f"party {terms.party_id!r} has no country: give the buyer's destination",
            field="country",
        )
    policy = policy_from_text(
        terms.license_policy,
        approval_rate=approval_rate,
        licence_lead_time_days=licence_lead_time_days,
    )
    decisions = ear_decisions(net, terms, dest, lower_level_countries=lower_level_countries)
    return SelfListing(terms, policy, dest, decisions)


def decisions_by_line(listing: SelfListing) -> Mapping[tuple[str, str], EarDecision]:
    return {(d.supplier, d.item_id): d for d in listing.decisions}
