"""The `armsbridge` command: store commands here, each domain adds its own commands."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from armsbridge.db.keys import secure_process, secure_var_dir
from armsbridge.domains import DOMAINS, Domain, parts
from armsbridge.errors import UserError
from armsbridge.settings import get_settings

app = typer.Typer(
    name="armsbridge",
    help="armsbridge node: records, imports, matching, exchange and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, soft_wrap=True)  # a message stays one line for scripts


def register_domains(cli: typer.Typer = app, domains: tuple[Domain, ...] = DOMAINS) -> None:
    """Add every domain's commands to `cli`, in the order of armsbridge/domains.py."""
    for module in parts("commands", domains):
        module.register(cli)


register_domains()


def main() -> None:
    """Run the CLI; a user error prints its message and exits 2, never a traceback."""
    secure_process()  # files the node writes (store, keys, exports): 0600, folders 0700
    try:
        secure_var_dir(get_settings())  # files written before modes were enforced
        app()
    except UserError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
