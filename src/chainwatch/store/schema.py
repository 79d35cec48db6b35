"""Tables of the store (SQLAlchemy Core). One schema for SQLite and PostgreSQL.

List data is kept per *feed version*: a content-hashed, immutable set of entries from one
published file. A *snapshot* is a content-hashed set of feed versions; exactly one snapshot is
active. Loading a feed writes the new version, a new snapshot and the new active pointer in
one transaction, so a failed or interrupted load leaves the previous snapshot active.

The team service's tables, on the same `metadata`:

users / api_keys      who may do what (passwords scrypt-hashed, keys sha256-hashed)
counterparties        parties the team screens continuously, with their name tokens
counterparty_tokens   token -> counterparty, so a list change re-screens only those it can affect
cases, case_events    one case per (counterparty, list entry) hit; every change is an event
audit_log             append-only, hash-chained record of decisions, list, key and user changes
jobs                  background work (batch uploads, refreshes) and its progress
results               JSON result documents of other analyses, keyed by kind and name
alerts, notifications what the dashboard shows: failures and news
login_failures        failed logins per (username, client address), for rate limiting
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

feed_versions = sa.Table(
    "feed_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed", sa.String(200), nullable=False),
    sa.Column("format", sa.String(40), nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    sa.Column("source_counts", sa.Text, nullable=False),  # JSON {list code: count}
    sa.Column("published", sa.String(40), nullable=False, default=""),
    sa.Column("loaded_at", sa.String(40), nullable=False),
    sa.UniqueConstraint("feed", "content_hash", name="uq_feed_version"),
)

entries = sa.Table(
    "entries",
    metadata,
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("feed_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("entry_id", sa.String(200), primary_key=True),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # JSON of chainwatch.model.lists.entry_to_dict
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
)

snapshot_feeds = sa.Table(
    "snapshot_feeds",
    metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), primary_key=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("feed_versions.id"), primary_key=True),
)

state = sa.Table(
    "state",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

load_log = sa.Table(
    "load_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # loaded, unchanged, failed
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("snapshot_hash", sa.String(64), nullable=False, default=""),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(400), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key_id", sa.String(32), nullable=False, unique=True),  # public part of the key
    sa.Column("key_hash", sa.String(64), nullable=False),  # sha256 hex of the whole key
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

counterparties = sa.Table(
    "counterparties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("country", sa.String(100), nullable=False, default=""),
    sa.Column("address", sa.Text, nullable=False, default=""),
    sa.Column("identifiers", sa.Text, nullable=False, default="[]"),  # JSON list
    sa.Column("reference", sa.String(200), nullable=False, default=""),  # caller's own id
    sa.Column("origin", sa.String(300), nullable=False, default=""),  # upload / API
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("batch", sa.String(40), nullable=False, default="", server_default=""),  # job id
    # sha256 of the identity (name, country, address, identifiers): one counterparty per identity
    sa.Column("identity", sa.String(64), nullable=False, default="", server_default=""),
)

counterparty_tokens = sa.Table(
    "counterparty_tokens",
    metadata,
    sa.Column(
        "counterparty_id",
        sa.Integer,
        sa.ForeignKey("counterparties.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("token", sa.String(200), primary_key=True),
    sa.Index("ix_counterparty_tokens_token", "token"),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "counterparty_id",
        sa.Integer,
        sa.ForeignKey("counterparties.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("entry_id", sa.String(200), nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("listed_name", sa.Text, nullable=False),
    sa.Column("matched_name", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open|true_match|false_positive|escalated
    sa.Column("entry_hash", sa.String(64), nullable=False),  # sha256 of the entry body
    sa.Column("entry_body", sa.Text, nullable=False),  # JSON of the entry when last seen
    sa.Column("match", sa.Text, nullable=False),  # JSON of the explained hit
    sa.Column("changes", sa.Text, nullable=False, default="{}"),  # field diff when reopened
    sa.Column("snapshot", sa.String(64), nullable=False),
    sa.Column("algorithm", sa.String(40), nullable=False),
    sa.Column("reviewer", sa.String(100), nullable=False, default=""),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("decided_at", sa.String(40), nullable=False, default=""),
    sa.Column("decided_entry_hash", sa.String(64), nullable=False, default=""),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    # optimistic concurrency: every change of the case increments it; a decision names the
    # version it was made on and is refused (409) when the case has moved on
    sa.Column("version", sa.Integer, nullable=False, default=1, server_default="1"),
    sa.Column("assignee", sa.String(100), nullable=False, default="", server_default=""),
    # four-eyes: a proposed clearing of a true match waits for a second reviewer
    sa.Column("pending_status", sa.String(20), nullable=False, default="", server_default=""),
    sa.Column("pending_by", sa.String(100), nullable=False, default="", server_default=""),
    sa.Column("pending_reason", sa.Text, nullable=False, default="", server_default=""),
    sa.UniqueConstraint("counterparty_id", "entry_id", name="uq_case_party_entry"),
    sa.Index("ix_cases_status", "status"),
)

case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),  # opened, decided, reopened, seen
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default="{}"),
    sa.Index("ix_case_events_case", "case_id"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("target", sa.String(300), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # canonical JSON
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),  # batch, refresh
    sa.Column("status", sa.String(20), nullable=False),  # queued, running, done, failed
    sa.Column("total", sa.Integer, nullable=False, default=0),
    sa.Column("done", sa.Integer, nullable=False, default=0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("result", sa.Text, nullable=False, default="{}"),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

results = sa.Table(
    "results",
    metadata,
    sa.Column("kind", sa.String(40), primary_key=True),  # network, exposure, resilience
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("document", sa.Text, nullable=False),  # JSON
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("level", sa.String(20), nullable=False),  # warning, error
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("acknowledged", sa.Boolean, nullable=False, default=False),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON
    sa.Column("delivered", sa.String(200), nullable=False, default=""),  # webhook outcome
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(100), nullable=False),
    sa.Column("client", sa.String(100), nullable=False),  # IP address
    sa.Column("at", sa.Float, nullable=False),  # unix time
    sa.Index("ix_login_failures_who", "username", "client", "at"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the cookie's token
    sa.Column("username", sa.String(100), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),  # unix time
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Index("ix_sessions_user", "username"),
)

# Columns added after a table was first released: (table, column). `create_all` does not add
# columns to an existing table, so they are added here, after it (idempotent).
ADDED_COLUMNS = (
    (cases, "version"),
    (cases, "assignee"),
    (cases, "pending_status"),
    (cases, "pending_by"),
    (cases, "pending_reason"),
    (counterparties, "batch"),
    (counterparties, "identity"),
)
ADDED_INDEXES = (("ix_counterparties_identity", "counterparties", "identity"),)


def add_missing_columns(target: sa.MetaData, connection: sa.Connection, **_kw: object) -> None:
    """ALTER TABLE ... ADD COLUMN for every column of ADDED_COLUMNS a store lacks."""
    inspector = sa.inspect(connection)
    for table, name in ADDED_COLUMNS:
        have = {c["name"] for c in inspector.get_columns(table.name, schema=table.schema)}
        if name in have:
            continue
        column = table.c[name]
        ddl_type = column.type.compile(dialect=connection.dialect)
        default = column.server_default.arg if column.server_default is not None else ""  # type: ignore[attr-defined]
        literal = str(default) if str(default).isdigit() else "'" + str(default) + "'"
        connection.execute(
            sa.text(
                f"ALTER TABLE {table.name} ADD COLUMN {name} {ddl_type} NOT NULL DEFAULT {literal}"
            )
        )
    for index, table_name, column_name in ADDED_INDEXES:
        connection.execute(
            sa.text(f"CREATE INDEX IF NOT EXISTS {index} ON {table_name} ({column_name})")
        )


sa.event.listen(metadata, "after_create", add_missing_columns)
