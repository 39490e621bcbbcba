"""`armsbridge audit export` acts as an auditor's account, on a store of two services' entries."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import armsbridge
from armsbridge.audit import service as audit
from armsbridge.audit.models import AuditEntry
from armsbridge.auth import service as auth
from armsbridge.db import keys
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import install_listeners
from armsbridge.settings import Settings

pytestmark = pytest.mark.slow

SOURCE = str(Path(armsbridge.__file__).resolve().parents[1])  # the code under test
NAMES = {"XK": "Krasniqi", "MK": "Петровски"}  # searched names: personal, never exported


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
    keys.use_node(Settings(var_dir=tmp_path))  # the same key files as the commands below
    install_listeners()
    engine = make_engine(url)
    with Session(engine) as session:
        for code in ("XK", "MK"):
            for role in ("auditor", "analyst", "dpo"):
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
                details={"query": NAMES[code], "results": 0, "ids": []},
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
    assert "Krasniqi" not in text and '"query": "***"' in text.replace('""', '"')
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


def test_verify_exits_0_when_intact_1_when_truncated_2_on_a_bad_anchor(store) -> None:
    intact = _run(store, "audit", "verify")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "audit log intact" in intact.stdout and "anchored since" in intact.stdout
    engine = make_engine(store["ARMSBRIDGE_DATABASE_URL"])
    with engine.begin() as connection:  # an attacker removes the last entries and the head
        connection.execute(text("DELETE FROM audit_entries WHERE seq > 3"))
        connection.execute(text("DELETE FROM audit_head"))
    engine.dispose()
    broken = _run(store, "audit", "verify")
    assert broken.returncode == 1
    assert "the store holds 3 entries, the checkpoints say" in broken.stdout
    assert "restored from a backup or truncated" in broken.stdout
    usage = _run(store, "audit", "verify", "--expect", "3:nothex")
    assert usage.returncode == 2 and "ENTRY:HASH" in usage.stderr
    assert "Traceback" not in usage.stderr


def test_checkpoint_prints_an_anchor_that_verify_checks(store) -> None:
    done = _run(store, "audit", "checkpoint", "--print")
    assert done.returncode == 0, done.stderr
    fields = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    count, digest = int(fields["entries"]), fields["last hash"].strip()
    assert count >= 8 and len(digest) == 64 and fields["fingerprint"].strip()
    assert fields["signature"].strip() and fields["public key"].strip()
    anchor = _run(store, "audit", "anchor")
    assert anchor.returncode == 0 and digest in anchor.stdout
    checked = _run(store, "audit", "verify", "--expect", f"{count}:{digest[:12]}")
    assert checked.returncode == 0, checked.stdout
    wrong = _run(store, "audit", "verify", "--expect", f"{count}:{'0' * 12}")
    assert wrong.returncode == 1 and "the anchor says" in wrong.stdout


def test_the_officer_reveals_one_entry_on_the_command_line_and_it_is_logged(store) -> None:
    (search,) = [e for e in _entries(store, "search") if e.jurisdiction == "XK"]
    refused = _run(store, "audit", "reveal", str(search.seq), "--why", "complaint DP-1 of Ana")
    assert refused.returncode == 2 and "--user" in refused.stderr
    auditor = _run(
        store, "audit", "reveal", str(search.seq), "--why", "complaint DP-1", "--user", "auditor_xk"
    )
    assert auditor.returncode == 2 and "may not reveal" in auditor.stderr
    assert "Krasniqi" not in auditor.stdout + auditor.stderr
    shown = _run(
        store, "audit", "reveal", str(search.seq), "--why", "complaint DP-1", "--user", "dpo_xk"
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["details"]["query"] == "Krasniqi"
    (reveal,) = _entries(store, "reveal")
    assert (reveal.actor, reveal.record_id, reveal.why) == ("dpo_xk", search.seq, "complaint DP-1")
