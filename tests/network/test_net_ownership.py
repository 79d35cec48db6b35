"""OFAC 50 % / BIS affiliates fixed point, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from chainwatch.model.network import Designation, Ownership, Party, Scenario, SupplyNetwork
from chainwatch.network.ownership import (
    apply_ownership_rules,
    bis_affiliates_rule_status,
    describe_path,
)


def web(*stakes: tuple[str, str, float]) -> SupplyNetwork:
    ids = sorted({s[0] for s in stakes} | {s[1] for s in stakes})
    return SupplyNetwork(
        parties=tuple(Party(i, f"Company {i}") for i in ids),
        ownership=tuple(Ownership(*s) for s in stakes),
    )


# A is listed. A -60%-> B; A -30%-> C; B -25%-> C; B -25%-> E; C -25%-> E; C -5%-> D;
# E -40%-> D; D -50%-> E (a cycle D <-> E).
FIVE = web(
    ("A", "B", 0.60),
    ("A", "C", 0.30),
    ("B", "C", 0.25),
    ("B", "E", 0.25),
    ("C", "E", 0.25),
    ("C", "D", 0.05),
    ("E", "D", 0.40),
    ("D", "E", 0.50),
)


def sdn(pid: str) -> Scenario:
    return Scenario("t", (Designation(pid, "listed", ("SDN",)),), as_of=date(2026, 1, 1))


def test_five_company_web_with_cycle() -> None:
    result = apply_ownership_rules(FIVE, sdn("A"))
    # round 1: B (60 %); round 2: C = 30 % (A) + 25 % (B, blocked in round 1) = 55 %;
    # round 3: E = 25 % (B) + 25 % (C) = 50 %, exactly the threshold ("50 % or more");
    # round 4: D = 5 % (C) + 40 % (E) = 45 %: not blocked. D's 50 % in E is irrelevant.
    assert result.party_ids == {"A", "B", "C", "E"}
    derived = {d.party_id: d for d in result.derived()}
    assert derived["B"].aggregate_share == pytest.approx(0.60)
    assert derived["C"].aggregate_share == pytest.approx(0.55)
    assert derived["E"].aggregate_share == pytest.approx(0.50)
    assert all(d.basis == "ofac-50-percent" and d.lists == ("SDN",) for d in derived.values())
    # every derived designation shows the paths from the listed party
    assert sorted(describe_path(p) for p in derived["C"].paths) == [
        "A -[30%]-> C",
        "A -[60%]-> B -[25%]-> C",
    ]
    assert sorted(describe_path(p) for p in derived["E"].paths) == [
        "A -[30%]-> C -[25%]-> E",
        "A -[60%]-> B -[25%]-> E",
    ]


def test_single_pass_is_not_enough() -> None:
    # Summing only direct stakes of listed parties (one pass) would block B only.
    direct = {o.owned for o in FIVE.ownership if o.owner == "A" and o.share >= 0.5}
    assert direct == {"B"}
    assert apply_ownership_rules(FIVE, sdn("A")).party_ids - {"A"} == {"B", "C", "E"}


def test_stake_through_unblocked_intermediary_does_not_pass_through() -> None:
    # A listed holds 40 % of X (not blocked) which holds 100 % of Y; A holds 20 % of Y.
    # Look-through multiplication would give Y 0.2 + 0.4 = 60 %; the rule gives 20 %.
    net = web(("A", "X", 0.4), ("X", "Y", 1.0), ("A", "Y", 0.2))
    assert apply_ownership_rules(net, sdn("A")).party_ids == {"A"}


def test_aggregation_of_two_listed_owners() -> None:
    net = web(("A", "Z", 0.25), ("B", "Z", 0.25))
    scen = Scenario(
        "t",
        (Designation("A", "listed", ("SDN",)), Designation("B", "listed", ("SDN",))),
    )
    assert apply_ownership_rules(net, scen).party_ids == {"A", "B", "Z"}


def test_pure_cycle_terminates() -> None:
    net = web(("A", "B", 0.5), ("B", "C", 0.5), ("C", "B", 0.5), ("C", "A", 0.5))
    assert apply_ownership_rules(net, sdn("A")).party_ids == {"A", "B", "C"}


def test_bis_affiliates_rule_dates_and_most_restrictive_licence() -> None:
    assert bis_affiliates_rule_status(date(2025, 9, 28))[0] is False
    assert bis_affiliates_rule_status(date(2025, 9, 29))[0] is True
    assert bis_affiliates_rule_status(date(2025, 11, 9))[0] is True
    assert bis_affiliates_rule_status(date(2025, 11, 10))[0] is False
    assert bis_affiliates_rule_status(date(2026, 11, 9))[0] is False
    assert bis_affiliates_rule_status(date(2026, 11, 10))[0] is True

    net = web(("E1", "J", 0.3), ("E2", "J", 0.3))
    scen = Scenario(
        "t",
        (
            Designation("E1", "listed", ("EL",), license_policy="Case-by-case review"),
            Designation(
                "E2",
                "listed",
                ("EL",),
                license_requirement="For all items subject to the EAR",
                license_policy="Presumption of denial",
            ),
        ),
    )
    during = apply_ownership_rules(net, scen, as_of=date(2025, 10, 15))
    (j,) = during.designations["J"]
    assert j.basis == "bis-affiliates-rule"
    assert j.license_policy == "Presumption of denial"
    assert j.license_requirement == "For all items subject to the EAR"
    assert j.aggregate_share == pytest.approx(0.6)
    suspended = apply_ownership_rules(net, scen, as_of=date(2026, 3, 1))
    assert "J" not in suspended.designations
    assert any("suspended" in n for n in suspended.notes)
    # Entity List parties are not blocked by OFAC: the 50 % rule does not reach J.
    assert all(d.basis != "ofac-50-percent" for d in during.designations["J"])
