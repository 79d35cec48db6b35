"""bench/metrics.py against hand-computed figures."""

from __future__ import annotations

import math

import numpy as np

from metrics import evaluate, roc_auc


def test_auc_by_hand() -> None:
    labels = np.array([True, True, False, False, True])
    # matches 0.9, 0.6, 0.3; non-matches 0.6, 0.2. Pairs (match, non-match) ordered right:
    # 0.9>0.6, 0.9>0.2, 0.6=0.6 (half), 0.6>0.2, 0.3<0.6, 0.3>0.2 -> 4.5 of 6
    scores = np.array([0.9, 0.6, 0.6, 0.2, 0.3])
    assert math.isclose(roc_auc(labels, scores), 4.5 / 6)
    assert roc_auc(labels, -scores) == 1 - roc_auc(labels, scores)
    assert math.isnan(roc_auc(np.array([True, True]), np.array([0.1, 0.2])))


def test_precision_recall_f1_by_hand() -> None:
    labels = np.array([True, True, True, False, False])
    scores = np.array([0.9, 0.85, 0.5, 0.81, 0.2])
    s = evaluate(labels, scores, 0.8)  # tp 2, fp 1, fn 1
    assert (s.n, s.positives) == (5, 3)
    assert math.isclose(s.precision, 2 / 3) and math.isclose(s.recall, 2 / 3)
    assert math.isclose(s.f1, 2 / 3)
    assert math.isclose(s.auc, 5 / 6)  # 0.5 < 0.81 is the only misordered pair
