"""Users, API keys and roles.

* Passwords: ``hashlib.scrypt`` (n=2**14, r=8, p=1, 16-byte salt), stored as
  ``scrypt$n$r$p$salt$hash`` so the parameters can be raised later.
* API keys: ``cw_<key_id>_<secret>`` with 32 random bytes of secret; only
  ``sha256(key)`` is stored. Lookup is by the public ``key_id``; the hash is compared with
  ``hmac.compare_digest`` (constant time).
* Roles are ordered: viewer < analyst (may decide cases) < admin (may load lists, manage keys
  and users). Every change of a user or key is written to the audit log.
* Logins: after 10 failures for one account (from any address), or 30 failures from one
  client address (for any usernames), within 5 minutes, further attempts are refused (429)
  until the oldest failure counted is 5 minutes old; kept in the store, so every worker
  process sees the same count (OWASP Authentication Cheat Sheet: throttle per account and
  per source). Logins and failed logins are audited.
* Sessions live in the store (table ``sessions``, sha256 of the cookie's token): logout ends
  one, a password change or disabling ends all of a user's, and a cookie without a live row is
  refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from chainwatch.model.errors import ChainwatchError
from chainwatch.store import auth as auth_store
from chainwatch.store.engine import Connection, Engine
from chainwatch.workflows.audit import AuditLog


class Role(IntEnum):
    viewer = 1
    analyst = 2
    admin = 3

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value]
        except KeyError:
            raise ChainwatchError(
                f"unknown role {value!r}; roles are viewer, analyst, admin"
            ) from None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user (session or key owner) or a named key, with a role."""

    name: str
    role: Role
    via: str  # "session" or "key"

    def allows(self, needed: Role) -> bool:
        return self.role >= needed


class AuthError(ChainwatchError):
    """Credentials are missing, wrong, or not enough for the action."""


USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8


class TooManyAttempts(ChainwatchError):
    """Login refused for a while after repeated failures (HTTP 429)."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


LOGIN_MAX_FAILURES = 10
LOGIN_MAX_FAILURES_PER_ADDRESS = 30
LOGIN_WINDOW_SECONDS = 300.0


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected) // 2,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


# A fixed hash to compare against when the user does not exist, so the time taken does not
# tell whether a username exists.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh API key and its public id."""
    key_id = secrets.token_hex(6)
    return key_id, f"cw_{key_id}_{secrets.token_urlsafe(32)}"


class AuthService:
    """Users, keys and authentication on a store engine. A change and its audit record are
    written in one transaction."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    # -- users ---------------------------------------------------------------------------------

    def create_user(self, username: str, password: str, role: str, actor: str) -> dict[str, Any]:
        if not USERNAME_RE.match(username):
            raise ChainwatchError(
                "username must be 1-100 characters of letters, digits and _ . @ -"
            )
        self._check_password(password)
        parsed = Role.parse(role)
        password_hash = hash_password(password)

        def work(conn: Connection) -> None:
            if auth_store.user_exists(conn, username):
                raise ChainwatchError(f"user {username!r} already exists")
            auth_store.insert_user(conn, username, password_hash, parsed.name, now_iso())
            self.audit.append_in(conn, actor, "user.created", username, {"role": parsed.name})

        self.audit.in_transaction(work)
        return self.user(username)

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD or len(password) > 200:
            raise ChainwatchError(f"password must be {MIN_PASSWORD} to 200 characters long")

    def user(self, username: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            found = auth_store.get_user(conn, username)
        if found is None:
            raise ChainwatchError(f"no user {username!r}")
        return found.as_dict()

    def users(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [u.as_dict() for u in auth_store.list_users(conn)]

    def update_user(
        self,
        username: str,
        actor: str,
        *,
        role: str | None = None,
        password: str | None = None,
        disabled: bool | None = None,
    ) -> dict[str, Any]:
        self.user(username)
        values: dict[str, Any] = {}
        detail: dict[str, Any] = {}
        if role is not None:
            values["role"] = detail["role"] = Role.parse(role).name
        if password is not None:
            self._check_password(password)
            values["password_hash"] = hash_password(password)
            detail["password"] = "changed"
        if disabled is not None:
            values["disabled"] = detail["disabled"] = disabled
        if not values:
            raise ChainwatchError("nothing to change: give role, password or disabled")

        def work(conn: Connection) -> None:
            auth_store.update_user(conn, username, values)
            written = dict(detail)
            if password is not None or disabled:
                written["sessions_ended"] = auth_store.delete_sessions(conn, username)
            self.audit.append_in(conn, actor, "user.updated", username, written)

        self.audit.in_transaction(work)
        return self.user(username)

    def delete_user(self, username: str, actor: str) -> None:
        def work(conn: Connection) -> None:
            if not auth_store.delete_user(conn, username):
                raise ChainwatchError(f"no user {username!r}")
            self.audit.append_in(conn, actor, "user.deleted", username)

        self.audit.in_transaction(work)

    def login(
        self,
        username: str,
        password: str,
        client: str = "",
        *,
        max_failures: int = LOGIN_MAX_FAILURES,
        window_seconds: float = LOGIN_WINDOW_SECONDS,
        max_failures_per_address: int = LOGIN_MAX_FAILURES_PER_ADDRESS,
    ) -> Principal:
        """Check a password, throttled two ways within `window_seconds`: after `max_failures`
        failed logins for one account (from any address), and after
        `max_failures_per_address` failed logins from one client address (for any usernames),
        every attempt (right or wrong) is refused with :class:`TooManyAttempts` until the
        oldest failure counted leaves the window. A success clears the account's failures."""
        username, client = username[:100], client[:100]
        now = time.time()
        since = now - window_seconds
        limits = (
            ({"username": username}, max_failures, f"for {username!r}"),
            ({"client": client}, max_failures_per_address, "from this address"),
        )
        with self.engine.connect() as conn:
            for who, limit, what in limits:
                if limit <= 0:
                    continue
                recent = auth_store.recent_failures(conn, since, limit, **who)
                if len(recent) >= limit:
                    retry = max(1, int(recent[-1] + window_seconds - now) + 1)
                    raise TooManyAttempts(
                        f"too many failed logins {what}: try again in {retry} seconds", retry
                    )
            row = auth_store.credentials(conn, username)
        if row is None:
            verify_password(password, _DUMMY_HASH)
            ok = False
        else:
            ok = verify_password(password, row.password_hash) and not row.disabled
        if not ok or row is None:

            def failed(conn: Connection) -> None:
                auth_store.add_failure(conn, username, client, now, keep_after=now - 86_400)
                self.audit.append_in(
                    conn,
                    username or "-",
                    "login.failed",
                    username,
                    {"client": client, "reason": "wrong"},
                )

            self.audit.in_transaction(failed)
            raise AuthError("wrong username or password")
        credentials = row

        def succeeded(conn: Connection) -> None:
            auth_store.clear_failures(conn, username)
            self.audit.append_in(
                conn, credentials.username, "login", credentials.username, {"client": client}
            )

        self.audit.in_transaction(succeeded)
        return Principal(row.username, Role.parse(row.role), "session")

    # -- sessions (server side: a cookie is only as good as its row here) ---------------------

    def start_session(self, username: str, hours: float) -> str:
        """A new session token for `username`; only its sha256 is stored."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.engine.begin() as conn:
            auth_store.insert_session(conn, key_hash(token), username, now, now + hours * 3600)
        return token

    def end_session(self, token: str, actor: str = "") -> None:
        def work(conn: Connection) -> None:
            auth_store.delete_session(conn, key_hash(token))
            if actor:
                self.audit.append_in(conn, actor, "logout", actor)

        self.audit.in_transaction(work)

    def revoke_sessions(self, username: str) -> int:
        """End every session of a user (password changed, disabled, deleted)."""
        with self.engine.begin() as conn:
            return auth_store.delete_sessions(conn, username)

    def session_principal(self, username: str, token: str = "") -> Principal | None:
        """The principal of a live session of `username` (its token stored, not expired), or
        None when the session ended (logout, password change, expiry) or the user was deleted
        or disabled since."""
        if not token:
            return None
        with self.engine.connect() as conn:
            found = auth_store.session_user(conn, username, key_hash(token), time.time())
        if found is None or found[1]:
            return None
        return Principal(username, Role.parse(found[0]), "session")

    def change_own_password(self, username: str, current: str, new: str) -> None:
        """A user's own password change: the current one is checked; every session ends."""
        with self.engine.connect() as conn:
            row = auth_store.credentials(conn, username)
        if row is None or not verify_password(current, row.password_hash):
            raise AuthError("the current password is wrong")
        self.update_user(username, username, password=new)

    # -- keys ----------------------------------------------------------------------------------

    def create_key(self, name: str, role: str, actor: str) -> dict[str, Any]:
        """A new key; the returned dict holds the key itself, which is never shown again."""
        if not name or len(name) > 100:
            raise ChainwatchError("key name must be 1 to 100 characters")
        parsed = Role.parse(role)
        key_id, key = new_key()
        created = now_iso()

        def work(conn: Connection) -> None:
            auth_store.insert_key(conn, key_id, key_hash(key), name, parsed.name, actor, created)
            self.audit.append_in(
                conn, actor, "key.created", key_id, {"name": name, "role": parsed.name}
            )

        self.audit.in_transaction(work)
        return {
            "key_id": key_id,
            "key": key,
            "name": name,
            "role": parsed.name,
            "created_at": created,
        }

    def api_keys(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [k.as_dict() for k in auth_store.list_keys(conn)]

    def revoke_key(self, key_id: str, actor: str) -> None:
        def work(conn: Connection) -> None:
            if not auth_store.revoke_key(conn, key_id):
                raise ChainwatchError(f"no key {key_id!r}")
            self.audit.append_in(conn, actor, "key.revoked", key_id)

        self.audit.in_transaction(work)

    def authenticate_key(self, key: str) -> Principal:
        parts = key.split("_")
        if len(parts) < 3 or parts[0] != "cw" or len(key) > 200:
            raise AuthError("invalid API key")
        key_id = parts[1]
        with self.engine.connect() as conn:
            row = auth_store.key_credentials(conn, key_id)
        expected = row.key_hash if row is not None else key_hash("")
        if not hmac.compare_digest(key_hash(key), expected) or row is None or row.revoked:
            raise AuthError("invalid API key")
        return Principal(f"key:{row.name}", Role.parse(row.role), "key")
