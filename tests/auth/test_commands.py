"""`armsbridge user ...` on a fresh store, as an administrator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent / "armsbridge"


@pytest.fixture
def run(tmp_path):
    env = {
        **os.environ,
        "ARMSBRIDGE_VAR_DIR": str(tmp_path),
        "ARMSBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "COLUMNS": "200",  # tables on one line each, as a wide terminal shows them
    }

    def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN), *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
        )

    assert _run("init").returncode == 0
    return _run


def test_add_admin_prints_the_totp_uri_and_list_shows_it(run) -> None:
    added = run(
        "user",
        "add",
        "root",
        "--role",
        "administrator",
        "--jurisdiction",
        "XK",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "otpauth://totp/armsbridge:root" in added.stdout
    listed = run("user", "list")
    assert "root" in listed.stdout and "administrator" in listed.stdout and "yes" in listed.stdout


def test_disable_reset_and_errors(run) -> None:
    run(
        "user",
        "add",
        "ana",
        "--role",
        "analyst",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert "disabled" in run("user", "disable", "ana").stdout
    assert "disabled" in run("user", "list").stdout
    reset = run("user", "reset", "ana", "--password-stdin", stdin="another long password\n")
    assert reset.returncode == 0 and "unlocked" in reset.stdout
    unknown = run("user", "disable", "nobody")
    assert unknown.returncode == 2 and "no user 'nobody'" in unknown.stderr
    bad = run("user", "add", "x", "--role", "king", "--password-stdin", stdin="long password 1\n")
    assert bad.returncode == 2 and "role" in bad.stderr and "Traceback" not in bad.stderr


def test_token_is_printed_once(run) -> None:
    run(
        "user",
        "add",
        "ana",
        "--role",
        "analyst",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    token = run("user", "token", "ana", "--name", "nightly")
    assert token.returncode == 0 and token.stdout.strip().startswith("abt_")


def test_token_scopes_expiry_list_and_revoke(run) -> None:
    run("user", "add", "ana", "--role", "analyst", "--password-stdin", stdin="a long password 1\n")
    made = run("user", "token", "ana", "--name", "sync", "--scope", "read", "--scope", "write",
               "--expires-days", "30")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "read write" in made.stdout and "expires" in made.stdout
    listed = run("user", "token", "--list", "ana")
    assert "sync" in listed.stdout and "active" in listed.stdout and "read write" in listed.stdout
    token_id = made.stdout.split("token ", 1)[1].split(" ", 1)[0]
    revoked = run("user", "token", "--revoke", token_id)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert "revoked" in run("user", "token", "--list", "ana").stdout
    too_long = run("user", "token", "ana", "--name", "x", "--expires-days", "9999")
    assert too_long.returncode == 2 and "between 1 and 365" in too_long.stderr
    admin = run("user", "token", "ana", "--name", "x", "--scope", "admin")
    assert admin.returncode == 2 and "admin is only for" in admin.stderr
    unknown = run("user", "token", "--revoke", "999")
    assert unknown.returncode == 2 and "no API token 999" in unknown.stderr
    assert "Traceback" not in unknown.stderr + admin.stderr + too_long.stderr
