"""Name normalisation: one name in any script -> comparable token forms.

Steps, in order (each documented where it happens):

1. Unicode NFKC and case folding; full-width forms become ASCII.
2. Han text: traditional folded to simplified (OpenCC ``t2s``); CJK legal forms (有限公司,
   股份有限公司, 集团, 株式会社, 주식회사 ...) split off the ends as evidence; the remainder is
   segmented by longest match against the curated alias table (海康威视 -> hikvision) and a
   table of common company words (数字 -> digital, 技术 -> technology), and what no table knows
   is written in pinyin (pypinyin) in two-syllable words. A Han name yields two forms: the
   translated one and the pure-pinyin one.
3. Every other script is romanised with anyascii (Cyrillic, Greek, Arabic, Hangul, kana ...).
4. Punctuation and honorifics removed, runs of single letters joined ("S.A." -> "sa"), a few
   abbreviations expanded ("Tech." -> "technology", "Intl" -> "international"), plurals folded.
5. Latin legal forms split off the end (and the start, for forms written first) as evidence.

The result keeps the legal forms apart from the name tokens, so a scorer can weigh them as
evidence about the kind of entity rather than as part of its name.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from anyascii import anyascii

from chainwatch.text.legal_forms import split_cjk_legal_forms, split_legal_forms


@dataclass(frozen=True, slots=True)
class NameForm:
    """One comparable form of a name."""

    tokens: tuple[str, ...]  # name tokens, legal forms removed, in written order
    legal_forms: tuple[str, ...]  # canonical legal-form codes found (LTD, LLC, KK ...)
    variant: str  # "latin", "translated" (Han through the tables) or "pinyin"

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


_HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "professor",
        "sir",
        "sheikh",
        "shaikh",
        "haji",
        "hajji",
        "mullah",
        "maulana",
        "mawlawi",
    }
)
_STOPWORDS = frozenset({"the", "of", "and", "for", "a", "an", "und", "et", "y", "e"})
_ABBREVIATIONS = {
    "tech": "technology",
    "techn": "technology",
    "technol": "technology",
    "intl": "international",
    "int'l": "international",
    "mfg": "manufacturing",
    "hldg": "holding",
    "hldgs": "holding",
    "grp": "group",
    "svc": "service",
    "svcs": "service",
    "sys": "system",
    "elec": "electronic",
    "electr": "electronic",
    "eqpt": "equipment",
    "equip": "equipment",
    "indus": "industry",
    "ind": "industry",
    "natl": "national",
    "univ": "university",
    "inst": "institute",
    "dept": "department",
    "assn": "association",
    "bros": "brother",
    "lab": "laboratory",
    "labs": "laboratory",
    "imp": "import",
    "exp": "export",
    "eng": "engineering",
    "&": "and",
}
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA_HANGUL_RE = re.compile(r"[\u3040-\u30ff\uac00-\ud7af\u1100-\u11ff]")
_SPLIT_RE = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1)
def _plural_stems() -> frozenset[str]:
    """Business words whose plural is folded ("Technologies" -> "technology"); see
    data/text/generic_words.txt. Only these: folding every trailing "s" would turn
    "Siemens" into "siemen"."""
    base = resources.files("chainwatch.data") / "text"
    lines = (base / "generic_words.txt").read_text(encoding="utf-8").splitlines()
    words = {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}
    return frozenset(words | _EXTRA_PLURAL_STEMS)


_EXTRA_PLURAL_STEMS = {
    "chemical",
    "metal",
    "instrument",
    "component",
    "device",
    "machine",
    "laboratory",
    "work",
    "partner",
    "brother",
    "venture",
    "electronic",
    "communication",
    "optic",
    "system",
    "industry",
    "holding",
    "service",
    "product",
    "resource",
    "solution",
    "enterprise",
    "technology",
    "material",
    "dynamic",
    "energy",
    "aeronautic",
    "logistic",
}


def _fold_plural(token: str) -> str:
    stems = _plural_stems()
    if token.endswith("ies") and token[:-3] + "y" in stems:
        return token[:-3] + "y"
    if token.endswith("s") and token[:-1] in stems:
        return token[:-1]
    return token


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], int]:
    """Han segmentation dictionary: Han word -> English (or brand) tokens, and max word length."""
    base = resources.files("chainwatch.data") / "text"
    table: dict[str, str] = {}
    with (base / "han_words.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table[row["han"]] = row["english"].lower()
    with (base / "curated_aliases.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if _HAN_RE.search(row["alias"]):
                table[row["alias"]] = row["name"].lower()
    return table, max(len(k) for k in table)


@lru_cache(maxsize=1)
def place_aliases() -> dict[str, str]:
    """Spellings of one place folded to one token (Uyghur and pinyin names of Xinjiang
    cities, historical romanisations): data/text/place_aliases.csv, each row with a source."""
    base = resources.files("chainwatch.data") / "text"
    with (base / "place_aliases.csv").open(encoding="utf-8") as fh:
        return {row["variant"]: row["canonical"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def _pinyin_words(run: str) -> list[str]:
    """Pinyin of a Han run in two-syllable words (most Chinese words are two characters)."""
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(run) if s.isalpha()]
    words = ["".join(syllables[i : i + 2]) for i in range(0, len(syllables), 2)]
    if len(words) > 1 and len(syllables) % 2 == 1:
        last = words.pop()
        words[-1] += last  # a three-character word, as in most place names
    return words


def _han_forms(text: str) -> tuple[str, str]:
    """Two romanisations of Han text: through the tables (translated) and plain pinyin."""
    table, longest = _tables()
    translated: list[str] = []
    pinyin: list[str] = []
    position = 0
    pending = ""
    while position < len(text):
        for size in range(min(longest, len(text) - position), 0, -1):
            piece = text[position : position + size]
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
            pending += text[position]
            position += 1
    if pending:
        words = _pinyin_words(pending)
        translated.extend(words)
        pinyin.extend(words)
    return " ".join(translated), " ".join(pinyin)


def _latin_tokens(text: str) -> tuple[list[str], list[str]]:
    """Tokens and legal forms of already-romanised, case-folded text."""
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "").replace("`", "")
    raw = [t for t in _SPLIT_RE.split(text) if t]
    # Join runs of single letters: "s a de c v" -> "sa de cv", "j s c" -> "jsc".
    joined: list[str] = []
    run: list[str] = []
    for token in raw:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if run:
            joined.append("".join(run))
            run = []
        joined.append(token)
    if run:
        joined.append("".join(run))
    places = place_aliases()
    tokens = [places.get(t) or _ABBREVIATIONS.get(t, t) for t in joined]
    while len(tokens) > 1 and tokens[0] in _HONORIFICS:  # "Dr. Ali", not "REV Group"
        tokens = tokens[1:]
    name, forms = split_legal_forms(tokens)
    name = [_fold_plural(t) for t in name if t not in _STOPWORDS] or name
    expanded: list[str] = []
    for token in name:
        expanded.extend(token.split())  # abbreviation expansions may hold two words
    # A word said twice says no more than once ("Insurance Company Sberbank Insurance").
    return list(dict.fromkeys(expanded)), forms


_PARENTHESES_RE = re.compile(r"\([^()]*\)")


@lru_cache(maxsize=65536)
def name_forms(name: str) -> tuple[NameForm, ...]:
    """All comparable forms of `name` (usually one; Han names give two).

    Words in parentheses may be left out when they are fewer than the words around them:
    "Global Technology Import & Export, S.A. (GTI)", "SJ Semiconductor (Jiangyin) Corp." and
    "Wulin (or Wuling) Machinery Works" also give the form without them; "Financial
    Corporation (Fincorp International)", whose name is in the parentheses, does not.

    >>> [f.text for f in name_forms("杭州海康威视数字技术股份有限公司")]
    ['hangzhou hikvision digital technology', 'hangzhou haikang weishi shuzi jishu']
    >>> name_forms("HIKVISION DIGITAL TECHNOLOGY CO LTD")[0].legal_forms
    ('LTD',)
    >>> [f.text for f in name_forms("SJ Semiconductor (Jiangyin) Corp.")]
    ['sj semiconductor jiangyin', 'sj semiconductor']
    """
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    forms = list(_forms(text))
    if "(" in text and forms:
        for form in _forms(_PARENTHESES_RE.sub(" ", text).strip()):
            if form not in forms and 2 * len(form.tokens) >= len(forms[0].tokens):
                forms.append(form)
    return tuple(forms)


def _forms(text: str) -> tuple[NameForm, ...]:
    if not text:
        return ()
    forms: list[NameForm] = []
    if _HAN_RE.search(text):
        text = _t2s().convert(text)  # type: ignore[attr-defined]
        compact = text.replace(" ", "")
        core, cjk_forms = split_cjk_legal_forms(compact)
        # Latin text mixed into a Han name stays as it is; Han runs are romanised.
        translated_parts: list[str] = []
        pinyin_parts: list[str] = []
        last = 0
        for match in _CJK_RUN_RE.finditer(core):
            other = anyascii(core[last : match.start()])
            translated_parts.append(other)
            pinyin_parts.append(other)
            tr, py = _han_forms(match.group())
            translated_parts.append(f" {tr} ")
            pinyin_parts.append(f" {py} ")
            last = match.end()
        rest = anyascii(core[last:])
        translated_parts.append(rest)
        pinyin_parts.append(rest)
        for variant, parts in (("translated", translated_parts), ("pinyin", pinyin_parts)):
            tokens, latin_forms = _latin_tokens("".join(parts).lower())
            form = NameForm(tuple(tokens), tuple(cjk_forms + latin_forms), variant)
            if tokens and form.tokens not in {f.tokens for f in forms}:
                forms.append(form)
        return tuple(forms)
    if _KANA_HANGUL_RE.search(text):
        core, cjk_forms = split_cjk_legal_forms(text)
        tokens, latin_forms = _latin_tokens(anyascii(core).lower())
        return (NameForm(tuple(tokens), tuple(cjk_forms + latin_forms), "latin"),) if tokens else ()
    if not text.isascii():
        text = anyascii(text).lower()
    tokens, latin_forms = _latin_tokens(text)
    return (NameForm(tuple(tokens), tuple(latin_forms), "latin"),) if tokens else ()
