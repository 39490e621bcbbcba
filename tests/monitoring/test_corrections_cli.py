"""`armsbridge monitor corrections` writes the reviews that corrected the triage as corpus lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import principal_of
from armsbridge.auth.service import create_user
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.monitoring import review, service
from armsbridge.monitoring.corpus import load_corpus

from .helpers import page_capture

TEXTS = ("Shes pistoletë TT, 350e, 044 123 456", "Blej kallash, thirr 045 222 333")


def _store(tmp_path: Path, node_keys) -> tuple[str, list[int]]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    load_all_models().metadata.create_all(engine)
    ids = []
    with Session(engine) as session, session.begin():
        account = create_user(
            session,
            username="cyber",
            password="correct horse 42",
            role="cyber_officer",
            jurisdiction="XK",
        ).user
        user = principal_of(account, via="cli")
        for text in TEXTS:
            row = service.store_page(
                session, settings=node_keys, user=user, page=page_capture(text)
            )
            ids.append(row.id)
        rows = [session.get(type(row), i) for i in ids]
        keeps = [{it["key"] for it in review.items(r)} for r in rows]
        # The first is confirmed as it was; the second's label is corrected.
        first = review.Decision("offer", "sq", keeps[0])
        review.decide(session, user=user, capture_id=ids[0], decision=first)
        second = review.Decision("other", "sq", keeps[1])
        review.decide(session, user=user, capture_id=ids[1], decision=second)
    engine.dispose()
    return url, ids


def test_corrections_are_written_in_the_corpus_format_and_logged(tmp_path, node_keys) -> None:
    url, ids = _store(tmp_path, node_keys)
    out = tmp_path / "corrections" / "reviews.jsonl"
    out.parent.mkdir()
    env = {**os.environ, "ARMSBRIDGE_DATABASE_URL": url, "ARMSBRIDGE_VAR_DIR": str(tmp_path)}
    env["ARMSBRIDGE_USER"] = "cyber"
    run = subprocess.run(
        [sys.executable, "-m", "armsbridge.cli", "monitor", "corrections", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "1 corpus line(s)" in run.stdout
    (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["id"] == f"capture-{ids[1]}" and line["label"] == "other"
    assert line["extractions"]["phones"] == ["+38345222333"]
    rows = load_corpus(directory=out.parent)  # the corpus loader reads the file as it is
    assert rows[0]["text"] == TEXTS[1] and rows[0]["split"] == "train"
    every = subprocess.run(
        [
            sys.executable,
            "-m",
            "armsbridge.cli",
            "monitor",
            "corrections",
            "--all",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert every.returncode == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 2
    engine = make_engine(url)
    with Session(engine) as session:
        logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
        assert [e.details["lines"] for e in logged] == [1, 2]
        assert all(e.actor == "cyber" for e in logged)
    engine.dispose()
