"""Evaluating a matcher on labelled name pairs: precision, recall, F1, and the worst errors."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.model.errors import InputError
from chainwatch.screening.algorithm import Matcher

PAIR_COLUMNS = ("case_group", "schema", "name1", "name2", "is_match")
TRUE_VALUES = {"1", "true", "t", "yes", "y"}
FALSE_VALUES = {"0", "false", "f", "no", "n"}


@dataclass(frozen=True, slots=True)
class LabelledPair:
    case_group: str
    schema: str
    name1: str
    name2: str
    is_match: bool


@dataclass(frozen=True, slots=True)
class ScoredPair:
    case_group: str
    name1: str
    name2: str
    is_match: bool
    score: float


@dataclass
class EvalReport:
    threshold: float
    n: int
    true_positives: int
    false_positives: list[ScoredPair] = field(default_factory=list)
    false_negatives: list[ScoredPair] = field(default_factory=list)

    @property
    def precision(self) -> float:
        predicted = self.true_positives + len(self.false_positives)
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + len(self.false_negatives)
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary_line(self) -> str:
        return (
            f"precision={self.precision:.4f} recall={self.recall:.4f} f1={self.f1:.4f} "
            f"n={self.n} threshold={self.threshold}"
        )


def read_pairs(path: Path) -> list[LabelledPair]:
    """Labelled pairs from a CSV with columns case_group,schema,name1,name2,is_match."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError("file not found", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 at byte {exc.start}", file=str(path)) from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in PAIR_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"missing columns: {', '.join(missing)}", file=str(path), row=1)
    pairs = []
    for number, row in enumerate(reader, start=2):
        label = (row.get("is_match") or "").strip().lower()
        if label not in TRUE_VALUES | FALSE_VALUES:
            raise InputError(
                f"is_match must be true/false or 1/0, got {label!r}",
                file=str(path),
                row=number,
                field="is_match",
            )
        for column in ("name1", "name2"):
            if not (row.get(column) or "").strip():
                raise InputError("empty name", file=str(path), row=number, field=column)
        pairs.append(
            LabelledPair(
                row["case_group"] or "",
                row["schema"] or "",
                row["name1"],
                row["name2"],
                label in TRUE_VALUES,
            )
        )
    if not pairs:
        raise InputError("no pairs in the file", file=str(path), row=2)
    return pairs


def evaluate_pairs(matcher: Matcher, pairs: Sequence[LabelledPair], threshold: float) -> EvalReport:
    """Score every pair; errors sorted worst first (highest-scored false positives etc.)."""
    report = EvalReport(threshold=threshold, n=len(pairs), true_positives=0)
    for pair in pairs:
        score, _ = matcher.score_pair(pair.name1, pair.name2)
        scored = ScoredPair(pair.case_group, pair.name1, pair.name2, pair.is_match, score)
        if score >= threshold and pair.is_match:
            report.true_positives += 1
        elif score >= threshold:
            report.false_positives.append(scored)
        elif pair.is_match:
            report.false_negatives.append(scored)
    report.false_positives.sort(key=lambda p: -p.score)
    report.false_negatives.sort(key=lambda p: p.score)
    return report
