"""Write src/chainwatch/data/text/country_lookup.tsv from pycountry (build time only).

text/countries reads pycountry's exact lookup from this table so that a cold
`chainwatch screen` does not import pycountry and load its database; pycountry stays the
source, and tests/text/test_cold_path_tables.py fails when the table and pycountry differ.

Run: ``PYTHONPATH=src .venv/bin/python bench/build_country_lookup.py``
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from chainwatch.text.countries import pycountry_lookup_table

TARGET = Path(__file__).resolve().parents[1] / "src/chainwatch/data/text/country_lookup.tsv"


def main() -> None:
    table = pycountry_lookup_table()
    assert all("\t" not in key and "\n" not in key and not key.startswith("#") for key in table)
    lines = [
        "# pycountry.countries.lookup as a table: lowercased value<TAB>alpha-2. Made by",
        f"# chainwatch.text.countries.pycountry_lookup_table() (pycountry {version('pycountry')});"
        " pycountry stays the source.",
        *(f"{key}\t{code}" for key, code in table.items()),
    ]
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(table)} values")


if __name__ == "__main__":
    main()
