"""SAA with validation: unbiased prediction from a fresh sample, lower bound, gap, replay."""

from __future__ import annotations

import numpy as np
import pytest

from chainwatch.network.willems import load_willems_chain
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.network_adapter import from_network
from chainwatch.resilience.validation import draw_horizons, evaluate_plans, validated_stockpile

from .test_res_hand_cases import two_supplier


def test_evaluate_plans_equals_monte_carlo_on_the_same_draws() -> None:
    """The grouped evaluator and the Monte Carlo engine draw the same horizons from one seed
    and must give the same mean loss, with and without stock."""
    p = two_supplier(alternate_capacity=6)
    dm = DesignationModel(np.array([0.3, 0.2]))
    hz = draw_horizons(p, dm, 3000, seed=5)
    x = np.zeros(p.n_nodes)
    x[p.index("P")] = 20.0
    bare, stocked = evaluate_plans(p, hz, [None, x])
    mc = monte_carlo(p, model=dm, n_samples=3000, seed=5)
    mc_x = monte_carlo(p, model=dm, n_samples=3000, seed=5, extra_stock=x)
    assert bare.mean == pytest.approx(mc.mean, rel=1e-9)
    assert bare.std_error == pytest.approx(mc.std_error, rel=1e-9)
    assert stocked.mean == pytest.approx(mc_x.mean, rel=1e-9)
    assert stocked.mean < bare.mean


def test_validated_stockpile_small_network() -> None:
    p = two_supplier(alternate_capacity=6)
    dm = DesignationModel(np.array([0.3, 0.2]))
    v = validated_stockpile(
        p, dm, replications=4, scenarios=30, selection_samples=500, prediction_samples=800, seed=1
    )
    assert len(v.candidates) == 4
    best = min(v.candidates, key=lambda c: c.holding_cost + c.validated_expected_loss)
    assert v.chosen == best.replication
    assert v.predicted.n_samples == 800
    assert v.predicted_objective == pytest.approx(v.plan.holding_cost + v.predicted.mean)
    assert v.gap == pytest.approx(v.predicted_objective - v.lower_bound)
    d = v.as_dict()
    assert d["predicted_expected_loss"] == v.predicted.mean
    assert d["in_sample_expected_loss_biased"] == v.in_sample_expected_loss
    with pytest.raises(ValueError):
        validated_stockpile(p, dm, scheme="nonsense")


def test_recommendation_follows_the_validated_figures() -> None:
    """The advice compares the predicted holding + loss with the loss of keeping no stock."""
    p = two_supplier(alternate_capacity=6)
    dm = DesignationModel(np.array([0.3, 0.2]))
    v = validated_stockpile(
        p, dm, replications=3, scenarios=30, selection_samples=500, prediction_samples=800, seed=2
    )
    worth_it = v.predicted_objective < v.no_stock.mean
    assert v.recommendation.startswith("stock the chosen plan" if worth_it else "keep no extra")
    assert v.as_dict()["recommendation"] == v.recommendation


@pytest.mark.shared
def test_validated_plan_replay_within_prediction(shared: type) -> None:
    """Willems chain 12 (23 suppliers), p = 2 %: 5 SAA replications of 100 plain scenarios,
    chosen on 1,000 horizons, predicted on 2,000 fresh ones. Replayed in an independent
    Monte Carlo (5,000 samples) the plan loses no more than predicted + 2 combined SE, and
    less than with no stockpile; the lower bound lies below the predicted objective (within
    sampling error), and the in-sample figure is no higher than the prediction."""
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    p = from_network(load_willems_chain(root, 12))
    dm = DesignationModel.uniform(p.suppliers, 0.02)
    pim = PiModel(p)
    v = validated_stockpile(p, dm, replications=5, scenarios=100, seed=3, pi_model=pim)
    replay = monte_carlo(
        p, model=dm, n_samples=5000, seed=99, extra_stock=v.plan.extra_stock_units, pi_model=pim
    )
    se = np.hypot(v.predicted.std_error, replay.std_error)
    assert replay.mean <= v.predicted.mean + 2 * se
    assert replay.mean < v.no_stock.mean
    assert v.lower_bound <= v.predicted_objective + 2 * v.gap_std_error
    assert v.in_sample_expected_loss <= v.predicted.mean + 2 * v.predicted.std_error
