"""Designation risk from the lists' history: hand-computed rates, waves and loading, scores,
snapshot dating in a real store, probability files, the CLI, and the backtest on real lists."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from chainwatch.cli.main import app as main_app
from chainwatch.cli.resilience import app as resilience_app
from chainwatch.model.errors import InputError
from chainwatch.model.lists import ListEntry, ParsedFeed
from chainwatch.resilience import history as h
from chainwatch.resilience.problem import Disruption
from chainwatch.resilience.ttr import TtrDistribution
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows import risk as wf

AS_OF = date(2020, 1, 1)
FOUR_YEARS = h.RiskParams(lookback_years=4.0, prior_events=1.0, horizon_days=365.25)


def _meu_dpl_parties() -> list[h.Party]:
    """One MEU party added to the EL on the as-of day (1 designation in 4 party-years) and
    four DPL parties never designated (16 party-years), all in CN."""
    old = date(2010, 1, 1)
    parties = [
        h.Party(
            "Alpha Institute",
            "CN",
            (
                h.Listing("Alpha Institute", "MEU", "CN", listed_on=old),
                h.Listing("Alpha Institute", "EL", "CN", listed_on=AS_OF),
            ),
        )
    ]
    for i in range(4):
        parties.append(
            h.Party(f"Trader {i}", "CN", (h.Listing(f"Trader {i}", "DPL", "CN", listed_on=old),))
        )
    return parties


def test_rates_match_the_worked_example() -> None:
    """Module docstring: lambda_0 = 1/20; lambda_MEU = 2/24 = 1/12; lambda_DPL = 1/36;
    E_CN = 4/12 + 16/36 = 7/9; r_CN = 2 / (16/9) = 9/8; p = 1 - exp(-0.09375) = 0.0895."""
    model = h.fit(_meu_dpl_parties(), AS_OF, FOUR_YEARS)
    assert model.constant_rate_per_year == pytest.approx(1 / 20)
    assert model.states["MEU"].events == 1
    assert model.states["MEU"].exposure_years == pytest.approx(4.0)
    assert model.states["DPL"].exposure_years == pytest.approx(16.0)
    assert model.states["MEU"].rate_per_year == pytest.approx(1 / 12)
    assert model.states["DPL"].rate_per_year == pytest.approx(1 / 36)
    obs, expected, ratio = model.countries["CN"]
    assert (obs, expected, ratio) == (1, pytest.approx(7 / 9), pytest.approx(9 / 8))
    newcomer = h.Party("Beta Lab", "CN", (h.Listing("Beta Lab", "MEU", "CN", listed_on=AS_OF),))
    risk = h.estimate(model, newcomer, "Beta Lab")
    assert risk.probability == pytest.approx(1 - math.exp(-0.09375))
    assert risk.basis == "transition"
    assert any("1 designations in 4.0 party-years" in e for e in risk.evidence)
    assert any("x1.12" in e for e in risk.evidence)


def test_unlisted_and_listed_parties() -> None:
    model = h.fit(_meu_dpl_parties(), AS_OF, FOUR_YEARS)
    # on every target list already: designated
    both = h.Party(
        "Gamma",
        "CN",
        (
            h.Listing("Gamma", "EL", "CN", listed_on=date(2015, 1, 1)),
            h.Listing("Gamma", "SDN", "CN", listed_on=date(2016, 1, 1)),
        ),
    )
    assert h.estimate(model, both, "Gamma").probability == 1.0
    # on no list, no country: exactly p_ref
    assert h.estimate(model, None, "Nobody").probability == pytest.approx(0.002)
    # CN had 1 target addition in 4 years (0.25/year); the only country with additions, so
    # the multiplier is (0.25 + 1) / (0.25 + 1) = 1
    assert h.estimate(model, None, "Nobody", "CN").probability == pytest.approx(0.002)
    assert model.country_multiplier("DE") == pytest.approx(1 / 1.25)


def test_fit_ignores_what_was_not_known_at_the_cutoff() -> None:
    """An SDN snapshot after the as-of date changes nothing in the fit (no leakage)."""
    parties = _meu_dpl_parties()
    base = h.fit(parties, AS_OF, FOUR_YEARS)
    later = h.Listing(
        "Trader 0", "SDN", "CN", listed_after=date(2019, 6, 1), seen_on=date(2020, 6, 1)
    )
    parties[1] = h.Party("Trader 0", "CN", (*parties[1].listings, later))
    again = h.fit(parties, AS_OF, FOUR_YEARS)
    assert again.states == base.states and again.countries == base.countries


def test_interval_dating() -> None:
    x = h.Listing("X", "SDN", listed_after=date(2019, 1, 1), seen_on=date(2022, 4, 21))
    assert x.added_in(date(2019, 1, 1), date(2022, 4, 21)) is True
    assert x.added_in(date(2022, 4, 21), date(2024, 5, 3)) is False
    assert x.added_in(date(2021, 1, 1), date(2024, 5, 3)) is None  # straddles the cut-off
    assert x.event_day() == date(2020, 8, 26)  # middle of the 1,206-day interval
    assert not x.known_by(date(2022, 4, 20)) and x.known_by(date(2022, 4, 21))
    first = h.Listing("Y", "SDN", seen_on=date(2019, 1, 1))
    assert first.event_day() is None and first.added_in(date(2018, 1, 1), date(2020, 1, 1)) is None


def test_parties_linked_by_name_but_not_by_acronym() -> None:
    parties = h.group_parties(
        [
            h.Listing("Academy of Aerospace Solid Propulsion Technology (AASPT)", "MEU", "CN"),
            h.Listing("Academy of Aerospace Solid Propulsion Technology", "EL", "CN"),
            h.Listing("China Aviation Engine Group Co., Ltd", "CMIC", "CN", aliases=("AECC",)),
            h.Listing("Aecc", "EL", "RU"),
        ]
    )
    by_name = {p.name: sorted(x.list_code for x in p.listings) for p in parties}
    assert by_name["Academy of Aerospace Solid Propulsion Technology (AASPT)"] == ["EL", "MEU"]
    assert by_name["China Aviation Engine Group Co., Ltd"] == ["NS-CMIC"]  # CMIC -> NS-CMIC
    assert len(parties) == 3


def test_waves_and_yearly_counts() -> None:
    day = date(2020, 8, 27)
    listings = [
        h.Listing(f"Firm {i}", "EL", "CN", listed_on=day, citation="85 FR 52898, 8/27/20")
        for i in range(3)
    ]
    listings.append(h.Listing("Other", "EL", "RU", listed_on=date(2021, 3, 1)))
    parties = h.group_parties(listings)
    waves = h.listing_waves(parties, date(2020, 1, 1), date(2021, 12, 31))
    assert (waves[0].day, waves[0].country, waves[0].parties) == (day, "CN", 3)
    assert waves[0].citations == ("85 FR 52898",)
    counts = h.yearly_counts(parties, 2020, 2021)
    assert counts == {"CN": [3, 0], "RU": [0, 1]}


def test_loading_from_dispersion_by_hand() -> None:
    """At p = 1/2, z = 0 and Phi_2(0, 0; rho) = 1/4 + asin(rho) / (2 pi) (Sheppard), so
    the excess CV^2 is 4 Phi_2 - 1 = (2 / pi) asin(rho): rho = 1/2 gives 1/3, a = 0.7071."""
    assert h.loading_from_dispersion(1 / 3, 0.5) == pytest.approx(math.sqrt(0.5), abs=1e-4)
    assert h.loading_from_dispersion(0.0, 0.01) == 0.0
    # yearly counts 10, 30, 20: mean 20, sample variance 100: excess (100 - 20) / 400 = 0.2
    est = h.calibrate_country_loading({"CN": [10, 30, 20], "XX": [0, 1, 0]}, 0.5)
    assert est.excess_cv2 == pytest.approx(0.2)
    assert set(est.countries) == {"CN"}  # too few additions elsewhere
    rho = math.sin(0.2 * math.pi / 2)
    assert est.country_loading == pytest.approx(math.sqrt(rho), abs=1e-4)


def test_scores_by_hand() -> None:
    """p = (0.1, 0.8), y = (0, 1): Brier (0.01 + 0.04) / 2 = 0.025; log loss
    -(ln 0.9 + ln 0.8) / 2 = 0.164252."""
    assert h.brier([0.1, 0.8], [0, 1]) == pytest.approx(0.025)
    assert h.log_loss([0.1, 0.8], [0, 1]) == pytest.approx(0.164252, abs=1e-6)
    bins = h.reliability(np.full(10, 0.15), np.array([1, 1] + [0] * 8), [0.0, 0.1, 0.2, 1.0])
    assert len(bins) == 1
    b = bins[0]
    assert (b["count"], b["events"], b["observed"]) == (10, 2.0, 0.2)
    # Wilson 95 % interval for 2 of 10: 0.0567 to 0.5098
    assert b["observed_low"] == pytest.approx(0.0567, abs=1e-4)
    assert b["observed_high"] == pytest.approx(0.5098, abs=1e-4)


def test_backtest_beats_constant_rate_on_a_toy_history() -> None:
    """MEU parties are designated, DPL parties are not: the model ranks them, the constant
    rate cannot."""
    listings = []
    for i in range(10):
        listings.append(h.Listing(f"Meu {i}", "MEU", "CN", listed_on=date(2015, 1, 1)))
        listings.append(h.Listing(f"Dpl {i}", "DPL", "US", listed_on=date(2015, 1, 1)))
    for i in range(4):  # before the cut-off
        listings.append(h.Listing(f"Meu {i}", "EL", "CN", listed_on=date(2018, 6, 1)))
    for i in range(4, 7):  # after it
        listings.append(h.Listing(f"Meu {i}", "EL", "CN", listed_on=date(2020, 6, 1)))
    parties = h.group_parties(listings)
    params = h.RiskParams(lookback_years=2.0, prior_events=1.0)  # the 2018 designations
    bt = h.backtest(parties, date(2020, 1, 1), date(2021, 1, 1), params)
    assert (bt.parties, bt.events) == (20, 3)
    assert bt.model.log_loss < bt.baseline.log_loss
    assert bt.model.brier < bt.baseline.brier


# -- probability files -----------------------------------------------------------------------

UNITS = [
    Disruption("S1", "supplier", (0,), TtrDistribution.fixed(10.0), "CN"),
    Disruption("S2", "supplier", (1,), TtrDistribution.fixed(10.0)),
]


@pytest.mark.parametrize(
    ("text", "row", "field", "words"),
    [
        ("party,probability\nS1,-0.1\n", 2, "probability", "outside [0, 1]"),
        ("party,probability\nS1,0.1\nS2,1.5\n", 3, "probability", "outside [0, 1]"),
        ("party,probability\nS9,0.1\n", 2, "party", "unknown party 'S9'"),
        ("party,probability\nS1,abc\n", 2, "probability", "not a number"),
        ("party,probability\nS1,0.1\nS1,0.2\n", 3, "party", "twice"),
        ("supplier,p\nS1,0.1\n", 1, "party", "missing column"),
        ("party,probability\n", 2, None, "no rows"),
    ],
)
def test_probability_file_errors_name_file_row_field(
    tmp_path: Path, text: str, row: int, field: str | None, words: str
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        wf.designation_from_file(path, UNITS, 0.002)
    assert err.value.file == str(path) and err.value.row == row and err.value.field == field
    assert words in str(err.value)


def test_probability_file_builds_the_model(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Party,Probability\nS2,0.25\n", encoding="utf-8")
    model = wf.designation_from_file(path, UNITS, 0.002)
    assert model.probability.tolist() == [0.002, 0.25]
    (tmp_path / "bad.csv").write_bytes(b"party,probability\n\xff,0.1\n")
    with pytest.raises(InputError, match="not UTF-8"):
        wf.designation_from_file(tmp_path / "bad.csv", UNITS, 0.002)


# -- the store: snapshots dated, SDN additions between them ----------------------------------


def _feed(feed: str, origin: str, entries: list[ListEntry]) -> ParsedFeed:
    return ParsedFeed(feed=feed, format="custom", origin=origin, entries=tuple(entries))


def _store(tmp_path: Path) -> ListStore:
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'risk.db'}"))
    old = ListEntry("SDN:1", "SDN", "Old Shipping LLC", countries=("IR",))
    new = ListEntry("SDN:2", "SDN", "New Trading FZE", countries=("AE",))
    store.load(_feed("ofac-sdn", "ofac/sdn-2019-01-01.csv", [old]))
    store.load(_feed("ofac-sdn", "ofac/sdn-2022-04-21.csv", [old, new]))
    store.load(
        _feed(
            "custom:bis_meu",
            "bis_meu.json",
            [
                ListEntry(
                    "MEU:1",
                    "MEU",
                    "New Trading FZE",
                    countries=("AE",),
                    listed_on=date(2020, 12, 23),
                    federal_register="85 FR 83799",
                ),
                ListEntry(
                    "MEU:2", "MEU", "Sky Avia", countries=("RU",), listed_on=date(2021, 1, 14)
                ),
            ],
        )
    )
    return store


def test_store_listings_are_dated_by_snapshot(tmp_path: Path) -> None:
    listings = {(x.list_code, x.name): x for x in wf.listings_from_store(_store(tmp_path))}
    old = listings[("SDN", "Old Shipping LLC")]
    new = listings[("SDN", "New Trading FZE")]
    assert (old.listed_after, old.seen_on) == (None, date(2019, 1, 1))
    assert (new.listed_after, new.seen_on) == (date(2019, 1, 1), date(2022, 4, 21))
    assert listings[("MEU", "Sky Avia")].listed_on == date(2021, 1, 14)
    hist = wf.load_history(_store(tmp_path / "again"))
    assert hist.as_of == date(2022, 4, 21)  # last day the SDN was observed
    risk = hist.risk("new trading fze")
    assert risk.basis == "transition" and risk.lists == ("MEU", "SDN")
    assert any(e.startswith("MEU since 2020-12-23 (85 FR 83799)") for e in risk.evidence)
    model, risks = wf.designation_from_lists(hist, UNITS)
    assert [r.basis for r in risks] == ["unlisted", "unlisted"]
    assert model.probability[1] == pytest.approx(0.002)  # no country: p_ref


def test_risk_cli(tmp_path: Path) -> None:
    _store(tmp_path)
    url = f"sqlite:///{tmp_path / 'risk.db'}"
    res = CliRunner().invoke(main_app, ["risk", "Sky Avia", "--json", "--db", url])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["parties"][0]["lists"] == ["MEU"] and 0 < data["parties"][0]["probability"] < 1
    assert {a["name"] for a in data["assumptions"]} >= {"risk.horizon_days", "risk.targets"}
    text = CliRunner().invoke(main_app, ["risk", "Sky Avia", "--db", url])
    assert text.exit_code == 0 and "MEU since 2021-01-14" in text.output
    neither = CliRunner().invoke(main_app, ["risk", "--db", url])
    assert neither.exit_code == 2 and "NAME or --network" in neither.output
    args = ["risk", "Sky Avia", "--json", "--db", url, "--set", "risk.lookback_years=3"]
    three = json.loads(CliRunner().invoke(main_app, [*args, "--set", "targets=EL"]).output)
    values = {a["name"]: a["value"] for a in three["assumptions"]}
    assert values["risk.lookback_years"] == 3.0 and values["risk.targets"] == "EL"
    bad = CliRunner().invoke(main_app, ["risk", "Sky Avia", "--db", url, "--set", "risk.x=1"])
    assert bad.exit_code == 2 and "unknown risk assumption 'risk.x'" in bad.output


@pytest.mark.shared
def test_montecarlo_rejects_a_bad_probability_file(shared: type, tmp_path: Path) -> None:
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    path = tmp_path / "p.csv"
    path.write_text("party,probability\nW12-SUP-Part_0001,-0.5\n", encoding="utf-8")
    res = CliRunner().invoke(
        resilience_app,
        ["montecarlo", f"willems:12:{root}", "--samples", "50", "--probabilities", str(path)],
    )
    assert res.exit_code == 2
    assert f"file {path}, row 2, field 'probability'" in " ".join(res.output.split())


# -- the real lists ----------------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.slow
def test_backtest_on_the_real_lists_beats_the_constant_rate(shared: type) -> None:
    """Fit on what was known on 2022-04-21 (the CSL snapshot; SDN 2019-01 and 2022-04),
    predict additions to the EL or SDN up to the SDN snapshot of 2024-05-03."""
    from chainwatch.lists.registry import parse_feed

    lists = shared.path("lists")  # type: ignore[attr-defined]
    observed = []
    for rel, day in (
        ("ofac/2019", date(2019, 1, 1)),
        ("us_csl/consolidated-2022.csv.gz", date(2022, 4, 21)),
        ("ofac/sdn-2024-05-03.csv", date(2024, 5, 3)),
        ("us_extract_2026-07/bis_entity_list.json", date(2026, 7, 9)),
        ("us_extract_2026-07/bis_meu.json", date(2026, 7, 9)),
        ("us_extract_2026-07/ofac_nscmic.json", date(2026, 7, 9)),
    ):
        observed.append((day, parse_feed(lists / rel).entries))
    parties = h.group_parties(wf.listings_from_observations(observed))
    bt = h.backtest(parties, date(2022, 4, 21), date(2024, 5, 3))
    assert bt.parties > 10_000 and bt.events > 50
    assert bt.model.log_loss < bt.baseline.log_loss


def test_network_parties_found_by_name_and_owner(tmp_path: Path) -> None:
    """The ipcamera example: unit HISI is the party "HiSilicon Technologies Co., Ltd
    (HiSilicon)", owned by HUAWEI; both are found on the lists by name."""
    from chainwatch.network.io import load_network
    from chainwatch.resilience.network_adapter import ResilienceParams, from_network

    root = Path(__file__).resolve().parents[2] / "examples" / "networks" / "ipcamera"
    net = load_network(root)
    problem = from_network(net, ResilienceParams())
    store = _store(tmp_path)
    store.load(
        _feed(
            "custom:bis_entity_list",
            "bis_entity_list.json",
            [
                ListEntry(
                    "EL:1",
                    "EL",
                    "HiSilicon Technologies Co., Ltd",
                    countries=("CN",),
                    listed_on=date(2019, 5, 21),
                    federal_register="84 FR 22963",
                ),
                ListEntry(
                    "EL:2",
                    "EL",
                    "Huawei Technologies Co., Ltd.",
                    countries=("CN",),
                    listed_on=date(2019, 5, 21),
                    federal_register="84 FR 22961",
                ),
            ],
        )
    )
    hist = wf.load_history(store)
    model, risks = wf.designation_from_lists(hist, problem.suppliers, net=net)
    by_unit = {u.name: r for u, r in zip(problem.suppliers, risks, strict=True)}
    hisi = by_unit["HISI"]
    assert hisi.lists == ("EL",) and hisi.basis == "transition"
    assert hisi.name == "HISI: HiSilicon Technologies Co., Ltd (HiSilicon)"
    assert "controlling owner Huawei Technologies Co., Ltd. is on EL" in hisi.evidence
    assert by_unit["SONY"].basis == "unlisted"
    assert model.probability.shape == (len(problem.suppliers),)


def test_designation_source_precedence(tmp_path: Path) -> None:
    _store(tmp_path)
    url = f"sqlite:///{tmp_path / 'risk.db'}"

    def run(**kw: object) -> tuple[object, str]:
        args: dict[str, object] = {
            "probability": None,
            "probabilities_file": None,
            "from_lists": True,
            "db_url": url,
        }
        args.update(kw)
        return wf.designation_for(UNITS, **args)  # type: ignore[arg-type]

    model, source = run()
    assert model is not None and source.startswith("from the lists' history (as of 2022-04-21)")
    assert run(probability=0.01) == (None, "uniform 0.01 per supplier per horizon")
    assert run(from_lists=False)[0] is None
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert "holds no lists" in run(db_url=empty)[1]
    path = tmp_path / "p.csv"
    path.write_text("party,probability\nS1,0.3\n", encoding="utf-8")
    model, source = run(probabilities_file=path, probability=0.01)
    assert model.probability.tolist() == [0.3, 0.01]  # type: ignore[attr-defined]
    assert source.startswith(f"from {path} (1 parties)")


@pytest.mark.shared
def test_montecarlo_and_stockpile_use_the_lists_unless_overridden(
    shared: type, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With lists in the store both commands take designation risk from their history by
    default and say so (``designation_source``; a line in text mode); ``--probability``
    replaces it, and a copula loading set with ``--set`` wins over the history's."""
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    _store(tmp_path)
    monkeypatch.setenv("CHAINWATCH_DB", f"sqlite:///{tmp_path / 'risk.db'}")
    runner = CliRunner()
    net = f"willems:12:{root}"
    history = "from the lists' history (as of 2022-04-21)"
    mc = ["montecarlo", net, "--samples", "200", "--json"]
    data = json.loads(runner.invoke(resilience_app, mc).output)
    assert data["designation_source"].startswith(history)
    args = [
        *mc,
        "--set",
        "montecarlo.country_loading=0.1",
        "--designation",
        "W12-SUP-Part_0001=0.5",
    ]
    data = json.loads(runner.invoke(resilience_app, args).output)
    values = {a["name"]: a["value"] for a in data["assumptions"]}
    assert data["designation_source"].startswith(history)
    assert values["montecarlo.country_loading"] == 0.1
    assert values["montecarlo.designation_probability_max"] == 0.5
    data = json.loads(runner.invoke(resilience_app, [*mc, "--probability", "0.01"]).output)
    assert data["designation_source"] == "uniform 0.01 per supplier per horizon"
    sp = ["stockpile", net, "--scenarios", "60", "--validation-samples", "300"]
    res = runner.invoke(resilience_app, [*sp, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["designation_source"].startswith(history)
    res = runner.invoke(resilience_app, [*sp, "--probability", "0.02", "--json"])
    assert json.loads(res.output)["designation_source"] == "uniform 0.02 per supplier per horizon"
    text = runner.invoke(resilience_app, sp)
    assert text.exit_code == 0, text.output
    assert f"designation probabilities: {history}" in " ".join(text.output.split())
    bad = tmp_path / "p.csv"
    bad.write_text("party,probability\nW12-SUP-Part_0001,0.1\nnobody,0.1\n", encoding="utf-8")
    res = runner.invoke(resilience_app, [*sp, "--probabilities", str(bad)])
    assert res.exit_code == 2
    assert f"file {bad}, row 3, field 'party'" in " ".join(res.output.split())
    assert "unknown party 'nobody'" in res.output
