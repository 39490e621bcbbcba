"""`armsbridge firearm ...` from the shell: JSON in, JSON out, clear errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARMSBRIDGE_VAR_DIR": str(tmp_path / "var")}
    env.pop("ARMSBRIDGE_DATABASE_URL", None)
    env["ARMSBRIDGE_USER"] = "cli-analyst"
    return subprocess.run(
        [sys.executable, "-m", "armsbridge.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_categorize_a_list_prints_as_many_results(tmp_path: Path) -> None:
    facts = [
        {"action": "automatic"},
        {
            "action": "semi_automatic",
            "ignition": "centre_fire",
            "barrel_length_cm": 11,
            "magazine_capacity": 21,
        },
        {"kind": "pistol"},
    ]
    result = _run(["firearm", "categorize", "-"], tmp_path, json.dumps(facts))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [(r["category"], r["point"]) for r in out] == [
        ("A", "A2"),
        ("A", "A7(a)"),
        ("undetermined", None),
    ]
    assert set(out[0]) == {
        "category",
        "point",
        "reasons",
        "missing",
        "rules_version",
        "provisional",
        "provisional_category",
        "alternatives",
        "reference",
        "contradictions",
    }
    assert "action" in out[2]["missing"]


def test_categorize_one_object_from_a_file_prints_one_object(tmp_path: Path) -> None:
    path = tmp_path / "gun.json"
    path.write_text(json.dumps({"action": "repeating", "barrel_length_cm": 10}))
    out = json.loads(_run(["firearm", "categorize", str(path)], tmp_path).stdout)
    assert out["point"] == "B1"


def test_categorize_refuses_unknown_fields_with_exit_2(tmp_path: Path) -> None:
    result = _run(["firearm", "categorize", "-"], tmp_path, '[{"action": "automatic"}, {"clr": 1}]')
    assert result.returncode == 2
    assert "item 2" in result.stderr and "clr" in result.stderr
    assert "Traceback" not in result.stderr
    bad = _run(["firearm", "categorize", "-"], tmp_path, "{not json")
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr


def _store_with_an_analyst(tmp_path: Path) -> None:
    assert _run(["init"], tmp_path).returncode == 0
    add = ["user", "add", "cli-analyst", "--role", "analyst", "--jurisdiction", "XK"]
    made = _run([*add, "--password-stdin"], tmp_path, stdin="correct horse battery 42\n")
    assert made.returncode == 0, made.stderr


def test_trace_commands_on_a_store(tmp_path: Path) -> None:
    _store_with_an_analyst(tmp_path)
    missing = _run(
        ["firearm", "trace", "request", "1", "--to", "iARMS", "--on", "01.02.2026"], tmp_path
    )
    assert missing.returncode == 2 and "firearm 1 does not exist" in missing.stderr.lower()
    summary = json.loads(_run(["firearm", "trace", "summary"], tmp_path).stdout)
    assert summary["not_attempted"] == 0 and "established_by_tracing" in summary


def test_serial_bench_runs_at_small_size(tmp_path: Path) -> None:
    out = tmp_path / "serials.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench/serials.py"),
            "--size",
            "1500",
            "--queries",
            "5",
            "--baseline-queries",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    assert figures["size"] == 1500
    assert all(row["mismatches"] == 0 for row in figures["classes"].values())


def test_identify_and_search_from_the_shell(tmp_path: Path) -> None:
    out = _run(
        ["firearm", "identify", "--make", "Ekol", "--model", "Tuna", "--calibre", "9mm PAK"],
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["blank_firing"] is True and info["calibre"]["normalised"] == "9 mm P.A.K."
    assert _run(["firearm", "identify"], tmp_path).returncode == 2
    _store_with_an_analyst(tmp_path)
    found = _run(["firearm", "search", "K7?4?21", "--json"], tmp_path)
    assert found.returncode == 0 and json.loads(found.stdout) == []
    refused = _run(["firearm", "search", "???"], tmp_path)
    assert refused.returncode == 2 and "only unknown positions" in refused.stderr
