"""The border check: one typed value searched on this node and asked of each peer (hit/no-hit).

The local part is the one search service (records.search: restrict(), names across scripts,
the search logged); the peer part is the hit/no-hit exchange (exchange.hits: PSI, logged). A
name with a birth date or year, last, is searched here by the name and asked of a peer with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.auth.permissions import role_allows
from armsbridge.errors import NotFound, UserError
from armsbridge.exchange import hit_input, hits
from armsbridge.exchange.online import PeerRefused, PeerUnavailable
from armsbridge.exchange.psi import BudgetExceeded
from armsbridge.exchange.service import active_peers
from armsbridge.records import search

LIMIT = 10  # records shown per kind: a phone screen, not a list page
KINDS = ("auto", "document")
_TRAILING_DATE = re.compile(r"^(?P<name>.*\D)\s+(\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})$")


@dataclass
class PeerCheck:
    """One peer's answer, or why it could not be asked (a HEADLINES key of the page)."""

    peer: str
    answer: hits.HitAnswer | None = None
    problem: str | None = None

    @property
    def hit(self) -> bool:
        """True when the peer knows the value."""
        return bool(self.answer and self.answer.hits)


@dataclass
class CheckResult:
    """What one check found: this node's records and each peer's hit or no hit."""

    query: str
    local: search.SearchResults
    peers: list[PeerCheck] = field(default_factory=list)
    peer_skipped: str | None = None  # why no peer was asked ("name_needs_year", "no_peer")

    @property
    def known_here(self) -> bool:
        """True when this node holds a record the user may see."""
        return self.local.total > 0


def split_name_date(query: str) -> tuple[str, str | None]:
    """Return (name, birth date or year) of "Names 1986"; (query, None) when no date ends it."""
    match = _TRAILING_DATE.match(" ".join(query.split()))
    if match and re.search(r"[^\W\d_]", match.group("name")):
        return match.group("name").strip(), match.group(2)
    return query.strip(), None


def _ask(
    session: Session, *, settings: Any, user: Any, peer: str, entry: hit_input.Entry, why: str
) -> PeerCheck:
    try:
        answer = hits.ask_peer(
            session, settings=settings, user=user, peer_name=peer, entries=[entry], why=why
        )
    except PeerUnavailable:
        return PeerCheck(peer, problem="unavailable")
    except BudgetExceeded:
        return PeerCheck(peer, problem="budget")
    except PeerRefused:
        return PeerCheck(peer, problem="refused")
    except NotFound:
        return PeerCheck(peer, problem="peer")
    except UserError:
        return PeerCheck(peer, problem="input")
    return PeerCheck(peer, answer=answer)


def check(
    session: Session,
    *,
    user: Any,
    query: str,
    why: str,
    kind: str = "auto",
    settings: Any = None,
) -> CheckResult:
    """Search the value here and, when the role may, ask every active peer; both are logged."""
    hits.check_why(why)
    query = " ".join((query or "").split())[: search.MAX_QUERY]
    name, date = split_name_date(query)
    local = search.search(session, user=user, query=name, why=why, limit=LIMIT)
    result = CheckResult(query=query, local=local)
    if not role_allows(user.role, hits.ACTION) or settings is None:
        return result
    if kind == "document":
        entry = hit_input.Entry(kind="document", value=query)
    elif date is None and search.classify(query) == ["person"]:
        result.peer_skipped = "name_needs_year"
        return result
    else:
        entry = hit_input.parse_entries(query)[0]
    peers = active_peers(session)
    if not peers:
        result.peer_skipped = "no_peer"
    for peer in peers:
        result.peers.append(
            _ask(session, settings=settings, user=user, peer=peer.name, entry=entry, why=why)
        )
    return result
