"""Permissions, default deny: role -> actions (route level) and restrict() (row level)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import Select, and_, exists, false, or_, select
from sqlalchemy.orm import aliased

from armsbridge.vocab.registry import record_types

if TYPE_CHECKING:
    from armsbridge.auth.principal import Principal

ROLES_FILE = Path(__file__).parent / "roles.yaml"


@lru_cache(maxsize=1)
def load_roles() -> dict[str, Any]:
    """Return the parsed roles.yaml: actions, record_types and roles."""
    with ROLES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def _role_labels() -> dict[str, str]:
    return {name: str(spec.get("label", name)) for name, spec in load_roles()["roles"].items()}


def role_label(name: str) -> str:
    """Return the (untranslated) label of a role, or its name when it has none."""
    return _role_labels().get(name, name)


def role_names() -> list[str]:
    """Return the names of every role."""
    return list(load_roles()["roles"])


def known_action(action: str) -> bool:
    """True when `action` is declared in roles.yaml."""
    return action in load_roles()["actions"]


def role_allows(role: str, action: str) -> bool:
    """True when `role` may perform the route-level `action` (unknown roles may do nothing)."""
    spec = load_roles()["roles"].get(role)
    return bool(spec) and action in spec["actions"]


def second_factor_required(role: str) -> bool:
    """True when users of `role` must sign in with a TOTP code."""
    spec = load_roles()["roles"].get(role) or {}
    return spec.get("second_factor") == "required"


def record_types_for(role: str, mode: str) -> set[str]:
    """Return the record types `role` may see (`mode`="read") or write (`mode`="write")."""
    roles = load_roles()
    spec = (roles["roles"].get(role) or {}).get("records") or {}
    allowed = spec.get(mode) or []
    if allowed == "all":
        return set(record_types())
    return set(allowed)


def hidden_subject_roles(role: str) -> set[str]:
    """Return the data-subject roles (victim, witness, ...) whose persons `role` may not see."""
    spec = (load_roles()["roles"].get(role) or {}).get("records") or {}
    return set(spec.get("hidden_subject_roles") or [])


# Handling codes any user of the owner jurisdiction may see; the others (H2, H3) need case
# membership or an explicit grant.
OPEN_HANDLING_CODES = ("H0", "H1")
# The roles.yaml actions that write records; every other roles.yaml action reads.
WRITE_ACTIONS = frozenset({"record.create", "record.update"})
# Actions restrict() knows beyond those of roles.yaml: bare modes, which check only the record
# types the role may write (the route running the query has checked its own action).
ROW_MODES: dict[str, str] = {"write": "write", "create": "write", "update": "write"}


def row_mode(action: str) -> str:
    """Return "read" or "write" for an action restrict() knows; ValueError for any other."""
    if action in ROW_MODES:
        return ROW_MODES[action]
    if not known_action(action):
        raise ValueError(f"unknown action {action!r} for restrict(): declare it in auth/roles.yaml")
    return "write" if action in WRITE_ACTIONS else "read"


def _type_of(model: type) -> str:
    from armsbridge.records.models import RECORD_MODELS

    for name, cls in RECORD_MODELS.items():
        if cls is model:
            return name
    declared = getattr(model, "__restrict_type__", None)  # a table outside the records registry
    if declared:
        return str(declared)
    raise ValueError(f"{model!r} is not a record model: restrict() applies to records only")


def restrict(
    stmt: Select, user: Principal | None, action: str, *, model: type | None = None
) -> Select:
    """Narrow a query of records to the rows `user` may see (action "record.read") or write.

    Rules, all of which must hold (docs/admin/users-and-roles.md): the role may see/write the
    record type; the record belongs to the user's jurisdiction; H2/H3 records need membership of
    a case the record belongs to or an explicit grant; records of restricted cases need
    membership; roles with hidden data-subject roles do not see those persons and links. A
    table outside the records registry (monitoring's captures) declares its row type and the
    actions its rows need (`__restrict_type__`, `__restrict_actions__`); the same rules apply.
    """
    mode = row_mode(action)  # an unknown action is a programming error, never a pass
    if model is None:
        model = stmt.column_descriptions[0]["entity"]
    if model is None:
        raise ValueError("restrict() needs model= for a statement without an entity")
    record_type = _type_of(model)
    if user is not None and user.is_node:
        return stmt  # the node's own jobs (demo build, matching, exports of the node) see all
    if user is None or not _may_touch(user.role, model, record_type, mode):
        return stmt.where(false())
    if action not in ROW_MODES and not role_allows(user.role, action):
        return stmt.where(false())
    conditions = _row_conditions(
        model, record_type, user.id, user.role, user.jurisdiction, date.today()
    )
    return stmt.where(*conditions)


def _may_touch(role: str, model: type, record_type: str, mode: str) -> bool:
    """True when `role` may read/write rows of this type (a declared table: by its action)."""
    actions = getattr(model, "__restrict_actions__", None)
    if actions is not None:
        return role_allows(role, actions[mode])
    return record_type in record_types_for(role, mode)


_RESTRICTED: dict[tuple[Any, ...], Select] = {}
_BUILDING = threading.Lock()


def restricted_statement(
    name: str, build: Callable[[], Select], user: Principal | None, action: str
) -> Select:
    """Return restrict(build(), user, action), built once per statement name, user and day.

    `build` must return the same statement every time, its varying values as bind parameters
    given at execution. A reused statement object keeps its SQL cache key, which SQLAlchemy
    otherwise recomputes on every execution at a cost larger than the query on a record page.
    """
    who = None if user is None else (user.id, user.role, user.jurisdiction)
    key = (name, action, who, date.today())
    stmt = _RESTRICTED.get(key)
    if stmt is None:
        # One thread builds, the others wait for it: when many requests of one user start at
        # once (a server restart, the first page of the day), each building its own copy cost
        # seconds of CPU between them.
        with _BUILDING:
            stmt = _RESTRICTED.get(key)
            if stmt is None:
                if len(_RESTRICTED) > 4096:
                    _RESTRICTED.clear()
                stmt = _RESTRICTED[key] = restrict(build(), user, action)
    return stmt


# A record page applies restrict() to a dozen queries; building these expressions each time was
# the largest cost of the page. They hold no data (membership and grants are subqueries run with
# the query), only the user's id, role, jurisdiction and the day, which make the cache key.
@lru_cache(maxsize=1024)
def _row_conditions(
    model: type, record_type: str, user_id: int, role: str, jurisdiction: str, today: date
) -> tuple[Any, ...]:
    from armsbridge.auth.models import AccessGrant, CaseMember
    from armsbridge.records.models import RECORD_MODELS, Case, Link, Provenance

    table: Any = model
    user_cases = select(CaseMember.case_id).where(CaseMember.user_id == user_id)

    def case_hidden(case_id: Any) -> Any:
        """True when `case_id` names a restricted case the user is not a member of."""
        return exists(
            select(Case.id).where(
                Case.id == case_id, Case.restricted.is_(True), Case.id.not_in(user_cases)
            )
        )

    grant = exists(
        select(AccessGrant.id).where(
            AccessGrant.record_type == record_type,
            AccessGrant.record_id == table.id,
            AccessGrant.user_id == user_id,
            or_(AccessGrant.expires_on.is_(None), AccessGrant.expires_on >= today),
        )
    )
    membership: list[Any] = [grant]
    # Records of the user's service, and foreign records this node holds for it (received
    # through the exchange, which keep their provider's jurisdiction: records.handling).
    # An uncorrelated IN (not a correlated EXISTS): both sides of the OR can use an index, so a
    # list sorted by a column need not test every other service's row on the way.
    held = table.id.in_(
        select(Provenance.record_id).where(
            Provenance.record_type == record_type, Provenance.held_by == jurisdiction
        )
    )
    conditions = [or_(table.jurisdiction == jurisdiction, held)]
    if record_type == "case":
        membership.append(table.id.in_(user_cases))
        conditions.append(or_(table.restricted.is_(False), table.id.in_(user_cases)))
    elif record_type == "link":
        membership.append(and_(table.from_type == "case", table.from_id.in_(user_cases)))
        membership.append(and_(table.to_type == "case", table.to_id.in_(user_cases)))
        conditions.append(or_(table.from_type != "case", ~case_hidden(table.from_id)))
        conditions.append(or_(table.to_type != "case", ~case_hidden(table.to_id)))
        # A link shows both its ends (their type, id, its kind and role): both must be visible.
        readable = record_types_for(role, "read")
        for end_type, end_model in RECORD_MODELS.items():
            if end_type == "link":
                continue
            for end_type_col, end_id_col in (
                (table.from_type, table.from_id),
                (table.to_type, table.to_id),
            ):
                if end_type not in readable:
                    conditions.append(end_type_col != end_type)
                    continue
                # The end's own table, not an alias: its conditions are then the cached ones of
                # every query of that type (an alias per end made the first link query of each
                # user and day take seconds to build). A link query selects from links only, so
                # the subquery cannot correlate with the end's table by mistake.
                end_conditions = _row_conditions(
                    end_model, end_type, user_id, role, jurisdiction, today
                )
                conditions.append(
                    or_(
                        end_type_col != end_type,
                        exists(
                            select(end_model.id).where(end_model.id == end_id_col, *end_conditions)
                        ),
                    )
                )
    else:
        if hasattr(table, "case_id"):
            membership.append(table.case_id.in_(user_cases))
            conditions.append(or_(table.case_id.is_(None), ~case_hidden(table.case_id)))
        # A record linked to a restricted case belongs to it, as one whose case_id names it.
        # Walked from the record's own links (an index lookup each), and only when the user
        # is kept out of some restricted case (an uncorrelated test, run once per query). The
        # other end's type is tested inside the case lookup: as a condition of the links it
        # led SQLite to read every link to any case instead.
        hidden_case = aliased(Case)
        any_hidden_case = exists(
            select(hidden_case.id).where(
                hidden_case.restricted.is_(True), hidden_case.id.not_in(user_cases)
            )
        )
        for own_type, own_id, end_type, end_id in (
            ("from_type", "from_id", "to_type", "to_id"),
            ("to_type", "to_id", "from_type", "from_id"),
        ):
            link = aliased(Link)
            end_is_hidden_case = exists(
                select(Case.id).where(
                    getattr(link, end_type) == "case",
                    Case.id == getattr(link, end_id),
                    Case.restricted.is_(True),
                    Case.id.not_in(user_cases),
                )
            )
            conditions.append(
                or_(
                    ~any_hidden_case,
                    ~exists(
                        select(link.id).where(
                            getattr(link, own_type) == record_type,
                            getattr(link, own_id) == table.id,
                            end_is_hidden_case,
                        )
                    ),
                )
            )
        linked = aliased(Link)
        membership.append(
            exists(
                select(linked.id).where(
                    or_(
                        and_(
                            linked.from_type == record_type,
                            linked.from_id == table.id,
                            linked.to_type == "case",
                            linked.to_id.in_(user_cases),
                        ),
                        and_(
                            linked.to_type == record_type,
                            linked.to_id == table.id,
                            linked.from_type == "case",
                            linked.from_id.in_(user_cases),
                        ),
                    )
                )
            )
        )
    conditions.append(or_(table.handling_code.in_(OPEN_HANDLING_CODES), *membership))
    hidden = hidden_subject_roles(role)
    if hidden and record_type == "link":
        conditions.append(or_(table.role.is_(None), table.role.not_in(hidden)))
    elif hidden and record_type == "person":
        conditions.append(~_only_hidden_roles(table, hidden))
    return tuple(conditions)


def _only_hidden_roles(person: Any, hidden: set[str]) -> Any:
    """True for persons recorded only as hidden data subjects (e.g. only as victims/witnesses)."""
    from armsbridge.records.models import Link

    def has_role(condition: Any) -> Any:
        link = aliased(Link)
        return exists(
            select(link.id).where(
                or_(
                    and_(link.from_type == "person", link.from_id == person.id),
                    and_(link.to_type == "person", link.to_id == person.id),
                ),
                condition(link),
            )
        )

    hidden_list = sorted(hidden)
    return and_(
        has_role(lambda link: link.role.in_(hidden_list)),
        ~has_role(lambda link: and_(link.role.is_not(None), link.role.not_in(hidden_list))),
    )
