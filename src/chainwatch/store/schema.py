"""Tables of the store (SQLAlchemy Core). One schema for SQLite and PostgreSQL.

List data is kept per *feed version*: a content-hashed, immutable set of entries from one
published file. A *snapshot* is a content-hashed set of feed versions; exactly one snapshot is
active. Loading a feed writes the new version, a new snapshot and the new active pointer in
one transaction, so a failed or interrupted load leaves the previous snapshot active.
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
