"""chainwatch-v3 retrieval cannot drop a match: screening equals a scan of every listed form.

A fixture index of a few hundred made-up entries whose words are near one another on
purpose (Beta/Meta, Hikvision/Hikvison, short words, initials, joined words); hypothesis
draws random and noisy queries; for each, every listed form is scored by the matcher's own
scorer (no retrieval, no bound) and every entry at or above the threshold must be among the
screening results with the same score.
"""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.screening.v3 import V3Index, V3Matcher
from chainwatch.screening.v3_tokens import DeletionIndex, brute_force_similar

WORDS = [
    "beta",
    "meta",
    "zeta",
    "delta",
    "hikvision",
    "hikvison",
    "dahua",
    "huawei",
    "huwei",
    "technology",
    "technologies",
    "digital",
    "trading",
    "group",
    "holding",
    "international",
    "bank",
    "china",
    "kong",
    "hong",
    "singapore",
    "atlas",
    "zte",
    "ztex",
    "abc",
    "abd",
    "solutions",
    "fund",
    "trust",
    "ii",
    "xi",
    "jinping",
    "ping",
    "hik",
    "vision",
    "hikvisions",
    "rosneft",
    "rosneftegaz",
    "moscow",
    "oil",
    "gas",
    "medialab",
    "media",
    "lab",
    "alpha",
    "alfa",
    "omega",
    "smith",
    "smyth",
    "john",
    "j",
    "ivan",
    "ivanov",
    "ivanova",
    "petrov",
    "muhammad",
    "mohammed",
    "bin",
    "salman",
    "laden",
]
FORMS = ("", " Ltd", " Co., Ltd.", " LLC", " GmbH", " AG", " Inc.", " S.A.")


def _entries() -> list[ListEntry]:
    rng = random.Random(9)
    out = []
    for i in range(300):
        words = rng.sample(WORDS, rng.randint(1, 4))
        name = " ".join(w.capitalize() for w in words) + rng.choice(FORMS)
        kind = "person" if rng.random() < 0.3 else "company"
        aliases = (" ".join(reversed(words)),) if rng.random() < 0.3 else ()
        out.append(ListEntry(f"T:{i}", "T", name, kind, aliases=aliases))
    return out


INDEX = V3Index(_entries(), "fixture")
MATCHER = V3Matcher(INDEX)


def _edit(word: str, rng: random.Random) -> str:
    if len(word) < 2:
        return word
    i = rng.randrange(len(word))
    kind = rng.randrange(4)
    letter = rng.choice(string.ascii_lowercase)
    if kind == 0:
        return word[:i] + letter + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + letter + word[i:]
    j = min(i + 1, len(word) - 1)
    chars = list(word)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


@st.composite
def queries(draw: st.DrawFn) -> str:
    seed = draw(st.integers(0, 10**9))
    rng = random.Random(seed)
    if rng.random() < 0.6:  # a listed name, noisy
        entry = rng.choice(INDEX.entries)
        words = rng.choice(entry.all_names).split()
        if len(words) > 1 and rng.random() < 0.3:
            words.pop(rng.randrange(len(words)))
        if len(words) > 1 and rng.random() < 0.3:
            rng.shuffle(words)
        words = [_edit(w, rng) if rng.random() < 0.3 else w for w in words]
    else:
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 4))]
        words = [_edit(w, rng) if rng.random() < 0.4 else w for w in words]
    if rng.random() < 0.2:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 9))))
    if rng.random() < 0.2 and len(words) > 1:
        k = rng.randrange(len(words) - 1)
        words[k : k + 2] = [words[k] + words[k + 1]]
    return " ".join(words) + rng.choice(FORMS)


def brute_force(query: Query, threshold: float) -> dict[str, float]:
    """Entry id -> best score over every listed form, scored without retrieval."""
    best: dict[str, float] = {}
    for q in MATCHER.prepare(query.name):
        for row_id, row in enumerate(INDEX.rows):
            scored = MATCHER.score_row(query, q, row_id)
            if scored is not None and scored[0] >= threshold:
                entry_id = INDEX.entries[row.entry].entry_id
                best[entry_id] = max(best.get(entry_id, 0.0), scored[0])
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries(), st.sampled_from([0.5, 0.7, 0.8, 0.9]))
def test_screening_finds_every_entry_a_full_scan_puts_above_the_threshold(
    name: str, threshold: float
) -> None:
    query = Query(name)
    expected = brute_force(query, threshold)
    found = {m.entry_id: m.score for m in MATCHER.screen(query, threshold, limit=1000)}
    assert set(expected) == set(found), name
    for entry_id, score in expected.items():
        assert found[entry_id] == pytest.approx(score, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(queries())
def test_the_top_of_a_limited_screen_is_the_top_of_the_scan(name: str) -> None:
    query = Query(name)
    expected = sorted(brute_force(query, 0.5).items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    found = [(m.entry_id, m.score) for m in MATCHER.screen(query, 0.5, limit=3)]
    assert [e for e, _ in found] == [e for e, _ in expected]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdehikmnostvz", min_size=1, max_size=11))
def test_deletion_index_finds_every_similar_vocabulary_token(token: str) -> None:
    vocabulary = sorted(set(INDEX.vocabulary) | {"hikvision", "zte", "beta", "metals"})
    index = DeletionIndex(vocabulary)
    found = {(vocabulary[i], s) for i, s in index.similar(token)}
    assert found == set(brute_force_similar(token, vocabulary))


@settings(max_examples=40, deadline=None)
@given(st.lists(queries(), min_size=1, max_size=12), st.sampled_from([0.5, 0.8]))
def test_a_batch_screens_as_its_names_one_by_one(names: list[str], threshold: float) -> None:
    """``screen_many`` prepares a batch's names together (one deletion lookup pass, repeated
    names included): the matches are those of ``screen`` one name at a time, on a fresh
    matcher each (no cache shared between the two)."""
    batch = V3Matcher(INDEX).screen_many([Query(n) for n in names + names[:2]], threshold, 5)
    single = V3Matcher(INDEX)
    assert batch == [single.screen(Query(n), threshold, 5) for n in names + names[:2]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdehikmnostvz09", max_size=11), max_size=8))
def test_deletion_lookups_together_find_what_a_full_comparison_finds(tokens: list[str]) -> None:
    """Tokens of several lengths (and repeated) looked up in one pass: each gets every
    similar vocabulary token, by vocabulary id."""
    vocabulary = INDEX.deletions.vocabulary
    for token, found in zip(tokens, INDEX.deletions.similar_many(tokens), strict=True):
        assert [i for i, _ in found] == sorted({i for i, _ in found})
        assert {(vocabulary[i], s) for i, s in found} == set(brute_force_similar(token, vocabulary))
