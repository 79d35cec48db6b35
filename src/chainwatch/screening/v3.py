"""chainwatch-v3: exact retrieval of similar vocabulary, safe-bound pruning, a feature table.

* **Normalisation**: :func:`chainwatch.text.normalize_v3.forms_v3` (legal forms in full and
  abbreviated across languages, ``&``/``and``/``the``, ordinals and number words, exchange
  suffixes, scripts), then every token plural-folded (``fold_plural``) on both sides, so a
  corrected "technolgies" meets "technology".
* **Index** (:class:`V3Index`): the listed forms as rows; token postings (NumPy); token weights
  from document frequency over entries, generic business words and places damped (v2's word
  lists); two neighbours joined ("hik vision" -> "hikvision") as extra keys; the deletion
  neighbourhood of the vocabulary (:class:`~chainwatch.screening.v3_tokens.DeletionIndex`).
* **Retrieval** (:meth:`V3Matcher._retrieve`): every query token is expanded to *every*
  vocabulary token within its edit budget, its initial and the joined keys; per listed form
  the best credit and the most explained weight of each query unit are summed, and a form is
  dropped only when :func:`~chainwatch.screening.v3_align.name_bound` says it cannot reach the
  name value a hit needs (no postings budget, no candidate cap). The survivors are scored best
  bound first and scoring stops when the next bound cannot beat the ``limit``-th score.
* **Scoring**: the name alignment of :mod:`~chainwatch.screening.v3_align` and the feature
  table of :mod:`~chainwatch.screening.v3_features`, weights from the version's JSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import FeatureScore, Match, Query
from chainwatch.screening import v3_features as F
from chainwatch.screening.v3_align import Alignment, align
from chainwatch.screening.v3_index import V3Index, V3Row, folded
from chainwatch.screening.v3_query import QueryForm, QueryPreparer
from chainwatch.screening.v3_tokens import (
    INITIAL_SIMILARITY,
    INITIAL_WEIGHT_CAP,
    FloatArray,
    IntArray,
)
from chainwatch.text.normalize_v3 import FormV3, forms_v3, is_place

__all__ = ["DEFAULT_THRESHOLD", "V3_NAME", "V3Index", "V3Matcher"]

V3_NAME = "chainwatch-v3"
DEFAULT_THRESHOLD = 0.80
# names prepared together by screen_many: their lookups fit the per-token caches many times
BATCH = 256


class V3Matcher:
    """Scores queries against a :class:`V3Index` with chainwatch-v3's feature table."""

    accepts_entity_type = True  # score_pair takes the pair kind (bench/bench_anchor.py)

    def __init__(self, index: V3Index) -> None:
        self.index = index
        self.table = F.load_weights(V3_NAME)
        self.queries = QueryPreparer(index)
        # what each listed form's kind makes an unpaired word lose (retrieval's bound)
        person = index.row_person
        t = self.table
        self._row_stats = np.column_stack(
            (
                np.where(person, t.query_loss_person, t.query_loss),
                np.where(person, t.listed_loss_person, t.listed_loss_company),
                index.row_total,
            )
        )

    @property
    def algorithm_name(self) -> str:
        """The registry name of this matcher's algorithm."""
        return V3_NAME

    # -- query preparation ------------------------------------------------------------------

    # -- retrieval ----------------------------------------------------------------------------

    def _retrieve(self, query: QueryForm, min_name: float) -> tuple[IntArray, FloatArray]:
        """(rows, name bounds) of the listed forms whose name feature may reach `min_name`.

        Each unit holds each of its rows once with its best credit and explained weight
        (:class:`~chainwatch.screening.v3_query.Unit`), so the sums per row are two
        ``bincount`` s over the units' concatenated rows, numbered among the rows they touch
        (a scan of, or scattered writes to, an array over every listed form cost more than
        all the rest: memory, not arithmetic, is what retrieval waits for); ``bincount``
        adds in input order, unit by unit, as the bound's definition does. `touched` adds the
        weight of each query token once per row that any unit holding the token reaches,
        tokens in the order the units first name them."""
        units = query.units
        if not units:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        rows = np.concatenate([u.rows for u in units]) if len(units) > 1 else units[0].rows
        ordered = np.sort(rows)
        first = np.ones(len(ordered), dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]
        candidates = ordered[first]
        size = len(candidates)
        slot = np.searchsorted(candidates, rows)  # in cache, unlike an array over all rows
        credit = np.bincount(slot, np.concatenate([u.credit for u in units]), size)
        explained = np.bincount(slot, np.concatenate([u.explained for u in units]), size)
        touched = self._touched(query, slot, size)
        total_query = sum(w for t, w in zip(query.tokens, query.weights, strict=True) if len(t) > 1)
        c = credit + query.initials * INITIAL_SIMILARITY * INITIAL_WEIGHT_CAP
        e = explained + query.initials * INITIAL_WEIGHT_CAP
        untouched = np.maximum(total_query - touched, 0.0)
        stats = np.take(self._row_stats, candidates, axis=0)  # query loss, listed loss, weight
        lost = stats[:, 0] * untouched + stats[:, 1] * np.maximum(stats[:, 2] - e, 0.0)
        bound = np.where(c > 0.0, c / np.maximum(c + lost, 1e-12), 0.0)
        keep = (credit != 0.0) & (bound >= min_name - 1e-9)
        return candidates[keep].astype(np.int32), bound[keep]

    def _touched(self, query: QueryForm, slot: npt.NDArray[np.intp], size: int) -> FloatArray:
        """Per touched row (`slot`: the units' rows, concatenated, numbered among the touched
        rows), the weight of the query tokens (initials aside) that some unit holding them
        reaches there: each token once per row, tokens in the order the units first name
        them. When no token is in two units (no joined pair reached a listed word), that is
        one ``bincount`` of each unit's token weight; else (token rank, row) pairs are made
        unique first."""
        units = query.units
        tokens, weights = query.tokens, query.weights
        if all(len(u.positions) == 1 for u in units) and len({u.positions for u in units}) == len(
            units
        ):
            unit_weight = [
                weights[i] if len(tokens[i]) > 1 else 0.0 for (i,) in (u.positions for u in units)
            ]
            sizes = [len(u.rows) for u in units]
            return cast("FloatArray", np.bincount(slot, np.repeat(unit_weight, sizes), size))
        rank: dict[int, int] = {}
        keys: list[npt.NDArray[np.intp]] = []
        ranked: list[float] = []
        start = 0
        for u in units:
            part = slot[start : start + len(u.rows)]
            start += len(u.rows)
            for i in u.positions:
                if len(tokens[i]) > 1:
                    r = rank.setdefault(i, len(rank))
                    if r == len(ranked):
                        ranked.append(weights[i])
                    keys.append(part + r * size)
        if not keys:
            return np.zeros(size)
        pairs = np.unique(np.concatenate(keys))
        return cast(
            "FloatArray", np.bincount(pairs % size, np.asarray(ranked)[pairs // size], size)
        )

    # -- scoring ------------------------------------------------------------------------------

    def _query_loss(self, entity_type: str) -> float:
        t = self.table
        return t.query_loss_person if entity_type == "person" else t.query_loss

    def _listed_loss(self, entity_type: str) -> float:
        t = self.table
        return t.listed_loss_person if entity_type == "person" else t.listed_loss_company

    def _align(
        self,
        query: QueryForm,
        listed: FormV3,
        tokens: Sequence[str],
        weights: Sequence[float],
        entity_type: str,
    ) -> Alignment:
        return align(
            query.tokens,
            query.weights,
            tokens,
            weights,
            self._query_loss(entity_type),
            self._listed_loss(entity_type),
            script="script" in (query.form.variant, listed.variant),
        )

    def _form_features(
        self,
        q: QueryForm,
        c: FormV3,
        c_tokens: Sequence[str],
        alignment: Alignment,
        listed_type: str,
        is_primary: bool,
        entry_forms: tuple[str, ...] = (),
    ) -> list[FeatureScore]:
        """The name feature and the features of the two name forms. `entry_forms` are the
        legal forms of the entry's primary name, which stand for an alias that has none
        ("PTC" of "PTC GmbH" still conflicts with "PTC Inc.")."""
        t = self.table
        forms = c.legal_forms or entry_forms
        value = alignment.value
        features = [
            FeatureScore(
                "name" if is_primary else "alias",
                round(value, 4),
                t.slope * (value - t.midpoint_for(listed_type)),
                _explain(alignment),
            )
        ]
        unaligned = len(alignment.unaligned_query) + len(alignment.unaligned_listed)
        # words of the name, leaving out legal-form words left in the tokens ("Open Joint
        # Stock Aviadvigatel" is one word against "Aviadvigatel")
        q_words = max(sum(1 for tok in q.tokens if tok not in q.legal), 1)
        c_words = max(sum(1 for tok in c_tokens if not self.index.legal_like(tok)), 1)
        q_left = [tok for tok in alignment.unaligned_query if tok not in q.legal]
        c_left = [tok for tok in alignment.unaligned_listed if not self.index.legal_like(tok)]
        qualifiers = _qualifiers(q.form.qualifiers, c.qualifiers, q_left, c_left, listed_type)
        table: list[tuple[str, F.Evidence]] = [
            ("legal_form_agreement", F.legal_form_agreement(q.form.legal_forms, forms)),
            ("legal_form_conflict", F.legal_form_conflict(q.form.legal_forms, forms)),
            ("legal_form_against_type", F.legal_form_against_type(q.form.legal_forms, listed_type)),
            ("series_conflict", F.series_conflict(q.form.series, c.series, listed_type)),
            ("qualifier_conflict", F.qualifier_conflict(*qualifiers)),
            ("acronym_only", F.acronym_only(alignment.aligned_tokens, unaligned, listed_type)),
            ("single_word", F.single_word((q_words, c_words), (len(q_left), len(c_left)))),
            ("single_word_edited", F.single_word_edited((q_words, c_words), alignment.pairs)),
            ("words_disagree", F.words_disagree(q_left, c_left, listed_type)),
        ]
        if listed_type != "person":  # given and family names are often English words
            matched = [
                F.word_commonness(ct)
                for qt, ct, _ in alignment.pairs
                if qt not in q.legal and not self.index.legal_like(ct)
            ]
            lefts = (len(q_left), len(c_left))
            table.append(("common_word", F.common_word((q_words, c_words), matched)))
            table.append(
                ("common_words_partial", F.common_words_partial((q_words, c_words), lefts, matched))
            )
            typed = [F.word_commonness(qt) for qt, _, _ in alignment.pairs]
            table.append(("common_word_edited", F.common_word_edited(alignment.pairs, typed)))
        business = [tok for tok in q.tokens if tok in self.index.generic]
        table.append(
            ("company_words_against_person", F.company_words_against_person(business, listed_type))
        )
        features.extend(_scored(t, table))
        return features

    def _query_features(self, query: Query, entry: ListEntry, entry_pos: int) -> list[FeatureScore]:
        """Features of the evidence given with the query (country, identifiers ...)."""
        countries = self.index.entry_countries[entry_pos]
        address_forms: list[tuple[frozenset[str], object]] = []
        q_address: frozenset[str] = frozenset()
        if query.address and entry.addresses:
            q_address = _address_tokens(query.address)
            address_forms = [(_address_tokens(a.full), a) for a in entry.addresses]
        table: list[tuple[str, F.Evidence]] = [
            ("country", F.country(query.country, countries)),
            ("nationality", F.nationality(query.nationality, countries, entry.entity_type)),
            ("date_of_birth", F.date_of_birth(query.birth_date, entry.dates_of_birth)),
            ("identifier", F.identifier(query.identifiers, entry.identifiers)),
            ("address", F.address(q_address, address_forms)),  # type: ignore[arg-type]
            ("entity_type", F.entity_type(query.entity_type, entry.entity_type)),
        ]
        return _scored(self.table, table)

    def max_bonus(self, query: Query) -> float:
        """The most the query's evidence can add to the name feature's contribution."""
        names = ["legal_form_agreement"]
        for given, feature in (
            (query.country, "country"),
            (query.nationality, "nationality"),
            (query.birth_date, "date_of_birth"),
            (query.identifiers, "identifier"),
            (query.address, "address"),
        ):
            if given:
                names.append(feature)
        return self.table.max_bonus(names)

    def min_name(self, query: Query, threshold: float) -> float:
        """The name value below which no listed name can reach `threshold` for `query`."""
        t = self.table
        needed = (_logit(threshold) - self.max_bonus(query)) / t.slope
        return max(t.lowest_midpoint + needed, 0.0)

    def screen(
        self, query: Query, threshold: float = DEFAULT_THRESHOLD, limit: int = 10
    ) -> list[Match]:
        """Matches of `query` scoring at least `threshold`, best first, at most `limit`."""
        return self._screen(query, self.queries.prepare(query.name), threshold, limit)

    def screen_many(
        self, queries: Sequence[Query], threshold: float = DEFAULT_THRESHOLD, limit: int = 10
    ) -> list[list[Match]]:
        """:meth:`screen` of each of `queries` (the same matches), the batch workflow's entry
        point: the names are prepared :data:`BATCH` at a time
        (:meth:`~chainwatch.screening.v3_query.QueryPreparer.prepare_many`), so that the
        deletion lookups of their new tokens, which nearly every name has, share one NumPy
        pass instead of a dozen NumPy calls each."""
        out: list[list[Match]] = []
        for start in range(0, len(queries), BATCH):
            part = queries[start : start + BATCH]
            prepared = self.queries.prepare_many([q.name for q in part])
            out.extend(
                self._screen(q, p, threshold, limit) for q, p in zip(part, prepared, strict=True)
            )
        return out

    def _screen(
        self, query: Query, prepared: list[QueryForm], threshold: float, limit: int
    ) -> list[Match]:
        index = self.index
        t = self.table
        min_name = self.min_name(query, threshold)
        bonus = self.max_bonus(query)
        allowed = set(query.lists) if query.lists else None
        pending: list[tuple[float, int, int]] = []
        for k, q in enumerate(prepared):
            rows, bounds = self._retrieve(q, min_name)
            pending.extend(zip(bounds.tolist(), [k] * len(rows), rows.tolist(), strict=True))
        pending.sort(key=lambda p: -p[0])
        best: dict[int, tuple[float, list[FeatureScore], V3Row]] = {}
        evidence: dict[int, list[FeatureScore]] = {}
        hits: list[float] = []  # final scores at or above the threshold, one per entry
        for bound, k, row_id in pending:
            if len(hits) >= limit:
                floor = sorted(hits, reverse=True)[limit - 1]
                if _sigmoid(t.slope * (bound - t.lowest_midpoint) + bonus) < floor:
                    break  # no later form can enter the top `limit`
            row = index.rows[row_id]
            if allowed is not None and index.entries[row.entry].source not in allowed:
                continue
            scored = self.score_row(query, prepared[k], row_id, min_name, evidence)
            if scored is None:
                continue
            score, features = scored
            previous = best.get(row.entry)
            if previous is not None and score <= previous[0]:
                continue
            if score >= threshold:
                if previous is not None and previous[0] >= threshold:
                    hits.remove(previous[0])
                hits.append(score)
            best[row.entry] = (score, features, row)
        matches = []
        for entry_pos, (score, features, row) in best.items():
            entry = index.entries[entry_pos]
            if score < threshold:
                continue
            matches.append(
                Match(
                    entry_id=entry.entry_id,
                    source=entry.source,
                    listed_name=entry.name,
                    matched_name=row.name,
                    score=round(score, 6),
                    programs=entry.programs,
                    countries=tuple(sorted(index.entry_countries[entry_pos])),
                    entity_type=entry.entity_type,
                    features=tuple(features),
                    algorithm=V3_NAME,
                    snapshot=index.snapshot,
                    listed_in=tuple(v for key, v in entry.extra if key == "listed_in"),
                )
            )
        matches.sort(key=lambda m: (-m.score, m.entry_id))
        return matches[:limit]

    def score_row(
        self,
        query: Query,
        q: QueryForm,
        row_id: int,
        min_name: float = 0.0,
        evidence: dict[int, list[FeatureScore]] | None = None,
    ) -> tuple[float, list[FeatureScore]] | None:
        """The score and features of one prepared query form against one listed form; None
        when the name feature is below `min_name`. `evidence` caches the query features per
        entry."""
        index = self.index
        row = index.rows[row_id]
        entry = index.entries[row.entry]
        alignment = self._align(q, row.form, row.tokens, row.weights, entry.entity_type)
        if alignment.value < min_name or alignment.value == 0.0:
            return None
        features = self._form_features(
            q,
            row.form,
            row.tokens,
            alignment,
            entry.entity_type,
            row.is_primary,
            index.entry_forms[row.entry],
        )
        cached = evidence.get(row.entry) if evidence is not None else None
        if cached is None:
            cached = self._query_features(query, entry, row.entry)
            if evidence is not None:
                evidence[row.entry] = cached
        features += cached
        return _sigmoid(sum(f.contribution for f in features)), features

    def prepare(self, name: str) -> list[QueryForm]:
        """The query forms of `name` (tests compare retrieval with a scan of every row)."""
        return self.queries.prepare(name)

    def score_pair(
        self, name1: str, name2: str, entity_type: str = "unknown"
    ) -> tuple[float, tuple[FeatureScore, ...]]:
        """Score two names against each other (the name-form features only, with the index's
        weights): each name as the query against the other as the listed name, the better
        direction counting. `entity_type` is the pair's kind when known (person pairs forgive
        extra given names)."""
        forward = self._score_directed(name1, name2, entity_type)
        backward = self._score_directed(name2, name1, entity_type)
        return forward if forward[0] >= backward[0] else backward

    def _score_directed(
        self, query_name: str, listed_name: str, entity_type: str
    ) -> tuple[float, tuple[FeatureScore, ...]]:
        best: tuple[float, tuple[FeatureScore, ...]] = (0.0, ())
        for q in self.queries.prepare(query_name):
            for form in forms_v3(listed_name):
                tokens = folded(form)
                weights = [self.index.weight(tok) for tok in tokens]
                alignment = self._align(q, form, tokens, weights, entity_type)
                features = self._form_features(q, form, tokens, alignment, entity_type, True)
                score = _sigmoid(sum(f.contribution for f in features))
                if score > best[0] or not best[1]:
                    best = (score, tuple(features))
        return best


def _qualifiers(
    query: tuple[str, ...],
    listed: tuple[str, ...],
    query_left: Sequence[str],
    listed_left: Sequence[str],
    listed_type: str,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two names' place qualifiers: the normaliser's, plus the places among the unpaired
    words when the other name has a place too ("Air Force Harbin Flight Academy" / "Air Force
    Xi'an Flight Academy", "China Communications Construction Company Guangzhou Waterway
    Bureau" / "... Shanghai ..."): two places, two subsidiaries. A place on one side only
    stays unread: the lists drop a city prefix from their own aliases ("Beijing Tianyi
    Huiyuan Biotechnology" / "Tianyi Huiyuan")."""
    q_places, c_places = _places(query_left, listed_type), _places(listed_left, listed_type)
    if (listed or c_places) and (query or q_places):
        return query + q_places, listed + c_places
    return query, listed


def _places(unpaired: Sequence[str], listed_type: str) -> tuple[str, ...]:
    """Places among a company name's unpaired words, one word or two ("Xinjiang Daqo New
    Energy" / "Daqo New Energy", "ACM Research Korea" / "ACM Research"): a subsidiary's
    qualifier where the normaliser saw none (it reads only parentheses, "Branch" and a place
    before the legal form). Not against a listed person ("Jordan", "Georgia")."""
    if listed_type == "person":
        return ()
    found: list[str] = []
    skip = False
    for i, word in enumerate(unpaired):
        if skip:
            skip = False
            continue
        if i + 1 < len(unpaired) and is_place((word, unpaired[i + 1])):
            found.append(f"{word} {unpaired[i + 1]}")
            skip = True
        elif is_place((word,)):
            found.append(word)
    return tuple(found)


def _scored(table: F.WeightTable, rows: list[tuple[str, F.Evidence]]) -> list[FeatureScore]:
    out = []
    for name, evidence in rows:
        if evidence is not None:
            value, text = evidence
            out.append(FeatureScore(name, value, value * table.weight(name), text))
    return out


def _explain(alignment: Alignment) -> str:
    parts = [
        f"'{q}'='{c}'" if sim == 1.0 else f"'{q}'~'{c}' ({sim:.2f})"
        for q, c, sim in alignment.pairs
    ]
    if alignment.unaligned_query:
        parts.append("not listed: " + " ".join(alignment.unaligned_query))
    if alignment.unaligned_listed:
        parts.append("not in query: " + " ".join(alignment.unaligned_listed))
    parts.append(f"weight earned {alignment.earned:.1f}, lost {alignment.lost:.1f}")
    return "; ".join(parts)


def _address_tokens(text: str) -> frozenset[str]:
    forms = forms_v3(text)
    return frozenset(forms[0].tokens) if forms else frozenset()


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
