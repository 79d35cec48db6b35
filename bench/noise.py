"""A noise model for names: how a counterparty file misspells a listed name (issue 9).

The benchmarks of issue 9 (``bench/pairs_v3.py``, ``bench/bench_noise.py``) make noisy
queries from listed names with this model. It is written from what people type, not from
what the chainwatch matcher forgives: nothing here imports the matcher or its normalisation.

Noise kinds (:data:`KINDS`), each applied alone by :func:`apply_noise`:

``substitute``, ``delete``, ``insert``, ``transpose``
    One edit in one word: a letter replaced by a QWERTY neighbour, a letter dropped, a letter
    inserted (a neighbour of the letter before it, or that letter doubled), two adjacent
    letters swapped. The word is drawn uniformly among the name's alphabetic words of four
    letters or more, the position uniformly over the whole word, **first letter included**.
    Words of three letters or fewer are left alone: one edit turns them into another word
    ("ZTE"/"ZTR", "Bank of"/"Bank if") that no name matcher can tell from a different name.
``two_edits``
    Two of the edits above: in two different words (four letters or more) when the name has
    two, else both in one word of eight letters or more.
``and``
    ``&`` written ``and``, or ``and`` written ``&``.
``legal_expand``
    An abbreviated legal form written in full ("AG" → "Aktiengesellschaft", "Ltd" →
    "Limited", "GmbH" → "Gesellschaft mit beschränkter Haftung", "LLC" → "Limited Liability
    Company", "Co., Ltd." → "Company Limited" …; :data:`LEGAL_FORMS`).
``legal_drop``
    The legal form at the end of the name dropped, abbreviated or in full.
``swap_words``
    Two adjacent words before the legal form swapped (punctuation stays where it was).
``merge_split``
    Two adjacent words before the legal form written as one, or a word of eight letters or
    more split in two (each part three letters or more).
``generic_drop``
    One generic business word dropped (:data:`GENERIC_WORDS`: Technology, Technologies,
    Trading, Company, Group, International), when a word of three letters or more is left.

A kind that does not apply to a name (no ``&``, no legal form, one word only) returns
``None``; a kind never returns the name unchanged. Randomness comes only from the ``rng``
passed in, so :func:`noisy` (seeded by a string) is deterministic across runs and machines.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

EDIT_KINDS: tuple[str, ...] = ("substitute", "delete", "insert", "transpose")
KINDS: tuple[str, ...] = (
    *EDIT_KINDS,
    "two_edits",
    "and",
    "legal_expand",
    "legal_drop",
    "swap_words",
    "merge_split",
    "generic_drop",
)

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, str]:
    """QWERTY neighbours of each letter: left, right, and the keys above and below that touch
    it (row offsets of a standard staggered keyboard)."""
    position = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    out: dict[str, str] = {}
    for ch, (r, c) in position.items():
        # the row below is shifted right by half a key: (r+1, c-1) and (r+1, c) touch
        touching = {(r, c - 1), (r, c + 1), (r + 1, c - 1), (r + 1, c), (r - 1, c), (r - 1, c + 1)}
        near = [other for other, at in position.items() if at in touching]
        out[ch] = "".join(sorted(near))
    return out


NEIGHBOURS: dict[str, str] = _neighbours()

#: Abbreviated legal forms and how they are written in full. Keys are compared without dots,
#: commas and case; the longest match at the end of the name wins ("Co., Ltd." before "Ltd").
LEGAL_FORMS: dict[str, str] = {
    "co ltd": "Company Limited",
    "pte ltd": "Private Limited",
    "pvt ltd": "Private Limited",
    "ltd": "Limited",
    "ag": "Aktiengesellschaft",
    "gmbh": "Gesellschaft mit beschränkter Haftung",
    "llc": "Limited Liability Company",
    "inc": "Incorporated",
    "corp": "Corporation",
    "co": "Company",
    "plc": "Public Limited Company",
    "llp": "Limited Liability Partnership",
    "jsc": "Joint Stock Company",
    "pjsc": "Public Joint Stock Company",
    "ojsc": "Open Joint Stock Company",
    "cjsc": "Closed Joint Stock Company",
    "ooo": "Obshchestvo s Ogranichennoy Otvetstvennostyu",
    "oao": "Otkrytoe Aktsionernoe Obshchestvo",
    "zao": "Zakrytoe Aktsionernoe Obshchestvo",
    "sa": "Sociedad Anonima",
    "sarl": "Societe a Responsabilite Limitee",
    "sas": "Societe par Actions Simplifiee",
    "srl": "Societa a Responsabilita Limitata",
    "spa": "Societa per Azioni",
    "bv": "Besloten Vennootschap",
    "nv": "Naamloze Vennootschap",
    "kg": "Kommanditgesellschaft",
    "ltda": "Limitada",
    "fze": "Free Zone Establishment",
    "fzco": "Free Zone Company",
    "fzc": "Free Zone Company",
}

#: Legal forms in full that ``legal_drop`` removes from the end of a name (beside the
#: abbreviations above). Compared without case and punctuation.
FULL_LEGAL_FORMS: tuple[str, ...] = tuple(
    sorted(
        {v.lower() for v in LEGAL_FORMS.values()}
        | {"company", "limited", "corporation", "incorporated", "limited company"},
        key=lambda s: -len(s.split()),
    )
)

GENERIC_WORDS: frozenset[str] = frozenset(
    {"technology", "technologies", "trading", "company", "group", "international"}
)

_WORD = re.compile(r"\S+")


def _core(word: str) -> tuple[str, str, str]:
    """A word split into leading punctuation, its letters and digits, trailing punctuation."""
    m = re.match(r"^(\W*)(.*?)(\W*)$", word)
    assert m is not None
    return m.group(1), m.group(2), m.group(3)


def _plain(word: str) -> str:
    return re.sub(r"[\W_]", "", word).lower()


def _match_case(letter: str, like: str) -> str:
    return letter.upper() if like.isupper() else letter


def _edit(word: str, kind: str, rng: random.Random) -> str:
    """One edit of `kind` in an alphabetic `word` (four letters or more), anywhere in it."""
    n = len(word)
    if kind == "substitute":
        i = rng.randrange(n)
        lower = word[i].lower()
        choices = NEIGHBOURS.get(lower) or "etaoin"
        return word[:i] + _match_case(rng.choice(choices), word[i]) + word[i + 1 :]
    if kind == "delete":
        i = rng.randrange(n)
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        i = rng.randrange(n + 1)  # insert before position i (i == n: at the end)
        base = word[i - 1] if i > 0 else word[0]
        options = NEIGHBOURS.get(base.lower(), "") + base.lower()
        return word[:i] + _match_case(rng.choice(options), base) + word[i:]
    if kind == "transpose":
        candidates = [i for i in range(n - 1) if word[i].lower() != word[i + 1].lower()]
        if not candidates:
            return _edit(word, "substitute", rng)
        i = rng.choice(candidates)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    raise ValueError(f"unknown edit kind {kind!r}")


def _editable(words: Sequence[str], min_len: int = 4) -> list[int]:
    return [i for i, w in enumerate(words) if len(_core(w)[1]) >= min_len and _core(w)[1].isalpha()]


def _replace_core(word: str, new_core: str) -> str:
    lead, _, trail = _core(word)
    return lead + new_core + trail


def _edits(words: list[str], kinds: Sequence[str], rng: random.Random) -> list[str] | None:
    """Apply one edit per kind in `kinds` (one or two), in different words when possible."""
    eligible = _editable(words)
    if not eligible:
        return None
    if len(kinds) == 1:
        targets = [rng.choice(eligible)]
    elif len(eligible) >= 2:
        targets = rng.sample(eligible, 2)
    else:
        long_ = _editable(words, 8)
        if not long_:
            return None
        targets = [long_[0], long_[0]]
    out = list(words)
    for index, kind in zip(targets, kinds, strict=True):
        out[index] = _replace_core(out[index], _edit(_core(out[index])[1], kind, rng))
    return out


def _trailing_legal_form(words: Sequence[str], table: Sequence[str]) -> int:
    """How many words at the end of the name spell a legal form in `table` (0: none)."""
    plain = [_plain(w) for w in words]
    for form in sorted(table, key=lambda s: -len(s.split())):
        parts = form.split()
        k = len(parts)
        # a form written with dots inside one word ("S.A.", "L.L.C.") or spread over words
        if len(words) > k and plain[-k:] == [_plain(p) for p in parts]:
            return k
        joined = "".join(_plain(p) for p in parts)
        if len(words) > 1 and len(parts) > 1 and plain[-1] == joined:
            return 1
    return 0


def _strip_trailing_separator(words: list[str]) -> list[str]:
    if words:
        words[-1] = words[-1].rstrip(",;-/ ")
    return [w for w in words if w]


def apply_noise(name: str, kind: str, rng: random.Random) -> str | None:
    """`name` with one noise of `kind`, or ``None`` when the kind does not apply to it."""
    words = _WORD.findall(name)
    if not words:
        return None
    out: list[str] | None
    if kind in EDIT_KINDS:
        out = _edits(words, [kind], rng)
    elif kind == "two_edits":
        out = _edits(words, [rng.choice(EDIT_KINDS), rng.choice(EDIT_KINDS)], rng)
    elif kind == "and":
        if "&" in words:
            out = [("AND" if name.isupper() else "and") if w == "&" else w for w in words]
        else:
            ands = [i for i, w in enumerate(words) if w.lower() == "and"]
            out = [w if i not in ands[:1] else "&" for i, w in enumerate(words)] if ands else None
    elif kind == "legal_expand":
        k = _trailing_legal_form(words, list(LEGAL_FORMS))
        if not k:
            out = None
        else:
            tail = " ".join(_plain(w) for w in words[-k:])
            key = tail if tail in LEGAL_FORMS else "".join(tail.split())
            full = LEGAL_FORMS.get(key) or LEGAL_FORMS.get(_plain(words[-1]))
            if full is None:
                out = None
            else:
                full = full.upper() if name.isupper() else full
                out = [*_strip_trailing_separator(list(words[:-k])), *full.split()]
    elif kind == "legal_drop":
        k = _trailing_legal_form(words, [*LEGAL_FORMS, *FULL_LEGAL_FORMS])
        kept = _strip_trailing_separator(list(words[:-k])) if k else []
        out = kept if kept and any(len(_core(w)[1]) >= 3 for w in kept) else None
    elif kind == "swap_words":
        body = len(words) - _trailing_legal_form(words, [*LEGAL_FORMS, *FULL_LEGAL_FORMS])
        pairs = [
            i
            for i in range(body - 1)
            if _core(words[i])[1]
            and _core(words[i + 1])[1]
            and _plain(words[i]) != _plain(words[i + 1])
        ]
        if not pairs:
            out = None
        else:
            i = rng.choice(pairs)
            out = list(words)
            a, b = _core(words[i])[1], _core(words[i + 1])[1]
            out[i], out[i + 1] = _replace_core(words[i], b), _replace_core(words[i + 1], a)
    elif kind == "merge_split":
        body = len(words) - _trailing_legal_form(words, [*LEGAL_FORMS, *FULL_LEGAL_FORMS])
        merges = [
            i
            for i in range(body - 1)
            if _core(words[i])[1].isalpha()
            and _core(words[i + 1])[1].isalpha()
            and not _core(words[i])[2]
            and not _core(words[i + 1])[0]
        ]
        splits = [i for i in _editable(words, 8) if i < body]
        if not merges and not splits:
            out = None
        elif merges and (not splits or rng.random() < 0.5):
            i = rng.choice(merges)
            out = [*words[:i], words[i] + words[i + 1], *words[i + 2 :]]
        else:
            i = rng.choice(splits)
            lead, core, trail = _core(words[i])
            cut = rng.randrange(3, len(core) - 2)
            out = [*words[:i], lead + core[:cut], core[cut:] + trail, *words[i + 1 :]]
    elif kind == "generic_drop":
        generic = [i for i, w in enumerate(words) if _core(w)[1].lower() in GENERIC_WORDS]
        if not generic:
            out = None
        else:
            i = rng.choice(generic)
            kept = [w for j, w in enumerate(words) if j != i]
            if i == len(words) - 1:
                kept = _strip_trailing_separator(kept)
            out = kept if any(len(_core(w)[1]) >= 3 for w in kept) else None
    else:
        raise ValueError(f"unknown noise kind {kind!r}")
    if not out:
        return None
    text = " ".join(out)
    return text if text.strip() and text != name else None


def noisy(name: str, kind: str, seed: int | str = 0) -> str | None:
    """:func:`apply_noise` with a generator seeded by (seed, kind, name): the same three give
    the same result on every run, and one name's noise does not depend on the others'."""
    return apply_noise(name, kind, random.Random(f"{seed}|{kind}|{name}"))
