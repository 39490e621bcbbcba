"""CLI: `armsbridge report indicators|iafq|check-claims` on the configured store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import UserError
from armsbridge.settings import get_settings
from armsbridge.vocab.service import check_code
from armsbridge.vocab.values import parse_date

console = Console()
report_app = typer.Typer(
    help="Reports computed from the records: indicators, UNODC IAFQ, claims check.",
    no_args_is_help=True,
)
FORMATS = ("json", "xlsx", "pdf")


@contextmanager
def _store() -> Iterator[Session]:
    engine = engine_from_settings(get_settings())
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    except (OperationalError, ProgrammingError) as exc:
        raise UserError(
            f"the store at {engine.url.render_as_string(hide_password=True)} cannot be read "
            "(run `armsbridge init` first?)"
        ) from exc
    finally:
        engine.dispose()


def _day(raw: str | None, option: str) -> date | None:
    return parse_date(raw, field=option) if raw else None


def _jurisdiction(raw: str | None) -> str | None:
    return check_code("jurisdictions", raw.upper(), field="--jurisdiction") if raw else None


@report_app.command("indicators")
def indicators(
    date_from: str = typer.Option(..., "--from", help="First day (dd.mm.yyyy or yyyy-mm-dd)."),
    date_to: str = typer.Option(..., "--to", help="Last day (dd.mm.yyyy or yyyy-mm-dd)."),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="XK or MK; both if unset."
    ),
    fmt: str = typer.Option("json", "--format", help="json, xlsx or pdf."),
    out: Path | None = typer.Option(None, "--out", help="Output file (JSON: stdout if unset)."),
    definitions: Path | None = typer.Option(
        None, "--definitions", help="Indicator definitions YAML (default: the shipped set)."
    ),
) -> None:
    """Compute every indicator for a period from the records, as JSON, XLSX or PDF."""
    from armsbridge.indicators.service import compute_report, load_definitions

    if fmt not in FORMATS:
        raise UserError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    if start and end and start > end:
        raise UserError(f"--from {start} is after --to {end}")
    defs = load_definitions(definitions)
    with _store() as session:
        report = compute_report(
            session,
            date_from=start,
            date_to=end,
            jurisdiction=_jurisdiction(jurisdiction),
            definitions=defs,
        )
    if fmt == "json":
        text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
        if out is None:
            typer.echo(text)
            return
        out.write_text(text + "\n", encoding="utf-8")
    else:
        out = out or Path(f"indicators-{start}-{end}.{fmt}")
        if fmt == "xlsx":
            from armsbridge.indicators.xlsx import write_indicators_xlsx

            write_indicators_xlsx(report, out)
        else:
            from armsbridge.indicators.pdf import write_indicators_pdf

            write_indicators_pdf(report, out)
    console.print(f"wrote {out}")


@report_app.command("iafq")
def iafq(
    year: int | None = typer.Option(None, "--year", help="Calendar year (the IAFQ is annual)."),
    date_from: str | None = typer.Option(None, "--from", help="First day, instead of --year."),
    date_to: str | None = typer.Option(None, "--to", help="Last day, instead of --year."),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="XK or MK; both if unset."
    ),
    out: Path = typer.Option(..., "--out", help="XLSX file to write."),
) -> None:
    """Write the UNODC Illicit Arms Flows Questionnaire tables (XLSX) from the records."""
    from armsbridge.indicators.iafq import compute_iafq, write_iafq_xlsx

    start: date | None
    end: date | None
    if year is not None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    elif date_from and date_to:
        start, end = _day(date_from, "--from"), _day(date_to, "--to")
    else:
        raise UserError("give --year YYYY, or both --from and --to")
    with _store() as session:
        tables = compute_iafq(
            session, date_from=start, date_to=end, jurisdiction=_jurisdiction(jurisdiction)
        )
    write_iafq_xlsx(tables, out)
    console.print(f"wrote {out}")


@report_app.command("check-claims")
def check_claims_command(
    file: Path = typer.Argument(
        ..., help="CSV or XLSX with columns indicator,breakdown,value,note"
    ),
    date_from: str | None = typer.Option(None, "--from", help="First day of the period claimed."),
    date_to: str | None = typer.Option(None, "--to", help="Last day of the period claimed."),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="XK or MK; both if unset."
    ),
    definitions: Path | None = typer.Option(None, "--definitions", help="Definitions YAML."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
) -> None:
    """Check figures typed into a report against the records; exit 1 if any is inconsistent."""
    from armsbridge.indicators.claims import check_claims, read_claims
    from armsbridge.indicators.service import load_definitions

    claims = read_claims(file)
    with _store() as session:
        findings = check_claims(
            session,
            claims=claims,
            date_from=_day(date_from, "--from"),
            date_to=_day(date_to, "--to"),
            jurisdiction=_jurisdiction(jurisdiction),
            definitions=load_definitions(definitions),
        )
    if as_json:
        payload = {"claims": len(claims), "findings": [asdict(f) for f in findings]}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        if findings:
            raise typer.Exit(1)
        return
    if not findings:
        console.print(f"{len(claims)} claims checked: all consistent with the records")
        return
    table = Table(title=f"{len(findings)} inconsistent of {len(claims)} claims checked")
    for column in ("rows", "indicator", "breakdown", "claimed", "computed", "problem", "note"):
        table.add_column(column, overflow="fold")
    for f in findings:
        table.add_row(
            ",".join(map(str, f.rows)),
            f.indicator,
            f.breakdown or "(total)",
            f.claimed,
            f.computed,
            f.message,
            " | ".join(dict.fromkeys(f.notes)),
        )
    Console(width=200).print(table)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `report` group to the root command."""
    app.add_typer(report_app, name="report")
