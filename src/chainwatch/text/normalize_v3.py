"""Name normalisation for chainwatch-v3: one name in any script -> comparable token forms.

chainwatch-v2's normalisation (``text/normalize.py``) is released and stays as it is; this module
is its successor, written beside it. Steps, in order:

1. Unicode NFKC and case folding; stock-exchange and SEC title suffixes removed from the end
   ("/ADR", "/DE/", "-NY", "/CAN/", "ADR", "Class A", "Holdings /FI" -> "holdings").
2. Han text: traditional folded to simplified (OpenCC t2s), CJK legal forms split off the ends
   (有限公司 -> ltd, 株式会社 -> kk, 주식회사 -> kk), then three forms: "translated" (the
   curated alias and Han word tables of text/normalize.py: 海康威视 -> hikvision), "pinyin"
   (pypinyin, two-syllable words) and "pinyin" with the syllables of each Han run joined
   (haikangweishi, for retrieval of names written that way).
3. Every other text is cut into words in its own script, so legal forms are found as written
   (rigour's org-type table knows "общество с ограниченной ответственностью"); what is left is
   romanised with anyascii (Cyrillic, Greek, Arabic, Hebrew, Hangul, kana ...). Variant "latin"
   for Latin text, "script" for text romanised from another script.
4. Legal forms at the end (and the start, for forms written first) become codes (see
   text/legal_forms_v3.py); a misspelt or truncated one is repaired first.
5. "the", "and", "&", "und", "et" (and "y"/"e" in a name with a legal form) are dropped;
   ordinals and number words become digits ("1st", "first", "one" -> "1"; rigour's ordinal
   table); honorifics before a person's name are dropped; "ibn"/"ben" -> "bin", "el" -> "al".
6. Qualifiers (a place in parentheses, before "Branch", or just before the legal form) and
   series markers (trailing roman numerals and numbers, years) are reported beside the tokens;
   they stay in the tokens too.

Plurals are *not* folded in the tokens: :func:`fold_plural` is for the matcher to apply after
it has corrected a word ("Technolgies" -> "technologies" -> "technology").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from anyascii import anyascii

from chainwatch.text.countries import to_iso2
from chainwatch.text.legal_forms_v3 import FoundForm, find_forms, repair_tail, split_cjk_forms

# The curated tables and helpers of the released v2 normalisation, reused (not copied).
from chainwatch.text.normalize import (
    _ABBREVIATIONS,
    _HONORIFICS,
    _pinyin_words,
    _t2s,
    _tables,
    place_aliases,
)
from chainwatch.text.persons import (
    canonical_name_tokens,
    canonical_particle,
    honorific_prefixes,
    person_name_variants,
    pinyin_syllables,
    wade_giles_to_pinyin,
)
from chainwatch.text.romanise_v3 import hangul_syllables, romanised

__all__ = ["FormV3", "fold_plural", "forms_v3", "person_name_variants"]


@dataclass(frozen=True, slots=True)
class FormV3:
    """One comparable form of a name (see the module docstring for how it is made)."""

    tokens: tuple[str, ...]  # comparable tokens in written order, legal forms removed
    legal_forms: tuple[str, ...]  # canonical legal-form codes ("ag", "gmbh", "ltd", "ooo" ...)
    qualifiers: tuple[str, ...]  # region/country/branch qualifiers, also kept in tokens
    series: tuple[str, ...]  # numbered-series markers ("ii", "2021", "1"), also in tokens
    variant: str  # "latin" | "pinyin" | "translated" | "script"

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA_HANGUL_RE = re.compile(r"[\u3040-\u30ff\uac00-\ud7af\u1100-\u11ff\u3200-\u32ff]")
_WORD_RE = re.compile(r"[^\W_]+")
_ASCII_WORD_RE = re.compile(r"[0-9a-z]+")

# Suffixes of exchange tickers and SEC company titles ("ALIBABA GROUP HOLDING LTD /ADR",
# "APPLE INC /CA/", "XYZ CORP -NY", "FOO HOLDINGS /FI"): a slash or dash and a short code,
# or the words ADR/ADS or a share class at the very end.
_EXCHANGE_SUFFIX_RE = re.compile(
    r"(?:\s*/\s*[a-z]{2,5}\s*/?|\s+-\s*[a-z]{2,3}|\s*-(?:ny|de|ca|md|adr)"
    r"|\s+(?:sponsored\s+)?ad[rs]|\s+class\s+[a-c]|\s+cl\s+[a-c]|\s+ordinary\s+shares"
    r"|\s+common\s+stock|\s+\(the\)|\s*,\s*the)\s*$"
)
_STOPWORDS = frozenset({"the", "and", "und", "et"})
_CONJUNCTIONS_IN_FORMS = frozenset({"y", "e", "ve"})  # Spanish, Portuguese, Turkish "and"
_PREFIX_CODES = frozenset(
    {
        "ooo",
        "ao",
        "oao",
        "zao",
        "pao",
        "tov",
        "pt",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "llc",
        "kk",
        "fgup",
        "fgbu",
    }
)
_BRANCH_WORDS = frozenset({"branch", "office", "filiale", "sucursal", "succursale", "filial"})
_OF_WORDS = frozenset({"of", "de", "du", "di", "do", "da", "del", "des", "der"})
_ROMAN_RE = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
_ORDINAL_RE = re.compile(r"(\d+)(?:st|nd|rd|th)")


@lru_cache(maxsize=1)
def _number_words() -> tuple[dict[tuple[str, ...], str], int]:
    """Ordinals and number words -> digits, from rigour's ordinal table (1 to 100 in English,
    German, Spanish, French ... ; "1st", "first", "one", "twenty-one" -> "1", "1", "1", "21").

    Roman numerals are left out (they are series markers), and so are words that are also
    common name words in some language ("premier", "primer", "una", "nil")."""
    from rigour._core import ordinals_dict

    skip = {"premier", "primer", "una", "nil", "nought"}
    table: dict[tuple[str, ...], str] = {}
    for number, spellings in ordinals_dict().items():
        for spelling in spellings:
            if not _is_latin(spelling):  # 三 and один would become "san" and "odin"
                continue
            words = tuple(_ASCII_WORD_RE.findall(anyascii(spelling).casefold()))
            if not words or words[0] in {"no", "number"} or " ".join(words) in skip:
                continue
            if all(_ROMAN_RE.fullmatch(w) for w in words) or words == (str(number),):
                continue
            if len(words) == 1 and words[0].isdigit():
                continue
            if len(words) > 1 and any(w.isdigit() for w in words):
                continue
            table[words] = str(number)
    return table, max(len(k) for k in table)


@lru_cache(maxsize=1)
def _place_words() -> frozenset[str]:
    """City names the lists use most (data/text/place_words.txt)."""
    path = resources.files("chainwatch.data") / "text" / "place_words.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = {"hong kong", "macau", "macao", "dubai", "london", "new york", "frankfurt", "paris"}
    return frozenset({ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")} | extra)


@lru_cache(maxsize=1)
def _place_aliases() -> dict[str, str]:
    """v2's place aliases (data/text/place_aliases.csv) and the pinyin of the places whose
    English names the lists use (data/text/place_aliases_v3.csv: xianggang -> hong kong)."""
    table = dict(place_aliases())
    path = resources.files("chainwatch.data") / "text" / "place_aliases_v3.csv"
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            variant, canonical = line.split(",", 2)[:2]
            table[variant] = canonical
    return table


_SHORT_PLACES = frozenset({"usa", "uk", "uae", "hk", "prc", "us"})


@lru_cache(maxsize=4096)
def _is_place(words: tuple[str, ...]) -> bool:
    """A country (pycountry, with the lists' spellings) or a city of place_words.txt.
    Two- and three-letter codes count only as themselves ("USA", "UK", "HK"), never "as"."""
    text = " ".join(words)
    if not text or any(w.isdigit() for w in words):
        return False
    if len(text) <= 3:
        return text in _SHORT_PLACES
    return text in _place_words() or bool(to_iso2(text))


def is_place(words: Sequence[str]) -> bool:
    """Whether `words` name a country or a city of place_words.txt (as a subsidiary's
    qualifier would): the matcher asks it of words an alignment leaves unpaired."""
    return _is_place(tuple(words))


def fold_plural(token: str) -> str:
    """The singular of an English plural, by rule, for the matcher to apply after it corrects
    a word: "technologies" -> "technology", "holdings" -> "holding", "industries" ->
    "industry", "glasses" -> "glass", "switches" -> "switch".

    Words of four letters or fewer stay ("us", "as", "gas", "bus"), and so do words that end
    in -ss, -us, -is, -as, -os ("ross", "glass", "atlas", "texas") and a few known non-plurals.

    >>> [fold_plural(t) for t in ("technologies", "holdings", "ross", "us", "siemens")]
    ['technology', 'holding', 'ross', 'us', 'siemens']
    """
    if len(token) <= 4 or not token.isalpha() or token in _NOT_PLURALS:
        return token
    if token.endswith("ies") and len(token) > 5:
        return token[:-3] + "y"
    if token.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return token[:-2]
    if token.endswith(("ss", "us", "is", "as", "os", "ys", "'s")):
        return token
    if token.endswith("s"):
        return token[:-1]
    return token


# Words that end in "s" without being plurals, among the names lists hold.
_NOT_PLURALS = frozenset(
    {
        "siemens",
        "mercedes",
        "hermes",
        "athens",
        "thames",
        "series",
        "species",
        "means",
        "news",
        "lens",
        "aeres",
        "wales",
        "emirates",
        "philippines",
        "netherlands",
        "comoros",
        "seychelles",
        "maldives",
        "bahamas",
        "mauritius",
        "texas",
        "paris",
        "hayes",
        "james",
        "charles",
        "jones",
        "williams",
        "roberts",
        "edwards",
        "peters",
        "reyes",
        "torres",
        "flores",
        "lopes",
        "gomes",
        "fernandes",
        "mendes",
        "nunes",
        "antunes",
        "moraes",
        "morales",
        "gonzales",
        "velez",
    }
)


def _clean(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    previous = None
    while previous != text:
        previous = text
        text = _EXCHANGE_SUFFIX_RE.sub("", text).strip().rstrip(",;.-/").strip()
    return text


@dataclass(slots=True)
class _Word:
    text: str
    group: int  # index of the parenthesised group the word is in, -1 outside


_PIECE_RE = re.compile(r"[^\W_]+|[()\[\],;]")
_APOSTROPHE_RE = re.compile(r"['\u2019`\u02bc]")


def _words(text: str) -> list[_Word]:
    """Words of `text` in its own script: apostrophes dropped, "&" a word of its own, runs of
    single letters joined ("s.a. de c.v." -> "sa de cv", "l.l.c." -> "llc"), though not across
    a comma ("Title I, S.A." -> "title i sa", not "title isa")."""
    text = _APOSTROPHE_RE.sub("", text).replace("&", " and ")
    group, groups, segment = -1, 0, 0
    joined: list[_Word] = []
    run: list[str] = []
    run_key = (-1, 0)

    def flush() -> None:
        if run:
            joined.append(_Word("".join(run), run_key[0]))
            run.clear()

    for match in _PIECE_RE.finditer(text):
        piece = match.group()
        if piece in ("(", "["):
            group, groups = groups, groups + 1
        elif piece in (")", "]"):
            group = -1
        elif piece in (",", ";"):
            segment += 1
        elif len(piece) == 1 and piece.isalpha():
            if run and run_key != (group, segment):
                flush()
            run.append(piece)
            run_key = (group, segment)
            continue
        else:
            flush()
            joined.append(_Word(piece, group))
            continue
        flush()
    flush()
    return joined


def _trailing_forms(words: list[_Word], forms: list[FoundForm]) -> tuple[list[FoundForm], int]:
    """The forms that end the name (allowing a place, a parenthesised group or "X Branch" after
    them), and the index where the stripped region starts."""
    end = len(words)
    # a tail that may follow the legal form: "(Singapore Branch)", "Singapore Branch", "(HK)"
    tail = end
    if tail and words[tail - 1].group >= 0:
        group = words[tail - 1].group
        while tail and words[tail - 1].group == group:
            tail -= 1
    elif tail and words[tail - 1].text in _BRANCH_WORDS:
        tail -= 1
        while tail > 1 and end - tail < 4 and _is_place(_ascii(words[tail - 1 : end - 1])):
            tail -= 1
        if tail == end - 1:
            tail = end
    kept: list[FoundForm] = []
    for stop in (end, tail):
        kept = []
        position = stop
        for form in reversed(forms):
            if form.end == position and form.start > 0:
                kept.insert(0, form)
                position = form.start
        if kept:
            return kept, position
    return [], end


def _ascii(words: Sequence[_Word]) -> tuple[str, ...]:
    return tuple(t for w in words for t in romanised(w.text))


def _strip_leading_junk(words: list[_Word]) -> list[_Word]:
    """Drop what some lists put before a name: "and" (a split list of names, "... and PJSC
    ASZ"), "the", and "so-called" (names of entities in occupied territories), so that a
    legal form written first is first."""
    while len(words) > 1 and words[0].text in ("and", "the"):
        words = words[1:]
    if len(words) > 2 and (words[0].text, words[1].text) == ("so", "called"):
        words = words[2:]
    return words


def _chinese_personal_name(texts: list[str], trailing: list[FoundForm]) -> bool:
    """True when the one-word "legal form" ending a name is the last syllable of a Chinese
    personal name: "Wang Ao", "Li Sa" (AO, SA), every word of which is a pinyin syllable."""
    if len(trailing) != 1 or trailing[0].end - trailing[0].start != 1 or len(texts) > 4:
        return False
    syllables = pinyin_syllables()
    return all(t in syllables for t in texts)


def _leading_forms(words: list[_Word], forms: list[FoundForm], stop: int) -> list[FoundForm]:
    kept: list[FoundForm] = []
    position = 0
    for form in forms:
        if form.start == position and form.end < stop and form.code in _PREFIX_CODES:
            kept.append(form)
            position = form.end
    return kept


def _numbers(tokens: list[str]) -> list[str]:
    table, longest = _number_words()
    out: list[str] = []
    position = 0
    while position < len(tokens):
        for size in range(min(longest, len(tokens) - position), 0, -1):
            digits = table.get(tuple(tokens[position : position + size]))
            if digits is not None:
                out.append(digits)
                position += size
                break
        else:
            ordinal = _ORDINAL_RE.fullmatch(tokens[position])  # beyond the table: "706th"
            out.append(ordinal.group(1) if ordinal else tokens[position])
            position += 1
    return out


def _strip_honorifics(tokens: list[str]) -> list[str]:
    prefixes, longest = honorific_prefixes()
    changed = True
    while changed:
        changed = False
        for size in range(min(longest, len(tokens) - 1), 0, -1):
            head = tuple(tokens[:size])
            if head in prefixes or (size == 1 and head[0] in _HONORIFICS):
                tokens = tokens[size:]
                changed = True
                break
    return tokens


def _series(tokens: Sequence[str]) -> tuple[str, ...]:
    """Numbered-series markers: years anywhere after the first word, and the trailing run of
    roman numerals and numbers ("Fund XI", "Trust 2021-1", "Solutions II")."""
    found: list[int] = [i for i, t in enumerate(tokens) if i > 0 and _YEAR_RE.fullmatch(t)]
    i = len(tokens) - 1
    while i > 0 and (tokens[i].isdigit() or _ROMAN_RE.fullmatch(tokens[i])):
        found.append(i)
        i -= 1
    return tuple(tokens[i] for i in sorted(set(found)))


def _form(
    words: list[_Word],
    extra_forms: Iterable[str],
    variant: str,
) -> FormV3 | None:
    """One FormV3 from the words of a name (in their own script)."""
    words = _strip_leading_junk(words)
    texts = [w.text for w in words]
    forms = find_forms(texts)
    trailing, start = _trailing_forms(words, forms)
    # repair a misspelt form only where no telling form ends the name: in "Kavan Electronics
    # Behrad LLC" the "Behrad" before the LLC is a word of the name, not a typo of "berhad"
    telling = [f for f in trailing if f.code != "co"]
    repaired, new_start = (texts, start) if telling else repair_tail(texts, start)
    if new_start != start:
        words = [_Word(t, w.group) for t, w in zip(repaired, words, strict=True)]
        texts = repaired
        forms = find_forms(texts)
        trailing, start = _trailing_forms(words, forms)
    if _chinese_personal_name(texts, trailing):
        trailing, start = [], len(words)
    leading = _leading_forms(words, forms, start)
    strip = {i for f in trailing + leading for i in range(f.start, f.end)}
    codes = [f.code for f in leading] + list(extra_forms) + [f.code for f in trailing]
    if len(set(codes)) > 1:  # "Co." says only "a company": other forms say more
        codes = [c for c in codes if c != "co"]
    codes = list(dict.fromkeys(codes))
    kept = [w for i, w in enumerate(words) if i not in strip]
    if not kept:
        kept, codes = words, list(extra_forms)

    # romanise, word by word, remembering each token's group
    tokens: list[str] = []
    groups: list[int] = []
    places = _place_aliases()
    for word in kept:
        for token in romanised(word.text):
            for part in (places.get(token) or _ABBREVIATIONS.get(token, token)).split():
                tokens.append(part)
                groups.append(word.group)
    if not tokens:
        return None
    before_stop = len(tokens)
    keep = [
        not (t in _STOPWORDS or (t in _CONJUNCTIONS_IN_FORMS and codes and 0 < i < before_stop - 1))
        for i, t in enumerate(tokens)
    ]
    if any(keep):
        tokens = [t for t, k in zip(tokens, keep, strict=True) if k]
        groups = [g for g, k in zip(groups, keep, strict=True) if k]
    numbers = _numbers(tokens)
    if len(numbers) != len(tokens):  # number words merged: groups follow the first word
        groups = groups[: len(numbers)]
    tokens = numbers
    if not codes:
        stripped = _strip_honorifics(tokens)
        groups = groups[len(tokens) - len(stripped) :]
        tokens = stripped
    tokens = [canonical_particle(t, i) for i, t in enumerate(tokens)]
    qualifiers = _qualifiers(tokens, groups, bool(codes))
    return FormV3(tuple(tokens), tuple(codes), qualifiers, _series(tokens), variant)


def _qualifiers(tokens: list[str], groups: list[int], has_form: bool) -> tuple[str, ...]:
    """Region, country or branch qualifiers of a subsidiary: a place in parentheses
    ("Bank of China (Hong Kong)"), a place before "Branch" ("... Singapore Branch"), or, in a
    name with a legal form, a place just before it ("Huawei Technologies Japan K.K."), unless
    it follows "of" ("Bank of China Limited") or is the name's only other word ("Air China")."""
    found: list[str] = []
    for group in sorted({g for g in groups if g >= 0}):
        words = [t for t, g in zip(tokens, groups, strict=True) if g == group]
        start = 0
        while start < len(words):  # longest places first, not overlapping
            for size in range(min(3, len(words) - start), 0, -1):
                piece = tuple(words[start : start + size])
                if _is_place(piece):
                    found.append(" ".join(piece))
                    start += size
                    break
            else:
                start += 1
    for i, token in enumerate(tokens):
        if token in _BRANCH_WORDS and i > 0:
            for size in (3, 2, 1):
                if i - size >= 1 and _is_place(tuple(tokens[i - size : i])):
                    found.append(" ".join(tokens[i - size : i]))
                    break
    if has_form and not found:
        outside = [i for i, g in enumerate(groups) if g < 0]
        if outside:
            last = outside[-1]
            for size in (3, 2, 1):
                start = last - size + 1
                if start >= 2 and _is_place(tuple(tokens[start : last + 1])):
                    if tokens[start - 1] not in _OF_WORDS:
                        found.append(" ".join(tokens[start : last + 1]))
                    break
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _han_table() -> tuple[dict[str, str], int]:
    """v2's Han tables (curated aliases and han_words.csv, read as they are) and the company
    words of data/text/han_words_v3.csv, which never override them."""
    table, _ = _tables()
    merged = dict(table)
    path = resources.files("chainwatch.data") / "text" / "han_words_v3.csv"
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            han, english = line.split(",", 1)
            merged.setdefault(han, english.strip())
    return merged, max(len(k) for k in merged)


@lru_cache(maxsize=1)
def _han_ordinals() -> tuple[tuple[str, str], ...]:
    """Han ordinals from rigour's ordinal table, longest first: 第十四 -> 14. Only those
    written with 第, so that 一 or 三 inside a name (三星, Samsung) stay as they are."""
    from rigour._core import ordinals_dict

    pairs = {
        spelling: str(number)
        for number, spellings in ordinals_dict().items()
        for spelling in spellings
        if spelling.startswith("第") and _HAN_RE.fullmatch(spelling[1:2] or "x")
    }
    return tuple(sorted(pairs.items(), key=lambda pair: -len(pair[0])))


def _han_numbers(text: str) -> str:
    if "第" not in text:
        return text
    for spelling, digits in _han_ordinals():
        text = text.replace(spelling, f" {digits} ")
    return text


def _han_run(run: str) -> tuple[str, str]:
    """A run of Han characters through the tables (longest word first) and in pinyin: the
    translated text and the pinyin text, words the tables know kept as one pinyin word.

    >>> _han_run("中国北方工业")
    ('china north industry', 'zhongguo beifang gongye')
    """
    table, longest = _han_table()
    translated: list[str] = []
    pinyin: list[str] = []
    pending = ""
    position = 0
    while position < len(run):
        for size in range(min(longest, len(run) - position), 0, -1):
            piece = run[position : position + size]
            if piece in table:
                if pending:
                    words = _pinyin_words(pending)
                    translated.extend(words)
                    pinyin.extend(words)
                    pending = ""
                translated.append(table[piece])
                pinyin.extend(_pinyin_words(piece))
                position += size
                break
        else:
            pending += run[position]
            position += 1
    if pending:
        words = _pinyin_words(pending)
        translated.extend(words)
        pinyin.extend(words)
    return " ".join(translated), " ".join(pinyin)


def _han(text: str) -> list[FormV3]:
    """Translated, pinyin and joined-pinyin forms of a name with Han characters, and for a
    name of two or three characters (most Chinese personal names) the family name apart from
    the given name: 习近平 -> "xijinping" and "xi jinping"."""
    text = _t2s().convert(text)  # type: ignore[attr-defined]
    core, cjk = split_cjk_forms(text.replace(" ", ""))
    core = _han_numbers(core)
    codes = [code for code, _ in cjk]
    if not _HAN_RE.search(core):  # kana or Hangul with a Han legal form: ソニー株式会社
        form = _form(_words(core), codes, "script")
        return [form] if form is not None else []
    translated: list[str] = []
    pinyin: list[str] = []
    joined: list[str] = []
    last = 0
    for match in _CJK_RUN_RE.finditer(core):
        other = core[last : match.start()]
        for parts in (translated, pinyin, joined):
            parts.append(other)
        tr, py = _han_run(match.group())
        translated.append(f" {tr} ")
        pinyin.append(f" {py} ")
        joined.append(f" {py.replace(' ', '')} ")
        last = match.end()
    for parts in (translated, pinyin, joined):
        parts.append(core[last:])
    out: list[FormV3] = []
    if translated == pinyin:  # no table knew a word: the "translation" is the pinyin
        translated = []
    for variant, parts in (("translated", translated), ("pinyin", pinyin), ("pinyin", joined)):
        if not parts:
            continue
        form = _form(_words("".join(parts)), codes, variant)
        if form is not None and form.tokens not in {f.tokens for f in out}:
            out.append(form)
    if not codes and 2 <= len(core) <= 3 and _CJK_RUN_RE.fullmatch(core):
        # a personal name: family name, then the given name in one word ("xi jinping")
        from pypinyin import lazy_pinyin

        syllables = lazy_pinyin(core)
        person = (syllables[0], "".join(syllables[1:]))
        if person not in {f.tokens for f in out}:
            out.append(FormV3(person, (), (), (), "pinyin"))
    return out


_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]+")


def _hangul_forms(text: str) -> list[FormV3]:
    """Korean names in the lists' spelling (McCune-Reischauer, see romanise_v3): each Hangul
    word written as one token ("조선노동당" -> "josonnodongdang"), and a personal name of two
    to four syllables also syllable by syllable and as family name + given name
    ("김정은" -> "kim jong un", "kim jongun")."""
    core, cjk = split_cjk_forms(text)
    codes = [code for code, _ in cjk]
    romanised_text = _HANGUL_RE.sub(
        lambda m: " " + "".join(hangul_syllables(m.group(), voiced=True)) + " ", core
    )
    out: list[FormV3] = []
    joined = _form(_words(romanised_text), codes, "script")
    if joined is not None:
        out.append(joined)
    if not codes and _HANGUL_RE.fullmatch(core.strip()) and 2 <= len(core.strip()) <= 4:
        syllables = hangul_syllables(core.strip())
        family = _KOREAN_FAMILY_NAMES.get(core.strip()[0], syllables[0])
        out.append(FormV3((family, *syllables[1:]), (), (), (), "script"))
        out.append(FormV3((family, "".join(syllables[1:])), (), (), (), "script"))
    return out


# Family names the lists spell otherwise than McCune-Reischauer gives them.
_KOREAN_FAMILY_NAMES = {"이": "lee", "류": "ryu", "유": "yu", "오": "o"}


_PARENTHESES_RE = re.compile(r"\([^()]*\)")


@lru_cache(maxsize=131072)
def forms_v3(name: str) -> tuple[FormV3, ...]:
    """All comparable forms of `name`: none for an empty name, usually one, more for Han
    names (translated, pinyin, joined pinyin), Wade-Giles romanisations (an extra pinyin form),
    common transliteration variants of Arabic and Russian given names (an extra canonical form)
    and names with words in parentheses that are not a qualifier (an extra form without them,
    as in v2). Deterministic; cached per name.

    >>> [f.tokens for f in forms_v3("Siemens Aktiengesellschaft")]
    [('siemens',)]
    >>> forms_v3("Bank of China (Hong Kong) Limited")[0].qualifiers
    ('hong kong',)
    """
    text = _clean(name)
    if not text:
        return ()
    if _HAN_RE.search(text):
        return tuple(_han(text))
    forms: list[FormV3] = []
    if _KANA_HANGUL_RE.search(text):
        core, cjk = split_cjk_forms(text)
        first = _form(_words(core), [code for code, _ in cjk], "script")
    else:
        first = _form(_words(text), [], "latin" if _is_latin(text) else "script")
    if first is None:
        return ()
    forms.append(first)
    if _HANGUL_RE.search(text):
        for form in _hangul_forms(text):
            if form.tokens not in {f.tokens for f in forms}:
                forms.append(form)
    if "(" in text:
        without = _form(_words(_PARENTHESES_RE.sub(" ", text)), [], first.variant)
        if (
            without is not None
            and not first.qualifiers
            and without.tokens != first.tokens
            and 2 * len(without.tokens) >= len(first.tokens)
        ):
            forms.append(without)
    canonical = canonical_name_tokens(first.tokens)
    if canonical != first.tokens and canonical not in {f.tokens for f in forms}:
        forms.append(
            FormV3(canonical, first.legal_forms, first.qualifiers, first.series, first.variant)
        )
    pinyin = wade_giles_to_pinyin(first.tokens, text)
    if pinyin is not None and pinyin not in {f.tokens for f in forms}:
        forms.append(FormV3(pinyin, first.legal_forms, first.qualifiers, first.series, "pinyin"))
    return tuple(forms)


def _is_latin(text: str) -> bool:
    """True when every letter of `text` is ASCII or a Latin letter with diacritics."""
    return text.isascii() or all(
        ch.isascii() or not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text
    )
