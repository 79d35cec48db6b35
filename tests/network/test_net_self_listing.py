"""The listed company's view (issue 10): hand-computed self-listing cases.

The network, used by every test here (all numbers chosen by hand):

* product P: demand 100/day, revenue 50, margin 20 per unit; made at site S, owned by ME (the
  company, role ``self``, in CN). One P needs one each of A, B, C, D, E.
* A (SoC): SUS 100 %, US-origin, ECCN 5A992.c, unit cost 8; alternate ALT-A (CN) 100 % after
  120 days. 500 on hand.
* B (sensor): SJP 100 %, made in JP, US content 3 of 10 = 30 %; alternate ALT-B (CN) 50 %
  after 90 days. 1,000 on hand.
* C (DRAM): SKR 100 %, made in KR, US content 2 of 10 = 20 %. Nothing on hand.
* D (flash): STW 100 %, made in TW, marked a direct product of US technology, unit cost 2;
  alternate ALT-D (CN), also a direct product, 100 % after 60 days.
* E (PMIC): SUS2 60 % (US-origin, EAR99, unit cost 1) and SCN 40 % (CN, 0.8); alternate ALT-E
  (CN) 60 % after 60 days. 300 on hand. Capacities are blank everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainwatch.model.errors import InputError
from chainwatch.model.network import (
    BomEdge,
    Inventory,
    Item,
    Party,
    Site,
    Source,
    SupplyNetwork,
)
from chainwatch.network.self_listing import (
    ListingTerms,
    decide_self_listing,
    fdp_footnote,
    policy_from_text,
)
from chainwatch.resilience.network_adapter import ResilienceParams
from chainwatch.workflows.network import run_exposure, write_report

HUAWEI_REQ = "For all items subject to the EAR, see §§ 734.9(e) 1 and 744.11 of the EAR 2"


def network() -> SupplyNetwork:
    parts = ("A", "B", "C", "D", "E")
    return SupplyNetwork(
        name="hand",
        items=(
            Item("P", "Product", "product", 100, 50, 20, site_id="S", country="CN"),
            *(Item(p, f"part {p}", "component") for p in parts),
        ),
        bom=tuple(BomEdge("P", p, 1) for p in parts),
        parties=(
            Party("ME", "Me Vision Co.", "CN", roles=("self", "site_owner")),
            *(
                Party(p, f"{p} Inc.", c)
                for p, c in (
                    ("SUS", "US"),
                    ("SUS2", "US"),
                    ("SJP", "JP"),
                    ("SKR", "KR"),
                    ("STW", "TW"),
                    ("SCN", "CN"),
                    ("ALT-A", "CN"),
                    ("ALT-B", "CN"),
                    ("ALT-D", "CN"),
                    ("ALT-E", "CN"),
                )
            ),
        ),
        sites=(Site("S", "plant", "CN", owner="ME"),),
        sources=(
            Source("SUS", "A", 1.0, 8, origin_country="US", eccn="5A992.C", us_origin=True),
            Source("ALT-A", "A", 1.0, 9, origin_country="CN", is_alternate=True,
                   qualification_days=120),
            Source("SJP", "B", 1.0, 10, origin_country="JP", us_content_value=3),
            Source("ALT-B", "B", 0.5, 9, origin_country="CN", is_alternate=True,
                   qualification_days=90),
            Source("SKR", "C", 1.0, 10, origin_country="KR", us_content_value=2),
            Source("STW", "D", 1.0, 2, origin_country="TW", us_direct_product=True),
            Source("ALT-D", "D", 1.0, 2, origin_country="CN", us_direct_product=True,
                   is_alternate=True, qualification_days=60),
            Source("SUS2", "E", 0.6, 1.0, origin_country="US", eccn="EAR99", us_origin=True),
            Source("SCN", "E", 0.4, 0.8, origin_country="CN"),
            Source("ALT-E", "E", 0.6, 0.8, origin_country="CN", is_alternate=True,
                   qualification_days=60),
        ),
        inventory=(Inventory("S", "A", 500), Inventory("S", "B", 1000), Inventory("S", "E", 300)),
    )  # fmt: skip


def decisions(net: SupplyNetwork, requirement: str = "") -> dict[tuple[str, str], tuple[bool, str]]:
    terms = ListingTerms(
        "ME", license_requirement=requirement or ListingTerms("ME").license_requirement
    )
    listing = decide_self_listing(net, terms)
    return {(d.supplier, d.item_id): (d.subject_to_ear, d.basis) for d in listing.decisions}


def test_line_decisions_without_fdp_footnote() -> None:
    """Entry "For all items subject to the EAR (§ 744.11)", no FDP footnote; buyer in CN, so
    the de minimis level is 25 %:

    * SUS -> A: US-origin (5A992.c): subject; SUS2 -> E: US-origin EAR99: subject (the entry
      covers all items subject to the EAR, EAR99 included);
    * SJP -> B: 3 / 10 = 30 % > 25 %: subject by de minimis;
    * SKR -> C: 2 / 10 = 20 % <= 25 %: not subject;
    * STW -> D: a direct product, but no footnote: not subject;
    * every CN alternate and SCN: no US content: not subject.
    """
    d = decisions(network())
    assert d["SUS", "A"] == (True, "us-origin")
    assert d["SUS2", "E"] == (True, "us-origin")
    assert d["SJP", "B"] == (True, "de-minimis")
    assert d["SKR", "C"] == (False, "not-subject")
    assert d["STW", "D"] == (False, "not-subject")
    assert all(not d[k][0] for k in d if k[0].startswith("ALT") or k[0] == "SCN")
    listing = decide_self_listing(network(), ListingTerms("ME"))
    reason = next(x.reason for x in listing.decisions if x.supplier == "STW")
    assert "no foreign-direct-product footnote" in reason
    ear99 = next(x.reason for x in listing.decisions if x.supplier == "SUS2")
    assert "EAR99 included" in ear99


def test_line_decisions_with_fdp_footnote() -> None:
    """The Huawei licence requirement ("§§ 734.9(e) 1 and 744.11", footnote 1): STW -> D and
    the alternate ALT-D (both marked direct products) become subject (734.9(e)); SKR -> C (20 %,
    not a direct product) stays not subject; the rest as without the footnote."""
    d = decisions(network(), HUAWEI_REQ)
    assert d["STW", "D"] == (True, "foreign-direct-product")
    assert d["ALT-D", "D"] == (True, "foreign-direct-product")
    assert d["SKR", "C"] == (False, "not-subject")
    assert d["SJP", "B"] == (True, "de-minimis")


def test_de_minimis_level_for_e1_destination() -> None:
    """Buyer's destination IR (Country Group E:1): level 10 %, so SKR -> C at 20 % is subject."""
    listing = decide_self_listing(network(), ListingTerms("ME"), destination_country="IR")
    c = next(x for x in listing.decisions if x.supplier == "SKR")
    assert c.subject_to_ear and c.basis == "de-minimis" and c.de_minimis_level == 0.10


def test_presumption_of_denial_exposure_tts_ttr_and_stock() -> None:
    """Presumption of denial, entry without the FDP footnote (lines cut: SUS->A, SJP->B,
    SUS2->E):

    * A: 0 now, ALT-A 100 % after 120 days; B: 0 now, ALT-B 50 % after 90; E: 40 % (SCN) now,
      ALT-E brings it to 100 % after 60. P = min over its inputs: 0 now -> 100 units/day lost,
      revenue at risk 100 x 50 = 5,000/day, margin 2,000/day; after alternates min(1, 0.5, 1)
      = 0.5 -> 2,500/day revenue still at risk, no full recovery (B).
    * Resilience (ramp 30, usage 100/day of each part):
      A: TTR 120 + 30 = 150, TTS 500 / 100 = 5, PI (150 - 5) x 100 x 20 = 290,000,
         extra stock 100 x 150 - 500 = 14,500, holding 14,500 x 0.25 x 8 = 29,000 a year.
      B: TTR 90 + 30 = 120, TTS 1,000 / 100 = 10, PI (120 - 10) x 100 x 20 = 220,000,
         extra 100 x 120 - 1,000 = 11,000; 50 % stays lost after TTR (flagged).
      E: the SUS2 node is cut, SCN delivers 0.4 x 100 = 40/day (blank capacity = its share):
         TTR 60 + 30 = 90, TTS 300 / 60 = 5, PI (60 x 90 - 300) x 20 = 102,000,
         extra 0.6 x 100 x 90 - 300 = 5,100.
      All lines cut at once: TTS = 5 days.
    * Rise in component stock: extra value 14,500 x 8 + 11,000 x 10 + 5,100 x 0.9 = 230,590 on
      500 x 8 + 1,000 x 10 + 300 x 0.9 = 14,270 on hand: 1,615.9 %.
    """
    run = run_exposure(
        "", network=network(), designate=["self"], resilience_params=ResilienceParams()
    )
    s = run.report.summary
    assert s["revenue_at_risk_per_day"] == pytest.approx(5000)
    assert s["margin_at_risk_per_day"] == pytest.approx(2000)
    assert s["revenue_at_risk_after_alternates_per_day"] == pytest.approx(2500)
    assert run.inbound.product("P").recovery_days is None
    assert run.inbound.item("E").sourcing_now == pytest.approx(0.4)
    assert s["listing"]["policy_applied"] == "denial"
    assert s["listing"]["lines_subject_to_ear"] == 3
    plans = {r["item_id"]: r for r in run.report.tables["listing_resilience"]}
    assert set(plans) == {"A", "B", "E"}
    a, b, e = plans["A"], plans["B"], plans["E"]
    assert (a["ttr_days"], a["tts_days"]) == (150, pytest.approx(5))
    assert a["lost_margin_over_ttr"] == pytest.approx(290_000)
    assert a["extra_stock_units"] == pytest.approx(14_500)
    assert a["holding_cost"] == pytest.approx(29_000)
    assert (b["ttr_days"], b["tts_days"]) == (120, pytest.approx(10))
    assert b["lost_margin_over_ttr"] == pytest.approx(220_000)
    assert b["extra_stock_units"] == pytest.approx(11_000)
    assert "50%" in b["note"]
    assert (e["ttr_days"], e["tts_days"]) == (90, pytest.approx(5))
    assert e["lost_margin_over_ttr"] == pytest.approx(102_000)
    assert e["extra_stock_units"] == pytest.approx(5_100)
    assert all(p["covered_by_stock"] for p in plans.values())
    st = s["stockpile"]
    assert st["tts_all_cut_days"] == pytest.approx(5)
    assert st["recommended_rise_in_component_stock"] == pytest.approx(230_590 / 14_270, rel=1e-4)
    # the company's own plant is not cut by its own listing
    assert run.inbound.item("P").sourcing_now == 1.0


def test_fdp_entry_cuts_direct_products_and_their_alternates() -> None:
    """With the Huawei requirement (footnote 1) D is cut too, and its only alternate ALT-D is a
    direct product as well, so D never comes back: P after alternates = min(1, 0.5, 1, 0, 1)
    = 0 -> 5,000/day still at risk. D gets TTR = requalification 90 + ramp 30 = 120 days
    (assumptions) and, with nothing on hand, TTS 0 and extra stock 100 x 120 = 12,000."""
    run = run_exposure("", network=network(), designate=["self"], licence_requirement=HUAWEI_REQ)
    s = run.report.summary
    assert s["listing"]["fdp_footnote"] == "1"
    assert s["revenue_at_risk_after_alternates_per_day"] == pytest.approx(5000)
    d = {r["item_id"]: r for r in run.report.tables["listing_resilience"]}["D"]
    assert d["ttr_days"] == 120 and d["tts_days"] == pytest.approx(0)
    assert d["extra_stock_units"] == pytest.approx(12_000)
    assert "requalification_days" in d["ttr_basis"]


def test_case_by_case_policy_licences_return_after_lead_time() -> None:
    """Case-by-case, approval rate 0.5, licence lead time 30 days: every cut primary line comes
    back at half its share after 30 days, next to the alternates.

    A: licence 0.5 (30 d) + ALT-A 1.0 (120 d) -> 100 % after 120; B: licence 0.5 (30 d) +
    ALT-B 0.5 (90 d) -> 100 % after 90; E: 0.4 + licence 0.6 x 0.5 = 0.3 (30 d) + ALT-E 0.6
    (60 d) -> 100 % after 60. So P is fully back after max(120, 90, 60) = 120 days and nothing
    stays at risk after alternates and licences.

    Stock (ramp 30 days for alternates, none for licences), the shortfall summed step by step:
    A: 1.0 x 100 x 30 + 0.5 x 100 x (150 - 30) = 9,000 - 500 on hand = 8,500, TTR 150;
    B: 100 x 30 + 0.5 x 100 x (120 - 30) = 7,500 - 1,000 = 6,500, TTR 120;
    E: 0.6 x 100 x 30 + 0.3 x 100 x (90 - 30) = 3,600 - 300 = 3,300, TTR 90."""
    run = run_exposure(
        "",
        network=network(),
        designate=["self"],
        licence_policy="Case-by-case review",
        approval_rate=0.5,
        licence_lead_time_days=30,
    )
    s = run.report.summary
    assert s["listing"]["policy_applied"] == "case-by-case"
    assert s["revenue_at_risk_per_day"] == pytest.approx(5000)
    assert s["revenue_at_risk_after_alternates_per_day"] == pytest.approx(0)
    assert run.inbound.product("P").recovery_days == pytest.approx(120)
    b = run.inbound.item("B")
    assert b.sourcing_with_alternates == pytest.approx(1.0)
    assert b.qualification_days == 90 and "licence:SJP" in b.alternates
    plans = {r["item_id"]: r for r in run.report.tables["listing_resilience"]}
    assert (plans["A"]["extra_stock_units"], plans["A"]["ttr_days"]) == (8500, 150)
    assert (plans["B"]["extra_stock_units"], plans["B"]["ttr_days"]) == (6500, 120)
    assert plans["E"]["extra_stock_units"] == pytest.approx(3300)
    names = {a["name"] for a in run.report.tables["assumptions"]}
    assert {"listing.approval_rate", "listing.licence_lead_time_days"} <= names


def test_policy_and_footnote_parsing(shared: type) -> None:
    """Policies: denial, case-by-case (default rate 0.5, lead 60 days), mixed -> denial with a
    note, empty -> denial with a note. Footnotes read from the real Entity List extract: every
    Huawei entry citing 734.9(e) has a footnote; Hikvision's entry has none."""
    assert policy_from_text("Presumption of denial.").kind == "denial"
    cbc = policy_from_text("Case-by-case review.")
    assert (cbc.kind, cbc.approval_rate, cbc.licence_lead_time_days) == ("case-by-case", 0.5, 60)
    mixed = policy_from_text("Case-by-case review for 1A004.c; presumption of denial for all other")
    assert mixed.kind == "denial" and "mixed" in mixed.note
    assert "no policy stated" in policy_from_text("").note
    with pytest.raises(InputError):
        policy_from_text("Case-by-case review", approval_rate=1.5)
    assert fdp_footnote("For all items subject to the EAR. (See §§ 734.9(e) and 744.11) 4") == "4"
    assert fdp_footnote("see §§ 736.2(b)(3)(vi), and 744.11 of the EAR") == ""
    data = json.loads(
        shared.path("lists", "us_extract_2026-07", "bis_entity_list.json").read_text()
    )
    ents = data["entities"]
    huawei = [
        e for e in ents if e["name"].startswith("Huawei") and "734.9(e)" in (e["notes"] or "")
    ]
    assert huawei and all(fdp_footnote(e["notes"]) == "1" for e in huawei)
    cambricon = [e for e in ents if e["name"].startswith("Cambricon Technologies")]
    assert cambricon and fdp_footnote(cambricon[0]["notes"]) == "4"  # "734.9(e)(2) ... 4"
    hik = next(e for e in ents if e["name"].startswith("Hangzhou Hikvision"))
    assert fdp_footnote(hik["notes"]) is None


def test_narrower_requirement_is_flagged_for_review() -> None:
    """An MEU-style requirement ("items listed in Supplement No. 2 to part 744") is decided as
    all items subject to the EAR (worst case) and flagged; Hikvision's text is not flagged."""
    narrow = ListingTerms("ME", license_requirement="For items in supplement no. 2 to part 744")
    assert "worst case" in narrow.scope_note
    assert ListingTerms("ME", license_requirement=HUAWEI_REQ).scope_note == ""
    assert ListingTerms("ME").scope_note == ""


def test_self_needs_one_self_party() -> None:
    net = network()
    bare = SupplyNetwork(name="x", items=net.items, bom=net.bom, sources=net.sources,
                         parties=tuple(p for p in net.parties if p.id != "ME"))  # fmt: skip
    with pytest.raises(InputError, match="role 'self'"):
        run_exposure("", network=bare, designate=["self"])


def test_report_files(tmp_path: Path) -> None:
    """The report of a self listing carries the line decisions, the resilience table, the
    answer text and both pictures."""
    run = run_exposure("", network=network(), designate=["self"])
    written = {p.name for p in write_report(run, tmp_path / "r", picture="svg,png")}
    assert {"ear_decisions.csv", "listing_resilience.csv", "stockpile_answer.txt"} <= written
    assert {"network.svg", "network.png", "exposure.xlsx", "exposure.json"} <= written
    answer = (tmp_path / "r" / "stockpile_answer.txt").read_text()
    assert "Me Vision Co." in answer and "14,500" in answer


def test_self_listing_from_a_screen_reads_the_entry_licence_terms() -> None:
    """A screen of the company's own name hits an Entity List entry; its licence requirement
    (the Huawei FDP text) and policy come from the entry, so D (a direct product) is cut as in
    the FDP case: 5,000/day still at risk after alternates."""
    from chainwatch.model.screening import Match

    def screener(name: str, country: str) -> list[Match]:
        if name != "Me Vision Co.":
            return []
        return [
            Match("EL:42", "EL", "Me Vision Co., Ltd.", name, 0.97, (), ("CN",), "company", (),
                  "chainwatch-v2", "snap")
        ]  # fmt: skip

    asked: list[tuple[str, ...]] = []

    def licences(ids: object) -> dict[str, tuple[str, str]]:
        asked.append(tuple(ids))  # type: ignore[arg-type]
        return {"EL:42": (HUAWEI_REQ, "Presumption of denial")}

    run = run_exposure("", network=network(), screener=screener, entry_licences=licences)
    s = run.report.summary
    assert asked == [("EL:42",)]
    assert s["listing"]["entry"] == "screen: EL:42"
    assert s["listing"]["fdp_footnote"] == "1"
    assert s["listing"]["policy_applied"] == "denial"
    assert s["revenue_at_risk_after_alternates_per_day"] == pytest.approx(5000)
    assert "self listing" in run.scenario.name
