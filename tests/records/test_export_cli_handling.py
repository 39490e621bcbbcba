"""The CLI's exports carry nothing received under H2 off the node and say what they left out.

`armsbridge export` (CSV and FtM) and `armsbridge audit export` run as real processes on a store
holding records received from MK under H0..H3; `firearm search` (a read inside the node) shows
each hit's marking.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from armsbridge.auth.service import create_user
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from foreign_records import add_foreign_world, grant_to, markers

PASSWORD = "correct horse battery 42"


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with an XK analyst (granted the H2/H3 records), an auditor and foreign records."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    load_all_models().metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        analyst = create_user(
            session, username="xk-analyst", password=PASSWORD, role="analyst", jurisdiction="XK"
        ).user
        create_user(
            session, username="xk-auditor", password=PASSWORD, role="auditor", jurisdiction="XK"
        )
        grant_to(session, add_foreign_world(session), analyst.id)
    engine.dispose()
    return url


def _run(args: list[str], tmp_path: Path, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARMSBRIDGE_DATABASE_URL": url, "ARMSBRIDGE_VAR_DIR": str(tmp_path)}
    env.pop("ARMSBRIDGE_USER", None)
    env["COLUMNS"] = "250"
    return subprocess.run(
        [sys.executable, "-m", "armsbridge.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _files(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()))


@pytest.mark.parametrize("fmt", ["csv", "ftm"])
def test_cli_export_leaves_out_h2_and_says_so(tmp_path: Path, store: str, fmt: str) -> None:
    out = tmp_path / f"out-{fmt}"
    args = ["export", "--out", str(out), "--format", fmt, "--why", "case MK-1", "--user"]
    done = _run([*args, "xk-analyst"], tmp_path, store)
    assert done.returncode == 0, done.stderr
    assert "left out" in done.stdout and "H2" in done.stdout, done.stdout
    text = _files(out)
    assert not [v for v in markers("H2").values() if v in text]
    assert markers("H1")["family_name"] in text and "judicial proceedings" in text
    assert "left out" in (out / "WITHHELD.txt").read_text(encoding="utf-8")


def test_cli_audit_export_holds_no_h2_value(tmp_path: Path, store: str) -> None:
    search = _run(
        ["firearm", "search", markers("H2")["serial_raw"], "--user", "xk-analyst"], tmp_path, store
    )
    assert search.returncode == 0, search.stderr
    assert "MK H2 C3" in search.stdout  # the marking of the hit, shown inside the node
    out = tmp_path / "audit.csv"
    done = _run(["audit", "export", "--user", "xk-auditor", "--out", str(out)], tmp_path, store)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "search" in text  # the serial search is in the log, its pattern masked
    assert not [v for v in markers("H2").values() if v in text]
