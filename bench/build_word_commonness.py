"""Write chainwatch-v3's word-commonness table from wordfreq's English frequencies.

How common a word is in the world tells a common word that starts many company names
("Target", "Premier", "Atlas", "Cool") from a brand that names one party ("Tencent",
"NetPosa", "Hikvision"); the lists' own document frequency cannot, since both kinds occur
once or twice in the lists. The resource is wordfreq 3.1.1 (Robyn Speer, PyPI ``wordfreq``;
code Apache-2.0, word frequencies CC-BY-SA 4.0, built from Wikipedia, subtitles (OpenSubtitles,
SUBTLEX), news, books (Google Books Ngrams), Reddit, Twitter and web text). This script runs
at build time only: wordfreq is not a runtime dependency; the shipped table,
``src/chainwatch/data/screening/word_commonness_v3.tsv``, is a derived work of wordfreq's data
and carries its attribution and licence (CC-BY-SA 4.0) in its header.

Rows: every ASCII alphabetic English word of wordfreq's ``large`` list with a Zipf frequency of
3.0 or more (about once per million words), keyed by chainwatch-v3's plural fold (the matcher
compares folded tokens; a folded key keeps the highest Zipf value of the words folding to it),
the Zipf value rounded to one decimal. Deterministic: the same wordfreq gives the same file.

Run: ``PYTHONPATH=src .venv/bin/python bench/build_word_commonness.py`` (needs ``pip install
wordfreq``; a second or two).
"""

from __future__ import annotations

import math
from pathlib import Path

from chainwatch.text.normalize_v3 import fold_plural

MIN_ZIPF = 3.0
OUT = Path(__file__).resolve().parents[1] / "src/chainwatch/data/screening/word_commonness_v3.tsv"

HEADER = """\
# chainwatch-v3 word commonness: English Zipf frequency (log10 of uses per billion words)
# of words with Zipf >= {min_zipf}, keyed by chainwatch-v3's plural fold, one decimal.
# Derived from wordfreq {version} (Robyn Speer, https://github.com/rspeer/wordfreq,
# doi:10.5281/zenodo.7199437), whose word frequencies are licensed CC-BY-SA 4.0
# (https://creativecommons.org/licenses/by-sa/4.0/); this table is a derived work under the
# same licence. wordfreq's sources: Wikipedia, OPUS OpenSubtitles 2018 (opensubtitles.org),
# SUBTLEX (Brysbaert et al., freely available data), Google Books Ngrams, the Leeds Internet
# Corpus, ParaCrawl, news, Reddit, Twitter. Written by bench/build_word_commonness.py.
"""


def build() -> list[tuple[str, float]]:
    """(folded word, Zipf) rows, sorted by word."""
    from wordfreq import get_frequency_dict

    best: dict[str, float] = {}
    for word, freq in get_frequency_dict("en", "large").items():
        if not (word.isascii() and word.isalpha()) or freq <= 0:
            continue
        zipf = math.log10(freq * 1e9)
        if zipf < MIN_ZIPF:
            continue
        key = fold_plural(word.lower())
        best[key] = max(best.get(key, 0.0), zipf)
    return sorted((w, round(z, 1)) for w, z in best.items())


def main() -> None:
    import wordfreq

    rows = build()
    version = getattr(wordfreq, "__version__", "3.1.1")
    with OUT.open("w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER.format(min_zipf=MIN_ZIPF, version=version))
        for word, zipf in rows:
            out.write(f"{word}\t{zipf:.1f}\n")
    print(f"{len(rows)} words -> {OUT}")


if __name__ == "__main__":
    main()
