"""Person names for chainwatch-v3: honorifics, name particles and transliteration variants.

What is done here, and what is left to the matcher:

* Honorifics before a name ("Mr", "Dr", "His Excellency", "Sheikh", "Haji") are dropped, from
  rigour's person-name prefix list (MIT) and v2's own list; titles that also begin company
  names ("General", "Director", "Count", "Chairman", "Private", "President") are kept.
* Particles of Arabic names are kept as tokens, spelt one way: "ibn" and (not first) "ben" ->
  "bin"; "binti"/"binte" -> "bint"; "el" (not last) -> "al"; so patronymic chains ("Osama bin
  Mohammed bin Awad bin Laden") stay whole and comparable.
* Transliteration variants get an **extra canonical form** (never replacing the written one):
  given names from data/text/person_variants_v3.csv (Mohammed/Muhammad/Mohamed -> muhammad,
  Yevgeny/Evgeny/Evgenii -> evgeny ...), the Russian adjective endings -iy/-ii/-yy -> -y
  ("Dmitriy"/"Dmitrii" -> "dmitry"), "abdul"/"abdel" -> "abd al". Other variants (one letter,
  Moghaddam/Moqadam) are left to the matcher's edit budget and to
  :func:`chainwatch.text.transliteration.romanised_key`.
* Wade-Giles romanisations of Chinese names get an extra pinyin form when every word is a
  Wade-Giles syllable whose pinyin exists and the name is not pinyin already (a word that is
  no pinyin syllable, or an apostrophe of aspiration): Hsi Chin-p'ing -> xi jin ping,
  Teng Hsiao-p'ing -> deng xiao ping, Chang Ching-kuo -> zhang jing guo; "Chen Qu", "Ping An"
  and "Chang Ping-yun" (pinyin as written) get none.
* Nicknames (Bill/William, Sasha/Aleksandr) are not expanded: the one maintained,
  permissively licensed table on PyPI (``nicknames``, Apache-2.0) is not an approved
  dependency of this project (see docs/screening.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from anyascii import anyascii

# rigour titles that also start company names, which must never be stripped from them.
_KEEP_TITLES = frozenset(
    {
        "general",
        "director",
        "count",
        "chair",
        "chairman",
        "chairwoman",
        "private",
        "president",
        "the",
        "lord",
        "lady",
        "queen",
        "emperor",
        "empress",
        "admiral",
        "commodore",
        "captain",
        "colonel",
        "brigadier",
        "baronet",
        "laird",
        "seigneur",
        "excellency",
        "amb",
        "ambassador",
        "dame",
        "madam",
        "madame",
        "countess",
        "duchess",
        "marchioness",
        "marquess",
        "baroness",
    }
)


@lru_cache(maxsize=1)
def honorific_prefixes() -> tuple[frozenset[tuple[str, ...]], int]:
    """Honorifics as token tuples (rigour's person-name prefix list less `_KEEP_TITLES`)."""
    from rigour._core import person_name_prefixes_list

    prefixes: set[tuple[str, ...]] = set()
    for prefix in person_name_prefixes_list():
        words = tuple(re.findall(r"[0-9a-z]+", anyascii(prefix).casefold()))
        if words and not (len(words) == 1 and words[0] in _KEEP_TITLES):
            prefixes.add(words)
    return frozenset(prefixes), max(len(p) for p in prefixes)


def canonical_particle(token: str, position: int) -> str:
    """One spelling for the particles of Arabic names ("ibn" -> "bin", "el" -> "al").

    >>> [canonical_particle(t, i) for i, t in enumerate(["ben", "ali", "ibn", "el", "sayed"])]
    ['ben', 'ali', 'bin', 'al', 'sayed']
    """
    if token == "ibn" or (token == "ben" and position > 0):
        return "bin"
    if token in ("binti", "binte"):
        return "bint"
    if token == "el" and position >= 0:
        return "al"
    return token


@lru_cache(maxsize=1)
def _variants() -> dict[str, tuple[str, ...]]:
    """person_variants_v3.csv: spelling -> canonical tokens."""
    path = resources.files("chainwatch.data") / "text" / "person_variants_v3.csv"
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if not line.strip() or line.startswith("#"):
            continue
        canonical, spellings = line.split(",", 2)[:2]
        for spelling in [canonical, *spellings.split()]:
            table[spelling] = tuple(canonical.split())
    return table


_RUSSIAN_ENDING_RE = re.compile(r"(?<=[a-z]{3})(?:iy|ii|yy)$")


def canonical_name_tokens(tokens: Sequence[str]) -> tuple[str, ...]:
    """`tokens` with each given name in its canonical romanisation (person_variants_v3.csv,
    the Russian -iy/-ii/-yy endings, "abdul..."/"abdel..." split into "abd al ...").

    >>> canonical_name_tokens(("dmitriy", "abdulrahman", "mohamed"))
    ('dmitry', 'abd', 'al', 'rahman', 'muhammad')
    """
    table = _variants()
    out: list[str] = []
    for token in tokens:
        if token in table:
            out.extend(table[token])
        elif token.startswith(("abdul", "abdel")) and len(token) > 7:
            out.extend(("abd", "al", token[5:]))  # "abdulrahman" -> "abd al rahman"
        else:
            out.append(_RUSSIAN_ENDING_RE.sub("y", token))
    return tuple(out)


def person_name_variants(
    tokens: Sequence[str], raw: str | None = None
) -> tuple[tuple[str, ...], ...]:
    """Extra token forms of a (possibly personal) name: the canonical transliteration form
    and the Wade-Giles -> pinyin form, each only when it differs from `tokens`. `raw` is the
    case-folded written name, read for the apostrophes of Wade-Giles ("p'ing").

    >>> person_name_variants(("mohammed", "bin", "salman"))
    (('muhammad', 'bin', 'salman'),)
    >>> person_name_variants(("hsi", "chin", "ping"), "hsi chin-p'ing")
    (('xi', 'jin', 'ping'),)
    """
    out: list[tuple[str, ...]] = []
    canonical = canonical_name_tokens(tokens)
    if canonical != tuple(tokens):
        out.append(canonical)
    pinyin = wade_giles_to_pinyin(tokens, raw)
    if pinyin is not None and pinyin != tuple(tokens) and pinyin not in out:
        out.append(pinyin)
    return tuple(out)


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (ü written v and u): the table
    data/text/pinyin_syllables.txt, made by :func:`pypinyin_syllables` (importing pypinyin
    costs 0.8 s, which a cold ``chainwatch screen`` of a Latin name does not pay)."""
    path = resources.files("chainwatch.data") / "text" / "pinyin_syllables.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


def pypinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable of pypinyin's dictionary (what the table holds)."""
    from pypinyin.pinyin_dict import pinyin_dict

    syllables: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = "".join(
                c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c)
            )
            syllables.add(plain.replace("ü", "v"))
            syllables.add(plain.replace("ü", "u"))
    return frozenset(s for s in syllables if s.isascii() and s.isalpha())


# Wade-Giles initials -> pinyin (aspirated with the apostrophe, unaspirated without), longest
# first; "ch" and "ch'" become j/q before i and ü.
_WG_INITIALS = (
    ("ch'", "ch"),
    ("ts'", "c"),
    ("tz'", "c"),
    ("hs", "x"),
    ("ch", "zh"),
    ("ts", "z"),
    ("tz", "z"),
    ("sh", "sh"),
    ("k'", "k"),
    ("t'", "t"),
    ("p'", "p"),
    ("k", "g"),
    ("t", "d"),
    ("p", "b"),
    ("j", "r"),
    ("ss", "s"),
    ("sz", "s"),
)
# Wade-Giles finals -> pinyin, longest first.
_WG_FINALS = (
    ("ieh", "ie"),
    ("ien", "ian"),
    ("iung", "iong"),
    ("ung", "ong"),
    ("ueh", "ue"),
    ("üeh", "ue"),
    ("ih", "i"),
    ("eh", "e"),
    ("erh", "er"),
    ("ü", "u"),
)


@lru_cache(maxsize=1 << 14)
def _wg_syllable(syllable: str) -> str | None:
    """The pinyin of one Wade-Giles syllable, or None when it is not one (cached: every name
    of one to four words asks it of its first word, and the words of names recur)."""
    initial, rest = "", syllable
    for written, pinyin in _WG_INITIALS:
        if syllable.startswith(written):
            initial, rest = pinyin, syllable[len(written) :]
            break
    if not rest:
        return None
    if initial in ("zh", "ch") and rest[0] in "iü":
        initial = "j" if initial == "zh" else "q"
    if initial in ("z", "c", "s") and rest == "u" and syllable[:2] in ("ts", "tz", "ss", "sz"):
        rest = "i"  # "tzu" -> "zi", "ssu" -> "si"
    for written, pinyin in _WG_FINALS:
        if rest.endswith(written):
            rest = rest[: -len(written)] + pinyin
            break
    if rest == "o" and initial in ("g", "k", "h"):
        rest = "e"  # "ko" -> "ge", "ho" -> "he"
    elif rest == "o" and initial not in ("", "b", "p", "m", "f", "w", "y"):
        rest = "uo"  # "to" -> "duo", "lo" -> "luo"
    result = initial + rest.replace("'", "")
    return result if result in pinyin_syllables() else None


def wade_giles_to_pinyin(tokens: Sequence[str], raw: str | None = None) -> tuple[str, ...] | None:
    """The pinyin reading of a name written in Wade-Giles, or None when it is not one.

    It is one when every word (1 to 4 words, as Chinese personal names have) is a Wade-Giles
    syllable with a pinyin counterpart, and something shows the name is not pinyin already: a
    word that is no pinyin syllable ("hsi", "ching", "hsueh", "chih"), or, in `raw`, an
    apostrophe of aspiration ("Teng Hsiao-p'ing"). "Chen Qu", "Ping An" and "Chang Ping-yun",
    all of whose words are pinyin as written, get no second reading ("zhen qu" would name
    someone else). Unmarked initials are read unaspirated, as Wade-Giles writes them.

    >>> wade_giles_to_pinyin(("chang", "ching", "kuo"))
    ('zhang', 'jing', 'guo')
    >>> wade_giles_to_pinyin(("teng", "hsiao", "ping"), "teng hsiao-p'ing")
    ('deng', 'xiao', 'ping')
    >>> wade_giles_to_pinyin(("chen", "qu")) is None, wade_giles_to_pinyin(("smith",)) is None
    (True, True)
    """
    if not 1 <= len(tokens) <= 4:
        return None
    syllables: list[str] = list(tokens)
    aspirated = False
    if raw is not None:
        written = re.findall(r"[a-zü']+", raw.replace("\u2019", "'"))
        if [w.replace("'", "") for w in written] == list(tokens):
            syllables = written
            aspirated = "'" in raw
    pinyin_words = pinyin_syllables()
    converted: list[str] = []
    for syllable in syllables:
        pinyin = _wg_syllable(syllable)
        if pinyin is None:
            return None
        converted.append(pinyin)
    wade_giles_only = any(s.replace("'", "") not in pinyin_words for s in syllables)
    if not (wade_giles_only or aspirated) or tuple(converted) == tuple(tokens):
        return None
    return tuple(converted)
