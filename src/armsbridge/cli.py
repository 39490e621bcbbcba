"""The `armsbridge` command: store commands here, each domain adds its own commands."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from armsbridge.errors import UserError

app = typer.Typer(
    name="armsbridge",
    help="armsbridge node: records, imports, matching, exchange and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)

# Domains that add commands: each has a commands.py with register(app). Listed once, in help order.
COMMAND_MODULES = (
    "armsbridge.db.commands",
    "armsbridge.records.commands",
    "armsbridge.imports.commands",
    "armsbridge.synth.commands",
    "armsbridge.firearms.commands",
    "armsbridge.names.commands",
    "armsbridge.matching.commands",
    "armsbridge.auth.commands",
    "armsbridge.audit.commands",
    "armsbridge.web.commands",
    "armsbridge.exchange.commands",
    "armsbridge.analysis.commands",
    "armsbridge.monitoring.commands",
    "armsbridge.capacity.commands",
    "armsbridge.indicators.commands",
)


def _register_domains() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)


_register_domains()


def main() -> None:
    """Run the CLI; a user error prints its message and exits 2, never a traceback."""
    try:
        app()
    except UserError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
