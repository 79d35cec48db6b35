"""Streaming batch screening: a counterparty file of any length, read in chunks, screened on
an engine (:mod:`chainwatch.engine`), hits written as they come, resumable.

Memory does not grow with the input: the file is read row by row (CSV through an incremental
decoder, XLSX in openpyxl's read-only mode, Parquet by record batches), at most a few chunks
are in flight on the engine, and every chunk's rows are written and flushed before the next
one is kept. The columns are mapped, and bad rows refused, by the same code as the in-memory
reader (:class:`~chainwatch.workflows.counterparties.RowMapper`), and rows are written in the
same CSV (formula-like text escaped) or JSON-lines shape as :mod:`chainwatch.workflows.batch`.

**Encoding of a streamed CSV** is decided on its first MiB (UTF-8, UTF-16 with a byte-order
mark, or the legacy codec that reads best, as for the in-memory reader); a byte further on
that does not decode stops the run with the row it is on.

**Resume.** Output goes to ``OUT.partial``; after every chunk the output is flushed to disk
and ``OUT.resume.json`` records how many chunks are finished, the output's length at that
point, the counts so far, the input's SHA-256 and every setting that shapes the result (snapshot,
algorithm, threshold, limit, lists, columns, chunk size, format). ``resume=True`` checks them,
cuts the output back to the recorded length (a chunk half-written when the run died goes),
skips the finished chunks without screening them, and appends the rest. A finished run renames
``OUT.partial`` to ``OUT`` and removes the state file, so ``OUT`` is never half-written. A bad
row (file, row and field named) removes both: the file has to change, and a changed file
cannot be resumed.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import itertools
import json
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from chainwatch.engine.base import Engine, chunked
from chainwatch.model.errors import InputError
from chainwatch.text.spreadsheets import check_xlsx, csv_dict
from chainwatch.workflows.batch import BatchResult, columns_of, result_rows
from chainwatch.workflows.counterparties import (
    ColumnMap,
    Counterparty,
    CounterpartyFile,
    RowMapper,
)
from chainwatch.workflows.ftm import write_jsonl
from chainwatch.workflows.parallel import screen_chunks
from chainwatch.workflows.screening import Screener
from chainwatch.workflows.table_rows import (
    _cell_text,
    choose_sheet,
    guess_legacy_encoding,
    legacy_note,
    sniff_delimiter,
)

STREAM_FORMATS = ("csv", "jsonl")
HEAD_BYTES = 1 << 20  # what the encoding and the delimiter are judged on
DEFAULT_CHUNK = 1_000
STATE_VERSION = 1


class ProgressSink(Protocol):
    """Where a run reports its progress (the CLI's progress bar; a benchmark's clock)."""

    def start(self, total: int | None, done: int) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass
class Source:
    """A counterparty file opened for streaming: how it is read, and its rows."""

    path: Path
    mapper: RowMapper
    rows: Iterator[tuple[int, list[str]]]  # (row number as a spreadsheet counts, cells)
    total: int | None  # rows, or an estimate (lines of a CSV); None when unknown
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    note: str = ""
    close: Any = None

    def parties(self, lists: tuple[str, ...] = ()) -> Iterator[Counterparty]:
        for number, row in self.rows:
            party = self.mapper.party(row, number)
            if party is None:
                continue
            if lists:
                query = dataclasses.replace(party.query, lists=lists)
                party = dataclasses.replace(party, query=query)
            yield party


def _csv_codec(path: Path, head: bytes, encoding: str | None) -> tuple[str, str]:
    """(codec, note) of a CSV judged on its head."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", file=str(path)) from None
        return encoding, ""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", ""
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        return "utf-8-sig", ""
    except UnicodeDecodeError:
        pass
    codec = guess_legacy_encoding(head)
    if codec is None:
        raise InputError(
            "not UTF-8 and no other encoding fits; give it with --encoding (e.g. cp1252)",
            file=str(path),
        )
    return codec, legacy_note(path, codec)


def _open_csv(path: Path, columns: ColumnMap, encoding: str | None, total: int | None) -> Source:
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise InputError("the file is empty", file=str(path))
    codec, note = _csv_codec(path, head, encoding)
    sample = codecs.getincrementaldecoder(codec)(errors="replace").decode(head, final=False)
    if len(head) == HEAD_BYTES:
        sample = sample[: sample.rfind("\n") + 1] or sample
    delimiter = sniff_delimiter(sample)
    text = io.TextIOWrapper(path.open("rb"), encoding=codec, newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    state = {"records": 0}

    def records() -> Iterator[list[str]]:
        try:
            for row in reader:
                state["records"] += 1
                yield row
        except csv.Error as exc:
            raise InputError(
                f"malformed CSV ({exc}); truncated file?",
                file=str(path),
                row=state["records"] + 1,
            ) from exc
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not valid {codec} ({exc.reason}) after row {state['records']}; "
                "give the file's encoding with --encoding",
                file=str(path),
                row=state["records"] + 1,
            ) from None

    try:
        return _source(
            path,
            columns,
            records(),
            total,
            codec=codec,
            delimiter=delimiter,
            note=note,
            close=text.close,
            encoding=codec.replace("-sig", ""),
        )
    except BaseException:
        text.close()
        raise


def _source(
    path: Path,
    columns: ColumnMap,
    rows: Iterator[list[str]],
    total: int | None,
    *,
    title: str = "",
    codec: str = "",
    delimiter: str = "",
    note: str = "",
    close: Any = None,
    encoding: str = "",
) -> Source:
    """The header (after blank lines), the column mapping, then the numbered records."""
    skipped = 0
    header: list[str] | None = None
    for row in rows:
        if any(c.strip() for c in row):
            header = [h.strip() for h in row]
            break
        skipped += 1
    if header is None:
        raise InputError(
            f"sheet {title!r} is empty" if title else "the file is empty", file=str(path)
        )
    peek = list(itertools.islice(rows, 16))  # tells a one-column file without rows
    mapper = RowMapper.for_header(
        path, header, columns, skipped + 1, peek, title=title, codec=codec, delimiter=delimiter
    )
    numbered = (
        (offset + skipped + 2, row) for offset, row in enumerate(itertools.chain(peek, rows))
    )
    if total is not None:
        total = max(total - skipped - 1, 0)
    return Source(path, mapper, numbered, total, encoding, delimiter, title, note, close)


def open_source(
    path: Path,
    columns: ColumnMap | None = None,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    lines: int | None = None,
) -> Source:
    """`path` (CSV, XLSX or Parquet) opened for streaming; `lines` (of a CSV) estimates its
    rows for the progress bar."""
    columns = columns or ColumnMap()
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, expected a file", file=str(path))
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in {".xlsx", ".xlsm"}:
        raise InputError("--sheet is for XLSX workbooks", file=str(path))
    if suffix in {".xlsx", ".xlsm"}:
        import zipfile

        from openpyxl import load_workbook

        check_xlsx(path)
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from exc
        try:
            chosen = choose_sheet(workbook, sheet, path)

            def cells() -> Iterator[list[str]]:
                try:
                    for values in chosen.iter_rows(values_only=True):
                        yield [_cell_text(v) for v in values]
                except (zipfile.BadZipFile, KeyError, OSError) as exc:
                    raise InputError(
                        f"not a readable XLSX workbook: {exc}", file=str(path)
                    ) from exc

            return _source(
                path,
                columns,
                cells(),
                chosen.max_row,
                title=str(chosen.title),
                close=workbook.close,
            )
        except BaseException:
            workbook.close()
            raise
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"not a readable Parquet file: {exc}", file=str(path)) from exc
        names = list(parquet.schema_arrow.names)

        def batches() -> Iterator[list[str]]:
            yield names
            for batch in parquet.iter_batches(batch_size=DEFAULT_CHUNK):
                data = batch.to_pydict()
                for i in range(batch.num_rows):
                    yield [_cell_text(data[c][i]) for c in names]

        return _source(path, columns, batches(), parquet.metadata.num_rows + 1, close=parquet.close)
    return _open_csv(path, columns, encoding, lines)


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256, number of newlines) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


# ----------------------------------------------------------------------------- the run
@dataclass
class StreamResult:
    counts: dict[str, int]
    chunks: int  # chunks in the file
    resumed: int  # chunks taken from the interrupted run
    note: str
    out: Path


def partial_paths(out: Path) -> tuple[Path, Path]:
    """The output being written and the resume state next to it."""
    return out.with_name(out.name + ".partial"), out.with_name(out.name + ".resume.json")


def _write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _resume_point(
    state_path: Path, partial: Path, settings: dict[str, Any], out: Path
) -> dict[str, Any] | None:
    """The state of the interrupted run to go on from, or None (nothing to resume); an
    error when it was a different run."""
    if not state_path.exists() or not partial.exists():
        return None
    try:
        state: dict[str, Any] = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable resume state ({exc})", file=str(state_path)) from None
    if state.get("version") != STATE_VERSION or not isinstance(state.get("settings"), dict):
        raise InputError("resume state of another chainwatch version", file=str(state_path))
    changed = [k for k in settings if state["settings"].get(k) != settings[k]]
    if changed:
        raise InputError(
            f"cannot resume: {', '.join(changed)} differ from the interrupted run; run "
            f"without --resume to start {out.name} again",
            file=str(state_path),
        )
    if partial.stat().st_size < int(state["output_bytes"]):
        raise InputError(
            "cannot resume: the partial output is shorter than recorded", file=str(partial)
        )
    return dict(state)


def screen_file_streaming(
    screener: Screener,
    path: Path,
    out: Path,
    *,
    engine: Engine,
    fmt: str = "csv",
    columns: ColumnMap | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    lists: tuple[str, ...] = (),
    threshold: float,
    limit: int = 5,
    chunk_size: int = DEFAULT_CHUNK,
    resume: bool = False,
    progress: ProgressSink | None = None,
) -> StreamResult:
    """Screen every counterparty of `path` on `engine`, writing `out` (CSV or JSON lines)
    chunk by chunk; `resume` goes on from an interrupted run of the same settings."""
    if fmt not in STREAM_FORMATS:
        raise InputError(f"streamed output is CSV or JSON lines, not {fmt}", field="--out")
    columns = columns or ColumnMap()
    snapshot = screener.snapshot().content_hash
    sha, lines = file_digest(path) if path.is_file() else ("", 0)
    settings: dict[str, Any] = {
        "input_sha256": sha,
        "snapshot": snapshot,
        "algorithm": screener.algorithm,
        "threshold": threshold,
        "limit": limit,
        "lists": list(lists),
        "columns": dataclasses.asdict(columns),
        "encoding": encoding,
        "sheet": sheet,
        "chunk_size": chunk_size,
        "format": fmt,
    }
    settings = json.loads(json.dumps(settings))  # as the state file holds them (tuples: lists)
    partial, state_path = partial_paths(out)
    start = _resume_point(state_path, partial, settings, out) if resume else None
    source = open_source(path, columns, encoding=encoding, sheet=sheet, lines=lines)
    counts = {"counterparties": 0, "with_hits": 0, "hits": 0}
    done = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    if start is not None:
        done = int(start["chunks_done"])
        counts = {k: int(v) for k, v in start["counts"].items()}
        with partial.open("r+b") as raw:
            raw.truncate(int(start["output_bytes"]))
    else:
        partial.write_bytes(b"")
    shape = BatchResult(
        CounterpartyFile(
            path,
            [],
            source.mapper.header,
            reference_column=source.mapper.reference_column,
            keep_columns=source.mapper.keep_columns,
        ),
        [],
        snapshot,
        screener.algorithm,
        threshold,
        {},
    )
    chunks = chunked(source.parties(lists), chunk_size)
    skipped = sum(1 for _ in itertools.islice(chunks, done))  # read, not screened
    if skipped != done:
        raise InputError("cannot resume: the input has fewer chunks than recorded", file=str(path))
    if progress is not None:
        progress.start(source.total, counts["counterparties"])
    # the parties of the chunks in flight wait here for their hits (a bounded window)
    waiting: deque[list[Counterparty]] = deque()

    def queries() -> Iterator[list[Any]]:
        for chunk in chunks:
            waiting.append(chunk)
            yield [p.query for p in chunk]

    try:
        with partial.open("a", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns_of(shape))
            if start is None and fmt == "csv":
                writer.writeheader()
            for hits in screen_chunks(
                screener, queries(), engine, threshold=threshold, limit=limit
            ):
                parties = waiting.popleft()
                _write_chunk(fh, writer, shape, list(zip(parties, hits, strict=True)), fmt)
                counts["counterparties"] += len(parties)
                counts["with_hits"] += sum(1 for m in hits if m)
                counts["hits"] += sum(len(m) for m in hits)
                done += 1
                fh.flush()
                os.fsync(fh.fileno())
                _write_state(
                    state_path,
                    {
                        "version": STATE_VERSION,
                        "input": str(path),
                        "settings": settings,
                        "chunks_done": done,
                        "output_bytes": os.fstat(fh.fileno()).st_size,
                        "counts": counts,
                    },
                )
                if progress is not None:
                    progress.advance(len(parties))
    except InputError:
        # a bad row: the file must change before a new run, so there is nothing to resume
        partial.unlink(missing_ok=True)
        state_path.unlink(missing_ok=True)
        raise
    finally:
        if source.close is not None:
            source.close()
    os.replace(partial, out)
    state_path.unlink(missing_ok=True)
    return StreamResult(counts, done, skipped, source.note, out)


def _write_chunk(
    fh: IO[str],
    writer: csv.DictWriter[str],
    shape: BatchResult,
    results: list[tuple[Counterparty, list[Any]]],
    fmt: str,
) -> None:
    shape.results = results
    if fmt == "csv":
        for row in result_rows(shape):
            writer.writerow(csv_dict(row))
    else:
        write_jsonl(result_rows(shape, typed=True), fh)
    shape.results = []
