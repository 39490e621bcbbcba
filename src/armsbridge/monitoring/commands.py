"""CLI: `armsbridge monitor ...`: triage of online posts (capture and import join this group).

`monitor triage FILE.jsonl` reads lines {"id": ..., "text": ...} (FILE or - for standard input)
and prints one JSON line per input line, in order. A bad line is reported on standard error and
as an error object in its place ({"id", "line", "error"}), the rest is processed, and the exit
code is 1 at the end; with --strict the first bad line stops the run (exit 2).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import typer

from armsbridge.monitoring.extract import MAX_TEXT
from armsbridge.monitoring.triage import item4, triage_text

monitor_app = typer.Typer(
    help="Online investigation: triage of posts and listings.", no_args_is_help=True
)
MAX_LINE_BYTES = 1_000_000  # a line longer than this is refused without being parsed


class BadLine(ValueError):
    """A line of the input that cannot be triaged; its message names the line and the reason."""


def parse_line(number: int, raw: str) -> tuple[Any, str]:
    """Return (id, text) of one input line, or raise BadLine naming the line and the problem."""
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
        raise BadLine(f"line {number}: longer than {MAX_LINE_BYTES} bytes")
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadLine(f"line {number}: not JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError as exc:
        raise BadLine(f"line {number}: JSON nested too deeply") from exc
    if not isinstance(obj, dict):
        raise BadLine(f'line {number}: expected an object {{"id", "text"}}, got {_kind(obj)}')
    if "text" not in obj:
        raise BadLine(f'line {number}: no "text" field')
    text = obj["text"]
    if not isinstance(text, str):
        raise BadLine(f'line {number}: "text" must be a string, got {_kind(text)}')
    if len(text) > MAX_TEXT:
        raise BadLine(f'line {number}: "text" has {len(text)} characters, the limit is {MAX_TEXT}')
    return obj.get("id"), text


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def triage_lines(lines: Iterator[str], explain: bool = False) -> Iterator[dict[str, Any]]:
    """Yield one result per non-blank input line: the triage, or an error object."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            ident, text = parse_line(number, raw)
        except BadLine as exc:
            ident = _id_of(raw)
            yield {"id": ident, "line": number, "error": str(exc)}
            continue
        result = triage_text(text)
        yield {"id": ident, **(result if explain else item4(result))}


def _id_of(raw: str) -> Any:
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return None
    return obj.get("id") if isinstance(obj, dict) else None


def _open(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    file = Path(path)
    if not file.is_file():
        raise typer.BadParameter(f"{path}: no such file", param_hint="FILE")
    return file.open(encoding="utf-8", errors="strict", newline="")


@monitor_app.command("triage")
def triage(
    file: str = typer.Argument(..., help='JSON lines {"id", "text"}; - for standard input.'),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad line (exit 2)."),
    explain: bool = typer.Option(
        False, "--explain", help="Add the words that drove the score, places, crypto and spans."
    ),
) -> None:
    """Print one JSON line per post: language, script, label, score and extractions."""
    bad = 0
    handle = _open(file)
    try:
        lines = _lines(handle)
        for out in triage_lines(lines, explain=explain):
            typer.echo(json.dumps(out, ensure_ascii=False))
            if "error" in out:
                bad += 1
                typer.echo(f"error: {out['error']}", err=True)
                if strict:
                    raise typer.Exit(2)
    except UnicodeDecodeError as exc:
        typer.echo(f"error: {file}: not UTF-8 text (byte {exc.start})", err=True)
        raise typer.Exit(2) from exc
    finally:
        if handle is not sys.stdin:
            handle.close()
    if bad:
        typer.echo(f"{bad} bad line(s); the others were triaged", err=True)
        raise typer.Exit(1)


def _lines(handle: TextIO) -> Iterator[str]:
    for line in handle:
        yield line.rstrip("\r\n")


def register(app: typer.Typer) -> None:
    """Add the `monitor` group to the root command."""
    app.add_typer(monitor_app, name="monitor")
