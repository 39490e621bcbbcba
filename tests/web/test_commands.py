"""`armsbridge serve` refuses a missing store; demo accounts: one per role and jurisdiction."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsbridge.auth import service as auth_service
from armsbridge.auth.permissions import role_names
from armsbridge.cli import app
from armsbridge.db import service as db_service
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker
from armsbridge.settings import Settings
from armsbridge.web.demo import ensure_demo_users


def test_serve_without_a_store_says_what_to_do(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ARMSBRIDGE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("ARMSBRIDGE_DATABASE_URL", raising=False)
    from armsbridge.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve", "--port", "8765"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "armsbridge init" in str(result.exception)


def test_demo_accounts_cover_every_role_in_both_jurisdictions(tmp_path) -> None:
    settings = Settings(var_dir=tmp_path)
    engine = engine_from_settings(settings)
    db_service.upgrade(engine)
    accounts = ensure_demo_users(settings, password="demo-password-2026")
    assert {(a.role, a.jurisdiction) for a in accounts} == {
        (r, j) for r in role_names() for j in ("XK", "MK")
    }
    admins = [a for a in accounts if a.role == "administrator"]
    assert all(a.totp_uri and a.totp_uri.startswith("otpauth://") for a in admins)
    with make_sessionmaker(engine)() as s:
        user = auth_service.authenticate(s, username="mk-analyst", password="demo-password-2026")
        assert (user.role, user.jurisdiction) == ("analyst", "MK")
    again = ensure_demo_users(settings)  # a second run resets the passwords (random ones now)
    assert len({a.password for a in again}) == len(again)
    with make_sessionmaker(engine)() as s, pytest.raises(auth_service.LoginFailed):
        auth_service.authenticate(s, username="mk-analyst", password="demo-password-2026")
    engine.dispose()


@pytest.mark.slow
def test_web_bench_runs_at_small_size(tmp_path) -> None:
    bench = Path(__file__).resolve().parents[2] / "bench" / "web.py"
    store = tmp_path / "store"
    subprocess.run(
        [
            sys.executable,
            str(bench),
            "--persons",
            "300",
            "--clients",
            "4",
            "--requests",
            "20",
            "--store",
            str(store),
            "--results",
            str(tmp_path / "web.json"),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    figures = json.loads((tmp_path / "web.json").read_text(encoding="utf-8"))
    names = [row["workload"] for row in figures["rows"]]
    assert names[0] == "health (baseline)" and "page: person" in names
    assert all(row["errors"] == 0 and row["p95_ms"] > 0 for row in figures["rows"])
