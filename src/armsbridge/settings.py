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
    match_auto_accept: float = Field(
        default=0.99, description="Match probability at or above which a match is accepted."
    )
    match_review: float = Field(
        default=0.5, description="Match probability at or above which a match goes to review."
    )
    import_batch_size: int = Field(
        default=2000, description="Rows written per database round trip during an import."
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

    def effective_database_url(self) -> str:
        """Return the configured URL, or the default SQLite file under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'armsbridge.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings read from the environment."""
    return Settings()
