"""`armsbridge audit export` acts as an auditor's account, on a store of two services' entries."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

import armsbridge
from armsbridge.audit import service as audit
from armsbridge.audit.models import AuditEntry
from armsbridge.auth import service as auth
from armsbridge.db.engine import make_engine

pytestmark = pytest.mark.slow

SOURCE = str(Path(armsbridge.__file__).resolve().parents[1])  # the code under test


@pytest.fixture
def store(tmp_path, monkeypatch) -> dict[str, str]:
    """A fresh store with an auditor and an analyst of each service, and a search by each."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {
        **os.environ,
        "ARMSBRIDGE_VAR_DIR": str(tmp_path),
        "ARMSBRIDGE_DATABASE_URL": url,
        "PYTHONPATH": SOURCE,
    }
    env.pop("ARMSBRIDGE_USER", None)
    assert _run(env, "init").returncode == 0
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    engine = make_engine(url)
    with Session(engine) as session:
        for code in ("XK", "MK"):
            for role in ("auditor", "analyst"):
                auth.create_user(
                    session,
                    username=f"{role}_{code.lower()}",
                    password="a long enough password",
                    role=role,
                    jurisdiction=code,
                    actor="cli",
                )
            audit.log_event(
                session,
                actor=f"analyst_{code.lower()}",
                action="search",
                record_type="person",
                jurisdiction=code,
                why=f"{code} secret justification",
                details={"query": "x", "results": 0, "ids": []},
            )
        session.commit()
    engine.dispose()
    return env


def _run(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "armsbridge.cli", *args],
        capture_output=True,
        text=True,
        env={**env, **extra},
        timeout=120,
    )


def _entries(env: dict[str, str], action: str) -> list[AuditEntry]:
    engine = make_engine(env["ARMSBRIDGE_DATABASE_URL"])
    with Session(engine) as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
    engine.dispose()
    return found


def test_export_as_an_auditor_holds_only_their_service_and_logs_once(store, tmp_path) -> None:
    out = tmp_path / "xk.csv"
    done = _run(store, "audit", "export", "--user", "auditor_xk", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "XK secret justification" in text and "MK secret justification" not in text
    assert rows and all("XK" in (r["actor_jurisdiction"], r["jurisdiction"]) for r in rows)
    (logged,) = _entries(store, "export")
    assert (logged.actor, logged.actor_jurisdiction) == ("auditor_xk", "XK")
    assert logged.details["rows"] == len(rows) and logged.details["via"] == "cli"
    assert logged.details["os_user"]


def test_export_takes_the_account_from_the_environment_and_filters_by(store) -> None:
    done = _run(
        store,
        "audit",
        "export",
        "--by",
        "analyst_mk",
        "--action",
        "search",
        ARMSBRIDGE_USER="auditor_mk",
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["why"] for r in rows] == ["MK secret justification"]
    (logged,) = _entries(store, "export")
    assert logged.actor == "auditor_mk"
    assert logged.details["filters"] == {"by": "analyst_mk", "action": "search", "limit": 100000}
    other = _run(store, "audit", "export", "--by", "analyst_xk", "--user", "auditor_mk")
    assert other.returncode == 0 and "XK secret" not in other.stdout


def test_an_account_that_is_not_an_auditor_is_refused(store, tmp_path) -> None:
    out = tmp_path / "refused.csv"
    refused = _run(store, "audit", "export", "--user", "analyst_xk", "--out", str(out))
    assert refused.returncode == 2
    assert "may not export the audit log" in refused.stderr
    assert "Traceback" not in refused.stderr and "XK secret" not in refused.stdout
    assert not out.exists() and not list(tmp_path.glob("refused.csv*"))
    assert _entries(store, "export") == []
    anonymous = _run(store, "audit", "export")
    assert anonymous.returncode == 2 and "--user" in anonymous.stderr
    assert "Traceback" not in anonymous.stderr and anonymous.stdout == ""
