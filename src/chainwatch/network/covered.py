"""Covered telecommunications and video-surveillance equipment (NDAA FY2019 § 889; FCC
Covered List), found in a device inventory by vendor name and by MAC address prefix.

Rules and sources:

* John S. McCain NDAA for FY2019, Pub. L. 115-232, § 889(f)(3): "covered telecommunications
  equipment or services" means equipment produced by Huawei Technologies Company or ZTE
  Corporation (or any subsidiary or affiliate of such entities), and video surveillance and
  telecommunications equipment produced by Hytera Communications Corporation, Hangzhou Hikvision
  Digital Technology Company, or Dahua Technology Company (or any subsidiary or affiliate).
  Part A (procurement ban) from 13 Aug 2019, Part B (contracting with users) from 13 Aug 2020;
  FAR 52.204-24/-25/-26.
* FCC Covered List (47 CFR 1.50002; Secure and Trusted Communications Networks Act § 2), first
  published 12 Mar 2021: the same five companies' equipment; for Hytera, Hikvision and Dahua "to
  the extent it is used for the purpose of public safety, security of government facilities,
  physical security surveillance of critical infrastructure, and other national security
  purposes".
* MAC prefixes: the IEEE Registration Authority's public listing (MA-L ``oui.csv``, MA-M
  ``mam.csv``, MA-S ``oui36.csv``), as packaged by Debian's ``ieee-data``.

Subsidiaries, affiliates and brands below are those named in public filings and reporting; each
carries its relation and source. Ownership changes: **verify before relying on them**. Lorex
Technology was a Dahua subsidiary from 2018 until Dahua sold it in 2023, so a Lorex unit is
reported for review, not as covered. Honor was divested by Huawei in November 2020 and is not
matched.

Worked example (tested): a camera with vendor "EZVIZ" is covered (Hikvision brand, by vendor
name); a camera recorded as vendor "Generic" with MAC ``44:47:CC:12:34:56`` is covered by MAC
prefix (4447CC, registered to Hangzhou Hikvision Digital Technology Co.,Ltd.); a device from
"Shanghai Dahua Scale Factory" (an unrelated company whose name contains "Dahua") is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from chainwatch.model.network import Device

NDAA_889 = "NDAA FY2019 § 889(f)(3) (Pub. L. 115-232)"
FCC_COVERED_LIST = "FCC Covered List, 47 CFR 1.50002 (from 12 Mar 2021)"


@dataclass(frozen=True, slots=True)
class CoveredName:
    """A name (regular expression over normalised text) that identifies a covered company."""

    pattern: str
    label: str
    relation: str  # "company", "subsidiary", "brand", "affiliate", "former subsidiary"
    status: str  # "covered" or "review"
    source: str


@dataclass(frozen=True, slots=True)
class CoveredCompany:
    """One of the five companies named by § 889, with names that identify it."""

    company: str
    scope: str
    names: tuple[CoveredName, ...]


_FCC_SCOPE = (
    "video surveillance and telecommunications equipment, to the extent used for public "
    "safety, security of government facilities, physical security surveillance of critical "
    "infrastructure and other national security purposes (FCC Covered List)"
)

COVERED_COMPANIES: tuple[CoveredCompany, ...] = (
    CoveredCompany(
        "Huawei Technologies Company",
        "telecommunications equipment (any subsidiary or affiliate)",
        (
            CoveredName(r"\bhuawei\b", "Huawei", "company", "covered", NDAA_889),
            CoveredName(
                r"\bhisilicon\b",
                "HiSilicon",
                "subsidiary",
                "covered",
                "Huawei subsidiary; on the Entity List as a Huawei affiliate (84 FR 22961, 2019)",
            ),
            CoveredName(
                r"\bxfusion\b",
                "xFusion",
                "former business unit",
                "review",
                "xFusion Digital Technologies: Huawei's x86 server business, sold in 2021 "
                "(public reporting); units made before the sale may be Huawei equipment; verify",
            ),
        ),
    ),
    CoveredCompany(
        "ZTE Corporation",
        "telecommunications equipment (any subsidiary or affiliate)",
        (
            CoveredName(r"\bzte\b", "ZTE", "company", "covered", NDAA_889),
            CoveredName(r"\bzhongxing telecom", "ZTE", "company", "covered", NDAA_889),
            CoveredName(
                r"\bnubia\b",
                "Nubia",
                "affiliate",
                "review",
                "Nubia Technology: a ZTE handset subsidiary, in which ZTE later reduced its "
                "stake (ZTE annual reports); verify the ownership when the unit was made",
            ),
        ),
    ),
    CoveredCompany(
        "Hytera Communications Corporation",
        _FCC_SCOPE,
        (
            CoveredName(r"\bhytera\b", "Hytera", "company", "covered", NDAA_889),
            CoveredName(
                r"\bteltronic ag\b",
                "Teltronic AG",
                "name shared",
                "review",
                "registered as Teltronic AG, not Hytera's Teltronic S.A.U. (Zaragoza): verify",
            ),
            CoveredName(
                r"\bsepura\b",
                "Sepura",
                "subsidiary",
                "covered",
                "acquired by Hytera in 2017 (public reporting; verify current ownership)",
            ),
            CoveredName(
                r"\bteltronic\b",
                "Teltronic",
                "subsidiary",
                "covered",
                "acquired by Hytera in 2017 (public reporting; verify current ownership)",
            ),
            CoveredName(
                r"\bnorsat\b",
                "Norsat",
                "subsidiary",
                "covered",
                "acquired by Hytera in 2017 (public reporting; verify current ownership)",
            ),
        ),
    ),
    CoveredCompany(
        "Hangzhou Hikvision Digital Technology Company",
        _FCC_SCOPE,
        (
            CoveredName(r"\bhikvision\b", "Hikvision", "company", "covered", NDAA_889),
            CoveredName(
                r"\bezviz\b",
                "EZVIZ",
                "subsidiary",
                "covered",
                "Hangzhou EZVIZ Network Co., Ltd., a Hikvision subsidiary (Hikvision annual "
                "report; EZVIZ STAR Market prospectus)",
            ),
            CoveredName(r"\bhilook\b", "HiLook", "brand", "covered", "Hikvision product brand"),
            CoveredName(
                r"\bhikmicro\b",
                "HIKMICRO",
                "subsidiary",
                "covered",
                "Hangzhou Microimage Software Co., Ltd., a Hikvision subsidiary",
            ),
            CoveredName(
                r"\bhangzhou microimage\b",
                "HIKMICRO (Hangzhou Microimage Software)",
                "subsidiary",
                "covered",
                "legal name of HIKMICRO, a Hikvision subsidiary (Hikvision annual report); the "
                "IEEE registry lists its prefixes under this name",
            ),
            CoveredName(
                r"\bhikrobot\b",
                "Hikrobot",
                "subsidiary",
                "covered",
                "Hangzhou Hikrobot Co., Ltd., a Hikvision subsidiary",
            ),
        ),
    ),
    CoveredCompany(
        "Dahua Technology Company",
        _FCC_SCOPE,
        (
            CoveredName(r"\bdahua\b", "Dahua", "company", "covered", NDAA_889),
            CoveredName(
                r"\bimou\b",
                "Imou",
                "brand",
                "covered",
                "Dahua consumer brand (Hangzhou Huacheng Network Technology, a Dahua subsidiary)",
            ),
            CoveredName(
                r"\bhangzhou huacheng\b",
                "Imou (Hangzhou Huacheng Network Technology)",
                "subsidiary",
                "covered",
                "legal name of Imou's maker, a Dahua subsidiary (Dahua annual report); the IEEE "
                "registry lists its prefix under this name",
            ),
            CoveredName(
                r"\blorex\b",
                "Lorex",
                "former subsidiary",
                "review",
                "Dahua subsidiary 2018-2023 (bought from FLIR Systems in 2018, sold in 2023): "
                "units made while Dahua-owned may be covered; verify",
            ),
        ),
    ),
)

#: OEM rebrands: products of a covered company sold under another brand, as documented in public
#: reporting. Equipment *produced by* a covered company is covered whatever the label, but the
#: evidence here is reporting, so these are "review".
OEM_REBRANDS: tuple[tuple[str, str, str, str], ...] = (
    (
        r"\bamcrest\b",
        "Amcrest",
        "Dahua Technology Company",
        "Amcrest products reported as Dahua OEM (IPVM reporting, ipvm.com); verify the model",
    ),
    (
        r"\blt security\b|^lts$",
        "LTS (LT Security)",
        "Hangzhou Hikvision Digital Technology Company",
        "LTS products reported as Hikvision OEM (IPVM reporting, ipvm.com); verify the model",
    ),
)

#: Model numbering schemes specific enough to point at one maker: evidence for review only.
MODEL_SCHEMES: tuple[tuple[str, str, str], ...] = (
    (
        r"^i?ds-(2c[de]|2d[ef]|2xs|2td|2cv|7\d{3}|9\d{3}|k\d)",
        "Hangzhou Hikvision Digital Technology Company",
        "Hikvision numbering (DS-2CD… network cameras, DS-2DE… PTZ, DS-7xxx/9xxx recorders, "
        "DS-K… access control; Hikvision product pages)",
    ),
    (
        r"^(dh-)?(ipc-h[a-z]{1,4}\d{4}|sd\d{2}[a-z0-9]{3,}-|nvr\d{4}-\d|xvr\d{4})|^dh-",
        "Dahua Technology Company",
        "Dahua numbering (IPC-HFW/HDW/HDBW… cameras, SDxx… PTZ, NVRxxxx/XVRxxxx recorders, "
        "DH- prefix; Dahua product pages)",
    ),
)

#: Names that contain a covered name but belong to unrelated companies.
NOT_COVERED: tuple[tuple[str, str], ...] = (
    (r"\bshanghai dahua scale\b", "Shanghai Dahua Scale Factory: unrelated to Zhejiang Dahua"),
)


def normalise(name: str) -> str:
    """Lower case, punctuation to spaces, single spaces: ``"Hangzhou Hikvision Digital
    Technology Co.,Ltd."`` -> ``"hangzhou hikvision digital technology co ltd"``."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower()).split())


@dataclass(frozen=True, slots=True)
class NameHit:
    company: str
    name: CoveredName


def _unrelated(name: str) -> bool:
    text = normalise(name)
    return any(re.search(pattern, text) for pattern, _ in NOT_COVERED)


def match_vendor(name: str) -> NameHit | None:
    """The covered company a vendor or registrant name identifies, if any."""
    text = normalise(name)
    if not text:
        return None
    for pattern, _ in NOT_COVERED:
        if re.search(pattern, text):
            return None
    for company in COVERED_COMPANIES:
        for cname in company.names:
            if re.search(cname.pattern, text):
                return NameHit(company.company, cname)
    return None


def normalise_mac(mac: str) -> str:
    """12 upper-case hex digits, or "" when ``mac`` is not a MAC-48 address."""
    digits = re.sub(r"[^0-9A-Fa-f]", "", mac).upper()
    return digits if len(digits) == 12 else ""


@dataclass(frozen=True, slots=True)
class OuiRegistry:
    """IEEE assignments: prefix (6, 7 or 9 hex digits) -> (registry, organisation)."""

    assignments: Mapping[str, tuple[str, str]]
    origin: str = ""

    def lookup(self, mac: str) -> tuple[str, str, str] | None:
        """``(prefix, registry, organisation)`` for the longest assigned prefix of ``mac``."""
        digits = normalise_mac(mac)
        if not digits:
            return None
        for length in (9, 7, 6):
            hit = self.assignments.get(digits[:length])
            if hit is not None:
                return digits[:length], hit[0], hit[1]
        return None


def oui_registry_from_rows(rows: Iterable[Sequence[str]], origin: str = "") -> OuiRegistry:
    """From rows ``Registry, Assignment, Organization Name, ...`` (the IEEE CSV layout)."""
    out: dict[str, tuple[str, str]] = {}
    for row in rows:
        if len(row) < 3 or row[0] == "Registry":
            continue
        out[row[1].strip().upper()] = (row[0].strip(), row[2].strip())
    return OuiRegistry(out, origin)


@dataclass(frozen=True, slots=True)
class CoveredFinding:
    """The verdict for one device, with the evidence for it."""

    device_id: str
    vendor: str
    model: str
    mac: str
    status: str  # "covered", "review", "not covered"
    company: str
    relation: str
    matched_by: tuple[str, ...]  # "vendor name", "MAC prefix"
    evidence: tuple[str, ...]
    scope: str

    @property
    def covered(self) -> bool:
        return self.status == "covered"


def fuzzy_targets() -> tuple[tuple[str, NameHit], ...]:
    """Plain names of every covered company, subsidiary and brand (for a fuzzy matcher):
    ``("Hikvision", hit)``, ``("Hangzhou Microimage Software", hit)`` ..."""
    out: list[tuple[str, NameHit]] = []
    for company in COVERED_COMPANIES:
        out.append((company.company, NameHit(company.company, company.names[0])))
        for cname in company.names:
            label, _, inner = cname.label.partition(" (")
            for plain in (label, inner.rstrip(")")):
                if plain:
                    out.append((plain, NameHit(company.company, cname)))
    return tuple(dict((n.casefold(), (n, h)) for n, h in out).values())


#: A fuzzy vendor-name matcher: name -> (hit, score, the covered name it resembles) or None.
FuzzyMatcher = Callable[[str], "tuple[NameHit, float, str] | None"]


def _review(company: str, label: str, relation: str, source: str) -> NameHit:
    return NameHit(company, CoveredName("", label, relation, "review", source))


def match_rebrand(name: str) -> NameHit | None:
    text = normalise(name)
    for pattern, label, company, source in OEM_REBRANDS:
        if text and re.search(pattern, text):
            return _review(company, label, "OEM rebrand (reported)", source)
    return None


def match_model(model: str) -> NameHit | None:
    text = model.strip().lower()
    for pattern, company, scheme in MODEL_SCHEMES:
        if text and re.search(pattern, text):
            return _review(company, model, "model number", scheme)
    return None


def check_devices(
    devices: Iterable[Device],
    registry: OuiRegistry | None = None,
    *,
    fuzzy: FuzzyMatcher | None = None,
) -> tuple[CoveredFinding, ...]:
    """Check every device by vendor name and, when a registry is given, by MAC prefix.

    Vendor names are matched against the covered names (regular expressions), then against
    documented OEM rebrands, then — when ``fuzzy`` is given (the workflow passes the screening
    matcher) — as spelling variants ("Hikvison", "Hik-Vision"); a model number in a maker's
    unambiguous numbering scheme is evidence too. Rebrands, spelling variants and model
    numbers alone give "review", never "covered": a person confirms them."""
    scopes = {c.company: c.scope for c in COVERED_COMPANIES}
    findings = []
    for dev in devices:
        hits: list[tuple[str, NameHit, str]] = []
        notes: list[str] = []
        by_name = match_vendor(dev.vendor)
        if by_name:
            hits.append(
                (
                    "vendor name",
                    by_name,
                    f"vendor {dev.vendor!r} matches {by_name.name.label} "
                    f"({by_name.name.relation} of {by_name.company}; {by_name.name.source})",
                )
            )
        elif dev.vendor and (rebrand := match_rebrand(dev.vendor)):
            hits.append(
                (
                    "OEM rebrand",
                    rebrand,
                    f"vendor {dev.vendor!r}: {rebrand.name.label}, {rebrand.name.source}",
                )
            )
        elif (
            dev.vendor
            and not _unrelated(dev.vendor)
            and fuzzy is not None
            and (near := fuzzy(dev.vendor))
        ):
            hit, score, like = near
            hits.append(
                (
                    "vendor name (spelling variant)",
                    _review(
                        hit.company, hit.name.label, f"spelling variant of {like}", hit.name.source
                    ),
                    f"vendor {dev.vendor!r} resembles {like!r} ({hit.name.relation} of "
                    f"{hit.company}), screening matcher score {score:.2f}: confirm",
                )
            )
        digits = normalise_mac(dev.mac)
        if dev.mac and not digits:
            notes.append(f"MAC {dev.mac!r} is not a 48-bit address")
        if digits and int(digits[:2], 16) & 0x02:
            notes.append("MAC is locally administered (randomised): its prefix names no vendor")
        elif digits and registry is not None:
            found = registry.lookup(digits)
            if found is None:
                notes.append(f"MAC prefix {digits[:6]} not in the IEEE registry extract")
            else:
                prefix, reg, org = found
                by_mac = match_vendor(org)
                if by_mac:
                    hits.append(
                        (
                            "MAC prefix",
                            by_mac,
                            f"MAC prefix {prefix} ({reg}) registered to {org!r}: "
                            f"{by_mac.name.relation} of {by_mac.company}",
                        )
                    )
                else:
                    notes.append(f"MAC prefix {prefix} ({reg}) registered to {org!r}")
        by_model = match_model(dev.model) if dev.model else None
        if by_model is not None:
            agrees = any(h[1].company == by_model.company for h in hits)
            if hits and not agrees:
                notes.append(
                    f"model {dev.model!r} follows {by_model.name.source.split(' (')[0]}, "
                    f"of {by_model.company}: check the vendor"
                )
            elif not hits:
                hits.append(
                    (
                        "model number",
                        by_model,
                        f"model {dev.model!r} follows {by_model.name.source}: evidence for "
                        "review, not proof",
                    )
                )
            else:
                notes.append(f"model {dev.model!r} agrees: {by_model.name.source}")
        if hits:
            ranked = sorted(hits, key=lambda h: h[1].name.status != "covered")
            best = ranked[0][1]
            status = best.name.status
            company, relation = best.company, best.name.relation
        else:
            status, company, relation = "not covered", "", ""
        findings.append(
            CoveredFinding(
                device_id=dev.id,
                vendor=dev.vendor,
                model=dev.model,
                mac=dev.mac,
                status=status,
                company=company,
                relation=relation,
                matched_by=tuple(dict.fromkeys(h[0] for h in hits)),
                evidence=tuple(h[2] for h in hits) + tuple(notes),
                scope=scopes.get(company, ""),
            )
        )
    return tuple(findings)
