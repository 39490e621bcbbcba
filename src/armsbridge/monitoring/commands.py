"""CLI: `armsbridge monitor ...` (triage, capture and import of online posts and ads) and
`armsbridge evidence ...` (verify, export).

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
from rich.console import Console

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.errors import UserError
from armsbridge.monitoring import files as readers
from armsbridge.monitoring import review, service
from armsbridge.monitoring.extract import MAX_TEXT
from armsbridge.monitoring.models import Capture
from armsbridge.monitoring.triage import item4, triage_text
from armsbridge.settings import get_settings

console = Console(highlight=False, soft_wrap=True)
monitor_app = typer.Typer(
    help="Online investigation: triage, capture and import of posts and ads.", no_args_is_help=True
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


# --- capture and evidence (monitoring.capture, .evidence, .service) -------------------------

evidence_app = typer.Typer(
    help="Evidence of online ads: verify a WACZ or a capture offline, export it.",
    no_args_is_help=True,
)
CASE_OPTION = typer.Option(None, "--case", help="Id of the case the capture belongs to.")
CODE_OPTION = typer.Option("H0", "--handling-code", help="H0, H1, H2 or H3.")


def _print_stored(row: Capture) -> None:
    console.print(f"capture {row.id} ({row.kind}) stored")
    console.print(f"  sha256 of the WACZ: {row.sha256}")
    if row.details.get("original_sha256"):
        console.print(f"  sha256 of the file: {row.details['original_sha256']}")
    console.print(f"  WARC records: {len(row.records)}")
    console.print(f"  stored at: {Path(get_settings().var_dir) / row.path}")


@monitor_app.command("capture")
def capture(
    url: str = typer.Argument(..., help="The http(s) address of the ad, post or listing."),
    proxy: str | None = typer.Option(
        None, "--proxy", help="http://host:port or socks5://host:port (default: the setting)."
    ),
    case: int | None = CASE_OPTION,
    handling_code: str = CODE_OPTION,
    username: str | None = USER_OPTION,
) -> None:
    """Capture a web page with the system Chromium and keep it as signed WACZ evidence."""
    settings = get_settings()
    with acting_as(username, "capture.create") as (session, user):
        row = service.capture_url(
            session,
            settings=settings,
            user=user,
            url=url,
            proxy=proxy,
            handling_code=handling_code,
            case_id=case,
        )
        console.print(
            f"{row.details['responses']} responses captured from {row.details['final_url']}"
        )
        _print_stored(row)


@monitor_app.command("import")
def import_files(
    files: list[Path] = typer.Argument(
        ..., help=".html .mhtml .png .jpg, Telegram .json, WhatsApp .txt"
    ),
    case: int | None = CASE_OPTION,
    handling_code: str = CODE_OPTION,
    username: str | None = USER_OPTION,
) -> None:
    """Keep saved pages, screenshots and exported chats as signed evidence (all or nothing)."""
    settings = get_settings()
    with acting_as(username, "capture.create") as (session, user):
        for file in files:
            try:
                size = file.stat().st_size
                if size > settings.capture_import_max_bytes:
                    raise UserError(
                        f"{file}: {size} bytes is over the limit of "
                        f"{settings.capture_import_max_bytes} bytes "
                        "(setting ARMSBRIDGE_CAPTURE_IMPORT_MAX_BYTES)"
                    )
                data = file.read_bytes()
            except OSError as exc:
                raise UserError(f"{file}: cannot be read ({exc.strerror})") from exc
            found = readers.read_file(file.name, data)
            row = service.store_file(
                session,
                settings=settings,
                user=user,
                name=file.name,
                data=data,
                found=found,
                handling_code=handling_code,
                case_id=case,
            )
            _print_stored(row)


@evidence_app.command("verify")
def verify(
    target: str = typer.Argument(..., help="A .wacz file, or the id of a stored capture."),
    public_key: str | None = typer.Option(
        None, "--public-key", help="Base64 Ed25519 key to trust (default: this node's)."
    ),
    username: str | None = USER_OPTION,
) -> None:
    """Re-check a capture offline: every record, file hash, the signature; exit 1 if altered."""
    settings = get_settings()
    if target.isdigit() and not Path(target).exists():
        with acting_as(username, "capture.read") as (session, user):
            report = service.verify_capture(
                session, settings=settings, user=user, capture_id=int(target), public_key=public_key
            )
    else:
        try:
            data = Path(target).read_bytes()
        except OSError as exc:
            raise UserError(f"{target}: cannot be read ({exc.strerror})") from exc
        report = service.verify_file(data, public_key=public_key)
    checked = ", ".join(f"{n} {what}" for what, n in report.checked.items())
    console.print(f"checked: {checked}")
    if report.ok:
        console.print(f"OK: nothing altered; signed by {report.signed_by}")
        console.print(f"public key: {report.signed_key}")
        return
    console.print(f"ALTERED: {len(report.findings)} finding(s)")
    for finding in report.findings:
        console.print(f"  - {finding}")
    raise typer.Exit(1)


@evidence_app.command("export")
def export(
    capture_id: int = typer.Argument(..., help="The id of the capture."),
    to: Path = typer.Option(..., "--to", help="Where to write the .wacz file."),
    recipient: str | None = typer.Option(
        None, "--recipient", help="Who receives it (a prosecutor, a court): logged as a transfer."
    ),
    why: str | None = typer.Option(None, "--why", help="The reason (required with --recipient)."),
    username: str | None = USER_OPTION,
) -> None:
    """Write a capture's WACZ to a file, logged in its chain of custody."""
    settings = get_settings()
    with acting_as(username, "capture.read") as (session, user):
        _, data = service.export_capture(
            session,
            settings=settings,
            user=user,
            capture_id=capture_id,
            why=why,
            recipient=recipient,
        )
        try:
            to.write_bytes(data)
        except OSError as exc:
            raise UserError(f"{to}: cannot be written ({exc.strerror})") from exc
    console.print(
        f"capture {capture_id} written to {to} (sha256 {service.evidence.sha256_hex(data)})"
    )


@monitor_app.command("corrections")
def corrections(
    out: Path = typer.Option(..., "--out", help="The JSONL file to write (corpus format)."),
    include_confirmed: bool = typer.Option(
        False, "--all", help="Every review, also those that confirmed the triage unchanged."
    ),
    username: str | None = USER_OPTION,
) -> None:
    """Write the reviews that corrected the triage as corpus lines (training data); logged."""
    with acting_as(username, review.ACTION) as (session, user):
        lines = review.corpus_lines(session, user=user, include_confirmed=include_confirmed)
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{out}: cannot be written ({exc.strerror})") from exc
    console.print(f"{len(lines)} corpus line(s) written to {out}")


def register(app: typer.Typer) -> None:
    """Add the `monitor` and `evidence` groups to the root command."""
    app.add_typer(monitor_app, name="monitor")
    app.add_typer(evidence_app, name="evidence")
