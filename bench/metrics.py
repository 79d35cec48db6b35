"""Precision, recall, F1 and ROC-AUC of scored labelled pairs (NumPy only, no sklearn)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1 at one threshold, ROC-AUC over all thresholds."""

    n: int
    positives: int
    precision: float
    recall: float
    f1: float
    auc: float


def roc_auc(labels: NDArray[np.bool_], scores: NDArray[np.float64]) -> float:
    """Area under the ROC curve: the probability that a random match scores above a random
    non-match, ties counted one half (Mann-Whitney U over average ranks). NaN when one class
    is missing.

    >>> round(roc_auc(np.array([True, False, True, False]), np.array([0.9, 0.1, 0.4, 0.4])), 3)
    0.875
    """
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    before = np.concatenate(([0], np.cumsum(counts)[:-1]))
    average_rank = before + (counts + 1) / 2.0  # ranks 1..n, ties averaged
    ranks = average_rank[inverse]
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def evaluate(labels: NDArray[np.bool_], scores: NDArray[np.float64], threshold: float) -> Scores:
    """Precision, recall and F1 of "score >= threshold" as the prediction, and ROC-AUC."""
    labels = np.asarray(labels, dtype=bool)
    predicted = np.asarray(scores, dtype=float) >= threshold
    tp = int((predicted & labels).sum())
    fp = int((predicted & ~labels).sum())
    fn = int((~predicted & labels).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(len(labels), int(labels.sum()), precision, recall, f1, roc_auc(labels, scores))
