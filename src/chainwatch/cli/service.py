"""`chainwatch serve`, `watch`, `audit verify`, `users` and `keys`: argument handling only."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from chainwatch.cli import output
from chainwatch.model.errors import ChainwatchError

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="CHAINWATCH_DB", help="SQLAlchemy URL of the store."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
users_app = typer.Typer(help="Users of the service (admin).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of the service (admin).", no_args_is_help=True)
ACTOR = "cli:" + os.environ.get("USER", "admin")


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=2)


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    from chainwatch.workflows.screening import database_url, engine_for

    return engine_for(database_url(db))


def engine_opener(
    name: str, workers: int | None, scheduler: str | None
) -> Callable[[], Any] | None:
    """What opens the engine of a re-screening, when there is one to run (None: this
    process, as before `--engine`)."""
    if name == "local" and workers in (None, 1) and not scheduler:
        return None

    def opener() -> Any:
        from chainwatch.engine.base import open_engine
        from chainwatch.engine.local import default_workers

        made = open_engine(name, workers=workers or default_workers(), scheduler=scheduler)
        output.debug(f"re-screening engine: {made.describe()}")
        return made

    return opener


def rescreen_progress() -> Any:
    """The progress bar of a re-screening on stderr (None: --quiet, or not a terminal)."""
    from chainwatch.cli.streaming import RichProgress, _stderr_is_terminal

    if output.SETTINGS.quiet or not _stderr_is_terminal():
        return None
    return RichProgress()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    settings: Annotated[
        Path | None, typer.Option(help="JSON file of ServiceSettings (see docs/service.md).")
    ] = None,
    refresh_interval: Annotated[
        float | None, typer.Option(help="Refresh the lists every N seconds (0: off).")
    ] = None,
    list_file: Annotated[
        list[str] | None,
        typer.Option("--list-file", help="List file to refresh from, PATH[::FORMAT] (repeat)."),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Download only this source (repeat): csl, ofac-sdn ..."),
    ] = None,
    max_age_hours: Annotated[float | None, typer.Option(help="Stale-list warning age.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Download the lists from this mirror of the official addresses."),
    ] = None,
    download_dir: Annotated[
        Path | None, typer.Option(help="Where downloaded list files are kept.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Run the API and the dashboard (OpenAPI docs at /docs).

    The scheduled refresh (--refresh-interval) downloads every default list from its official
    address (or --base-url), unless --list-file names local files."""
    import uvicorn

    from chainwatch.workflows.screening import database_url

    values: dict[str, object] = {}
    if settings is not None:
        try:
            values = json.loads(settings.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(ChainwatchError(f"{settings}: {exc}"))
    if refresh_interval is not None:
        values["refresh_interval_seconds"] = refresh_interval
    from chainwatch.cli.output import split_sources

    names, files = split_sources(source)
    files += list_file or []
    if files:
        values["list_sources"] = files
    if names:
        values["download_sources"] = names
    if max_age_hours is not None:
        values["max_snapshot_age_hours"] = max_age_hours
    if base_url is not None:
        values["download_base_url"] = base_url
    if download_dir is not None:
        values["download_dir"] = str(download_dir)
    from chainwatch.workflows.urls import check_outbound_url

    try:  # refused now, with a clear message, rather than in every worker
        for key in ("webhook_url", "download_base_url"):
            if values.get(key):
                check_outbound_url(str(values[key]), key)
    except ChainwatchError as exc:
        _fail(exc)
    os.environ["CHAINWATCH_DB"] = database_url(db)
    os.environ["CHAINWATCH_SERVICE_SETTINGS"] = json.dumps(values)
    uvicorn.run(
        "chainwatch.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def watch(
    list_file: Annotated[
        list[str] | None,
        typer.Option("--list-file", help="Local list file, PATH[::FORMAT] (repeat)."),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Download only this source (repeat): csl, ofac-sdn ..."),
    ] = None,
    list_name: Annotated[
        list[str] | None, typer.Option("--list", hidden=True, help="Deprecated: --source.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="A mirror of the official addresses (same paths).")
    ] = None,
    download_dir: Annotated[
        Path | None, typer.Option(help="Where downloaded list files are kept.")
    ] = None,
    timeout: Annotated[float, typer.Option(min=1.0, help="Download timeout, seconds.")] = 60.0,
    webhook_url: Annotated[str, typer.Option(envvar="CHAINWATCH_WEBHOOK_URL")] = "",
    webhook_secret: Annotated[str, typer.Option(envvar="CHAINWATCH_WEBHOOK_SECRET")] = "",
    engine: Annotated[
        str,
        typer.Option(
            help="Where the re-screening runs: local (this machine's processes) or dask.",
            rich_help_panel="Re-screening",
        ),
    ] = "local",
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Processes of --engine local|dask (0: one per core; default: this process "
            "for local, one per core for dask).",
            rich_help_panel="Re-screening",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler, e.g. tcp://HOST:8786 (default: CHAINWATCH_SCHEDULER, else a "
            "LocalCluster of --workers processes).",
            rich_help_panel="Re-screening",
        ),
    ] = None,
    chunk_size: Annotated[
        int,
        typer.Option(min=1, help="Counterparties per task.", rich_help_panel="Re-screening"),
    ] = 500,
    db: DbOption = None,
) -> None:
    """Refresh the lists once (for cron): download every default list from its official
    address (or --base-url), load what changed, diff, re-screen affected counterparties (all
    of them after an algorithm change), on --engine. Exit 1 when a source failed (its
    previous version stays active)."""
    from chainwatch.store.lists import ListStore
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.cases import CaseService
    from chainwatch.workflows.notify import Notices
    from chainwatch.workflows.refresh import (
        Fetcher,
        ListSource,
        Refresher,
        default_parser,
        download_fetcher,
        files_fetcher,
    )
    from chainwatch.workflows.urls import check_outbound_url

    try:
        if webhook_url:
            check_outbound_url(webhook_url, "--webhook-url")
        if base_url:
            check_outbound_url(base_url, "--base-url")
        if scheduler and engine != "dask":
            raise ChainwatchError("--scheduler is for --engine dask")
        store = _engine(db)
        audit = AuditLog(store)
        bar = rescreen_progress()
        refresher = Refresher(
            ListStore(store),
            CaseService(store, audit),
            Notices(store, audit),
            audit,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            engine=engine_opener(engine, workers, scheduler),
            chunk_size=chunk_size,
            progress=bar,
        )
        from chainwatch.cli.output import split_sources

        names, files = split_sources(source)
        files += list_file or []
        list_name = [*names, *(list_name or [])]
        fetcher: Fetcher
        if files:
            sources = []
            for item in files:
                path, _, fmt = item.partition("::")
                sources.append(ListSource(Path(path), fmt or None))
            fetcher = files_fetcher(sources)
        else:
            from chainwatch.workflows.lists import default_download_dir

            fetcher = download_fetcher(
                download_dir or default_download_dir(),
                list_name or None,
                base_url=base_url,
                timeout_s=timeout,
            )
        try:
            report = refresher.refresh(
                fetcher,
                default_parser,
                actor=ACTOR,
                progress=lambda step: output.note(step),
            )
        finally:
            if bar is not None:
                bar.stop()
    except ChainwatchError as exc:
        _fail(exc)
        return
    typer.echo(json.dumps(report.as_dict(), indent=2))
    if report.status == "failed" or report.failed_sources:
        raise typer.Exit(code=1)


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None, typer.Option(help="Head hash published earlier; fail if it differs.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Recompute the hash chain; exit 1 naming the first altered or missing record."""
    import dataclasses

    from chainwatch.workflows.audit import AuditLog

    try:
        result = AuditLog(_engine(db)).verify(expect_head)
    except ChainwatchError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(result), indent=2))
        if not result.ok:
            raise typer.Exit(code=1)
        return
    if result.ok:
        typer.echo(f"ok: {result.records} records, head {result.records}:{result.head}")
        return
    where = f"record {result.first_bad}: " if result.first_bad is not None else ""
    typer.echo(f"AUDIT LOG BROKEN at {where}{result.reason}", err=True)
    raise typer.Exit(code=1)


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="viewer, analyst or admin")] = "viewer",
    password: Annotated[
        str | None, typer.Option(envvar="CHAINWATCH_PASSWORD", help="Default: prompt.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a user who can log in to the dashboard."""
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.auth import AuthService

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        engine = _engine(db)
        user = AuthService(engine, AuditLog(engine)).create_user(username, password, role, ACTOR)
    except ChainwatchError as exc:
        _fail(exc)
        return
    typer.echo(f"created user {user['username']} ({user['role']})")


@users_app.command("list")
def users_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every user with role and state."""
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.auth import AuthService

    engine = _engine(db)
    found = AuthService(engine, AuditLog(engine)).users()
    if as_json:
        typer.echo(json.dumps(found, indent=2, default=str))
        return
    for user in found:
        state = "disabled" if user["disabled"] else "active"
        typer.echo(f"{user['username']}\t{user['role']}\t{state}\t{user['created_at']}")


@users_app.command("set")
def users_set(
    username: str,
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    disabled: Annotated[bool | None, typer.Option("--disabled/--enabled")] = None,
    db: DbOption = None,
) -> None:
    """Change a user's role, or disable / enable the user."""
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.auth import AuthService

    try:
        engine = _engine(db)
        user = AuthService(engine, AuditLog(engine)).update_user(
            username, ACTOR, role=role, disabled=disabled
        )
    except ChainwatchError as exc:
        _fail(exc)
        return
    typer.echo(f"{user['username']}: role {user['role']}, disabled {user['disabled']}")


@keys_app.command("create")
def keys_create(
    name: str,
    role: Annotated[str, typer.Option(help="viewer, analyst or admin")] = "viewer",
    db: DbOption = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.auth import AuthService

    try:
        engine = _engine(db)
        key = AuthService(engine, AuditLog(engine)).create_key(name, role, ACTOR)
    except ChainwatchError as exc:
        _fail(exc)
        return
    typer.echo(f"key id {key['key_id']} ({key['role']}); the key, shown once:", err=True)
    typer.echo(key["key"])


@keys_app.command("list")
def keys_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every key's public id, name, role and state."""
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.auth import AuthService

    engine = _engine(db)
    found = AuthService(engine, AuditLog(engine)).api_keys()
    if as_json:
        typer.echo(json.dumps(found, indent=2, default=str))
        return
    for key in found:
        state = "revoked" if key["revoked"] else "active"
        typer.echo(f"{key['key_id']}\t{key['name']}\t{key['role']}\t{state}")


@keys_app.command("revoke")
def keys_revoke(key_id: str, db: DbOption = None) -> None:
    """Revoke a key by its public id."""
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.auth import AuthService

    try:
        engine = _engine(db)
        AuthService(engine, AuditLog(engine)).revoke_key(key_id, ACTOR)
    except ChainwatchError as exc:
        _fail(exc)
        return
    typer.echo(f"revoked {key_id}")


def install(app: typer.Typer) -> None:
    """Add the service commands to the main `chainwatch` app."""
    app.command("serve")(serve)
    app.command("watch")(watch)
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
