"""CLI: `armsbridge monitor ...` (online ads) and `armsbridge evidence ...` (verify, export)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from armsbridge.auth.commands import USER_OPTION
from armsbridge.auth.principal import acting_as
from armsbridge.errors import UserError
from armsbridge.monitoring import files as readers
from armsbridge.monitoring import service
from armsbridge.monitoring.models import Capture
from armsbridge.settings import get_settings

console = Console(highlight=False, soft_wrap=True)
monitor_app = typer.Typer(help="Online investigation: capture and import ads as evidence.")

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


def register(app: typer.Typer) -> None:
    """Add the `monitor` and `evidence` groups to the root command."""
    app.add_typer(monitor_app, name="monitor")
    app.add_typer(evidence_app, name="evidence")
