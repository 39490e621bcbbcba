"""Permissions, default deny: role -> actions (route level) and restrict() (row level)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROLES_FILE = Path(__file__).parent / "roles.yaml"


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for, detached from any database session."""

    id: int
    username: str
    role: str
    jurisdiction: str
    display_name: str = ""
    language: str = "en"
    via: str = "session"  # "session" (browser cookie), "token" (API token) or "cli"
    session_id: str | None = field(default=None, repr=False)


@lru_cache(maxsize=1)
def load_roles() -> dict[str, Any]:
    """Return the parsed roles.yaml: actions, record_types and roles."""
    with ROLES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def role_names() -> list[str]:
    """Return the names of every role."""
    return list(load_roles()["roles"])


def known_action(action: str) -> bool:
    """True when `action` is declared in roles.yaml."""
    return action in load_roles()["actions"]


def role_allows(role: str, action: str) -> bool:
    """True when `role` may perform the route-level `action` (unknown roles may do nothing)."""
    spec = load_roles()["roles"].get(role)
    return bool(spec) and action in spec["actions"]


def second_factor_required(role: str) -> bool:
    """True when users of `role` must sign in with a TOTP code."""
    spec = load_roles()["roles"].get(role) or {}
    return spec.get("second_factor") == "required"


def record_types_for(role: str, mode: str) -> set[str]:
    """Return the record types `role` may see (`mode`="read") or write (`mode`="write")."""
    roles = load_roles()
    spec = (roles["roles"].get(role) or {}).get("records") or {}
    allowed = spec.get(mode) or []
    if allowed == "all":
        return set(roles["record_types"])
    return set(allowed)


def hidden_subject_roles(role: str) -> set[str]:
    """Return the data-subject roles (victim, witness, ...) whose persons `role` may not see."""
    spec = (load_roles()["roles"].get(role) or {}).get("records") or {}
    return set(spec.get("hidden_subject_roles") or [])
