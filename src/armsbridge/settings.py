"""Every setting of a node, with its type, default and help text (env prefix ARMSBRIDGE_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings validated at start-up; each one can be set as ARMSBRIDGE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ARMSBRIDGE_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the store; empty means SQLite (WAL) at "
        "var_dir/armsbridge.db. PostgreSQL: postgresql+psycopg://user@host:5432/dbname",
    )
    var_dir: Path = Field(
        default=Path("var"),
        description="Folder for the default SQLite store, attachments, reports.",
    )
    keys_dir: Path | None = Field(
        default=None,
        description="Folder of the node's key files (audit key, checkpoint signing key, "
        "secret box of TOTP secrets); empty means var_dir/keys. Keep it out of database backups.",
    )
    jurisdiction: str = Field(
        default="XK", description="Jurisdiction code of this node (XK Kosovo, MK North Macedonia)."
    )
    node_name: str = Field(default="armsbridge-node", description="Human name of this node.")
    secret_key: str = Field(
        default="",
        description="Key that signs session cookies; generated into var_dir/secret.key if empty.",
    )
    demo_password: str = Field(
        default="", description="One known password for every demo user (scripted checks only)."
    )
    token_days_default: int = Field(
        default=90, ge=1, description="Days an API token is valid when its creator gives none."
    )
    token_days_max: int = Field(
        default=365, ge=1, description="Most days an API token may be valid (--expires-days)."
    )
    match_auto_accept: float = Field(
        default=0.99, description="Match probability at or above which a match is accepted."
    )
    match_review: float = Field(
        default=0.5, description="Match probability at or above which a match goes to review."
    )
    import_batch_size: int = Field(
        default=2000, description="Rows written per database round trip during an import."
    )
    # Limits on imported files (docs/admin/security.md, "Limits on files and requests"): each
    # refusal names the limit and the setting that raises it.
    import_max_file_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1,
        description="Largest file an import (CLI or wizard) accepts, in bytes.",
    )
    import_max_cell_chars: int = Field(
        default=32_767,
        ge=1,
        description="Longest cell an import accepts, in characters (Excel's own cell limit).",
    )
    import_max_rows: int = Field(
        default=1_048_576,
        ge=1,
        description="Most data rows one imported file may hold (Excel's sheet has 1,048,576).",
    )
    import_max_columns: int = Field(
        default=1_000, ge=1, description="Most columns the header of an imported file may have."
    )
    import_max_unpacked_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1,
        description="Largest total size of the parts of an XLSX workbook once unpacked, in bytes "
        "(checked before the workbook is opened).",
    )
    import_max_compression_ratio: int = Field(
        default=100,
        ge=1,
        description="Largest unpacked/packed size ratio of an XLSX part over 1 MiB (a ZIP bomb "
        "packs gigabytes of repeated cells into kilobytes).",
    )
    import_max_errors_shown: int = Field(
        default=20,
        ge=0,
        description="Row errors the import command prints (and the wizard shows); the rest are "
        "counted and listed in the quarantine file.",
    )
    import_max_quarantine_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        description="Largest quarantine file an import writes, in bytes; the rows past it are "
        "counted in its last line.",
    )
    max_request_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest request body (JSON, forms) the web server reads, in bytes; "
        "a larger one is refused with 413 before it is read.",
    )
    max_upload_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest file upload (multipart: attachments, import files) in bytes, "
        "the form around the file included; a larger one is refused with 413.",
    )

    # Exchange between nodes (docs/admin/exchange.md).
    exchange_key: str = Field(
        default="",
        description="The node's Ed25519 exchange key as 64 hex digits (its seed); empty means the "
        "key file keys_dir/exchange.key made by `armsbridge node init`. Never stored in the store.",
    )
    exchange_max_skew_seconds: int = Field(
        default=600,
        ge=1,
        description="How far a received message's sent_at may be from this node's clock, in "
        "seconds, before it is refused as too old or too far in the future.",
    )
    exchange_max_envelope_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest message the inbox accepts, in bytes."
    )
    exchange_key_grace_hours: float = Field(
        default=72,
        ge=0,
        description="Hours a rotated-out key (this node's or a peer's) is still accepted.",
    )
    exchange_retry_base_seconds: float = Field(
        default=2.0, gt=0, description="First wait before a failed delivery is tried again."
    )
    exchange_retry_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two delivery attempts."
    )
    exchange_give_up_hours: float = Field(
        default=72.0,
        gt=0,
        description="Hours after which an undelivered message is marked failed (not retried).",
    )
    exchange_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the delivery worker looks for due messages."
    )
    exchange_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a delivery waits for the peer's answer."
    )
    exchange_worker: bool = Field(
        default=True, description="Run the delivery worker inside `armsbridge serve`."
    )
    exchange_refusal_log_per_minute: int = Field(
        default=20,
        ge=0,
        description="Refused messages logged one by one in the audit log per claimed sender and "
        "reason per minute; further refusals in that minute are counted and logged as one summary "
        "entry (the answer to the sender does not change).",
    )

    hit_budget_user_per_day: int = Field(
        default=500,
        ge=0,
        description="Items one user of a peer may query in hit/no-hit per day (UTC), counted by "
        "the answering node; a partial serial counts each of its completions.",
    )
    hit_budget_peer_per_day: int = Field(
        default=5_000,
        ge=0,
        description="Items all users of one peer together may query in hit/no-hit per day (UTC).",
    )
    hit_refresh_seconds: int = Field(
        default=30,
        ge=1,
        description="How often the delivery worker brings the hit/no-hit set up to date with "
        "changed records (a new seizure is findable within this time plus the refresh).",
    )
    hit_max_items_per_query: int = Field(
        default=1_000, ge=1, description="Most items one hit/no-hit query may carry."
    )
    hit_partial_serial_max: int = Field(
        default=1_000,
        ge=1,
        description="Most completions a partial serial (K7?4?21) may expand to in a hit/no-hit "
        "query; each completion is one queried item.",
    )

    capture_proxy: str = Field(
        default="",
        description="Proxy for captures of online ads: http://host:port or socks5://host:port "
        "(Tor: socks5://127.0.0.1:9050). Every request of a capture goes through it, loopback "
        "included. Empty: direct. `monitor capture --proxy` overrides it for one capture.",
    )
    capture_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Longest a capture may take to load its page."
    )
    capture_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1,
        description="Most bytes of responses one capture may load (its WARC holds them all).",
    )
    capture_import_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="Largest file `monitor import` accepts."
    )
    capture_chromium: str = Field(
        default="/usr/bin/chromium", description="The Chromium (or Chrome) captures run in."
    )

    def effective_database_url(self) -> str:
        """Return the configured URL, or the default SQLite file under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'armsbridge.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings read from the environment."""
    return Settings()
