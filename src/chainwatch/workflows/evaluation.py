"""Evaluating a matcher on labelled name pairs: precision, recall, F1, and the worst errors."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.model.errors import InputError
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.screening.algorithm import Matcher
from chainwatch.text.normalize import name_forms

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


def is_spelling_variant(name1: str, name2: str) -> bool:
    """Whether two names are spellings of one name rather than two different names.

    True when at least two thirds of the shorter name's tokens (legal forms removed; all of
    them for names of one or two tokens) have a counterpart in the other name at a RapidFuzz
    ratio of 85 or more, one of them a word of three letters or more. This leaves out
    translations ("Zavod" / "Plant"), acronyms ("GSS") and former or unrelated names, which
    no name comparison can relate and which screening reaches through the alias itself. The
    criterion knows nothing of the scorer's weights or threshold.
    """
    from rapidfuzz import fuzz

    best = False
    for f1 in name_forms(name1):
        for f2 in name_forms(name2):
            short, long_ = sorted((f1.tokens, f2.tokens), key=len)
            if not short:
                continue
            found = [t for t in short if any(fuzz.ratio(t, u) >= 85 for u in long_)]
            if any(len(t) >= 3 for t in found) and len(short) - len(found) <= len(short) // 3:
                best = True
    return best


def build_labelled_pairs(
    entries: Sequence[ListEntry],
    negatives: Sequence[str],
    matcher: Matcher,
    *,
    seed: int = 7,
    max_positives: int = 4000,
) -> list[LabelledPair]:
    """Labelled company pairs built from real lists, for `chainwatch eval`.

    * ``alias`` (match): the primary name and each alias of one company entry that is a
      spelling variant of it (:func:`is_spelling_variant`), unless the two normalise to the
      same tokens (such a pair tests nothing);
    * ``other_entry`` (no match): the primary names of two entries from the same country that
      share none of their normalised names (so one company listed twice, say on the Entity
      List and on the CMIC list, never becomes a false "non-match");
    * ``negative`` (no match): a real company name that is on no list (SEC tickers) and the
      listed name the matcher ranks closest to it — the realistic false alert.
    """
    import random

    rng = random.Random(seed)
    companies = [e for e in entries if e.entity_type == "company"]
    pairs: list[LabelledPair] = []
    for entry in companies:
        primary = {f.tokens for f in name_forms(entry.name)}
        for alias in entry.aliases:
            if {f.tokens for f in name_forms(alias)} & primary:
                continue
            if is_spelling_variant(entry.name, alias):
                pairs.append(LabelledPair("alias", "Company", entry.name, alias, True))
    rng.shuffle(pairs)
    pairs = pairs[:max_positives]
    by_country: dict[str, list[ListEntry]] = {}
    for entry in companies:
        for country in entry.countries[:1]:
            by_country.setdefault(country, []).append(entry)
    names_of = {
        e.entry_id: {f.tokens for n in e.all_names for f in name_forms(n)} for e in companies
    }
    negatives_out: list[LabelledPair] = []
    pool = [e for e in companies if e.countries and len(by_country[e.countries[0]]) > 1]
    for _ in range(len(pairs)):
        if not pool:
            break
        a = rng.choice(pool)
        b = rng.choice(by_country[a.countries[0]])
        if b.entry_id == a.entry_id or names_of[a.entry_id] & names_of[b.entry_id]:
            continue
        negatives_out.append(LabelledPair("other_entry", "Company", a.name, b.name, False))
    for name in negatives:
        closest = matcher.screen(Query(name), threshold=0.0, limit=1)
        if closest:
            negatives_out.append(
                LabelledPair("negative", "Company", name, closest[0].matched_name, False)
            )
    return pairs + negatives_out


def write_pairs(pairs: Sequence[LabelledPair], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(PAIR_COLUMNS)
        for p in pairs:
            writer.writerow([p.case_group, p.schema, p.name1, p.name2, "1" if p.is_match else "0"])
