"""Audit log: cost per entry of the keyed chain and the signed checkpoints, on SQLite (WAL).

Baseline, measured in the same run: the previous scheme (plain SHA-256, no checkpoint). Each
entry is written in a transaction of its own, as a consultation is (web.access_log); a second
figure writes 10 entries per transaction (a request that logs several acts).

    .venv/bin/python bench/audit.py                             # 5 rounds of 1000 entries
    .venv/bin/python bench/audit.py --entries 300 --rounds 3    # quick
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from armsbridge.audit import listeners, service
from armsbridge.audit.chain import entry_hash, hashed_fields, keyed_hash
from armsbridge.audit.checkpoints import write_checkpoint
from armsbridge.audit.models import AuditEntry
from armsbridge.db import keys
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.settings import Settings

RESULTS = Path(__file__).parent / "results" / "audit.json"
_KEYED = service.keyed_hash


def _plain(key: bytes, prev: str, fields: dict[str, Any]) -> str:
    return entry_hash(prev, fields)


def _checkpoints(on: bool) -> None:
    attached = event.contains(Session, "before_commit", listeners._before_commit)
    if on and not attached:
        event.listen(Session, "before_commit", listeners._before_commit)
        event.listen(Session, "after_commit", listeners._after_commit)
    if not on and attached:
        event.remove(Session, "before_commit", listeners._before_commit)
        event.remove(Session, "after_commit", listeners._after_commit)


def run(folder: Path, *, keyed: bool, checkpoint: bool, entries: int, per_commit: int) -> float:
    """Write `entries` entries; return microseconds per entry."""
    settings = Settings(var_dir=folder, database_url=f"sqlite:///{folder / 'bench.db'}")
    keys.use_node(settings)
    engine = make_engine(settings.effective_database_url())
    load_all_models().metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    service.keyed_hash = _KEYED if keyed else _plain  # type: ignore[assignment]
    _checkpoints(checkpoint)
    details = {"ids": list(range(20)), "via": "session"}
    started = time.perf_counter()
    for _ in range(entries // per_commit):
        with session_scope(factory) as session:
            for _ in range(per_commit):
                service.log_event(
                    session,
                    actor="analyst_xk",
                    actor_jurisdiction="XK",
                    action="consult",
                    record_type="person",
                    record_id=42,
                    jurisdiction="XK",
                    why="case XK-2026-17, check before the interview",
                    details=details,
                )
    elapsed = time.perf_counter() - started
    service.keyed_hash = _KEYED  # type: ignore[assignment]
    _checkpoints(True)
    engine.dispose()
    return elapsed / entries * 1e6


def micro(rounds: int = 20000) -> dict[str, float]:
    """Microseconds of the parts alone: the two hashes, one signed checkpoint line."""
    entry = AuditEntry(
        seq=1,
        at=datetime(2026, 12, 1, tzinfo=UTC),
        actor="analyst_xk",
        action="consult",
        record_type="person",
        record_id=42,
        jurisdiction="XK",
        why="case XK-2026-17",
        details={"ids": list(range(20))},
        prev_hash="0" * 64,
        hash="",
    )
    fields = hashed_fields(entry)
    key = b"k" * 32
    out: dict[str, float] = {}
    for name, fn in (
        ("sha256", lambda: entry_hash("0" * 64, fields)),
        ("blake2b_keyed", lambda: keyed_hash(key, "0" * 64, fields)),
    ):
        started = time.perf_counter()
        for _ in range(rounds):
            fn()
        out[f"{name}_us"] = (time.perf_counter() - started) / rounds * 1e6
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp))
        samples = []
        for i in range(2000):
            started = time.perf_counter()
            write_checkpoint(settings, seq=i + 1, last_hash="a" * 64)
            samples.append(time.perf_counter() - started)
        out["checkpoint_line_us"] = statistics.median(samples) * 1e6
    return out


def main() -> None:
    """Run every configuration, print the table and write bench/results/audit.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1000, help="entries per run")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each configuration")
    args = parser.parse_args()
    configs = [
        ("sha256, no checkpoint (baseline)", False, False, 1),
        ("keyed, no checkpoint", True, False, 1),
        ("keyed + checkpoint per commit", True, True, 1),
        ("sha256, no checkpoint, 10/commit", False, False, 10),
        ("keyed + checkpoint, 10/commit", True, True, 10),
    ]
    # Rounds interleave the configurations, so a busy machine slows each of them alike.
    figures: list[list[float]] = [[] for _ in configs]
    for _ in range(args.rounds):
        for i, (_, keyed, checkpoint, per_commit) in enumerate(configs):
            with tempfile.TemporaryDirectory() as tmp:
                figures[i].append(
                    run(
                        Path(tmp),
                        keyed=keyed,
                        checkpoint=checkpoint,
                        entries=args.entries,
                        per_commit=per_commit,
                    )
                )
    rows: list[dict[str, Any]] = [
        {"config": name, "us_per_entry": statistics.median(f)}
        for (name, *_), f in zip(configs, figures, strict=True)
    ]
    base = {1: rows[0]["us_per_entry"], 10: rows[3]["us_per_entry"]}
    for row, (_, _, _, per_commit) in zip(rows, configs, strict=True):
        row["ratio"] = row["us_per_entry"] / base[per_commit]
    parts = micro()
    print(f"{'configuration':40} {'µs/entry':>10} {'ratio':>7}")
    for row in rows:
        print(f"{row['config']:40} {row['us_per_entry']:10.1f} {row['ratio']:7.2f}")
    for name, value in parts.items():
        print(f"{name:40} {value:10.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"entries": args.entries, "rounds": args.rounds, "rows": rows, "parts": parts},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
