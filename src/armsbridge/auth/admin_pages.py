"""The administrator's user management: list, add, disable/enable, reset the password, unlock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth import service
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.models import User
from armsbridge.auth.permissions import load_roles
from armsbridge.auth.principal import Principal
from armsbridge.errors import Conflict, UserError, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Admin = Annotated[Principal, Depends(require("user.manage"))]
NO_STORE = {"Cache-Control": "no-store"}
# Why a field was refused, shown next to it (service messages are English and name the value).
FIELD_ERRORS = {
    "username": N_("1 to 80 characters, without spaces."),
    "password": N_("At least %(num)s characters."),
    "role": N_("Choose a role from the list."),
    "jurisdiction": N_("Choose XK or MK."),
    "language": N_("Choose a language from the list."),
}
# Role labels of roles.yaml, marked for the catalogs.
ROLE_LABELS = (
    N_("Administrator"),
    N_("Analyst (Firearms Focal Point)"),
    N_("Investigator"),
    N_("Cyber-crime officer"),
    N_("Border officer"),
    N_("Auditor (data protection)"),
    N_("Data-protection officer"),
    N_("Programme officer (aggregates only)"),
)
DONE = {
    "added": N_("The account was created."),
    "disabled": N_("The account was disabled; its sessions were closed."),
    "enabled": N_("The account was enabled."),
    "password": N_("The password was reset; the account's sessions were closed."),
    "unlocked": N_("The account was unlocked."),
}


def _is_locked(user: User, now: datetime) -> bool:
    if user.locked_until is None:
        return False
    until = user.locked_until
    return (until if until.tzinfo else until.replace(tzinfo=UTC)) > now


def _rows(db: DB) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "jurisdiction": u.jurisdiction,
            "language": u.language,
            "totp": bool(u.totp_secret),
            "disabled": u.disabled,
            "locked": _is_locked(u, now),
        }
        for u in service.list_users(db)
    ]


def _page(
    request: Request,
    db: DB,
    user: Principal,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    subject: str = "",
    totp_uri: str | None = None,
    status_code: int = 200,
) -> Response:
    roles = load_roles()["roles"]
    return render(
        request,
        "auth/users.html",
        {
            "users": _rows(db),
            "roles": {name: spec.get("label", name) for name, spec in roles.items()},
            "jurisdictions": service.JURISDICTIONS,
            "form": form or {"jurisdiction": user.jurisdiction, "language": "en"},
            "errors": errors or {},
            "done": DONE.get(done or ""),
            "subject": subject,
            "totp_uri": totp_uri,
            "min_password": service.MIN_PASSWORD_LENGTH,
        },
        status_code=status_code,
        headers=NO_STORE,
    )


def _field_errors(exc: UserError) -> dict[str, str]:
    if isinstance(exc, Conflict):
        return {"username": N_("This user name is already taken.")}
    problems = exc.problems if isinstance(exc, ValidationFailed) else []
    fields = {p.get("field", "") for p in problems}
    return {f: FIELD_ERRORS.get(f, N_("This value is not accepted.")) for f in fields} or {
        "": N_("This value is not accepted.")
    }


def _back(done: str, username: str) -> RedirectResponse:
    query = urlencode({"done": done, "user": username})
    return RedirectResponse(f"/admin/users?{query}", status_code=303)


@router.get("/admin/users")
def users_page(
    request: Request,
    db: DB,
    user: Admin,
    done: str = "",
    subject: Annotated[str, Query(alias="user", max_length=80)] = "",
) -> Response:
    """Every account of the node with its role, jurisdiction, language, 2FA and state."""
    return _page(request, db, user, done=done, subject=subject)


@router.post("/admin/users")
def add_user(
    request: Request,
    db: DB,
    user: Admin,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
    password: Annotated[str, Form()] = "",
    totp: Annotated[bool, Form()] = False,
) -> Response:
    """Create an account; the TOTP set-up URI is shown this once (always for administrators)."""
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "jurisdiction": jurisdiction,
        "language": language,
    }
    try:
        created = service.create_user(
            db,
            username=username,
            password=password,
            role=role,
            jurisdiction=jurisdiction,
            display_name=display_name.strip(),
            language=language,
            with_totp=totp,
            actor=user.username,
        )
    except (ValidationFailed, Conflict) as exc:
        return _page(
            request, db, user, form=form, errors=_field_errors(exc), status_code=exc.status_code
        )
    return _page(
        request,
        db,
        user,
        done="added",
        subject=created.user.username,
        totp_uri=created.provisioning_uri,
        status_code=201,
    )


def _not_self(user: Principal, username: str) -> None:
    if username == user.username:
        raise Conflict("you cannot disable your own account; ask another administrator")


@router.post("/admin/users/{username}/disable")
def disable_user(username: str, db: DB, user: Admin) -> Response:
    """Disable an account (its sessions and tokens stop working); never one's own."""
    _not_self(user, username)
    service.set_disabled(db, username=username, disabled=True, actor=user.username)
    return _back("disabled", username)


@router.post("/admin/users/{username}/enable")
def enable_user(username: str, db: DB, user: Admin) -> Response:
    """Enable a disabled account again."""
    service.set_disabled(db, username=username, disabled=False, actor=user.username)
    return _back("enabled", username)


@router.post("/admin/users/{username}/unlock")
def unlock_user(username: str, db: DB, user: Admin) -> Response:
    """Clear the failed sign-ins and the lock of an account."""
    service.reset_user(db, username=username, actor=user.username)
    return _back("unlocked", username)


@router.post("/admin/users/{username}/password")
def reset_password(
    request: Request,
    username: str,
    db: DB,
    user: Admin,
    password: Annotated[str, Form()] = "",
    new_totp: Annotated[bool, Form()] = False,
) -> Response:
    """Set a new password (and optionally a new second factor, its URI shown once); unlock."""
    service.get_user(db, username)  # NotFound before anything is checked
    try:
        # Checked before reset_user, which unlocks first: a refused reset must change nothing.
        service.check_password_policy(password)
    except ValidationFailed as exc:
        return _page(
            request,
            db,
            user,
            errors={f"password:{username}": FIELD_ERRORS["password"]},
            subject=username,
            status_code=exc.status_code,
        )
    reset = service.reset_user(
        db, username=username, password=password, new_totp=new_totp, actor=user.username
    )
    if reset.provisioning_uri:
        return _page(
            request, db, user, done="password", subject=username, totp_uri=reset.provisioning_uri
        )
    return _back("password", username)
