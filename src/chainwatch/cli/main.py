"""The `chainwatch` command. Argument handling only: the work is in chainwatch.workflows."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Query
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD

app = typer.Typer(
    help="Export-control and sanctions screening, exposure and resilience.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
lists_app = typer.Typer(
    help="Restricted-party lists: load, update, status, diff.", no_args_is_help=True
)
app.add_typer(lists_app, name="lists")

console = Console()
err = Console(stderr=True)

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
    raise typer.Exit(code=2)


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


@lists_app.command("update")
def lists_update(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (repeatable).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Fetch from this mirror instead of the official hosts.")
    ] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Download directory.")] = None,
    db: DbOption = None,
) -> None:
    """Download every configured list from its official address and load what changed."""
    from chainwatch.lists.download import SOURCES
    from chainwatch.workflows.lists import update_lists

    try:
        report = update_lists(_store(db), directory, source, base_url=base_url)
    except ChainwatchError as exc:
        _fail(exc)
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
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
        print(json.dumps(snapshot_status(store), indent=2, default=str))
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
    failed = [row for row in loads if row["status"] == "failed"]
    if loads and loads[0]["status"] == "failed":
        console.print(
            f"[bold red]last load failed[/] ({loads[0]['at']}): {loads[0]['message']} — "
            "the snapshot above stayed active",
            highlight=False,
        )
    elif failed:
        console.print(
            f"earlier failed load ({failed[0]['at']}): {failed[0]['message']}", highlight=False
        )


@lists_app.command("snapshots")
def lists_snapshots(db: DbOption = None) -> None:
    """Every snapshot in the store, oldest first."""
    try:
        store = _store(db)
        active = store.active()
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
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
        print(json.dumps(diff.as_dict(), indent=2, ensure_ascii=False, default=str))
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


# -- screening ---------------------------------------------------------------------------------


@app.command("screen")
def screen(
    name: Annotated[str | None, typer.Argument(help="Name to screen.")] = None,
    country: Annotated[str, typer.Option(help="Country of the party (code or name).")] = "",
    lists: Annotated[str, typer.Option(help="Only these lists, e.g. EL,SDN.")] = "",
    file: Annotated[
        Path | None, typer.Option(help="Counterparty file: CSV, XLSX or Parquet.")
    ] = None,
    column: Annotated[str | None, typer.Option(help="Name column of --file.")] = None,
    out: Annotated[Path, typer.Option(help="Output CSV for --file.")] = Path("hits.csv"),
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = DEFAULT_THRESHOLD,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    workers: Annotated[
        int, typer.Option(min=0, help="Processes for --file (0: one per core).")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Screen one name, or every counterparty of a file, against the active snapshot."""
    from chainwatch.workflows.screening import Screener, match_to_dict, screen_file

    try:
        screener = Screener(_store(db))
        if file is not None:
            from chainwatch.engine.local import default_workers

            counts = screen_file(
                screener,
                file,
                out,
                column=column,
                threshold=threshold,
                limit=limit,
                workers=workers or default_workers(),
            )
            console.print(
                f"screened {counts['counterparties']} counterparties: {counts['with_hits']} with "
                f"hits ({counts['hits']} hits) -> {out}",
                highlight=False,
            )
            return
        if not name:
            raise ChainwatchError("give a NAME to screen, or --file")
        query = Query(
            name=name,
            country=country,
            lists=tuple(s.strip().upper() for s in lists.split(",") if s.strip()),
        )
        matches = screener.screen(query, threshold=threshold, limit=limit)
    except ChainwatchError as exc:
        _fail(exc)
        return
    if as_json:
        print(json.dumps([match_to_dict(m) for m in matches], indent=2, ensure_ascii=False))
        return
    if not matches:
        console.print(f"no hit at or above {threshold:.2f} for {name!r}", highlight=False)
        return
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


@app.command("eval")
def evaluate(
    pairs: Annotated[Path, typer.Argument(help="CSV: case_group,schema,name1,name2,is_match")],
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = DEFAULT_THRESHOLD,
    worst: Annotated[int, typer.Option(help="How many worst errors to list.")] = 10,
    db: DbOption = None,
) -> None:
    """Score labelled name pairs; print the worst errors, then precision, recall and F1."""
    from chainwatch.workflows.evaluation import evaluate_pairs, read_pairs
    from chainwatch.workflows.screening import Screener

    try:
        labelled = read_pairs(pairs)
        matcher = Screener(_store(db)).matcher()
        report = evaluate_pairs(matcher, labelled, threshold)
    except ChainwatchError as exc:
        _fail(exc)
        return
    print(f"worst false positives (score >= {threshold}, labelled no match):")
    for p in report.false_positives[:worst]:
        print(f"  {p.score:.3f}  {p.name1!r} vs {p.name2!r}  [{p.case_group}]")
    print("worst false negatives (score < threshold, labelled match):")
    for p in report.false_negatives[:worst]:
        print(f"  {p.score:.3f}  {p.name1!r} vs {p.name2!r}  [{p.case_group}]")
    print(report.summary_line())


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
