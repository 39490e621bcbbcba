"""One-click hit/no-hit for a capture's phones and handles, through the exchange's own query.

Each click asks every active peer with `exchange.hits.ask_peer` (the PSI query of /exchange/hit
and /check, logged there with the reason) and keeps the answer beside the value in the capture's
`details["hits"]` ("phone:+38344123456" -> one result per peer: hit or not, when, who asked).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import PermissionDenied, UserError, ValidationFailed
from armsbridge.exchange import hits
from armsbridge.exchange.hit_input import Entry
from armsbridge.exchange.online import PeerUnavailable
from armsbridge.exchange.psi import BudgetExceeded
from armsbridge.exchange.service import active_peers
from armsbridge.i18n_marker import N_
from armsbridge.monitoring import review, service
from armsbridge.monitoring.models import Capture
from armsbridge.settings import Settings

FIELDS = {"phone": "phones", "handle": "handles"}


def values_of(row: Capture, kind: str) -> list[str]:
    """Return the capture's phones or handles: the review's if reviewed, else the triage's."""
    found = review.review_of(row) or review.triage_of(row)
    return list(found["extractions"].get(FIELDS[kind], []))


def _problem(exc: UserError) -> str:
    if isinstance(exc, PeerUnavailable):
        return "unavailable"
    if isinstance(exc, BudgetExceeded):
        return "budget"
    return "refused"


def ask(
    session: Session,
    *,
    settings: Settings,
    user: Principal,
    capture_id: int,
    kind: str,
    value: str,
    why: str | None,
) -> list[dict[str, Any]]:
    """Ask every active peer whether it knows one phone or handle of a capture; keep the answers."""
    if not role_allows(user.role, hits.ACTION):
        raise PermissionDenied(
            N_("your role may not ask the other service (%(action)s)"),
            values={"action": hits.ACTION},
        )
    row = service.get_capture(session, user=user, capture_id=capture_id)
    if kind not in FIELDS or value not in values_of(row, kind):
        raise ValidationFailed(
            N_("%(value)r is not a phone or handle of capture %(capture)s"),
            [
                {
                    "field": "value",
                    "value": value,
                    "expected": N_("a phone or handle of the capture"),
                }
            ],
            values={"value": value, "capture": capture_id},
        )
    reason = hits.check_why(why)
    results = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for peer in active_peers(session):
        result: dict[str, Any] = {"peer": peer.name, "at": now, "by": user.username}
        try:
            answer = hits.ask_peer(
                session,
                settings=settings,
                user=user,
                peer_name=peer.name,
                entries=[Entry(kind, value)],
                why=reason,
            )
        except UserError as exc:
            result.update(hit=None, problem=_problem(exc))
        else:
            result.update(hit=answer.hits > 0, problem=None)
        results.append(result)
    if not results:
        results.append(
            {"peer": None, "at": now, "by": user.username, "hit": None, "problem": "no_peer"}
        )
    answers = dict((row.details or {}).get("hits") or {})
    answers[f"{kind}:{value}"] = results
    row.details = {**row.details, "hits": answers}
    return results


def answers_of(row: Capture) -> dict[str, list[dict[str, Any]]]:
    """Return the hit/no-hit answers kept with a capture, by "kind:value"."""
    return dict((row.details or {}).get("hits") or {})
