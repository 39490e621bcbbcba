"""CLI: `armsbridge user add|disable|enable|reset|list|token|seal-secrets` for the node's admins."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from armsbridge.auth import service, tokens
from armsbridge.auth.models import ApiToken
from armsbridge.auth.principal import USER_ENV, os_login
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import UserError
from armsbridge.settings import get_settings

console = Console()
user_app = typer.Typer(
    help="User accounts: add, disable, reset, list, API tokens.", no_args_is_help=True
)
# Accounts are managed by the node's operator, before any account exists: the operating-system
# user is the actor.
ACTOR = f"os:{os_login()}"
USER_OPTION = typer.Option(
    None,
    "--user",
    envvar=USER_ENV,
    help=f"The account this command acts as (or set {USER_ENV}).",
    show_envvar=False,
)


def _factory():  # noqa: ANN202
    return make_sessionmaker(engine_from_settings(get_settings()))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _show_uri(uri: str | None) -> None:
    if uri:
        console.print("Second factor: add this account to an authenticator app (scan or paste):")
        console.print(uri, soft_wrap=True, markup=False)


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name (no spaces)."),
    role: str = typer.Option(..., help="Role: " + ", ".join(service.role_names())),
    jurisdiction: str = typer.Option(None, help="XK or MK (default: this node's)."),
    name: str = typer.Option("", "--name", help="Display name."),
    language: str = typer.Option("en", help="en, sq, mk or sr."),
    totp: bool = typer.Option(False, "--totp", help="Require a TOTP code (always for admins)."),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
) -> None:
    """Create an account; prints the TOTP provisioning URI for administrators."""
    password = _read_password(password_stdin)
    with session_scope(_factory()) as session:
        created = service.create_user(
            session,
            username=username,
            password=password,
            role=role,
            jurisdiction=jurisdiction or get_settings().jurisdiction,
            display_name=name,
            language=language,
            with_totp=totp,
            actor=ACTOR,
        )
        console.print(f"user {username} created ({role}, {created.user.jurisdiction})")
        _show_uri(created.provisioning_uri)


@user_app.command("disable")
def disable(username: str = typer.Argument(...)) -> None:
    """Disable an account and close its sessions (its records and log entries stay)."""
    with session_scope(_factory()) as session:
        service.set_disabled(session, username=username, disabled=True, actor=ACTOR)
    console.print(f"user {username} disabled")


@user_app.command("enable")
def enable(username: str = typer.Argument(...)) -> None:
    """Enable a disabled account again."""
    with session_scope(_factory()) as session:
        service.set_disabled(session, username=username, disabled=False, actor=ACTOR)
    console.print(f"user {username} enabled")


@user_app.command("reset")
def reset(
    username: str = typer.Argument(...),
    password: bool = typer.Option(True, "--password/--no-password", help="Set a new password."),
    totp: bool = typer.Option(False, "--totp", help="Issue a new TOTP secret."),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
) -> None:
    """Unlock an account; set a new password and/or a new second factor."""
    new_password = _read_password(password_stdin) if password else None
    with session_scope(_factory()) as session:
        result = service.reset_user(
            session, username=username, password=new_password, new_totp=totp, actor=ACTOR
        )
        console.print(f"user {username} reset (unlocked)")
        _show_uri(result.provisioning_uri)


@user_app.command("list")
def list_(show_all: bool = typer.Option(True, "--all/--active", help="Include disabled.")) -> None:
    """List accounts with role, jurisdiction, second factor and state."""
    table = Table("user", "name", "role", "jurisdiction", "2FA", "state", "last login")
    with session_scope(_factory()) as session:
        for user in service.list_users(session):
            if user.disabled and not show_all:
                continue
            state = "disabled" if user.disabled else ("locked" if user.locked_until else "active")
            table.add_row(
                user.username,
                user.display_name,
                user.role,
                user.jurisdiction,
                "yes" if user.totp_secret else "no",
                state,
                user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "",
            )
    console.print(table)


@user_app.command("token")
def token(
    username: str = typer.Argument(None, help="The account the token acts as."),
    name: str = typer.Option(None, "--name", help="What the token is for (a script's name)."),
    scope: list[str] = typer.Option(
        None, "--scope", help="read (default), write or admin; repeat for more than one."
    ),
    expires_days: int = typer.Option(
        None, "--expires-days", help="Days the token is valid (default: the node's, 90)."
    ),
    list_: bool = typer.Option(False, "--list", help="List the account's tokens instead."),
    revoke: int = typer.Option(None, "--revoke", help="Revoke the token with this id."),
) -> None:
    """Create an API token for scripts (`Authorization: Bearer ...`; shown once), list, revoke."""
    with session_scope(_factory()) as session:
        if revoke is not None:
            row = tokens.revoke_token(session, token_id=revoke, actor=ACTOR)
            console.print(f"token {row.id} ({row.prefix}..., {row.name}) revoked")
            return
        if not username:
            raise UserError("give the account: `armsbridge user token USER --name NAME`")
        if list_:
            _print_tokens(tokens.list_tokens(session, username=username))
            return
        if not name:
            raise UserError("give --name: what the token is for (a script's name)")
        row, raw = tokens.issue_token(
            session,
            username=username,
            name=name,
            scopes=scope or tokens.DEFAULT_SCOPES,
            expires_days=expires_days,
            actor=ACTOR,
        )
        facts = f"token {row.id} for {username}: {row.scopes}, expires {row.expires_on}"
    console.print(raw, markup=False)
    console.print(facts, markup=False)


def _print_tokens(rows: list[ApiToken]) -> None:
    table = Table("id", "name", "prefix", "scopes", "created", "last used", "expires", "state")
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            row.prefix,
            row.scopes,
            row.created_at.strftime("%Y-%m-%d"),
            row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "",
            row.expires_on.isoformat(),
            tokens.token_state(row),
        )
    console.print(table)


@user_app.command("member")
def member(
    case_id: int = typer.Argument(..., help="Id of the case."),
    username: str = typer.Argument(...),
    remove: bool = typer.Option(False, "--remove", help="Remove instead of add."),
) -> None:
    """Add a user to a case's members (they see it if restricted, and its H2/H3 records)."""
    from armsbridge.auth import grants

    with session_scope(_factory()) as session:
        if remove:
            grants.remove_case_member(session, case_id=case_id, username=username, actor=ACTOR)
        else:
            grants.add_case_member(session, case_id=case_id, username=username, actor=ACTOR)
    console.print(f"{username} {'removed from' if remove else 'added to'} case {case_id}")


@user_app.command("grant")
def grant(
    record_type: str = typer.Argument(..., help="person, firearm, case, ..."),
    record_id: int = typer.Argument(...),
    username: str = typer.Argument(...),
    reason: str = typer.Option(..., help="Why this user needs the record (logged)."),
) -> None:
    """Let one user see one H2/H3 record."""
    from armsbridge.auth import grants

    with session_scope(_factory()) as session:
        grants.grant_record(
            session,
            record_type=record_type,
            record_id=record_id,
            username=username,
            reason=reason,
            actor=ACTOR,
        )
    console.print(f"{username} may now see {record_type} {record_id}")


@user_app.command("seal-secrets")
def seal_secrets() -> None:
    """Seal the TOTP secrets still stored in plain with the node's key (var_dir/keys)."""
    with session_scope(_factory()) as session:
        sealed = service.seal_plain_totp_secrets(session)
    console.print(f"{sealed} TOTP secret(s) sealed")


def register(app: typer.Typer) -> None:
    """Add the `user` group."""
    app.add_typer(user_app, name="user")
