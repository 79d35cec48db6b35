"""Reading counterparty files as ERP systems export them (issue 14): time and detection.

Builds, in a temporary directory, an SAP-like customer export (`Kunde;Name 1;Straße;Ort;Land`)
of N rows with German, French, Polish-free Western names, once as UTF-8 and once as
Windows-1252, and measures in the same run:

* `read_counterparty_file` on the UTF-8 file and on the Windows-1252 file (detection included);
* the detection alone (`guess_legacy_encoding`), and charset-normalizer's on the same bytes
  (its answer and its time), the detector the brief suggested;
* the answers of both on short files in five code pages (the hand-checked cases of
  tests/cli/test_cli_files.py).

Run: ``.venv/bin/python bench/bench_counterparty_files.py [--rows 200000]``
"""

from __future__ import annotations

import argparse
import platform
import random
import tempfile
import time
from pathlib import Path

from chainwatch.workflows.counterparties import (
    ColumnMap,
    guess_legacy_encoding,
    read_counterparty_file,
)

NAMES = [
    "Müller Gerätebau GmbH",
    "Société Générale",
    "Bäckerei Schäfer & Söhne",
    "Nestlé España S.A.",
    "Acme Widgets Ltd",
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
    "Groupe Énergie Française SAS",
    "Zürcher Präzisionswerkzeuge AG",
]
CITIES = ["Köln", "Paris", "München", "Sevilla", "Zürich", "Hangzhou"]
SHORT = {
    "cp1252": "Nestlé España S.A.; Müller Köln",
    "cp1250": "Łódź Przemysł Sp. z o.o.",
    "cp1251": "ООО Ромашка; АО Газпром",
    "cp850": "Müller Köln",
    "shift_jis": "株式会社日立製作所",
}


def build(rows: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines = ["Kunde;Name 1;Straße;Ort;Land"]
    for i in range(rows):
        lines.append(
            f"{100000 + i};{rng.choice(NAMES)} {i};Hauptstraße {i % 200};"
            f"{rng.choice(CITIES)};{rng.choice(['DE', 'FR', 'ES', 'CH', 'CN'])}"
        )
    return "\r\n".join(lines) + "\r\n"


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    from charset_normalizer import from_bytes

    text = build(args.rows)
    mapping = ColumnMap(name="Name 1", reference="Kunde", country="Land", address="Straße")
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as directory:
        for codec in ("utf-8", "cp1252"):
            path = Path(directory) / f"kna1-{codec}.csv"
            path.write_bytes(text.encode(codec))
            read, seconds = timed(read_counterparty_file, path, mapping)
            size_mb = path.stat().st_size / 1e6
            print(
                f"read {codec:7s} {args.rows:,} rows, {size_mb:.1f} MB: {seconds:.2f} s "
                f"({args.rows / seconds:,.0f} rows/s), read as {read.encoding}, "
                f"first name {read.parties[0].query.name!r}"
            )
        data = text.encode("cp1252")
        guess, seconds = timed(guess_legacy_encoding, data)
        print(f"detect cp1252 (whole file): chainwatch {guess} in {seconds:.3f} s", end="; ")
        best, seconds = timed(lambda: from_bytes(data).best())
        answer = best.encoding if best is not None else None
        print(f"charset-normalizer {answer} in {seconds:.3f} s")
    print("short files (true code page -> chainwatch, charset-normalizer):")
    for codec, sample in SHORT.items():
        data = sample.encode(codec)
        best = from_bytes(data).best()
        theirs = best.encoding if best is not None else None
        print(f"  {codec:9s} -> {guess_legacy_encoding(data)}, {theirs}")


if __name__ == "__main__":
    main()
