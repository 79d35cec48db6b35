"""Settings of the service (pydantic at the edge): from code, or from the environment."""

from __future__ import annotations

import json
import os

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from chainwatch.screening.algorithm import DEFAULT_THRESHOLD
from chainwatch.workflows.urls import check_outbound_url

ENV_SETTINGS = "CHAINWATCH_SERVICE_SETTINGS"  # JSON of ServiceSettings


class ServiceSettings(BaseModel):
    """Everything `chainwatch serve` can be told. Defaults suit a single team server."""

    session_secret: str = Field(
        default="",
        description="Signs session cookies; empty: CHAINWATCH_SESSION_SECRET, else the file "
        "`session_secret_file` (created with mode 0600). Never kept in the database.",
    )
    session_secret_file: str = Field(
        default="",
        description="File holding the session secret; empty: session-secret in the user's "
        "config directory. Refused when group or others may read it.",
    )
    cookie_secure: bool = Field(default=False, description="Send the session cookie on HTTPS only.")
    session_hours: float = 8.0
    max_snapshot_age_hours: float = Field(
        default=48.0, description="Older active lists make every screening result say so."
    )
    max_publication_age_days: float = Field(
        default=120.0,
        ge=0,
        description="A feed published longer ago than this (by the date it states) makes "
        "results stale, unless a newer feed supersedes its lists; 0: not judged.",
    )
    refresh_interval_seconds: float = Field(
        default=0.0, description="Refresh the lists on this schedule inside serve; 0: off."
    )
    list_sources: list[str] = Field(
        default_factory=list,
        description="List files the refresh loads, as PATH or PATH::FORMAT; empty: download.",
    )
    download_sources: list[str] | None = Field(
        default=None,
        description="Sources the refresh downloads (csl, ofac-sdn, ofac-cons, un, bis-dpl, "
        "csl-json); None: every default source.",
    )
    download_base_url: str = Field(
        default="", description="A mirror of the official addresses (same paths); empty: official."
    )
    download_dir: str = Field(default="", description="Where downloads are kept; empty: default.")
    download_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    webhook_url: str = Field(
        default="", description="https:// only (http:// to loopback for tests); checked here."
    )
    webhook_secret: str = ""
    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    body_limit_bytes: int = 1_000_000
    upload_limit_bytes: int = 20_000_000
    batch_max_rows: int = 100_000
    snapshot_check_seconds: float = 2.0
    network_limit_bytes: int = Field(
        default=10_000_000, description="Largest network upload (zip or xlsx)."
    )
    resilience_timeout_seconds: float = Field(
        default=120.0, gt=0, description="A resilience run is stopped after this time."
    )
    resilience_max_nodes: int = Field(
        default=2000, ge=1, description="Items + suppliers of a network the service analyses."
    )
    key_cache_seconds: float = 5.0
    login_max_failures: int = Field(
        default=10,
        ge=0,
        description="Failed logins per account (from any address) in the window; 0: no limit.",
    )
    login_max_failures_per_address: int = Field(
        default=30,
        ge=0,
        description="Failed logins per client address (any username) in the window; 0: no limit.",
    )
    login_window_seconds: float = Field(default=300.0, gt=0)
    trusted_proxy_count: int = Field(
        default=0,
        ge=0,
        le=10,
        description="Reverse proxies in front of the service that append to X-Forwarded-For; "
        "the client is the right-most hop they did not add. 0: the TCP peer.",
    )
    trust_forwarded_for: bool = Field(
        default=False, description="Deprecated: the same as trusted_proxy_count = 1."
    )
    four_eyes_true_match: bool = Field(
        default=False,
        description="Clearing a true match needs a second analyst to confirm it.",
    )

    @field_validator("webhook_url", "download_base_url")
    @classmethod
    def _outbound_url(cls, value: str, info: ValidationInfo) -> str:
        if value:
            check_outbound_url(value, str(info.field_name))
        return value

    @property
    def proxies(self) -> int:
        return self.trusted_proxy_count or (1 if self.trust_forwarded_for else 0)

    @classmethod
    def from_env(cls) -> ServiceSettings:
        raw = os.environ.get(ENV_SETTINGS, "")
        return cls.model_validate(json.loads(raw)) if raw else cls()
