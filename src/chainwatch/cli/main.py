"""The `chainwatch` command. Argument handling only: the work is in chainwatch.workflows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from chainwatch import __version__
from chainwatch.cli import output
from chainwatch.cli.output import emit_json, note
from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Query
from chainwatch.screening.registry import ALGORITHMS, DEFAULT_ALGORITHM_NAME

AlgorithmOption = Annotated[
    str,
    typer.Option(
        help=f"Scoring algorithm: {', '.join(ALGORITHMS)} (default {DEFAULT_ALGORITHM_NAME})."
    ),
]

app = typer.Typer(
    help="Export-control and sanctions screening, exposure and resilience.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
lists_app = typer.Typer(
    help="Restricted-party lists: load, update, status, diff.", no_args_is_help=True
)
app.add_typer(lists_app, name="lists")

console = output.make_console()
err = output.make_console(stderr=True)
EXIT_ERROR = 2  # bad input, nothing done
EXIT_HIT = 3  # --fail-on-hit: a hit at or above the threshold
SOLVER_COMMANDS = frozenset({"resilience", "network", "serve"})


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chainwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print results and errors only, no notes.")
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Log lines on stderr (-vv: debug).")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Export-control and sanctions screening, exposure and resilience.

    Standard output carries the result only (tables, --json documents, --out -); notes and
    errors go to standard error. Exit status: 0 done, 1 partly failed (e.g. a list source),
    2 bad input, 3 a hit at or above the threshold with --fail-on-hit.
    """
    output.configure(quiet, verbose)
    if ctx.invoked_subcommand in SOLVER_COMMANDS:
        output.solver_banner_to_stderr()


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CHAINWATCH_DB",
        help="SQLAlchemy URL of the store (default: SQLite in the user data directory).",
    ),
]


def _store(db: str | None) -> Any:
    from chainwatch.workflows.screening import database_url, store_for

    return store_for(database_url(db))


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=EXIT_ERROR)


JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


# -- lists -------------------------------------------------------------------------------------


@lists_app.command("load")
def lists_load(
    path: Annotated[Path | None, typer.Argument(help="List file or directory (OFAC trio).")] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="csl|ofac|un|bis-dpl|opensanctions|custom (default: detect)"),
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="Mapping file for --format custom.")] = None,
    feed: Annotated[
        str | None, typer.Option(help="Feed name (default: from format and file).")
    ] = None,
    bundled: Annotated[
        bool, typer.Option("--bundled", help="Load the bundled public-domain snapshot.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Load a list file into a new snapshot and make it active (atomically)."""
    from chainwatch.workflows.lists import load_bundled, load_path

    try:
        store = _store(db)
        if bundled:
            result = load_bundled(store)
        elif path is None:
            raise ChainwatchError("give a PATH to load, or --bundled")
        else:
            result = load_path(store, path, format, mapping, feed)
    except ChainwatchError as exc:
        _fail(exc)
        return
    if as_json:
        emit_json(_load_json(result))
        return
    for version in result.feeds:
        counts = ", ".join(f"{k} {v}" for k, v in version.source_counts.items())
        console.print(
            f"{result.status}: feed [bold]{version.feed}[/] "
            f"{version.entry_count} entries ({counts})",
            highlight=False,
        )
    snapshot = result.snapshot
    console.print(
        f"active snapshot {snapshot.content_hash[:12]}: {snapshot.entry_count} entries",
        highlight=False,
    )


def _load_json(result: Any) -> dict[str, Any]:
    snapshot = result.snapshot
    return {
        "status": result.status,
        "feeds": [
            {
                "feed": v.feed,
                "entry_count": v.entry_count,
                "source_counts": dict(v.source_counts),
                "content_hash": v.content_hash,
            }
            for v in result.feeds
        ],
        "snapshot": {
            "id": snapshot.id,
            "content_hash": snapshot.content_hash,
            "entry_count": snapshot.entry_count,
        },
    }


@lists_app.command("update")
def lists_update(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (repeatable).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Fetch from this mirror instead of the official hosts.")
    ] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Download directory.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Download every configured list from its official address and load what changed.

    Exit 1 when a source failed (its previous version stays in the active snapshot)."""
    from chainwatch.lists.download import SOURCES
    from chainwatch.workflows.lists import update_lists

    try:
        report = update_lists(_store(db), directory, source, base_url=base_url)
    except ChainwatchError as exc:
        _fail(exc)
        return
    if as_json:
        emit_json(
            {
                "downloaded": list(report.downloaded),
                "unchanged": list(report.unchanged),
                "failed": dict(report.failed),
                "load": None if report.result is None else _load_json(report.result),
            }
        )
        if report.failed:
            raise typer.Exit(code=1)
        return
    for name in report.downloaded:
        console.print(f"downloaded {name} ({SOURCES[name].files[0].url})", highlight=False)
    for name in report.unchanged:
        console.print(f"unchanged {name}", highlight=False)
    for name, message in report.failed.items():
        err.print(f"[bold red]failed[/] {name}: {message}", highlight=False)
    if report.result is not None:
        console.print(
            f"{report.result.status}: active snapshot {report.result.snapshot.content_hash[:12]} "
            f"({report.result.snapshot.entry_count} entries)",
            highlight=False,
        )
    if report.failed:
        err.print("the sources that failed keep their previous version in the active snapshot")
        raise typer.Exit(code=1)


@lists_app.command("status")
def lists_status(
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The active snapshot: feeds, dates, entry counts per list, content hash; recent loads."""
    from chainwatch.workflows.lists import snapshot_status

    try:
        store = _store(db)
        snapshot = store.active()
        loads = store.recent_loads(5)
    except ChainwatchError as exc:
        _fail(exc)
        return
    if as_json:
        emit_json(snapshot_status(store))
        return
    if snapshot is None:
        console.print("no snapshot is active: run `chainwatch lists load`")
    else:
        console.print(
            f"active snapshot [bold]{snapshot.content_hash}[/] "
            f"(#{snapshot.id}, {snapshot.created_at}), {snapshot.entry_count} entries",
            highlight=False,
        )
        table = Table("feed", "format", "published", "loaded", "entries", "lists", "hash")
        for f in snapshot.feeds:
            table.add_row(
                f.feed,
                f.format,
                f.published,
                f.loaded_at,
                str(f.entry_count),
                ", ".join(f"{k} {v}" for k, v in f.source_counts.items()),
                f.content_hash[:12],
            )
        console.print(table)
    failed = [row for row in loads if row.status == "failed"]
    if loads and loads[0].status == "failed":
        console.print(
            f"[bold red]last load failed[/] ({loads[0].at}): {loads[0].message} — "
            "the snapshot above stayed active",
            highlight=False,
        )
    elif failed:
        console.print(f"earlier failed load ({failed[0].at}): {failed[0].message}", highlight=False)


@lists_app.command("snapshots")
def lists_snapshots(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every snapshot in the store, oldest first."""
    try:
        store = _store(db)
        active = store.active()
        if as_json:
            emit_json(
                [
                    {
                        "id": s.id,
                        "content_hash": s.content_hash,
                        "created_at": s.created_at,
                        "entry_count": s.entry_count,
                        "feeds": [f.feed for f in s.feeds],
                        "active": bool(active and active.id == s.id),
                    }
                    for s in store.snapshots()
                ]
            )
            return
        table = Table("id", "hash", "created", "entries", "feeds", "active")
        for s in store.snapshots():
            table.add_row(
                str(s.id),
                s.content_hash[:12],
                s.created_at,
                str(s.entry_count),
                ", ".join(f.feed for f in s.feeds),
                "*" if active and active.id == s.id else "",
            )
    except ChainwatchError as exc:
        _fail(exc)
        return
    console.print(table)


@lists_app.command("diff")
def lists_diff(
    old: Annotated[str, typer.Argument(help="Snapshot id or hash prefix.")],
    new: Annotated[str, typer.Argument(help="Snapshot id, hash prefix or 'active'.")] = "active",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Entries added, removed and changed between two snapshots."""
    from chainwatch.workflows.lists import diff_snapshots

    try:
        diff = diff_snapshots(_store(db), old, new)
    except ChainwatchError as exc:
        _fail(exc)
        return
    if as_json:
        emit_json(diff.as_dict())
        return
    console.print(
        f"{diff.old[:12]} -> {diff.new[:12]}: {len(diff.added)} added, "
        f"{len(diff.removed)} removed, {len(diff.changed)} changed",
        highlight=False,
    )
    for e in diff.added[:50]:
        console.print(f"  [green]+[/] {e.entry_id}  {e.name}", highlight=False)
    for e in diff.removed[:50]:
        console.print(f"  [red]-[/] {e.entry_id}  {e.name}", highlight=False)
    for c in diff.changed[:50]:
        console.print(
            f"  [yellow]~[/] {c.entry_id}  {c.name}: {', '.join(c.fields)}", highlight=False
        )


EXPORT_FORMATS = ("ftm", "entries")


@lists_app.command("export")
def lists_export(
    out: Annotated[
        str, typer.Option("--out", help="Output file (JSON lines), or - for standard output.")
    ] = "-",
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="ftm: FollowTheMoney entities (as OpenSanctions publishes them); "
            "entries: chainwatch's own entry records.",
        ),
    ] = "ftm",
    snapshot_ref: Annotated[
        str, typer.Option("--snapshot", help="Snapshot id, hash prefix or 'active'.")
    ] = "active",
    lists: Annotated[str, typer.Option(help="Only these lists, e.g. EL,SDN.")] = "",
    db: DbOption = None,
) -> None:
    """Export the entries of a snapshot as JSON lines, one entity per line."""
    from chainwatch.model.lists import entry_to_dict
    from chainwatch.workflows.ftm import entry_to_ftm, write_jsonl

    try:
        if format not in EXPORT_FORMATS:
            raise ChainwatchError(
                f"unknown --format {format!r}; use one of {', '.join(EXPORT_FORMATS)}"
            )
        store = _store(db)
        snapshot = store.snapshot(snapshot_ref)
        wanted = {s.strip().upper() for s in lists.split(",") if s.strip()}
        entries = [e for e in store.entries(snapshot) if not wanted or e.source in wanted]
        convert = entry_to_ftm if format == "ftm" else entry_to_dict
        records = (convert(e) for e in entries)
        if out == "-":
            count = write_jsonl(records, sys.stdout)
        else:
            import os
            import tempfile

            target = Path(out)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=target.parent, delete=False, encoding="utf-8", suffix=".partial"
            ) as tmp:
                count = write_jsonl(records, tmp)
            os.replace(tmp.name, target)
    except ChainwatchError as exc:
        _fail(exc)
        return
    note(f"exported {count} entities of snapshot {snapshot.content_hash[:12]} ({format})")


# -- screening ---------------------------------------------------------------------------------


def _column(help: str, *names: str) -> Any:
    return typer.Option(*names, help=help, rich_help_panel="Counterparty file")


@app.command("screen")
def screen(
    name: Annotated[str | None, typer.Argument(help="Name to screen.")] = None,
    country: Annotated[str, typer.Option(help="Country of the party (code or name).")] = "",
    lists: Annotated[str, typer.Option(help="Only these lists, e.g. EL,SDN.")] = "",
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Default: the algorithm's own (0.80)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Hits per party at most.")] = 10,
    algorithm: AlgorithmOption = DEFAULT_ALGORITHM_NAME,
    dob: Annotated[
        str, typer.Option("--dob", help="Date of birth of a person (YYYY[-MM[-DD]]).")
    ] = "",
    nationality: Annotated[str, typer.Option(help="Nationality of a person (code or name).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the hits as JSON.")] = False,
    fail_on_hit: Annotated[
        bool,
        typer.Option(
            "--fail-on-hit", help=f"Exit {EXIT_HIT} when any hit is at or above the threshold."
        ),
    ] = False,
    # -- a counterparty file --
    file: Annotated[
        Path | None,
        typer.Option(
            help="Counterparty file: CSV (any delimiter; UTF-8 or a legacy encoding), XLSX, "
            "Parquet.",
            rich_help_panel="Counterparty file",
        ),
    ] = None,
    out: Annotated[
        str | None,
        _column(
            "Output: .csv .xlsx .parquet .jsonl or .ftm.jsonl (FollowTheMoney), or - for "
            "standard output (default: hits.csv; none with --json).",
            "--out",
        ),
    ] = None,
    out_format: Annotated[
        str | None,
        _column("Output format instead of the suffix: csv|xlsx|parquet|jsonl|ftm.", "--out-format"),
    ] = None,
    column: Annotated[str | None, _column("Name column.", "--column", "--name-column")] = None,
    country_column: Annotated[str | None, _column("Country column.", "--country-column")] = None,
    address_column: Annotated[str | None, _column("Address column.", "--address-column")] = None,
    identifier_column: Annotated[
        str | None,
        _column(
            "Identifier column (registration, tax, IMO; ';'-separated).", "--identifier-column"
        ),
    ] = None,
    dob_column: Annotated[
        str | None, _column("Date-of-birth column.", "--birth-date-column", "--dob-column")
    ] = None,
    nationality_column: Annotated[
        str | None, _column("Nationality column.", "--nationality-column")
    ] = None,
    id_column: Annotated[
        str | None, _column("Your ID of the party, copied to the output.", "--id-column")
    ] = None,
    keep: Annotated[
        list[str] | None, _column("Another column to copy to the output (repeatable).", "--keep")
    ] = None,
    encoding: Annotated[
        str | None, _column("Encoding of a CSV file (default: UTF-8 or detected).", "--encoding")
    ] = None,
    sheet: Annotated[
        str | None, _column("XLSX sheet, by name or number (default: the first).", "--sheet")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            help="Processes for --file (0: one per core).",
            rich_help_panel="Counterparty file",
        ),
    ] = 0,
    engine: Annotated[
        str,
        typer.Option(
            help="Where --file runs: local (this machine's processes) or dask (a cluster).",
            rich_help_panel="Counterparty file",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler, e.g. tcp://HOST:8786 (default: CHAINWATCH_SCHEDULER, else a "
            "LocalCluster of --workers processes).",
            rich_help_panel="Counterparty file",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            help="Go on from an interrupted run with the same file and settings.",
            rich_help_panel="Counterparty file",
        ),
    ] = False,
    chunk_size: Annotated[
        int,
        typer.Option(min=1, help="Rows per task.", rich_help_panel="Counterparty file"),
    ] = 1000,
    db: DbOption = None,
) -> None:
    """Screen one name, or every counterparty of a file, against the active snapshot."""
    from chainwatch.screening.registry import default_threshold
    from chainwatch.workflows.screening import (
        Screener,
        artifact_matcher,
        database_url,
        match_to_dict,
    )

    wanted = tuple(s.strip().upper() for s in lists.split(",") if s.strip())
    try:
        if file is not None and name:
            raise ChainwatchError("give a NAME or --file, not both")
        if threshold is None:
            threshold = default_threshold(algorithm)
        query = Query(
            name=name or "", country=country, lists=wanted, birth_date=dob, nationality=nationality
        )
        if file is None and name and out is None and out_format is None:
            # one name: the index artifact of the active snapshot, opened without the store
            # (SQLAlchemy) when it is there; else the screener builds it
            matcher = artifact_matcher(database_url(db), algorithm)
            if matcher is not None:
                _print_matches(matcher.screen(query, threshold=threshold, limit=limit),
                               name, threshold, as_json, fail_on_hit, match_to_dict)  # fmt: skip
                return
        screener = Screener(_store(db), algorithm=algorithm)
        if file is not None:
            any_hit = _screen_file(
                screener,
                file,
                out=out,
                out_format=out_format,
                as_json=as_json,
                lists=wanted,
                threshold=threshold,
                limit=limit,
                workers=workers,
                engine=engine,
                scheduler=scheduler,
                resume=resume,
                chunk_size=chunk_size,
                encoding=encoding,
                sheet=sheet,
                columns=dict(
                    name=column,
                    country=country_column,
                    address=address_column,
                    identifier=identifier_column,
                    birth_date=dob_column,
                    nationality=nationality_column,
                    reference=id_column,
                    keep=tuple(keep or ()),
                ),
            )
            if fail_on_hit and any_hit:
                raise typer.Exit(code=EXIT_HIT)
            return
        if out is not None or out_format is not None:
            raise ChainwatchError("--out and --out-format are for --file")
        if not name:
            raise ChainwatchError("give a NAME to screen, or --file")
        matches = screener.screen(query, threshold=threshold, limit=limit)
    except ChainwatchError as exc:
        _fail(exc)
        return
    _print_matches(matches, name, threshold, as_json, fail_on_hit, match_to_dict)


def _print_matches(
    matches: list[Any],
    name: str,
    threshold: float,
    as_json: bool,
    fail_on_hit: bool,
    match_to_dict: Any,
) -> None:
    """The hits of one screened name: a table, or JSON; exit 3 on a hit with --fail-on-hit."""
    if as_json:
        emit_json([match_to_dict(m) for m in matches])
    elif not matches:
        console.print(f"no hit at or above {threshold:.2f} for {name!r}", highlight=False)
    else:
        from rich.table import Table

        table = Table(
            "score", "list", "listed name", "matched", "country", "explanation", show_lines=True
        )
        for m in matches:
            table.add_row(
                f"{m.score:.3f}",
                m.source,
                m.listed_name,
                m.matched_name,
                ",".join(m.countries),
                "\n".join(f"{f.feature} {f.contribution:+.2f}: {f.evidence}" for f in m.features),
            )
        console.print(table)
    if fail_on_hit and matches:
        raise typer.Exit(code=EXIT_HIT)


def _screen_file(
    screener: Any,
    file: Path,
    *,
    out: str | None,
    out_format: str | None,
    as_json: bool,
    lists: tuple[str, ...],
    threshold: float,
    limit: int,
    workers: int,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    chunk_size: int = 1000,
    encoding: str | None,
    sheet: str | None,
    columns: dict[str, Any],
) -> bool:
    """Screen a counterparty file; write --out, print --json; True when there is a hit.
    CSV and JSON-lines files are streamed (:mod:`chainwatch.cli.streaming`)."""
    from chainwatch.engine.local import default_workers
    from chainwatch.workflows.batch import (
        batch_json,
        output_format,
        screen_counterparty_file,
        write_batch,
    )
    from chainwatch.workflows.counterparties import ColumnMap

    if out is None and not as_json:
        out = "hits.csv"
    if out == "-" and as_json:
        raise ChainwatchError("--json and --out - both write to standard output: choose one")
    fmt = output_format(out, out_format) if out is not None else ""
    if out not in (None, "-") and fmt in ("csv", "jsonl") and not as_json:
        from chainwatch.cli.streaming import screen_file_streamed

        counts = screen_file_streamed(
            screener,
            file,
            Path(out),
            fmt,
            engine=engine,
            scheduler=scheduler,
            workers=workers or default_workers(),
            resume=resume,
            chunk_size=chunk_size,
            lists=lists,
            threshold=threshold,
            limit=limit,
            encoding=encoding,
            sheet=sheet,
            columns=columns,
        )
        return counts["hits"] > 0
    if resume or engine != "local":
        raise ChainwatchError(
            "--resume and --engine dask stream to a file: give --out FILE.csv or FILE.jsonl"
        )
    batch = screen_counterparty_file(
        screener,
        file,
        ColumnMap(**columns),
        encoding=encoding,
        sheet=sheet,
        lists=lists,
        threshold=threshold,
        limit=limit,
        workers=workers or default_workers(),
    )
    if batch.file.note:
        note(batch.file.note)
    if out is not None:
        write_batch(batch, out, fmt)
    counts = batch.counts
    if as_json:
        emit_json(batch_json(batch))
    else:
        summary = (
            f"screened {counts['counterparties']} counterparties: {counts['with_hits']} with "
            f"hits ({counts['hits']} hits) -> {'standard output' if out == '-' else out}"
        )
        if out == "-":
            note(summary)
        elif not output.SETTINGS.quiet:
            console.print(summary, highlight=False)
    return counts["hits"] > 0


@app.command("eval")
def evaluate(
    pairs: Annotated[Path, typer.Argument(help="CSV: case_group,schema,name1,name2,is_match")],
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Default: the algorithm's own (0.80)."),
    ] = None,
    worst: Annotated[int, typer.Option(help="How many worst errors to list.")] = 10,
    algorithm: AlgorithmOption = DEFAULT_ALGORITHM_NAME,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Score labelled name pairs; print the worst errors, then precision, recall and F1."""
    from chainwatch.workflows.evaluation import evaluate_pairs, read_pairs
    from chainwatch.workflows.screening import Screener

    try:
        labelled = read_pairs(pairs)
        screener = Screener(_store(db), algorithm=algorithm)
        if threshold is None:
            threshold = screener.default_threshold
        matcher = screener.matcher()
        report = evaluate_pairs(matcher, labelled, threshold)
    except ChainwatchError as exc:
        _fail(exc)
        return
    if as_json:
        emit_json(_eval_json(report, threshold, worst))
        return
    print(f"worst false positives (score >= {threshold}, labelled no match):")
    for p in report.false_positives[:worst]:
        print(f"  {p.score:.3f}  {p.name1!r} vs {p.name2!r}  [{p.case_group}]")
    print("worst false negatives (score < threshold, labelled match):")
    for p in report.false_negatives[:worst]:
        print(f"  {p.score:.3f}  {p.name1!r} vs {p.name2!r}  [{p.case_group}]")
    print(report.summary_line())


def _eval_json(report: Any, threshold: float, worst: int) -> dict[str, Any]:
    def pair(p: Any) -> dict[str, Any]:
        return {
            "score": p.score,
            "name1": p.name1,
            "name2": p.name2,
            "case_group": p.case_group,
        }

    summary = {
        k: getattr(report, k) for k in ("precision", "recall", "f1", "n") if hasattr(report, k)
    }
    return {
        "threshold": threshold,
        **summary,
        "summary": report.summary_line(),
        "false_positives": [pair(p) for p in report.false_positives[:worst]],
        "false_negatives": [pair(p) for p in report.false_negatives[:worst]],
    }


def main() -> None:  # pragma: no cover - console entry
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


# The other command groups, each in its own module.
from chainwatch.cli import network as _network  # noqa: E402
from chainwatch.cli import resilience as _resilience  # noqa: E402
from chainwatch.cli import risk as _risk  # noqa: E402
from chainwatch.cli import service as _service  # noqa: E402

app.add_typer(
    _network.app,
    name="network",
    help="Supply networks: validate, exposure to designations, de minimis, covered equipment.",
)
app.add_typer(
    _resilience.app,
    name="resilience",
    help="Time to survive and recover, scenario sweeps, Monte Carlo, stockpile optimisation.",
)
_service.install(app)  # serve, watch, audit, users, keys
app.command("risk")(_risk.risk_cmd)
