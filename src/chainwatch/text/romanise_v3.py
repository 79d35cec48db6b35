"""Romanisation of one word for chainwatch-v3: anyascii, with two repairs.

* anyascii writes the Cyrillic soft sign (and some Arabic letters) as an apostrophe; it is
  dropped rather than splitting the word ("Валерьевич" -> "valerevich", not "valer evich").
* Arabic script leaves short vowels unwritten, so anyascii gives a consonant skeleton
  ("محمد" -> "mhmd") that no Latin spelling of the name resembles. The frequent words of
  Arabic names are looked up in data/text/arabic_names_v3.csv instead ("محمد" -> "muhammad"),
  and the article "ال" becomes a word "al" of its own ("الرحمن" -> "al rahman"). Other
  Arabic words are written letter by letter with their long vowels ("سلمان" -> "slman"):
  the matcher's edit budget bridges "slman"/"salman", not "slmn"/"salman".
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from anyascii import anyascii

_ASCII_WORD_RE = re.compile(r"[0-9a-z]+")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_MARKS_RE = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def _arabic_key(word: str) -> str:
    return _ARABIC_MARKS_RE.sub("", word).translate(_ARABIC_FOLD)


@lru_cache(maxsize=1)
def _arabic_table() -> dict[str, str]:
    path = resources.files("chainwatch.data") / "text" / "arabic_names_v3.csv"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            arabic, latin = line.split(",", 2)[:2]
            table[_arabic_key(arabic)] = latin
    return table


def _arabic_letters(key: str) -> str:
    """Letter by letter, with the long vowels written as vowels (anyascii drops alif and
    writes waw and ya as consonants): "سلمان" -> "slman", "حسين" -> "hsin", "اسامه" ->
    "asama". Ayn and hamza are dropped, as most list spellings drop them."""
    out: list[str] = []
    for i, letter in enumerate(key):
        after = key[i + 1] if i + 1 < len(key) else ""
        if letter == "ا":
            out.append("a")
        elif letter == "و":
            out.append("w" if i == 0 or after in "اوي" else "u")
        elif letter == "ي":
            out.append("y" if i == 0 or after in "اوي" else "i")
        elif letter == "ه" and not after and i > 0:
            out.append("a")  # ta marbuta, folded to ha by _arabic_key
        elif letter in "عءئؤ":
            continue
        else:
            out.append(anyascii(letter))
    return "".join(out)


def _arabic_word(word: str) -> str:
    key = _arabic_key(word)
    table = _arabic_table()
    if key in table:
        return table[key]
    if key.startswith("ال") and len(key) > 3:
        rest = key[2:]
        return "al " + table.get(rest, _arabic_letters(rest))
    return _arabic_letters(key)


@lru_cache(maxsize=65536)
def romanised(word: str) -> tuple[str, ...]:
    """ASCII tokens of one word (already case-folded), in any script.

    >>> romanised("Валерьевич".casefold()), romanised("محمد"), romanised("الرحمن")
    (('valerevich',), ('muhammad',), ('al', 'rahman'))
    """
    if word.isascii():
        return tuple(_ASCII_WORD_RE.findall(word))
    text = _arabic_word(word) if _ARABIC_RE.search(word) else anyascii(word)
    return tuple(_ASCII_WORD_RE.findall(text.casefold().replace("'", "")))
