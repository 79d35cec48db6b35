"""Labelled name pairs from the real lists, split by entry (issue 9, "measure what generalises").

Writes ``bench/out/pairs_v3_train.csv`` and ``bench/out/pairs_v3_eval.csv`` with the columns
``name1, name2, label, kind, category, entry1, entry2, split`` (label 1 = the same party,
kind = company | person). Rebuilt in about a minute:
``.venv/bin/python bench/pairs_v3.py [--shared ../shared/data]``.

Nothing here asks the chainwatch matcher or its normalisation what a variant is: labels come
from what the publishers say (an alias is printed on the entry; two records carry the same
publisher id or the same passport number) or from the noise model of ``bench/noise.py``; the
only name comparisons are plain ones of this file (lower case, ASCII, tokens, RapidFuzz
``ratio`` / ``token_set_ratio``), used to choose hard negatives and to name categories.

Sources: CSL 2022, OFAC SDN 2024-05-03, OFAC SDN 2019 (with its alt.csv aliases), OFAC
non-SDN consolidated 2025-12, UN 2026-02-27, the 2026-07 US extract; the OpenSanctions
Ukraine-war export (CC-BY-NC) is read from ../shared for evaluation only (below) and never
written anywhere but the gitignored bench/out/.

Matches (label 1), category = group + "_" + relation:

* ``alias_*``: the primary name and each alias published for the same entry (SDN a.k.a.s,
  UN aliases including native-script ones, CSL alt_names, Entity List aliases, OpenSanctions
  aliases).
* ``cross_file_*``: one record of one publisher in two files (the same OFAC ent_num in SDN
  2019, SDN 2024 and the CSL; the same non-SDN id in the CSL and the 2025 consolidated list)
  whose names differ: respellings, renamings, legal forms translated.
* ``cross_publisher_*``: one party as the UN and OFAC spell it, linked by a passport or
  national-id number both print (six characters or more, four digits or more; a number that
  would link three or more records, or records of different kinds, links none).
* ``noise_<kind>``: a listed primary name and the same name with one noise of
  ``bench/noise.py`` (each kind on its own sample of entries).

The relation of a name pair (:func:`relation`) is decided by plain token comparison:
``script`` (one side written in a non-Latin script), ``short`` (one side a single word, the
other several: acronyms, brands, nicknames), ``spelling`` (every word has a counterpart at
ratio ≥ 80, or the words left over resemble each other: ratio ≥ 60 or a prefix),
``partial`` (words added on one side only), ``translation`` (each side keeps a word
resembling none of the other's leftovers — "Bank Melli Iran" / "National Bank of Iran",
renamings, translations — or one side does while less than half of a side's words have a
counterpart: "KHAN, Mustafa Hajji Muhammad" / "SHAHJI, Ahmad"). Translations are
reported as their own categories, not dropped.

Non-matches (label 0):

* ``neg_shared_words``: two entries of one list (one feed) that share at least half of the
  shorter name's words and where each keeps a word the other lacks and does not resemble
  (ratio < 60): "Bank of China (Hong Kong)" / "Bank of China (Macau)";
  ``neg_series`` when the words left over are numbers or roman numerals on both sides
  ("Fund X" / "Fund XI"); ``neg_qualifier`` when they are place names or words in
  parentheses ("(Hong Kong)" / "(Singapore)"), or when one name is the other plus a place
  name (a subsidiary: "Huawei Technologies" / "Huawei Technologies Canada").
  Entries of one list are different parties by construction; pairs whose names are equal
  once legal forms are set aside ("CIMEX" / "CIMEX, S.A.", two SDN records) are left out.
* ``neg_family_name``: two person records of one list with the same family name (SDN's
  "FAMILY, Given") whose given names differ (each keeps a name resembling none of the
  other's, ratio < 60).
* ``neg_sec``: a real company name from the SEC 2024 tickers file and its nearest listed
  company name by a plain method: candidates sharing a word (rarest words first), the best
  by RapidFuzz ``token_set_ratio``. SEC names that are really listed are excluded by
  :func:`really_listed` (their plain key equals a listed company's plain key and their
  legal forms agree) and printed.

Split by entry: every entry gets a *party key* (union of: the same entry id in several
files, the passport / id links above, and equal plain primary names of two words or more
across lists, the last only to keep one party from landing in both splits); entries that
make a hard negative together are put in one *split group* while the group has at most
SPLIT_GROUP_MAX entries (so no sibling of an evaluation entry is trained on, and the
evaluation split keeps its share of hard negatives); a stable hash (SHA-256) of the group's
key (its smallest entry id) puts it in train (≈ 70 %) or eval (≈ 30 %). SEC names are
in one pair each, so an SEC pair takes the split of its listed side. A pair whose two
listed sides fall into different splits is dropped. OpenSanctions pairs go to eval only,
whatever their hash, so that the train file (which the v3 weights are fitted on) holds no
CC-BY-NC data; at most MAX_OPENSANCTIONS_PER_CATEGORY of them per category, so that they do
not swamp the rest.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from anyascii import anyascii
from rapidfuzz import fuzz, process

from chainwatch.lists.registry import bundled_feeds, parse_feed
from chainwatch.model.lists import ListEntry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from noise import KINDS, noisy

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_SHARED = HERE.parents[1] / "shared" / "data"
COLUMNS = ("name1", "name2", "label", "kind", "category", "entry1", "entry2", "split")
EVAL_SHARE = 0.30
SEED = 9
#: Pairs per category at most (before the split), drawn at random with SEED.
MAX_PER_CATEGORY = 4000
#: Largest group of entries kept in one split because they make hard negatives together.
SPLIT_GROUP_MAX = 12
#: Pairs per category from the OpenSanctions export at most (all of them go to eval).
MAX_OPENSANCTIONS_PER_CATEGORY = 600
#: Entries per noise kind and pair kind (before the split).
NOISE_PER_KIND = 700
#: Noise kinds that apply to person names (no legal forms, no "&", no business words).
PERSON_NOISE = (
    "substitute",
    "delete",
    "insert",
    "transpose",
    "two_edits",
    "swap_words",
    "merge_split",
)

# -- plain normalisation (this file's own; it knows nothing of chainwatch.text) -----------------

STOPWORDS = frozenset({"the", "of", "and", "for", "de", "la", "del", "da", "do", "des", "du", "y"})
#: Legal-form words set aside by the plain key.
_LEGAL_TEXT = """ltd limited co company inc incorporated corp corporation llc plc jsc pjsc ojsc
cjsc ooo oao zao ao pao sa srl sarl sas spa bv nv ag gmbh kg ltda llp lp fze fzco fzc pte pvt
sl sac sae bhd sdn tov pp kft zrt sro as ab oy aps asa ad ead ood eood doo dd jv"""
LEGAL_WORDS = frozenset(_LEGAL_TEXT.split())
LEGAL_PHRASES = (
    "joint stock company",
    "limited liability company",
    "open joint stock company",
    "closed joint stock company",
    "public joint stock company",
    "aktsionernoe obshchestvo",
    "aktsionernoye obshchestvo",
    "obshchestvo s ogranichennoi otvetstvennostyu",
    "obshchestvo s ogranichennoy otvetstvennostyu",
    "otkrytoe aktsionernoe obshchestvo",
    "zakrytoe aktsionernoe obshchestvo",
    "publichnoe aktsionernoe obshchestvo",
)
_SEC_SUFFIX = re.compile(r"(\s*/[a-z]{2,4}/?|\s*-\s*(?:ny|adr|ads))\s*$")
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_LATIN = re.compile(r"[^\W\d_]")


def plain_tokens(name: str) -> list[str]:
    """Lower-case ASCII word tokens of a name, stopwords removed (legal forms kept)."""
    text = anyascii(name).lower().replace("&", " and ")
    return [t for t in re.findall(r"[a-z0-9]+", text) if t not in STOPWORDS]


def plain_key(name: str) -> str:
    """A name's plain key: tokens without legal forms and SEC exchange suffixes, joined."""
    text = anyascii(name).lower()
    for _ in range(2):
        text = _SEC_SUFFIX.sub("", text)
    text = " ".join(re.findall(r"[a-z0-9]+", text.replace("&", " and ")))
    for phrase in LEGAL_PHRASES:
        text = re.sub(rf"\b{phrase}\b", " ", text)
    return " ".join(t for t in text.split() if t not in STOPWORDS and t not in LEGAL_WORDS)


def non_latin(name: str) -> bool:
    """Whether the name has a letter outside the Latin script (Cyrillic, Arabic, Han ...)."""
    return any(ord(ch) > 0x24F for ch in _LATIN.findall(name))


def _counterpart(token: str, others: Sequence[str], cutoff: float = 80) -> bool:
    return any(token == o or fuzz.ratio(token, o) >= cutoff for o in others)


def _resembles(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return fuzz.ratio(a, b) >= 60 or (len(short) >= 3 and long_.startswith(short))


def leftovers(t1: Sequence[str], t2: Sequence[str]) -> tuple[list[str], list[str]]:
    """The tokens of each side without a counterpart (ratio ≥ 80) on the other side."""
    return [t for t in t1 if not _counterpart(t, t2)], [t for t in t2 if not _counterpart(t, t1)]


def relation(name1: str, name2: str) -> str:
    """How two names of one party relate: script, short, spelling, partial or translation
    (see the module docstring). Plain token comparison only."""
    if non_latin(name1) or non_latin(name2):
        return "script"
    k1, k2 = plain_key(name1).split(), plain_key(name2).split()
    if not k1 or not k2:
        k1, k2 = plain_tokens(name1), plain_tokens(name2)
    if (len(k1) == 1) != (len(k2) == 1):
        return "short"
    left1, left2 = leftovers(k1, k2)
    if not left1 and not left2:
        return "spelling"
    if not left1 or not left2:
        return "partial"
    alone1 = [a for a in left1 if not any(_resembles(a, b) for b in left2)]
    alone2 = [b for b in left2 if not any(_resembles(a, b) for a in left1)]
    if alone1 and alone2:
        return "translation"
    matched = min(1 - len(left1) / len(k1), 1 - len(left2) / len(k2))
    return "translation" if (alone1 or alone2) and matched < 0.5 else "spelling"


#: Legal-form words of one family: "Ltd" and "Limited" agree, "Inc." and "GmbH" do not.
LEGAL_FAMILIES: dict[str, str] = {
    "ltd": "ltd",
    "limited": "ltd",
    "inc": "inc",
    "incorporated": "inc",
    "corp": "corp",
    "corporation": "corp",
    "co": "co",
    "company": "co",
    "llc": "llc",
    "plc": "plc",
    "gmbh": "gmbh",
    "ag": "ag",
    "sa": "sa",
    "nv": "nv",
    "bv": "bv",
    "lp": "lp",
    "llp": "llp",
}


def legal_families(name: str) -> frozenset[str]:
    """The legal-form families named by a name's words (SEC exchange suffixes set aside)."""
    text = anyascii(name).lower()
    for _ in range(2):
        text = _SEC_SUFFIX.sub("", text)
    return frozenset(
        LEGAL_FAMILIES[t] for t in re.findall(r"[a-z0-9]+", text) if t in LEGAL_FAMILIES
    )


def listed_company_keys(entries: Iterable[ListEntry]) -> dict[str, list[str]]:
    """Plain key -> the listed company names with that key: the `listed` of
    :func:`really_listed`."""
    keys: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        if e.entity_type == "company":
            for n in e.all_names:
                key = plain_key(n)
                if key and n not in keys[key]:
                    keys[key].append(n)
    return keys


def really_listed(sec_name: str, listed: dict[str, list[str]]) -> str | None:
    """The documented rule for an SEC name that is really on a list; returns the listed name.

    Its plain key (lower case, ASCII, legal forms, stopwords and exchange suffixes such as
    "/ADR", "/DE/", "-NY" set aside) equals the plain key of a listed company name, and
    either both name legal forms of one family ("Ltd" / "Limited", "Inc." / "Inc.") or
    neither names one and the key has two words or more. "Baidu, Inc." / "Baidu, Inc.",
    "Alibaba Group Holding Ltd" / "... Limited" and "Hesai Group" / "Hesai Group" are listed;
    "PTC INC." / "PTC GMBH" and "Opera Ltd" / "OPERA" are not. `listed` maps plain keys to
    the listed names with that key. The rule cannot see countries: "CARVANA CO." (US) equals
    the Iranian "CARVANA COMPANY" of the SDN list and counts as listed.
    """
    key = plain_key(sec_name)
    families = legal_families(sec_name)
    for name in listed.get(key, []) if key else []:
        other = legal_families(name)
        if families & other or (not families and not other and len(key.split()) >= 2):
            return name
    return None


# -- loading -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """A list entry and the feed it came from."""

    feed: str
    entry: ListEntry


def load_records(shared: Path, *, opensanctions: bool = True) -> list[Record]:
    """Every company and person entry of the lists named in the module docstring."""
    lists = shared / "lists"
    sources: list[tuple[str, Path, str | None, Path | None]] = [
        ("csl2022", lists / "us_csl" / "consolidated-2022.csv.gz", None, None),
        ("sdn2024", lists / "ofac" / "sdn-2024-05-03.csv", None, None),
        ("sdn2019", lists / "ofac" / "2019", None, None),
        ("cons2025", lists / "ofac" / "consolidated-2025-12", None, None),
        ("un2026", lists / "un" / "consolidated-2026-02-27.xml", None, None),
    ]
    for path, fmt, mapping in bundled_feeds():
        if "consolidated" not in path.name:  # the 2026-07 US extract (CSL 2022 is above)
            sources.append(("x2026:" + path.name.split(".")[0], path, fmt, mapping))
    if opensanctions:
        os_file = shared / "opensanctions" / "targets.simple-ukraine-war-2026-03.csv"
        if os_file.exists():
            sources.append(("os2026", os_file, None, None))
    records: list[Record] = []
    for feed, path, adapter, mapping_file in sources:
        if not path.exists():
            continue
        parsed = parse_feed(path, adapter, mapping_file) if adapter else parse_feed(path)
        records.extend(
            Record(feed, e) for e in parsed.entries if e.entity_type in ("company", "person")
        )
    return records


def full_index_feed(feed: str) -> bool:
    """Feeds of the full screening index (CSL 2022 + SDN 2024 + the 2026-07 US extract)."""
    return feed in ("csl2022", "sdn2024") or feed.startswith("x2026:")


# -- parties and the split -------------------------------------------------------------------


class Parties:
    """Union-find over entry ids: which entries are one party."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def copy(self) -> Parties:
        other = Parties()
        other.parent = dict(self.parent)
        other.size = dict(self.size)
        return other

    def find(self, x: str) -> str:
        if x not in self.parent:
            self.parent[x] = x
            self.size[x] = 1
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str, max_size: int | None = None) -> bool:
        """Join the groups of `a` and `b` (unless the joined group would exceed `max_size`);
        whether they are one group afterwards."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if max_size is not None and self.size[ra] + self.size[rb] > max_size:
            return False
        low, high = sorted((ra, rb))
        self.parent[high] = low
        self.size[low] += self.size.pop(high)
        return True


def _id_key(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", value.upper())


def identifier_links(records: Sequence[Record]) -> list[tuple[str, str]]:
    """(UN entry id, OFAC entry id) pairs linked by a passport or national-id number."""
    holders: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in records:
        if r.feed == "os2026":
            continue
        for ident in r.entry.identifiers:
            key = _id_key(ident.value)
            if len(key) >= 6 and sum(ch.isdigit() for ch in key) >= 4:
                holders[key].add((r.entry.entry_id, r.entry.entity_type))
    links = set()
    for found in holders.values():
        ids = {i for i, _ in found}
        kinds = {k for _, k in found}
        if len(ids) != 2 or len(kinds) != 1:
            continue
        a, b = sorted(ids)
        if a.startswith("UN:") != b.startswith("UN:"):
            links.add((a, b) if a.startswith("UN:") else (b, a))
    return sorted(links)


def split_of(party: str) -> str:
    """train or eval, by a stable hash of the party key."""
    digest = hashlib.sha256(party.encode("utf-8")).digest()
    return "eval" if int.from_bytes(digest[:8], "big") / 2**64 < EVAL_SHARE else "train"


# -- pair building ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    name1: str
    name2: str
    label: int
    kind: str
    category: str
    entry1: str
    entry2: str


def alias_pairs(records: Sequence[Record]) -> Iterable[Pair]:
    for r in records:
        e = r.entry
        for alias in e.aliases:
            if alias.strip() and alias != e.name:
                yield Pair(
                    e.name,
                    alias,
                    1,
                    e.entity_type,
                    "alias_" + relation(e.name, alias),
                    e.entry_id,
                    e.entry_id,
                )


def cross_pairs(records: Sequence[Record], links: Sequence[tuple[str, str]]) -> Iterable[Pair]:
    by_id: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.feed != "os2026":
            by_id[r.entry.entry_id].append(r)
    for entry_id, group in by_id.items():
        names = {r.entry.name for r in group}
        if len(names) < 2:
            continue
        kind = group[0].entry.entity_type
        ordered = sorted(names)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                yield Pair(a, b, 1, kind, "cross_file_" + relation(a, b), entry_id, entry_id)
    for un_id, ofac_id in links:
        if un_id not in by_id or ofac_id not in by_id:
            continue
        un = by_id[un_id][0].entry
        for ofac_name in sorted({r.entry.name for r in by_id[ofac_id]}):
            yield Pair(
                un.name,
                ofac_name,
                1,
                un.entity_type,
                "cross_publisher_" + relation(un.name, ofac_name),
                un_id,
                ofac_id,
            )


def noise_pairs(records: Sequence[Record], rng: random.Random) -> Iterable[Pair]:
    pool: dict[str, list[ListEntry]] = defaultdict(list)
    seen: set[str] = set()
    for r in records:
        if r.entry.entry_id not in seen and r.feed != "os2026" and not non_latin(r.entry.name):
            seen.add(r.entry.entry_id)
            pool[r.entry.entity_type].append(r.entry)
    for kind, entries in sorted(pool.items()):
        for noise_kind in KINDS if kind == "company" else PERSON_NOISE:
            made = 0
            for e in rng.sample(entries, len(entries)):
                variant = noisy(e.name, noise_kind, SEED)
                if variant is None:
                    continue
                yield Pair(e.name, variant, 1, kind, "noise_" + noise_kind, e.entry_id, e.entry_id)
                made += 1
                if made >= NOISE_PER_KIND:
                    break


def _series_token(token: str) -> bool:
    return (
        token.isdigit()
        or bool(_ROMAN.match(token))
        or bool(re.fullmatch(r"\d+(st|nd|rd|th)", token))
    )


def _place_words() -> frozenset[str]:
    import pycountry

    words: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                words.update(plain_tokens(value))
    words |= {
        "hong",
        "kong",
        "macau",
        "macao",
        "taiwan",
        "dubai",
        "beijing",
        "shanghai",
        "shenzhen",
        "moscow",
        "london",
        "europe",
        "asia",
        "america",
        "branch",
        "usa",
        "uk",
    }
    return frozenset(w for w in words if w not in STOPWORDS and len(w) >= 2)


def _parenthesised(name: str) -> set[str]:
    return {t for part in re.findall(r"\(([^)]*)\)", name) for t in plain_tokens(part)}


def shared_word_negatives(
    records: Sequence[Record], parties: Parties, rng: random.Random
) -> Iterable[Pair]:
    """Different entries of one feed that share words (see the module docstring)."""
    places = _place_words()
    by_feed: dict[str, list[ListEntry]] = defaultdict(list)
    for r in records:
        if r.entry.entity_type == "company" and not non_latin(r.entry.name):
            by_feed[r.feed].append(r.entry)
    for _feed, entries in sorted(by_feed.items()):
        keys = {e.entry_id: plain_key(e.name).split() for e in entries}
        blocks: dict[str, list[ListEntry]] = defaultdict(list)
        df = Counter(t for k in keys.values() for t in set(k))
        for e in entries:
            k = keys[e.entry_id]
            if len(k) >= 2:
                blocks[" ".join(k[:2])].append(e)
            if k and df[k[0]] <= 30:
                blocks[k[0]].append(e)
        seen: set[tuple[str, str]] = set()
        for block in blocks.values():
            if len(block) < 2 or len(block) > 200:
                continue
            candidates = [(a, b) for i, a in enumerate(block) for b in block[i + 1 :]]
            rng.shuffle(candidates)
            for a, b in candidates[:100]:
                ids = tuple(sorted((a.entry_id, b.entry_id)))
                if ids in seen or a.entry_id == b.entry_id:
                    continue
                seen.add(ids)  # type: ignore[arg-type]
                if parties.find(a.entry_id) == parties.find(b.entry_id):
                    continue
                k1, k2 = keys[a.entry_id], keys[b.entry_id]
                if not k1 or not k2 or k1 == k2:
                    continue
                shared = len(set(k1) & set(k2))
                if shared < max(1, (min(len(k1), len(k2)) + 1) // 2):
                    continue
                left1, left2 = leftovers(k1, k2)
                category = _negative_category(a.name, b.name, left1, left2, places)
                if category:
                    yield Pair(a.name, b.name, 0, "company", category, a.entry_id, b.entry_id)


def _negative_category(
    name1: str, name2: str, left1: list[str], left2: list[str], places: frozenset[str]
) -> str | None:
    if left1 and left2:
        if all(_series_token(t) for t in left1 + left2):
            return "neg_series"  # "X" / "XI", "715th" / "722nd": before resemblance
        if any(_resembles(x, y) for x in left1 for y in left2):
            return None  # perhaps two spellings of one name: not a safe negative
        paren = _parenthesised(name1) | _parenthesised(name2)
        if all(t in places or t in paren for t in left1 + left2):
            return "neg_qualifier"
        return "neg_shared_words"
    extra = left1 or left2
    if extra and all(t in places for t in extra):
        return "neg_qualifier"
    if extra and all(_series_token(t) for t in extra):
        return "neg_series"
    return None


def family_name_negatives(
    records: Sequence[Record], parties: Parties, rng: random.Random
) -> Iterable[Pair]:
    """Two person records of one feed with one family name and different given names."""
    by_family: dict[tuple[str, str], list[ListEntry]] = defaultdict(list)
    for r in records:
        e = r.entry
        if e.entity_type == "person" and "," in e.name and not non_latin(e.name):
            family = " ".join(plain_tokens(e.name.split(",", 1)[0]))
            if family:
                by_family[(r.feed, family)].append(e)
    for _key, group in sorted(by_family.items()):
        if len(group) < 2:
            continue
        candidates = [(a, b) for i, a in enumerate(group) for b in group[i + 1 :]]
        rng.shuffle(candidates)
        for a, b in candidates[:20]:
            if parties.find(a.entry_id) == parties.find(b.entry_id):
                continue
            g1 = plain_tokens(a.name.split(",", 1)[1])
            g2 = plain_tokens(b.name.split(",", 1)[1])
            if not g1 or not g2:
                continue
            left1, left2 = leftovers(g1, g2)
            alone1 = [x for x in left1 if not any(_resembles(x, y) for y in g2)]
            alone2 = [y for y in left2 if not any(_resembles(x, y) for x in g1)]
            if alone1 and alone2:
                yield Pair(a.name, b.name, 0, "person", "neg_family_name", a.entry_id, b.entry_id)


def sec_negatives(
    records: Sequence[Record], sec: Sequence[tuple[str, str]]
) -> tuple[list[Pair], list[tuple[str, str]]]:
    """Each SEC name with its nearest listed company name (plain method), and the SEC names
    that are really listed (excluded) with the listed name they equal."""
    names: list[str] = []
    owner: list[str] = []
    seen: set[str] = set()
    listed_key: dict[str, list[str]] = defaultdict(list)
    for r in records:
        if r.entry.entity_type != "company" or r.feed == "os2026":
            continue
        for n in r.entry.all_names:
            if n not in seen:
                seen.add(n)
                names.append(n)
                owner.append(r.entry.entry_id)
            key = plain_key(n)
            if key and n not in listed_key[key]:
                listed_key[key].append(n)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(names):
        for t in set(plain_key(n).split()):
            postings[t].append(i)
    pairs: list[Pair] = []
    listed: list[tuple[str, str]] = []
    for cik, title in sec:
        same = really_listed(title, listed_key)
        if same is not None:
            listed.append((title, same))
            continue
        tokens = sorted(
            set(plain_key(title).split()) or set(plain_tokens(title)),
            key=lambda t: len(postings.get(t, ())),
        )
        candidates: list[int] = []
        for t in tokens:
            candidates.extend(postings.get(t, ())[:400])
            if len(candidates) >= 400:
                break
        if not candidates:
            continue
        choices = {i: names[i] for i in dict.fromkeys(candidates)}
        best = process.extractOne(title, choices, scorer=fuzz.token_set_ratio)
        if best is None:
            continue
        _, _, i = best
        pairs.append(Pair(title, names[i], 0, "company", "neg_sec", f"SEC:{cik}", owner[i]))
    return pairs, listed


# -- the whole set ----------------------------------------------------------------------------


def split_groups(
    records: Sequence[Record], rng: random.Random
) -> tuple[Parties, Parties, list[tuple[str, str]], list[Pair]]:
    """The parties (same entry id, passport links, equal plain names of two words or more),
    the split groups (parties joined by the hard negatives they make, up to SPLIT_GROUP_MAX
    entries), the UN/OFAC links and the hard negatives themselves."""
    parties = Parties()
    for r in records:
        parties.find(r.entry.entry_id)
    links = identifier_links(records)
    for a, b in links:
        parties.union(a, b)
    first_by_key: dict[tuple[str, str], str] = {}
    for r in records:
        key = plain_key(r.entry.name)
        if len(key.split()) >= 2:
            other = first_by_key.setdefault((r.entry.entity_type, key), r.entry.entry_id)
            parties.union(other, r.entry.entry_id)
    negatives = [
        *shared_word_negatives(records, parties, rng),
        *family_name_negatives(records, parties, rng),
    ]
    # Split groups: the parties, and entries that make a hard negative together kept in one
    # split while the group stays small (a sibling of an eval entry is not trained on, and
    # the eval split keeps its share of hard negatives).
    groups = parties.copy()
    for p in negatives:
        groups.union(p.entry1, p.entry2, max_size=SPLIT_GROUP_MAX)
    return parties, groups, links, negatives


def entry_splits(shared: Path) -> dict[str, str]:
    """train or eval for every entry id of the lists, exactly as :func:`build` splits them
    (the OpenSanctions entries: eval)."""
    records = load_records(shared)
    _, groups, _, _ = split_groups(records, random.Random(SEED))
    return {
        r.entry.entry_id: "eval" if r.feed == "os2026" else split_of(groups.find(r.entry.entry_id))
        for r in records
    }


def build(
    shared: Path, *, records: Sequence[Record] | None = None, sec_limit: int | None = None
) -> tuple[list[dict[str, str]], dict[str, object]]:
    """All pairs as CSV rows (with their split) and a summary of how they were made.

    `records` (default: :func:`load_records`) and `sec_limit` (the first SEC names only)
    let a test build a smaller set by the same rules."""
    rng = random.Random(SEED)
    records = load_records(shared) if records is None else records
    _, groups, links, negatives = split_groups(records, rng)
    eval_only = {r.entry.entry_id for r in records if r.feed == "os2026"}

    sec_file = shared / "negatives" / "sec_company_tickers-2024-05.json"
    sec_rows = json.loads(sec_file.read_text())
    sec = [(str(row["cik_str"]), row["title"]) for row in sec_rows.values()][:sec_limit]
    sec_pairs, sec_listed = sec_negatives([r for r in records if full_index_feed(r.feed)], sec)

    pairs: list[Pair] = [
        *alias_pairs(records),
        *cross_pairs(records, links),
        *noise_pairs(records, rng),
        *negatives,
        *sec_pairs,
    ]
    # one row per (kind, unordered name pair); a pair labelled both ways is dropped
    by_key: dict[tuple[str, str, str], list[Pair]] = defaultdict(list)
    for p in pairs:
        a, b = sorted((p.name1.casefold().strip(), p.name2.casefold().strip()))
        if a != b:
            by_key[(p.kind, a, b)].append(p)
    unique = [group[0] for group in by_key.values() if len({p.label for p in group}) == 1]
    conflicts = sum(1 for group in by_key.values() if len({p.label for p in group}) > 1)

    by_category: dict[str, list[Pair]] = defaultdict(list)
    for p in unique:
        by_category[p.category].append(p)
    rows: list[dict[str, str]] = []
    dropped_cross_split = 0
    for category in sorted(by_category):
        group = by_category[category]
        random.Random(f"{SEED}|{category}").shuffle(group)
        from_os = [p for p in group if p.entry1 in eval_only]
        others = [p for p in group if p.entry1 not in eval_only]
        for p in others[:MAX_PER_CATEGORY] + from_os[:MAX_OPENSANCTIONS_PER_CATEGORY]:
            sides = [
                "eval" if entry in eval_only else split_of(groups.find(entry))
                for entry in (p.entry1, p.entry2)
                if not entry.startswith("SEC:")
            ]
            sides = sides if len(sides) == 2 else sides * 2
            if sides[0] != sides[1]:
                dropped_cross_split += 1
                continue
            rows.append(
                {
                    "name1": p.name1,
                    "name2": p.name2,
                    "label": str(p.label),
                    "kind": p.kind,
                    "category": p.category,
                    "entry1": p.entry1,
                    "entry2": p.entry2,
                    "split": sides[0],
                }
            )
    summary: dict[str, object] = {
        "records": len(records),
        "identifier_links": len(links),
        "conflicting_pairs_dropped": conflicts,
        "cross_split_pairs_dropped": dropped_cross_split,
        "sec_names": len(sec),
        "sec_really_listed": sec_listed,
    }
    return rows, summary


def write(rows: Sequence[dict[str, str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a pairs file written by this script."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    start = time.perf_counter()
    rows, summary = build(args.shared)
    args.out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "eval"):
        write([r for r in rows if r["split"] == split], args.out / f"pairs_v3_{split}.csv")
    counts = Counter((r["split"], r["kind"], r["category"], r["label"]) for r in rows)
    print(f"{len(rows):,} pairs in {time.perf_counter() - start:.0f} s -> {args.out}")
    for key in (
        "records",
        "identifier_links",
        "conflicting_pairs_dropped",
        "cross_split_pairs_dropped",
        "sec_names",
    ):
        print(f"  {key}: {summary[key]}")
    listed = summary["sec_really_listed"]
    assert isinstance(listed, list)
    print(f"  SEC names really listed (excluded from neg_sec): {len(listed)}")
    for title, name in listed:
        print(f"    {title!r} = listed {name!r}")
    print(f"{'category':32s} {'kind':8s} label {'train':>6s} {'eval':>6s}")
    for kind, category, label in sorted({(k, c, lab) for _, k, c, lab in counts}):
        train, eval_ = (
            counts[("train", kind, category, label)],
            counts[("eval", kind, category, label)],
        )
        print(f"{category:32s} {kind:8s} {label:>5s} {train:6d} {eval_:6d}")


if __name__ == "__main__":
    main()
