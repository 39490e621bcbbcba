"""Refused envelopes in the audit log, rate-limited so a flood cannot fill it.

Per (sender claimed, reason) and per minute, the first `exchange_refusal_log_per_minute`
refusals are logged in full (one audit entry each, as before); the rest are only counted, and
one summary entry (`details.summary`, `details.suppressed`, the window) is written when the
window is over: by the next refusal the process sees (of any pair), or by the delivery
worker's pass (`flush`). The HTTP answer and the signed receipt never change. Counts live in
the process (one per `armsbridge serve` worker process); at most MAX_KEYS pairs are told apart
per window, the rest share one pair per reason (sender "*"), so made-up senders cannot grow
the memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from armsbridge.audit.service import log_event
from armsbridge.db.session import session_scope

WINDOW = timedelta(minutes=1)
MAX_KEYS = 1000


@dataclass
class _Window:
    start: datetime
    logged: int = 0
    suppressed: int = 0


@dataclass(frozen=True)
class Summary:
    """Refusals of one (sender, reason) in one window that were counted, not logged one by one."""

    sender: str
    reason: str
    start: datetime
    end: datetime
    suppressed: int


_windows: dict[tuple[str, str], _Window] = {}
_lock = threading.Lock()


def reset() -> None:
    """Forget every count (tests)."""
    with _lock:
        _windows.clear()


def _close(key: tuple[str, str], window: _Window) -> Summary | None:
    if not window.suppressed:
        return None
    return Summary(key[0], key[1], window.start, window.start + WINDOW, window.suppressed)


def admit(
    sender: str, reason: str, *, per_minute: int, now: datetime
) -> tuple[bool, list[Summary]]:
    """Count one refusal; return (log it in full?, summaries of windows that just ended)."""
    with _lock:
        summaries = _expire(now)  # every finished window, of any pair (cheap: <= MAX_KEYS)
        key = (sender, reason)
        if key not in _windows and len(_windows) >= MAX_KEYS:
            key = ("*", reason)
        window = _windows.get(key)
        if window is None:
            window = _windows[key] = _Window(now)
        if window.logged < per_minute:
            window.logged += 1
            return True, summaries
        window.suppressed += 1
        return False, summaries


def _expire(now: datetime) -> list[Summary]:
    out = []
    for key, window in list(_windows.items()):
        if now >= window.start + WINDOW:
            closed = _close(key, window)
            if closed:
                out.append(closed)
            del _windows[key]
    return out


def write_summaries(session: Session, summaries: list[Summary], *, jurisdiction: str) -> None:
    """Write one audit entry per summary (action `refused`, details.summary)."""
    for item in summaries:
        log_event(
            session,
            actor=f"peer:{item.sender}" if item.sender != "unknown" else "peer:unknown",
            action="refused",
            jurisdiction=jurisdiction,
            details={
                "refused": True,
                "exchange": "inbox",
                "summary": True,
                "reason": item.reason,
                "sender": None if item.sender == "unknown" else item.sender,
                "suppressed": item.suppressed,
                "message": f"{item.suppressed} more refusals ({item.reason}) from "
                f"{item.sender} between {item.start.isoformat()} and {item.end.isoformat()}, "
                "not logged one by one (exchange_refusal_log_per_minute)",
                "from": item.start.isoformat(),
                "until": item.end.isoformat(),
            },
        )


def flush(factory: sessionmaker[Session], *, jurisdiction: str, now: datetime) -> int:
    """Write the summaries of every window that has ended; return how many were written."""
    with _lock:
        summaries = _expire(now)
    if summaries:
        with session_scope(factory) as session:
            write_summaries(session, summaries, jurisdiction=jurisdiction)
    return len(summaries)
