"""A flood of refused envelopes: the first N per (claimed sender, reason) per minute are logged in
full, the rest as one summary entry with their count; every answer stays the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from nacl.signing import SigningKey
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.db.session import session_scope
from armsbridge.exchange import envelope, inbox, pruning, refusal_log
from armsbridge.exchange.identity import KeyPair
from armsbridge.settings import Settings
from exchange_nodes import mk_store

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
N = 5


@pytest.fixture
def mk(tmp_path) -> Iterator[tuple]:  # noqa: ANN001
    """Node MK logging N refusals per sender and reason per minute, peer XK known."""
    settings = Settings(var_dir=tmp_path, exchange_refusal_log_per_minute=N)
    with mk_store(settings, f"sqlite:///{tmp_path / 'mk.db'}") as (factory, xk):
        refusal_log.reset()
        yield settings, factory, xk
    refusal_log.reset()


def _send(mk, at: datetime, sender: str = "AL", key: KeyPair | None = None) -> inbox.Answer:  # noqa: ANN001
    settings, factory, xk = mk
    data = {"sender": sender, "recipient": "MK", "kind": "ping", "body": {}}
    raw = envelope.canonical(envelope.build(key=key or xk, now=at, **data))
    return inbox.receive(factory, raw, settings=settings, now=at)


def _refused(factory) -> list[dict]:  # noqa: ANN001
    with session_scope(factory) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.seq)
        ).all()
        return [{"actor": r.actor, **(r.details or {})} for r in rows]


def test_flood_is_logged_n_in_full_then_one_summary(mk) -> None:  # noqa: ANN001
    _, factory, _ = mk
    answers = [_send(mk, T0 + timedelta(seconds=i)) for i in range(40)]  # 40 in 40 s
    assert {a.status_code for a in answers} == {403}  # the same answer to every one
    assert all(a.receipt["reason"].startswith("unknown_peer") for a in answers)
    logged = _refused(factory)
    assert len(logged) == N and not any(e.get("summary") for e in logged)
    assert all(e["actor"] == "peer:AL" and e["reason"] == "unknown_peer" for e in logged)
    # Another reason from the same claimed sender, and another sender, are counted apart.
    stranger = KeyPair(SigningKey.generate())
    assert _send(mk, T0 + timedelta(seconds=41), "XK", stranger).status_code == 403
    assert _refused(factory)[-1]["reason"] == "bad_signature"
    # The next minute: its first refusal writes the summary of the last one, then itself.
    answer = _send(mk, T0 + timedelta(seconds=61))
    assert answer.status_code == 403
    logged = _refused(factory)
    summary, first = logged[-2], logged[-1]
    assert summary["summary"] is True and summary["suppressed"] == 40 - N
    assert summary["reason"] == "unknown_peer" and summary["actor"] == "peer:AL"
    assert not first.get("summary") and first["reason"] == "unknown_peer"


def test_the_worker_pass_writes_the_summary_when_the_flood_stops(mk) -> None:  # noqa: ANN001
    settings, factory, _ = mk
    for i in range(N + 3):
        _send(mk, T0 + timedelta(seconds=i))
    assert len(_refused(factory)) == N
    pruning.housekeep(factory, settings=settings, now=T0 + timedelta(seconds=30), force=True)
    assert len(_refused(factory)) == N  # the minute is not over: nothing yet
    pruning.housekeep(factory, settings=settings, now=T0 + timedelta(seconds=90), force=True)
    (summary,) = [e for e in _refused(factory) if e.get("summary")]
    assert summary["suppressed"] == 3 and summary["sender"] == "AL"
    pruning.housekeep(factory, settings=settings, now=T0 + timedelta(seconds=200), force=True)
    assert len(_refused(factory)) == N + 1  # written once


def test_made_up_senders_share_one_count_beyond_the_cap(mk, monkeypatch) -> None:  # noqa: ANN001
    _, factory, _ = mk
    monkeypatch.setattr(refusal_log, "MAX_KEYS", 3)
    senders = [f"{a}{b}" for a in "ABCDEFGH" for b in "QRSTUVWX"][:20]
    for i, sender in enumerate(senders * 2):
        assert _send(mk, T0 + timedelta(seconds=i / 10), sender).status_code == 403
    logged = _refused(factory)
    # 3 senders told apart (2 refusals each, under N), the other 17 x 2 share one count of N.
    assert len(logged) == 3 * 2 + N
