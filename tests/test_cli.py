"""The command line creates the store, reports its revision, and speaks plainly on errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "ARMSBRIDGE_VAR_DIR": str(tmp_path / "var"), **env}
    full_env.pop("ARMSBRIDGE_DATABASE_URL", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "armsbridge.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_init_creates_the_default_sqlite_store(tmp_path: Path) -> None:
    result = _run(["init"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "armsbridge.db").exists()
    current = _run(["db", "current"], tmp_path)
    assert re.search(r"store: (\d{4})  newest: \1\b", current.stdout), current.stdout


def test_init_twice_is_harmless(tmp_path: Path) -> None:
    assert _run(["init"], tmp_path).returncode == 0
    assert _run(["init"], tmp_path).returncode == 0


def test_audit_verify_on_a_new_store_is_intact(tmp_path: Path) -> None:
    _run(["init"], tmp_path)
    result = _run(["audit", "verify"], tmp_path)
    assert result.returncode == 0 and "intact" in result.stdout


def test_unknown_command_is_an_error_without_traceback(tmp_path: Path) -> None:
    result = _run(["no-such-command"], tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_a_command_does_not_import_scikit_learn_until_a_model_is_trained() -> None:
    # scikit-learn costs every command over a second to import (docs/dev/decisions.md).
    code = (
        "import sys, armsbridge.cli, armsbridge.monitoring.language as language\n"
        "assert 'sklearn' not in sys.modules, 'imported by armsbridge.cli'\n"
        "language.identify('Shes pistolete, cmimi 200 euro')\n"
        "assert 'sklearn' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
