"""One error hierarchy: user errors (4xx, a clear message) and faults (5xx, logged, never shown)."""

from __future__ import annotations


class ArmsbridgeError(Exception):
    """Base of every error the product raises on purpose."""

    status_code = 500


class UserError(ArmsbridgeError):
    """Something the user can fix: bad input, a missing record, a refused action.

    `problems` names the fields at fault, each with its value and what was expected, so that a
    form can show the error at its field.
    """

    status_code = 400

    def __init__(
        self,
        message: str,
        problems: list[dict[str, str]] | None = None,
        *,
        values: dict[str, object] | None = None,
    ) -> None:
        # With `values`, `message` is a catalog string with %(name)s placeholders: pages show
        # it translated (`template`), then filled in; str() is the English sentence.
        super().__init__(message % values if values else message)
        self.template = message
        self.values = values or {}
        self.problems = problems or []


class ValidationFailed(UserError):
    """Input that does not meet its schema; `problems` lists each field and what was expected."""

    status_code = 422


class NotFound(UserError):
    """The record does not exist, or the user may not know that it does."""

    status_code = 404


class PermissionDenied(UserError):
    """The user's role, jurisdiction, handling code or case membership does not allow this."""

    status_code = 403


class Conflict(UserError):
    """The action contradicts the current state (a duplicate, a stale edit)."""

    status_code = 409


class Fault(ArmsbridgeError):
    """A failure of the node itself; logged in full, shown to the user only as a reference."""

    status_code = 500
