"""Demo accounts (one per role and jurisdiction) and serving the demo node."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from armsbridge.auth import service as auth_service
from armsbridge.auth.models import User
from armsbridge.auth.permissions import role_names
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope

DEMO_JURISDICTIONS = ("XK", "MK")


@dataclass(frozen=True)
class DemoAccount:
    """A demo account as printed for the person trying the node."""

    username: str
    role: str
    jurisdiction: str
    password: str
    totp_uri: str | None


def demo_username(role: str, jurisdiction: str) -> str:
    """Return the demo user name of a role in a jurisdiction, e.g. "xk-analyst"."""
    return f"{jurisdiction.lower()}-{role.replace('_', '-')}"


def ensure_demo_users(
    settings: Any,
    *,
    password: str | None = None,
    jurisdictions: tuple[str, ...] = DEMO_JURISDICTIONS,
) -> list[DemoAccount]:
    """Create (or reset) one account per role and jurisdiction; return their credentials.

    `password` (ARMSBRIDGE_DEMO_PASSWORD) gives every account the same known password; without
    it each account gets a random one. Administrators always have a TOTP secret.
    """
    engine = engine_from_settings(settings)
    accounts = []
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            for jurisdiction in jurisdictions:
                for role in role_names():
                    name = demo_username(role, jurisdiction)
                    secret = password or secrets.token_urlsafe(12)
                    exists = session.scalar(select(User.id).where(User.username == name))
                    if exists is None:
                        made = auth_service.create_user(
                            session,
                            username=name,
                            password=secret,
                            role=role,
                            jurisdiction=jurisdiction,
                            display_name=f"Demo {role.replace('_', ' ')} ({jurisdiction})",
                            actor="demo",
                        )
                    else:
                        made = auth_service.reset_user(
                            session,
                            username=name,
                            password=secret,
                            new_totp=role == "administrator",
                            actor="demo",
                        )
                    accounts.append(
                        DemoAccount(name, role, jurisdiction, secret, made.provisioning_uri)
                    )
    finally:
        engine.dispose()
    return accounts


def serve(
    settings: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    concurrency: int | None = None,
) -> None:
    """Serve the node's web application with uvicorn until interrupted (see web.serving)."""
    from armsbridge.web import serving

    serving.run(
        settings,
        host=host,
        port=port,
        workers=workers,
        concurrency=concurrency or serving.DEFAULT_CONCURRENCY,
    )
