"""`armsbridge monitor triage`: one line out per line in, bad lines reported, --strict, stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsbridge.cli import app
from armsbridge.monitoring.commands import BadLine, parse_line
from armsbridge.monitoring.extract import MAX_TEXT
from armsbridge.monitoring.triage import triage_text

ITEM4 = {"id", "language", "script", "label", "score", "extractions"}
EXTRACTIONS = {"phones", "prices", "handles", "weapons", "calibres"}
GOOD = {"id": 1, "text": "Shes kallash M70, 900€, 044 123 456, t.me/Armet_KS"}
LINES = [
    json.dumps(GOOD),
    "not json",
    json.dumps({"id": 3}),
    json.dumps({"id": 4, "text": 5}),
    json.dumps({"id": 5, "text": "x" * (MAX_TEXT + 1)}),
    "",
    json.dumps({"id": "six", "text": "Барам пиштол ТТ"}, ensure_ascii=False),
]


def _run(args: list[str], stdin: str | None = None):  # noqa: ANN202
    return CliRunner().invoke(app, ["monitor", "triage", *args], input=stdin)


def test_every_line_gets_a_result_in_order_and_bad_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(LINES) + "\n", "utf-8")
    result = _run([str(path)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, None, 3, 4, 5, "six"]
    assert set(out[0]) == ITEM4 and set(out[0]["extractions"]) == EXTRACTIONS
    assert out[0]["extractions"] == {
        "phones": ["+38344123456"],
        "prices": [{"amount": 900, "currency": "EUR"}],
        "handles": ["armet_ks"],
        "weapons": [{"kind": "assault_rifle", "make": "Zastava", "model": "M70"}],
        "calibres": [],
    }
    assert (out[0]["language"], out[0]["script"], out[0]["label"]) == ("sq", "Latn", "offer")
    assert 0.5 <= out[0]["score"] <= 1
    assert out[1] == {"id": None, "line": 2, "error": out[1]["error"]}
    assert "line 2: not JSON" in out[1]["error"]
    assert out[2]["error"] == 'line 3: no "text" field'
    assert out[3]["error"] == 'line 4: "text" must be a string, got a number'
    assert f"the limit is {MAX_TEXT}" in out[4]["error"]
    assert (out[5]["language"], out[5]["script"], out[5]["label"]) == ("mk", "Cyrl", "wanted")
    assert "line 2: not JSON" in result.stderr and "4 bad line(s)" in result.stderr


def test_strict_stops_at_the_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(LINES) + "\n", "utf-8")
    result = _run(["--strict", str(path)])
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2  # the good line and the first error
    assert "line 2" in result.stderr and "line 3" not in result.stderr


def test_standard_input_and_explain() -> None:
    result = _run(["--explain", "-"], stdin=json.dumps(GOOD) + "\n")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == ITEM4 | {"words", "places", "crypto", "spans"}
    assert {
        "field": "phones",
        "value": "+38344123456",
        "start": 24,
        "end": 35,
        "text": "044 123 456",
    } in out["spans"]


def test_a_missing_file_is_a_clear_error() -> None:
    result = _run(["/nonexistent/posts.jsonl"])
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_triage_text_keeps_the_item4_keys_exact() -> None:
    result = triage_text("Продајем Глок 19, 9x19, 1100 евра, 064 123 4567")
    assert list(result)[:5] == ["language", "script", "label", "score", "extractions"]
    assert list(result["extractions"]) == ["phones", "prices", "handles", "weapons", "calibres"]
    assert result["extractions"]["weapons"] == [{"kind": "pistol", "make": "Glock", "model": "19"}]
    assert result["extractions"]["calibres"] == ["9x19"]
    assert result["extractions"]["phones"] == ["+381641234567"]
    assert (result["language"], result["script"]) == ("sr", "Cyrl")


def test_lines_that_are_not_objects_or_too_deep_are_named() -> None:
    with pytest.raises(BadLine, match="line 9: JSON nested too deeply"):
        parse_line(9, "[" * 100_000)
    with pytest.raises(BadLine, match=r'line 2: expected an object \{"id", "text"\}, got a list'):
        parse_line(2, "[1, 2]")
