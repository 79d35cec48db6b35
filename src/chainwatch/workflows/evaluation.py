"""Evaluating a matcher on labelled name pairs: precision, recall, F1, and the worst errors."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.model.errors import InputError
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.screening.registry import MatcherProtocol
from chainwatch.text.normalize import name_forms
from chainwatch.text.spreadsheets import csv_row, csv_uncell

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
                csv_uncell(row["name1"]),
                csv_uncell(row["name2"]),
                label in TRUE_VALUES,
            )
        )
    if not pairs:
        raise InputError("no pairs in the file", file=str(path), row=2)
    return pairs


def evaluate_pairs(
    matcher: MatcherProtocol, pairs: Sequence[LabelledPair], threshold: float
) -> EvalReport:
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

    Legal forms removed, a token has a *counterpart* in the other name when their RapidFuzz
    ratio is 85 or more. Two names are spellings of one name when

    * in each, at least two thirds of the tokens have a counterpart (all of them for names of
      one or two tokens), one of them a word of three letters or more; and
    * the words left without a counterpart are not different words in the same place: it is
      not the case that *each* name keeps a word that resembles none of the other's leftover
      words, neither as a spelling (ratio 60 or more) nor as an abbreviation (one a prefix of
      the other, three letters or more).

    The first rule leaves out acronyms ("GSS"), short forms ("Saksouk Exchange" for "Saksouk
    Company for Exchange and Money Transfer") and unrelated former names; the second leaves out
    translations and renamings that share their place and business words ("Dongguan Oasis
    Shoes" / "Dongguan Lvzhou Shoes", "Bank Melli Iran" / "National Bank of Iran", "General
    Bureau" / "General Department"), while keeping transliterations ("Jaysh" / "Jeish"),
    abbreviations ("Lab" / "Laboratory") and added words ("Khouzestan Oxin Steel"). Screening
    reaches translations through the alias itself, not through name similarity. The criterion
    knows nothing of the scorer's weights or threshold.
    """
    from rapidfuzz import fuzz

    def leftover(tokens: tuple[str, ...], other: tuple[str, ...]) -> list[str]:
        return [t for t in tokens if not any(fuzz.ratio(t, u) >= 85 for u in other)]

    def covered(tokens: tuple[str, ...], missing: list[str]) -> bool:
        found = [t for t in tokens if t not in missing]
        return any(len(t) >= 3 for t in found) and len(missing) <= len(tokens) // 3

    def resembles(a: str, b: str) -> bool:
        short, long_ = sorted((a, b), key=len)
        return fuzz.ratio(a, b) >= 60 or (len(short) >= 3 and long_.startswith(short))

    def variant(t1: tuple[str, ...], t2: tuple[str, ...]) -> bool:
        left1, left2 = leftover(t1, t2), leftover(t2, t1)
        if not (covered(t1, left1) and covered(t2, left2)):
            return False
        alone1 = [a for a in left1 if not any(resembles(a, b) for b in left2)]
        alone2 = [b for b in left2 if not any(resembles(a, b) for a in left1)]
        return not (alone1 and alone2)

    return any(
        f1.tokens and f2.tokens and variant(f1.tokens, f2.tokens)
        for f1 in name_forms(name1)
        for f2 in name_forms(name2)
    )


_FORM_SPELLINGS = {
    "LTD": ("Co., Ltd.", "Limited", "Ltd", "Company Limited", "CO LTD"),
    "LLC": ("LLC", "L.L.C.", "Limited Liability Company"),
    "INC": ("Inc.", "Incorporated", "Corp.", "Corporation"),
    "GMBH": ("GmbH", "G.m.b.H."),
    "SA": ("S.A.", "SA"),
    "RU": ("OOO", "JSC", "AO"),
}


def written_variant(name: str, rng: random.Random) -> str:
    """`name` as a counterparty file might write it: one or two of legal form respelled or
    dropped, case changed, punctuation dropped, '&' for 'and', a place prefix dropped, two
    letters of the longest word swapped (a typo). Deterministic for a seeded `rng`."""
    import re

    forms = name_forms(name)
    if not forms:
        return name
    form = forms[0]
    words = name.split()
    operations = ["legal_form", "case", "punctuation", "typo", "place", "and"]
    chosen = rng.sample(operations, 2)
    text = name
    if "legal_form" in chosen and form.legal_forms:
        code = form.legal_forms[0]
        body = " ".join(form.tokens)
        spelling = rng.choice((*_FORM_SPELLINGS.get(code, ("",)), ""))
        text = f"{body} {spelling}".strip()
        words = text.split()
    if "place" in chosen and len(words) > 2:
        from chainwatch.screening.damping import damped_words

        places, _ = damped_words()
        if words[0].lower().strip(",.") in places:
            words = words[1:]
            text = " ".join(words)
    if "typo" in chosen:
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if len(word) >= 7 and word.isalpha():
            k = rng.randrange(1, len(word) - 2)
            words[longest] = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
            text = " ".join(words)
    if "and" in chosen:
        text = (
            re.sub(r"\band\b", "&", text, flags=re.IGNORECASE)
            if " and " in text.lower()
            else (text.replace("&", "and"))
        )
    if "punctuation" in chosen:
        text = re.sub(r"[.,'\"()]", "", text)
    if "case" in chosen:
        text = text.upper() if text != text.upper() else text.title()
    return " ".join(text.split())


def build_labelled_pairs(
    entries: Sequence[ListEntry],
    negatives: Sequence[str],
    matcher: MatcherProtocol,
    *,
    seed: int = 7,
    max_per_group: int = 3000,
) -> list[LabelledPair]:
    """Labelled company pairs built from real lists, for `chainwatch eval`.

    Matches:

    * ``alias``: the primary name and an alias of one company entry that is a spelling
      variant of it (:func:`is_spelling_variant`), unless the two normalise to the same
      tokens (such a pair tests nothing);
    * ``written``: a listed company name and the same name as a counterparty file might
      write it (:func:`written_variant`).

    Non-matches:

    * ``other_entry``: the primary names of two entries from the same country that share
      none of their normalised names (so one company listed twice, say on the Entity List
      and on the CMIC list, never becomes a false "non-match");
    * ``negative``: a real company name that is on no list (SEC tickers) and the listed
      company name the matcher ranks closest to it — the realistic false alert.
    """
    # One generator per group, so that changing how one group is drawn leaves the others as
    # they were.
    rng = random.Random(seed)
    companies = [e for e in entries if e.entity_type == "company"]
    aliases: list[LabelledPair] = []
    for entry in companies:
        primary = {f.tokens for f in name_forms(entry.name)}
        for alias in entry.aliases:
            if {f.tokens for f in name_forms(alias)} & primary:
                continue
            if is_spelling_variant(entry.name, alias):
                aliases.append(LabelledPair("alias", "Company", entry.name, alias, True))
    rng.shuffle(aliases)
    written = []
    rng = random.Random(seed + 1)
    for entry in rng.sample(companies, min(max_per_group, len(companies))):
        variant = written_variant(entry.name, rng)
        if variant != entry.name:
            written.append(LabelledPair("written", "Company", entry.name, variant, True))
    by_country: dict[str, list[ListEntry]] = {}
    for entry in companies:
        for country in entry.countries[:1]:
            by_country.setdefault(country, []).append(entry)
    names_of = {
        e.entry_id: {f.tokens for n in e.all_names for f in name_forms(n)} for e in companies
    }
    others: list[LabelledPair] = []
    rng = random.Random(seed + 2)
    pool = [e for e in companies if e.countries and len(by_country[e.countries[0]]) > 1]
    while pool and len(others) < max_per_group:
        a = rng.choice(pool)
        b = rng.choice(by_country[a.countries[0]])
        if b.entry_id != a.entry_id and not names_of[a.entry_id] & names_of[b.entry_id]:
            others.append(LabelledPair("other_entry", "Company", a.name, b.name, False))
    unlisted: list[LabelledPair] = []
    for name in negatives:
        closest = matcher.screen(Query(name, entity_type="company"), threshold=0.0, limit=1)
        if closest:
            unlisted.append(
                LabelledPair("negative", "Company", name, closest[0].matched_name, False)
            )
    return aliases[:max_per_group] + written + others + unlisted


def write_pairs(pairs: Sequence[LabelledPair], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(PAIR_COLUMNS)
        for p in pairs:
            writer.writerow(
                csv_row([p.case_group, p.schema, p.name1, p.name2, "1" if p.is_match else "0"])
            )
