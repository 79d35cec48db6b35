"""Batch screening of a counterparty file, and the output files it writes.

The output format follows the ``--out`` suffix: ``.csv``, ``.xlsx``, ``.parquet``, ``.jsonl``
(one JSON object per output row) and ``.ftm.jsonl`` (one FollowTheMoney entity per hit, in
yente's result shape); ``-`` is standard output (CSV unless a format is given). Any other suffix
is refused before anything is screened. Files are written to a temporary name and renamed, so
an interrupted run never leaves a half-written output behind.

Tabular outputs hold one row per hit, and one row with empty hit fields for a counterparty
without a hit, so that no row of the input is silently dropped. The input's ID column (the ERP's
customer or vendor number) and any kept columns come right after ``row``, under their own
headers (``input_<header>`` when a header is one of the output's own).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from chainwatch.model.errors import InputError
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Match
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD
from chainwatch.text.spreadsheets import csv_dict
from chainwatch.workflows.counterparties import (
    ColumnMap,
    Counterparty,
    CounterpartyFile,
    read_counterparty_file,
)
from chainwatch.workflows.ftm import hit_to_ftm, query_to_ftm, write_jsonl
from chainwatch.workflows.screening import BATCH_COLUMNS, Screener, load_index, match_to_dict

OUT_FORMATS = ("csv", "xlsx", "parquet", "jsonl", "ftm")
SUFFIXES = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def output_format(out: str, explicit: str | None = None) -> str:
    """The format to write `out` in: `explicit` when given, else from the suffix."""
    if explicit is not None:
        fmt = explicit.lower()
        if fmt not in OUT_FORMATS:
            raise InputError(
                f"unknown output format {explicit!r}; use one of {', '.join(OUT_FORMATS)}",
                field="--out-format",
            )
        if fmt in ("xlsx", "parquet") and out == "-":
            raise InputError(f"{fmt} is a binary format: give a file name with --out")
        return fmt
    if out == "-":
        return "csv"
    name = Path(out).name.lower()
    if name.endswith((".ftm.jsonl", ".ftm.json")):
        return "ftm"
    suffix = Path(name).suffix
    if suffix not in SUFFIXES:
        raise InputError(
            f"unknown output suffix {suffix or '(none)'!r}: use .csv, .xlsx, .parquet, .jsonl "
            "or .ftm.jsonl (FollowTheMoney), or --out - for standard output",
            file=out,
            field="--out",
        )
    return SUFFIXES[suffix]


@dataclass
class BatchResult:
    file: CounterpartyFile
    results: list[tuple[Counterparty, list[Match]]]
    snapshot: str
    algorithm: str
    threshold: float
    entries: dict[str, ListEntry]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "counterparties": len(self.results),
            "with_hits": sum(1 for _, m in self.results if m),
            "hits": sum(len(m) for _, m in self.results),
        }

    @property
    def extra_columns(self) -> list[tuple[str, str]]:
        """(output header, input header) of the passed-through columns."""
        own = set(BATCH_COLUMNS)
        wanted = []
        if self.file.reference_column:
            wanted.append(self.file.reference_column)
        wanted += [k for k in self.file.keep_columns if k not in wanted]
        return [(f"input_{h}" if h in own else h, h) for h in wanted]


def screen_counterparty_file(
    screener: Screener,
    path: Path,
    columns: ColumnMap | None = None,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    lists: tuple[str, ...] = (),
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 5,
    workers: int = 1,
) -> BatchResult:
    """Read `path` completely, then screen every counterparty in it (against `lists` only,
    when given)."""
    read = read_counterparty_file(path, columns, encoding=encoding, sheet=sheet)
    if lists:
        read.parties[:] = [
            dataclasses.replace(p, query=dataclasses.replace(p.query, lists=lists))
            for p in read.parties
        ]
    snapshot = screener.snapshot()
    results = (
        list(screener.screen_many(read.parties, threshold=threshold, limit=limit, workers=workers))
        if read.parties
        else []
    )
    entries = {e.entry_id: e for e in load_index(screener.store, snapshot).entries}
    return BatchResult(read, results, snapshot.content_hash, screener.algorithm, threshold, entries)


def _reference_values(batch: BatchResult, party: Counterparty) -> dict[str, str]:
    values = {}
    for out_name, header in batch.extra_columns:
        if header == batch.file.reference_column:
            values[out_name] = party.reference
        else:
            values[out_name] = party.kept.get(header, party.record.get(header, ""))
    return values


def result_rows(batch: BatchResult, typed: bool = False) -> Iterator[dict[str, Any]]:
    """One row per hit; one row with empty hit fields for a counterparty without a hit.

    `typed`: numbers as numbers, lists as lists, the explanation as an object (JSON lines,
    Parquet); otherwise every value is text as in the CSV."""
    for party, matches in batch.results:
        base: dict[str, Any] = {"row": party.row, **_reference_values(batch, party)}
        base["query"] = party.query.name
        if not matches:
            yield {
                **base,
                "rank": None if typed else "",
                "score": None if typed else "",
                "entry_id": "",
                "listed_name": "",
                "matched_name": "",
                "source": "",
                "programs": [] if typed else "",
                "country": [] if typed else "",
                "snapshot": batch.snapshot,
                "algorithm": batch.algorithm,
                "explanation": {} if typed else "",
                "listed_in": "",
            }
            continue
        for rank, match in enumerate(matches, start=1):
            explanation = match_to_dict(match)["explanation"]
            yield {
                **base,
                "rank": rank,
                "score": round(match.score, 4) if typed else f"{match.score:.4f}",
                "entry_id": match.entry_id,
                "listed_name": match.listed_name,
                "matched_name": match.matched_name,
                "source": match.source,
                "programs": list(match.programs) if typed else ";".join(match.programs),
                "country": list(match.countries) if typed else ";".join(match.countries),
                "snapshot": match.snapshot,
                "algorithm": match.algorithm,
                "explanation": explanation
                if typed
                else json.dumps(explanation, ensure_ascii=False),
                "listed_in": ";".join(match.listed_in),
            }


def columns_of(batch: BatchResult) -> list[str]:
    return ["row", *(name for name, _ in batch.extra_columns), *BATCH_COLUMNS[1:]]


def ftm_hits(batch: BatchResult) -> Iterator[dict[str, Any]]:
    """Every hit as an FtM entity in yente's result shape, with the counterparty as `query`."""
    for party, matches in batch.results:
        query = query_to_ftm(party.query, party.reference or f"row-{party.row}")
        query["row"] = party.row
        for match in matches:
            yield hit_to_ftm(match, batch.entries.get(match.entry_id), batch.threshold, query)


def batch_json(batch: BatchResult) -> dict[str, Any]:
    """The JSON document of `screen --file ... --json`."""
    read = batch.file
    return {
        "file": str(read.path),
        "encoding": read.encoding,
        "delimiter": read.delimiter,
        "sheet": read.sheet,
        **batch.counts,
        "snapshot": batch.snapshot,
        "algorithm": batch.algorithm,
        "threshold": batch.threshold,
        "results": [
            {
                "row": party.row,
                "reference": party.reference,
                "query": party.query.name,
                "country": party.query.country,
                "kept": party.kept,
                "hits": [match_to_dict(m) for m in matches],
            }
            for party, matches in batch.results
        ],
    }


def _write_csv(batch: BatchResult, fh: IO[str]) -> None:
    writer = csv.DictWriter(fh, fieldnames=columns_of(batch))
    writer.writeheader()
    for row in result_rows(batch):
        writer.writerow(csv_dict(row))  # formula-like text stays text in a spreadsheet


def _write_xlsx(batch: BatchResult, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("hits")
    columns = columns_of(batch)
    sheet.append(columns)
    for row in result_rows(batch, typed=True):
        cells: list[Any] = []
        for c in columns:
            value = row[c]
            if isinstance(value, list):
                value = ";".join(value)
            elif isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False) if value else ""
            cells.append("" if value is None else value)
        sheet.append(cells)
    book.save(path)


def _write_parquet(batch: BatchResult, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = columns_of(batch)
    rows = list(result_rows(batch, typed=True))
    types: dict[str, pa.DataType] = {
        "row": pa.int64(),
        "rank": pa.int64(),
        "score": pa.float64(),
        "programs": pa.list_(pa.string()),
        "country": pa.list_(pa.string()),
    }
    arrays = {}
    for c in columns:
        values = [r[c] for r in rows]
        if c == "explanation":
            values = [json.dumps(v, ensure_ascii=False) if v else "" for v in values]
        arrays[c] = pa.array(values, type=types.get(c, pa.string()))
    pq.write_table(pa.table(arrays), path)


def write_batch(batch: BatchResult, out: str, fmt: str, stdout: IO[str] | None = None) -> None:
    """Write the result of a batch to `out` ("-": `stdout`) in format `fmt`, atomically."""
    if out == "-":
        stream = stdout or sys.stdout
        if fmt == "csv":
            _write_csv(batch, stream)
        elif fmt == "jsonl":
            write_jsonl(result_rows(batch, typed=True), stream)
        elif fmt == "ftm":
            write_jsonl(ftm_hits(batch), stream)
        else:
            raise InputError(f"{fmt} cannot be written to standard output")
        stream.flush()
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt in ("csv", "jsonl", "ftm"):
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                if fmt == "csv":
                    _write_csv(batch, fh)
                elif fmt == "jsonl":
                    write_jsonl(result_rows(batch, typed=True), fh)
                else:
                    write_jsonl(ftm_hits(batch), fh)
        elif fmt == "xlsx":
            _write_xlsx(batch, tmp)
        elif fmt == "parquet":
            _write_parquet(batch, tmp)
        else:
            raise InputError(f"unknown output format {fmt!r}")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
