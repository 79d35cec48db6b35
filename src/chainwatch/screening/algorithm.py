"""Versioned scoring algorithms. A released version is never edited: add a new one instead.

``chainwatch-v2`` scores a query against a listed entry by named features:

* **name / alias** — weighted token alignment between the query's name form and the listed
  name (or alias) form. Tokens are paired one to one, best pairs first (exact, RapidFuzz typo
  match, Metaphone match); each pair earns its similarity times the listed token's weight.
  With ``M`` the matched weight, ``Wq`` and ``Wc`` the total weights of the query and listed
  tokens, ``name = (M/Wq)^0.7 · (M/Wc)^0.3``: what the query says must be found (a query
  "Hikvision" fully found in "Hangzhou Hikvision Digital Technology" scores high, because
  "Hangzhou" and "Technology" weigh little); extra listed words cost less than missing query
  words. Names split differently ("Hik Vision" vs "Hikvision") fall back to a character ratio.
* **legal_form** — the legal forms split off both names agree (small evidence), or a legal
  form faces a listed person (counter-evidence).
* **country**, **address**, **identifier**, **entity_type** — evidence given with the query.

The score is ``sigmoid(slope · (name − midpoint) + Σ contributions)``: it lies in (0, 1), rises
with every piece of evidence and does not pile up at 1.0 (an exact name alone gives about 0.95;
a matching country or identifier lifts it further).
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import FeatureScore, Match, Query
from chainwatch.screening.index import IndexedName, ScreeningIndex, fuzzy_similarity
from chainwatch.text.countries import to_iso2
from chainwatch.text.normalize import NameForm, name_forms


@dataclass(frozen=True, slots=True)
class AlgorithmConfig:
    """Every tunable of an algorithm version. Recorded with each result."""

    name: str = "chainwatch-v2"
    query_exponent: float = 0.7
    listed_exponent: float = 0.3
    slope: float = 12.0
    midpoint: float = 0.76
    compact_min_ratio: float = 0.92
    country_match: float = 0.6
    country_mismatch: float = -0.6
    identifier_match: float = 3.0
    address_match: float = 0.5
    entity_type_mismatch: float = -2.0
    legal_form_match: float = 0.15
    legal_form_mismatch: float = -0.8
    legal_form_against_type: float = -2.5
    candidates: int = 30
    retrieval_postings: int = 5_000

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# The name covers the whole algorithm: this configuration, the normalisation (text/) and the
# token similarities (screening/index.py). History, and how to reproduce an older version's
# results: docs/screening.md, section 7.
DEFAULT_ALGORITHM = AlgorithmConfig()
ALGORITHMS: dict[str, AlgorithmConfig] = {DEFAULT_ALGORITHM.name: DEFAULT_ALGORITHM}
DEFAULT_THRESHOLD = 0.80
# Two words written as one must agree almost exactly: "tide water" = "tidewater", but not
# "center sparc" ~ "centerspace".
MERGED_MIN_SIMILARITY = 0.9


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


@dataclass(slots=True)
class _QueryForm:
    form: NameForm
    weights: list[float]
    expansions: list[tuple[tuple[str, float], ...]]
    total_weight: float
    compact: str


@dataclass(slots=True)
class _NameScore:
    value: float
    query_cover: float
    listed_cover: float
    pairs: list[tuple[str, str, float, float]]  # query token, listed token, similarity, weight
    missing_query: list[str]
    missing_listed: list[str]
    via_compact: bool


class Matcher:
    """Scores queries against a :class:`ScreeningIndex` with one algorithm configuration."""

    def __init__(self, index: ScreeningIndex, config: AlgorithmConfig = DEFAULT_ALGORITHM) -> None:
        self.index = index
        self.config = config
        self._local = threading.local()

    @property
    def algorithm_name(self) -> str:
        """The registry name of this matcher's algorithm (``chainwatch.screening.registry``)."""
        return self.config.name

    # -- query preparation ------------------------------------------------------------------

    def _prepare(self, name: str) -> list[_QueryForm]:
        index = self.index
        prepared = []
        for form in name_forms(name):
            expansions = [index.similar_tokens(t) for t in form.tokens]
            weights = []
            for token, expansion in zip(form.tokens, expansions, strict=True):
                if token in index.token_weight:
                    weights.append(index.token_weight[token])
                elif expansion:
                    weights.append(index.token_weight[expansion[0][0]])
                else:
                    weights.append(index.unknown_weight)
            prepared.append(
                _QueryForm(form, weights, expansions, sum(weights), "".join(form.tokens))
            )
        return prepared

    # -- retrieval ----------------------------------------------------------------------------

    def _scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """Two zeroed arrays, one slot per listed name form, reused by this thread (each call
        leaves them zeroed again)."""
        buffers = getattr(self._local, "buffers", None)
        if buffers is None:
            size = len(self.index.names)
            buffers = (np.zeros(size), np.zeros(size))
            self._local.buffers = buffers
        return buffers

    def _retrieve(self, query: _QueryForm, min_name: float) -> list[int]:
        """Row ids of listed name forms that could reach `min_name`, best retrieval first."""
        index = self.index
        cfg = self.config
        tokens = list(range(len(query.form.tokens)))
        joined: list[tuple[str, float]] = []
        toks = query.form.tokens
        for i in range(len(toks) - 1):
            pair = toks[i] + toks[i + 1]
            if pair in index.postings:
                joined.append((pair, query.weights[i] + query.weights[i + 1]))
        tokens.sort(key=lambda i: -query.weights[i])
        accumulated_all, per_token = self._scratch()
        touched: list[np.ndarray] = []
        used_weight = 0.0
        budget = cfg.retrieval_postings
        for i in tokens:
            expansion = query.expansions[i][:8]
            if not expansion:
                used_weight += query.weights[i]
                continue
            if budget <= 0 and used_weight > 0:
                break
            postings = [(index.postings[v], s) for v, s in expansion]
            budget -= sum(len(r) for r, _ in postings)
            used_weight += query.weights[i]
            # Each listed name counts a query token once, at its best similarity: write the
            # similarities in ascending order so that the best one stays.
            for rows, sim in sorted(postings, key=lambda p: p[1]):
                per_token[rows] = sim
            rows = np.concatenate([r for r, _ in postings])
            accumulated_all[rows] += per_token[rows] * query.weights[i]
            per_token[rows] = 0.0
            touched.append(rows)
        for pair, weight in joined:
            rows = index.postings[pair]
            accumulated_all[rows] += weight
            touched.append(rows)
        if not touched:
            return []
        unique = np.unique(np.concatenate(touched))
        accumulated = accumulated_all[unique]
        accumulated_all[unique] = 0.0
        unused = max(query.total_weight - used_weight, 0.0)
        bound = np.minimum((accumulated + unused) / max(query.total_weight, 1e-9), 1.0)
        keep = bound**cfg.query_exponent >= min_name
        unique, accumulated = unique[keep], accumulated[keep]
        if len(unique) > cfg.candidates:
            top = np.argpartition(-accumulated, cfg.candidates)[: cfg.candidates]
            unique, accumulated = unique[top], accumulated[top]
        ranked: list[int] = unique[np.argsort(-accumulated)].tolist()
        return ranked

    # -- name feature -------------------------------------------------------------------------

    def _name_score(
        self, query: _QueryForm, listed: IndexedName, direct: bool = False
    ) -> _NameScore:
        """Weighted one-to-one token alignment (see the module docstring).

        Token similarities come from the query's vocabulary expansions; with `direct`, tokens
        the lists never contain are compared directly (pair scoring, `chainwatch eval`).
        """
        cfg = self.config
        q_tokens = query.form.tokens
        c_tokens = listed.form.tokens
        # Candidate pairs: (similarity, query token positions, listed token positions). A
        # token may also pair with two neighbours written as one ("alomgy" / "al omgy").
        candidates: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
        for i, expansion in enumerate(query.expansions):
            similar = dict(expansion)
            for j, token in enumerate(c_tokens):
                sim = similar.get(token)
                if sim is None and (direct or token[0] == q_tokens[i][0]):
                    # tokens the vocabulary search did not offer (a known word that is also
                    # a truncation or a typo of another) are compared directly
                    sim = token_similarity(q_tokens[i], token)
                if sim:
                    candidates.append((sim, (i,), (j,)))
            for j in range(len(c_tokens) - 1):
                joined = c_tokens[j] + c_tokens[j + 1]
                sim = similar.get(joined) or (
                    token_similarity(q_tokens[i], joined) if direct else 0.0
                )
                if sim >= MERGED_MIN_SIMILARITY:
                    candidates.append((sim, (i,), (j, j + 1)))
        for i in range(len(q_tokens) - 1):
            joined = q_tokens[i] + q_tokens[i + 1]
            for j, token in enumerate(c_tokens):
                if abs(len(token) - len(joined)) <= 2:
                    sim = token_similarity(joined, token)
                    if sim >= MERGED_MIN_SIMILARITY:
                        candidates.append((sim, (i, i + 1), (j,)))
        candidates.sort(key=lambda c: (-c[0], -len(c[1]) - len(c[2])))
        used_q: set[int] = set()
        used_c: set[int] = set()
        pairs = []
        matched = 0.0
        for sim, qs, cs in candidates:
            if used_q.intersection(qs) or used_c.intersection(cs):
                continue
            used_q.update(qs)
            used_c.update(cs)
            weight = sum(listed.weights[j] for j in cs)
            matched += sim * weight
            pairs.append(
                (" ".join(q_tokens[i] for i in qs), " ".join(c_tokens[j] for j in cs), sim, weight)
            )
        query_cover = min(matched / query.total_weight, 1.0) if query.total_weight else 0.0
        listed_cover = min(matched / listed.total_weight, 1.0) if listed.total_weight else 0.0
        value = query_cover**cfg.query_exponent * listed_cover**cfg.listed_exponent
        via_compact = False
        if len(q_tokens) != len(c_tokens) and value < 1.0:
            ratio = fuzz.ratio(query.compact, listed.compact) / 100.0
            if ratio >= cfg.compact_min_ratio and ratio > value:
                value, via_compact = ratio, True
        return _NameScore(
            value,
            query_cover,
            listed_cover,
            pairs,
            [q_tokens[i] for i in range(len(q_tokens)) if i not in used_q],
            [c_tokens[j] for j in range(len(c_tokens)) if j not in used_c],
            via_compact,
        )

    # -- other features -----------------------------------------------------------------------

    def _evidence_features(
        self,
        query: Query,
        entry: ListEntry,
        entry_pos: int,
        q_forms: tuple[str, ...],
        listed_forms: tuple[str, ...],
    ) -> list[FeatureScore]:
        cfg = self.config
        features: list[FeatureScore] = []
        listed_countries = self.index.entry_countries[entry_pos]
        if query.country:
            code = to_iso2(query.country) or query.country.upper()
            if listed_countries:
                if code in listed_countries:
                    features.append(
                        FeatureScore("country", 1.0, cfg.country_match, f"{code} listed")
                    )
                else:
                    listed = ",".join(sorted(listed_countries))
                    features.append(
                        FeatureScore(
                            "country", -1.0, cfg.country_mismatch, f"{code} not in {listed}"
                        )
                    )
        if query.identifiers and entry.identifiers:
            wanted = {_ident_key(v) for v in query.identifiers}
            hits = [i for i in entry.identifiers if _ident_key(i.value) in wanted]
            if hits:
                evidence = "; ".join(f"{i.scheme} {i.value}" for i in hits)
                features.append(FeatureScore("identifier", 1.0, cfg.identifier_match, evidence))
        if query.address and entry.addresses:
            address_forms = name_forms(query.address)
            q_tokens = set(address_forms[0].tokens) if address_forms else set()
            best, best_text = 0.0, ""
            for address in entry.addresses:
                forms = name_forms(address.full)
                a_tokens = set(forms[0].tokens) if forms else set()
                if q_tokens and a_tokens:
                    overlap = len(q_tokens & a_tokens) / len(q_tokens)
                    if overlap > best:
                        best, best_text = overlap, address.full
            if best >= 0.5:
                features.append(
                    FeatureScore("address", best, cfg.address_match * best, best_text[:200])
                )
        if (
            query.entity_type != "unknown"
            and entry.entity_type != "unknown"
            and query.entity_type != entry.entity_type
        ):
            features.append(
                FeatureScore(
                    "entity_type",
                    -1.0,
                    cfg.entity_type_mismatch,
                    f"query is a {query.entity_type}, listed {entry.entity_type}",
                )
            )
        legal = legal_form_feature(q_forms, listed_forms, entry.entity_type, cfg)
        if legal is not None:
            features.append(legal)
        return features

    # -- screening ----------------------------------------------------------------------------

    def max_bonus(self, query: Query) -> float:
        """Largest total contribution the query's evidence could add to the name feature."""
        cfg = self.config
        bonus = cfg.legal_form_match
        if query.country:
            bonus += cfg.country_match
        if query.identifiers:
            bonus += cfg.identifier_match
        if query.address:
            bonus += cfg.address_match
        return bonus

    def screen(
        self, query: Query, threshold: float = DEFAULT_THRESHOLD, limit: int = 10
    ) -> list[Match]:
        """Matches of `query` scoring at least `threshold`, best first, at most `limit`."""
        cfg = self.config
        index = self.index
        z_needed = _logit(threshold) - self.max_bonus(query)
        min_name = max(cfg.midpoint + z_needed / cfg.slope, 0.0)
        allowed = set(query.lists) if query.lists else None
        # Per entry, the pair of name forms that says most: the name feature plus the legal
        # forms, so that "X Co., Ltd. (X)" meets "X Co., Ltd." through the forms whose legal
        # forms agree rather than through a tie won by chance.
        best: dict[int, tuple[float, float, _NameScore, IndexedName, NameForm]] = {}
        for q in self._prepare(query.name):
            for row in self._retrieve(q, min_name):
                listed = index.names[row]
                entry = index.entries[listed.entry]
                if allowed is not None and entry.source not in allowed:
                    continue
                score = self._name_score(q, listed)
                if score.value < min_name:
                    continue
                legal = legal_form_feature(
                    q.form.legal_forms, listed.form.legal_forms, entry.entity_type, cfg
                )
                said = cfg.slope * score.value + (legal.contribution if legal else 0.0)
                previous = best.get(listed.entry)
                if previous is None or said > previous[0]:
                    best[listed.entry] = (said, score.value, score, listed, q.form)
        matches = []
        for entry_pos, (_, value, name_score, listed, q_form) in best.items():
            entry = index.entries[entry_pos]
            features = [self._name_feature(value, name_score, listed, q_form)]
            features.extend(
                self._evidence_features(
                    query, entry, entry_pos, q_form.legal_forms, listed.form.legal_forms
                )
            )
            z = sum(f.contribution for f in features)
            final = _sigmoid(z)
            if final < threshold:
                continue
            matches.append(
                Match(
                    entry_id=entry.entry_id,
                    source=entry.source,
                    listed_name=entry.name,
                    matched_name=listed.name,
                    score=round(final, 6),
                    programs=entry.programs,
                    countries=tuple(sorted(index.entry_countries[entry_pos])),
                    entity_type=entry.entity_type,
                    features=tuple(features),
                    algorithm=cfg.name,
                    snapshot=index.snapshot,
                    listed_in=tuple(v for k, v in entry.extra if k == "listed_in"),
                )
            )
        matches.sort(key=lambda m: (-m.score, m.entry_id))
        return matches[:limit]

    def score_pair(self, name1: str, name2: str) -> tuple[float, tuple[FeatureScore, ...]]:
        """Score two names against each other with this algorithm and the index's weights.

        The name and legal-form features only: this is what `chainwatch eval` measures. A
        pair has no query side, so each name is scored as the query against the other as the
        listed name, and the better of the two counts (in screening, the list holds the long
        and the short forms of a name as aliases, so either side may be the shorter).
        """
        forward = self._score_directed(name1, name2)
        backward = self._score_directed(name2, name1)
        return forward if forward[0] >= backward[0] else backward

    def _score_directed(
        self, query_name: str, listed_name: str
    ) -> tuple[float, tuple[FeatureScore, ...]]:
        index = self.index
        best: tuple[float, tuple[FeatureScore, ...]] = (0.0, ())
        for q in self._prepare(query_name):
            for form in name_forms(listed_name):
                weights = tuple(index.weight(t) for t in form.tokens)
                listed = IndexedName(
                    -1, listed_name, True, form, weights, sum(weights), "".join(form.tokens)
                )
                name_score = self._name_score(q, listed, direct=True)
                features = [self._name_feature(name_score.value, name_score, listed, q.form)]
                legal = legal_form_feature(
                    q.form.legal_forms, form.legal_forms, "unknown", self.config
                )
                if legal is not None:
                    features.append(legal)
                score = _sigmoid(sum(f.contribution for f in features))
                if score > best[0]:
                    best = (score, tuple(features))
        return best

    def _name_feature(
        self, value: float, score: _NameScore, listed: IndexedName, q_form: NameForm
    ) -> FeatureScore:
        cfg = self.config
        if score.via_compact:
            evidence = f"'{q_form.text}' ~ '{listed.form.text}' as one string ({value:.2f})"
        else:
            parts = [
                f"'{q}'='{c}'" if sim == 1.0 else f"'{q}'~'{c}' ({sim:.2f})"
                for q, c, sim, _ in score.pairs
            ]
            if score.missing_query:
                parts.append("not listed: " + " ".join(score.missing_query))
            if score.missing_listed:
                parts.append("not in query: " + " ".join(score.missing_listed))
            parts.append(
                f"weight matched: {score.query_cover:.0%} of the query, "
                f"{score.listed_cover:.0%} of the listed name"
            )
            evidence = "; ".join(parts)
        feature = "name" if listed.is_primary else "alias"
        return FeatureScore(feature, round(value, 4), cfg.slope * (value - cfg.midpoint), evidence)


def legal_form_feature(
    query_forms: tuple[str, ...],
    listed_forms: tuple[str, ...],
    listed_type: str,
    cfg: AlgorithmConfig,
) -> FeatureScore | None:
    """Legal forms as evidence: a company's legal form against a listed person, vessel or
    aircraft speaks against the match; the same form on both sides speaks a little for it,
    different forms a little against it."""
    if not query_forms:
        return None
    shown = "/".join(query_forms)
    if listed_type in ("person", "vessel", "aircraft"):
        return FeatureScore(
            "legal_form",
            -1.0,
            cfg.legal_form_against_type,
            f"{shown} against a listed {listed_type}",
        )
    query_set = set(query_forms) - {"CO"}
    listed_set = set(listed_forms) - {"CO"}
    if not query_set or not listed_set:
        return None  # "Co." alone is compatible with any form
    common = query_set & listed_set
    if common:
        return FeatureScore(
            "legal_form", 1.0, cfg.legal_form_match, f"both {'/'.join(sorted(common))}"
        )
    return FeatureScore(
        "legal_form", -0.5, cfg.legal_form_mismatch, f"{shown} vs listed {'/'.join(listed_forms)}"
    )


@lru_cache(maxsize=1 << 20)
def token_similarity(a: str, b: str) -> float:
    """Similarity of two tokens as the index would credit it: exact, typo, truncation or
    sound-alike (see :func:`chainwatch.screening.index.fuzzy_similarity`)."""
    return 1.0 if a == b else fuzzy_similarity(a, b)


def _ident_key(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())
