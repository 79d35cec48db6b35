"""SQL of users, API keys, sessions and failed logins (the rules are
``chainwatch.workflows.auth``). Every function takes the caller's connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from chainwatch.store.schema import api_keys, login_failures, sessions, users


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: str
    disabled: bool
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a login checks (never leaves the auth workflow)."""

    username: str
    password_hash: str
    role: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    name: str
    role: str
    created_by: str
    created_at: str
    revoked: bool

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class KeyCredentials:
    name: str
    role: str
    key_hash: str
    revoked: bool


_USER = (users.c.username, users.c.role, users.c.disabled, users.c.created_at)


def _user(row: Any) -> User:
    return User(str(row.username), str(row.role), bool(row.disabled), str(row.created_at))


# -- users -------------------------------------------------------------------------------------


def user_exists(conn: sa.Connection, username: str) -> bool:
    found = conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar()
    return found is not None


def insert_user(
    conn: sa.Connection, username: str, password_hash: str, role: str, created_at: str
) -> None:
    conn.execute(
        users.insert().values(
            username=username,
            password_hash=password_hash,
            role=role,
            disabled=False,
            created_at=created_at,
        )
    )


def get_user(conn: sa.Connection, username: str) -> User | None:
    row = conn.execute(sa.select(*_USER).where(users.c.username == username)).first()
    return None if row is None else _user(row)


def list_users(conn: sa.Connection) -> list[User]:
    return [_user(r) for r in conn.execute(sa.select(*_USER).order_by(users.c.username))]


def update_user(conn: sa.Connection, username: str, values: dict[str, Any]) -> None:
    """Set `values` (role, password_hash, disabled) of a user."""
    conn.execute(users.update().where(users.c.username == username).values(**values))


def delete_user(conn: sa.Connection, username: str) -> bool:
    """Delete a user and their sessions; False when there was no such user."""
    if not conn.execute(users.delete().where(users.c.username == username)).rowcount:
        return False
    delete_sessions(conn, username)
    return True


def credentials(conn: sa.Connection, username: str) -> Credentials | None:
    row = conn.execute(
        sa.select(users.c.username, users.c.password_hash, users.c.role, users.c.disabled).where(
            users.c.username == username
        )
    ).first()
    if row is None:
        return None
    return Credentials(str(row.username), str(row.password_hash), str(row.role), bool(row.disabled))


# -- failed logins -----------------------------------------------------------------------------


def recent_failures(
    conn: sa.Connection, since: float, limit: int, *, username: str = "", client: str = ""
) -> list[float]:
    """Times of the newest failed logins after `since` for an account (`username`) or from an
    address (`client`), newest first, at most `limit`."""
    condition = (
        login_failures.c.username == username if username else login_failures.c.client == client
    )
    query = (
        sa.select(login_failures.c.at)
        .where(condition, login_failures.c.at > since)
        .order_by(login_failures.c.at.desc())
        .limit(limit)
    )
    return [float(t) for t in conn.execute(query).scalars()]


def add_failure(
    conn: sa.Connection, username: str, client: str, at: float, keep_after: float
) -> None:
    """Record a failed login; forget those before `keep_after` (keeps the table small)."""
    conn.execute(login_failures.insert().values(username=username, client=client, at=at))
    conn.execute(login_failures.delete().where(login_failures.c.at < keep_after))


def clear_failures(conn: sa.Connection, username: str) -> None:
    conn.execute(login_failures.delete().where(login_failures.c.username == username))


# -- sessions ----------------------------------------------------------------------------------


def insert_session(
    conn: sa.Connection, token_hash: str, username: str, now: float, expires_at: float
) -> None:
    """A new session row (expired ones are deleted first)."""
    conn.execute(sessions.delete().where(sessions.c.expires_at < now))
    conn.execute(
        sessions.insert().values(
            token_hash=token_hash, username=username, created_at=now, expires_at=expires_at
        )
    )


def delete_session(conn: sa.Connection, token_hash: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash))


def delete_sessions(conn: sa.Connection, username: str) -> int:
    """End every session of a user; how many there were."""
    return int(conn.execute(sessions.delete().where(sessions.c.username == username)).rowcount)


def session_user(
    conn: sa.Connection, username: str, token_hash: str, now: float
) -> tuple[str, bool] | None:
    """(role, disabled) of the user of a live session; None when there is none."""
    row = conn.execute(
        sa.select(users.c.role, users.c.disabled)
        .select_from(users.join(sessions, sessions.c.username == users.c.username))
        .where(
            users.c.username == username,
            sessions.c.token_hash == token_hash,
            sessions.c.expires_at > now,
        )
    ).first()
    return None if row is None else (str(row.role), bool(row.disabled))


# -- API keys ----------------------------------------------------------------------------------


def insert_key(
    conn: sa.Connection,
    key_id: str,
    key_hash: str,
    name: str,
    role: str,
    created_by: str,
    created_at: str,
) -> None:
    conn.execute(
        api_keys.insert().values(
            key_id=key_id,
            key_hash=key_hash,
            name=name,
            role=role,
            created_by=created_by,
            created_at=created_at,
            revoked=False,
        )
    )


def list_keys(conn: sa.Connection) -> list[ApiKey]:
    rows = conn.execute(
        sa.select(
            api_keys.c.key_id,
            api_keys.c.name,
            api_keys.c.role,
            api_keys.c.created_by,
            api_keys.c.created_at,
            api_keys.c.revoked,
        ).order_by(api_keys.c.id)
    )
    return [
        ApiKey(
            str(r.key_id),
            str(r.name),
            str(r.role),
            str(r.created_by),
            str(r.created_at),
            bool(r.revoked),
        )
        for r in rows
    ]


def revoke_key(conn: sa.Connection, key_id: str) -> bool:
    """Mark a key revoked; False when there is no such key."""
    return bool(
        conn.execute(
            api_keys.update().where(api_keys.c.key_id == key_id).values(revoked=True)
        ).rowcount
    )


def key_credentials(conn: sa.Connection, key_id: str) -> KeyCredentials | None:
    row = conn.execute(
        sa.select(api_keys.c.name, api_keys.c.role, api_keys.c.key_hash, api_keys.c.revoked).where(
            api_keys.c.key_id == key_id
        )
    ).first()
    if row is None:
        return None
    return KeyCredentials(str(row.name), str(row.role), str(row.key_hash), bool(row.revoked))
