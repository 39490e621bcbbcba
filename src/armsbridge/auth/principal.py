"""Who acts: the Principal every service takes, and how the CLI finds the account it acts as.

A web request acts as its signed-in account (cookie or API token); a CLI command acts as the
account named by `--user` or `ARMSBRIDGE_USER`, and the operating-system user who ran it is kept
beside it in the audit log. Jobs the node runs on its own behalf (building the demo store,
matching every record of the store) act as the node principal, which no one can sign in as.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth.models import User
from armsbridge.auth.permissions import role_allows, role_label
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.errors import PermissionDenied, UserError
from armsbridge.i18n_marker import N_, Label
from armsbridge.settings import get_settings

USER_ENV = "ARMSBRIDGE_USER"
NODE_ROLE = "node"  # the role of the node principal; roles.yaml forbids it to accounts


class LoginRequired(UserError):
    """The request carries no valid session or token; browsers are sent to the login page."""

    status_code = 401


class NoAccount(UserError):
    """The CLI was not told which account to act as, or the account cannot act."""

    status_code = 401


@dataclass(frozen=True)
class Principal:
    """The account a request or command acts for, detached from any database session."""

    id: int
    username: str
    role: str
    jurisdiction: str
    display_name: str = ""
    language: str = "en"
    via: str = "session"  # "session" (browser cookie), "token" (API token), "cli" or "node"
    session_id: str | None = field(default=None, repr=False)
    os_user: str | None = None  # the operating-system user, for commands run on the node
    # What an API token may do ("read", "write", "admin"); empty for every other way in.
    scopes: frozenset[str] = frozenset()

    @property
    def role_label(self) -> str:
        """Return the (untranslated) label of this principal's role."""
        return role_label(self.role)

    @property
    def is_node(self) -> bool:
        """True for the node's own principal (jobs of the node, not of an account)."""
        return self.role == NODE_ROLE


def os_login() -> str:
    """Return the operating-system user running this process."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): the numeric id still names it
        return f"uid{os.getuid()}"


def node_principal(jurisdiction: str, *, purpose: str) -> Principal:
    """Return the principal of a job the node runs itself (`purpose` names the job)."""
    return Principal(
        id=0,
        username=f"node:{purpose}",
        role=NODE_ROLE,
        jurisdiction=jurisdiction,
        display_name=purpose,
        via="node",
        os_user=os_login(),
    )


def principal_of(
    user: User, *, via: str, session_id: str | None = None, scopes: frozenset[str] = frozenset()
) -> Principal:
    """Return the detached Principal of `user` (`scopes` of the API token it came with)."""
    return Principal(
        id=user.id,
        username=user.username,
        role=user.role,
        jurisdiction=user.jurisdiction,
        display_name=user.display_name,
        language=user.language,
        via=via,
        session_id=session_id,
        os_user=os_login() if via == "cli" else None,
        scopes=scopes,
    )


def cli_principal(session: Session, username: str | None) -> Principal:
    """Return the account a command acts as: `username`, else $ARMSBRIDGE_USER; refuse none."""
    name = (username or os.environ.get(USER_ENV) or "").strip()
    if not name:
        raise NoAccount(
            N_(
                "this command acts on records as an account: give --user NAME (or set "
                "%(user_env)s); `armsbridge user list` shows the accounts"
            ),
            values={"user_env": USER_ENV},
        )
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NoAccount(
            N_("no account named %(name)r; `armsbridge user list` shows the accounts"),
            values={"name": name},
        )
    if user.disabled:
        raise NoAccount(N_("the account %(name)r is disabled"), values={"name": name})
    return principal_of(user, via="cli")


def check_allowed(user: Principal, action: str) -> None:
    """Refuse (403) an action the account's role may not perform, as `require()` does."""
    if not role_allows(user.role, action):
        raise PermissionDenied(
            N_("Your role (%(role)s) may not do this."), values={"role": Label(user.role_label)}
        )


@contextmanager
def acting_as(username: str | None, action: str) -> Iterator[tuple[Session, Principal]]:
    """Open the store for a CLI command acting as an account whose role allows `action`.

    The block is one transaction: committed when it succeeds, rolled back when it raises.
    """
    engine = engine_from_settings(get_settings())
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            user = cli_principal(session, username)
            check_allowed(user, action)
            yield session, user
    finally:
        engine.dispose()
