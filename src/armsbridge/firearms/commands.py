"""CLI: `armsbridge firearm ...` — categorise, read markings, search serials, record tracing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from armsbridge.errors import UserError, ValidationFailed
from armsbridge.firearms.categories import categorize as run_categorize
from armsbridge.firearms.schemas import parse_facts

console = Console()
firearm_app = typer.Typer(
    help="Firearms: legal category, markings, serial search, tracing.", no_args_is_help=True
)
trace_app = typer.Typer(help="Tracing of firearms (SDG 16.4.2).", no_args_is_help=True)
firearm_app.add_typer(trace_app, name="trace")


@contextmanager
def _session() -> Iterator[Session]:
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.registry import load_all_models
    from armsbridge.db.session import make_sessionmaker, session_scope
    from armsbridge.settings import get_settings

    load_all_models()
    with session_scope(make_sessionmaker(engine_from_settings(get_settings()))) as session:
        yield session


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _read_json(source: str) -> Any:
    if source == "-":
        text = sys.stdin.read()
        where = "standard input"
    else:
        path = Path(source)
        if not path.is_file():
            raise UserError(f"{source}: no such file")
        text = path.read_text("utf-8")
        where = source
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


@firearm_app.command("categorize")
def categorize(
    source: str = typer.Argument("-", help="JSON file with one object or a list; '-' for stdin."),
) -> None:
    """Print the legal category (EU Directive 2021/555 Annex I) of each firearm described."""
    data = _read_json(source)
    items = data if isinstance(data, list) else [data]
    facts = [
        parse_facts(item, where=f"item {i + 1}" if isinstance(data, list) else "input")
        for i, item in enumerate(items)
    ]
    results = [run_categorize(f).model_dump() for f in facts]
    _print_json(results if isinstance(data, list) else results[0])


def register(app: typer.Typer) -> None:
    """Add the `firearm` command group to the root command."""
    app.add_typer(firearm_app, name="firearm")
