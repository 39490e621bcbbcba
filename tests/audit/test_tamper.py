"""Attacks on the audit log by someone with access to the database (SQL on the store), and on
its checkpoint file: `verify_chain` finds and explains each one; an untouched log verifies.

Each test builds a real SQLite store whose entries were committed one transaction at a time, so
the node wrote a signed checkpoint after each (audit.listeners), then tampers with plain SQL.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from armsbridge.audit import service
from armsbridge.audit.chain import GENESIS, entry_hash, hashed_fields, keyed_hash
from armsbridge.audit.checkpoints import checkpoint_path, latest_checkpoint_json
from armsbridge.audit.models import AuditEntry
from armsbridge.db import keys
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.settings import Settings

ENTRIES = 6


@dataclass
class Node:
    """A node on a SQLite file: its settings, engine and session factory."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]

    def sql(self, *statements: str, **params: object) -> None:
        """Run statements on the store as an attacker with database access would."""
        with self.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), params)

    def verify(self, **kwargs: object) -> service.VerifyResult:
        """Verify the log in a fresh session."""
        with session_scope(self.factory) as session:
            return service.verify_chain(session, **kwargs)

    def append(self, count: int = 1) -> None:
        """Write entries, one committed transaction each."""
        for _ in range(count):
            with session_scope(self.factory) as session:
                service.log_event(session, actor="ana", action="consult", record_type="person")

    def problems(self) -> str:
        """Return the problems found, as one text."""
        result = self.verify()
        assert not result.ok, "tampering not detected"
        return "\n".join(result.problems)


def _new_node(tmp_path: Path) -> Node:
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'node.db'}")
    keys.use_node(settings)
    engine = make_engine(settings.effective_database_url())
    load_all_models().metadata.create_all(engine)
    return Node(settings, engine, make_sessionmaker(engine))


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    """A node whose log holds ENTRIES entries (one an import with change rows), each anchored."""
    made = _new_node(tmp_path)
    for i in range(1, ENTRIES + 1):
        with session_scope(made.factory) as session:
            if i == 3:
                changes = [("person", 1, "create"), ("person", 2, "change")]
                entry = service.log_event(
                    session,
                    actor="ana",
                    action="import",
                    jurisdiction="XK",
                    details={"file": "x.csv", **service.changes_summary(changes)},
                )
                service.add_changes(session, entry=entry, changes=changes)
            else:
                service.log_event(
                    session,
                    actor="ana",
                    action="search",
                    record_type="person",
                    jurisdiction="XK",
                    why=f"case {i}",
                    details={"query": "Krasniqi", "results": 0, "ids": []},
                )
    yield made
    made.engine.dispose()


def _rehash_plain(node: Node, start: int) -> None:
    """Recompute every hash from entry `start` with plain SHA-256, as the old chain did."""
    with Session(node.engine) as session:
        prev = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == start - 1)) or GENESIS
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.seq >= start)):
            entry.prev_hash = prev
            entry.hash = entry_hash(prev, hashed_fields(entry))
            prev = entry.hash
        session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
        session.commit()


def test_an_untouched_log_verifies_and_says_since_when_it_is_anchored(node: Node) -> None:
    result = node.verify()
    assert result.ok, result.problems
    assert result.checked == ENTRIES and result.anchored_up_to == ENTRIES
    lines = checkpoint_path(node.settings).read_text().splitlines()
    assert len(lines) == ENTRIES  # one checkpoint per commit that appended
    assert result.anchored_since == json.loads(lines[0])["at"]
    assert any(note.startswith(f"anchored since {result.anchored_since}") for note in result.notes)
    assert result.unkeyed is None


def test_deleting_the_last_entries_and_the_head_is_found(node: Node) -> None:
    node.sql("DELETE FROM audit_entries WHERE seq > 4", "DELETE FROM audit_head")
    found = node.problems()
    assert "the head row is missing" in found
    assert f"the store holds 4 entries, the checkpoints say {ENTRIES}" in found


def test_a_count_below_a_checkpoint_is_found_even_with_a_consistent_head(node: Node) -> None:
    node.sql(
        "DELETE FROM audit_entries WHERE seq > 4",
        "UPDATE audit_head SET seq = 4, last_hash = (SELECT hash FROM audit_entries WHERE seq = 4)",
    )
    found = node.problems()
    assert f"the store holds 4 entries, the checkpoints say {ENTRIES}" in found
    assert f"entries 5 to {ENTRIES} are missing" in found


def test_deleting_every_entry_and_the_head_is_found(node: Node) -> None:
    node.sql("DELETE FROM audit_changes", "DELETE FROM audit_entries", "DELETE FROM audit_head")
    result = node.verify()
    assert not result.ok and result.checked == 0
    found = "\n".join(result.problems)
    assert f"the store holds 0 entries, the checkpoints say {ENTRIES}" in found


def test_rewinding_the_head_is_found(node: Node) -> None:
    node.sql(
        "UPDATE audit_head SET seq = 2, last_hash = (SELECT hash FROM audit_entries WHERE seq = 2)"
    )
    assert f"the head row says 2 entries but the store holds {ENTRIES}" in node.problems()


def test_changing_an_entry_and_recomputing_the_hashes_is_found(node: Node) -> None:
    node.sql("UPDATE audit_entries SET why = 'nothing to see' WHERE seq = 2")
    _rehash_plain(node, 2)
    found = node.problems()
    assert "entry 2 carries a plain SHA-256 hash where the log is keyed" in found
    assert "entry 2 is not the one checkpoint line 2 signed" in found


def test_rehashing_with_a_guessed_key_is_found(node: Node) -> None:
    node.sql("UPDATE audit_entries SET why = 'nothing to see' WHERE seq = 5")
    guess = b"\x00" * 32
    with Session(node.engine) as session:
        prev = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 4))
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.seq >= 5)):
            entry.prev_hash, entry.hash = prev, keyed_hash(guess, prev, hashed_fields(entry))
            prev = entry.hash
        session.commit()
    found = node.problems()
    assert "entry 5 was altered after it was written" in found


def test_swapping_two_entries_is_found(node: Node) -> None:
    columns = "actor, action, record_type, why, details, prev_hash, hash, at"
    node.sql(
        "CREATE TEMP TABLE swap AS SELECT seq, " + columns + " FROM audit_entries",
        "UPDATE audit_entries SET hash = 'x' || seq WHERE seq IN (4, 5)",  # unique hash column
        *(
            f"UPDATE audit_entries SET {c} = (SELECT {c} FROM swap WHERE swap.seq = "
            "CASE audit_entries.seq WHEN 4 THEN 5 ELSE 4 END) WHERE seq IN (4, 5)"
            for c in columns.split(", ")
        ),
    )
    found = node.problems()
    assert "entry 4 does not follow entry 3" in found
    assert "entry 4 was altered after it was written" in found


def test_altering_the_change_rows_of_an_import_is_found(node: Node) -> None:
    node.sql("UPDATE audit_changes SET record_id = 99 WHERE record_id = 2")
    assert "entry 3: the list of records its import wrote was altered" in node.problems()


def test_adding_change_rows_under_an_entry_is_found(node: Node) -> None:
    node.sql(
        "INSERT INTO audit_changes (entry_seq, record_type, record_id, op) "
        "VALUES (5, 'person', 7, 'change')"
    )
    assert "change rows name entry 5, which does not list them" in node.problems()


def test_an_edited_checkpoint_line_breaks_its_signature_and_the_line_chain(node: Node) -> None:
    path = checkpoint_path(node.settings)
    lines = path.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["seq"] = 2  # claim the log was shorter then
    lines[2] = json.dumps(edited, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    found = node.problems()
    assert "checkpoint line 3 (entries: 2" in found and "does not match its signature" in found
    assert "checkpoint line 4 does not follow line 3" in found


def test_a_checkpoint_file_cut_or_missing_a_line_is_found(node: Node) -> None:
    path = checkpoint_path(node.settings)
    text_ = path.read_text()
    lines = text_.splitlines()
    path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")  # line 2 removed
    assert "checkpoint line 2 does not follow line 1" in node.problems()
    path.write_text(text_[:-20])  # cut in the middle of the last line
    assert "ends in the middle of a line" in node.problems()


def test_a_deleted_checkpoint_file_is_found(node: Node) -> None:
    checkpoint_path(node.settings).unlink()
    assert "is missing though the node signed checkpoints before" in node.problems()


def test_a_restore_from_an_older_backup_is_said_plainly(node: Node, tmp_path: Path) -> None:
    node.engine.dispose()
    backup = tmp_path / "backup.db"
    shutil.copy(tmp_path / "node.db", backup)
    node.append(3)
    node.engine.dispose()
    shutil.copy(backup, tmp_path / "node.db")
    found = node.problems()
    assert (
        f"the store holds {ENTRIES} entries, the checkpoints say {ENTRIES + 3} at" in found
        and "restored from a backup or truncated" in found
    )


def test_a_paper_anchor_finds_a_log_rewritten_with_its_checkpoints(node: Node) -> None:
    with session_scope(node.factory) as session:
        anchor = json.loads(latest_checkpoint_json(session) or "{}")["checkpoint"]
    assert anchor["seq"] == ENTRIES
    assert node.verify(expect=[(anchor["seq"], anchor["hash"][:12])]).ok
    # Someone with the files too: rewrites an entry, rehashes with the key, re-signs nothing
    # but deletes the checkpoint file and the signing key so no file contradicts the store.
    key = keys.audit_key(node.settings)
    node.sql("UPDATE audit_entries SET why = 'nothing to see' WHERE seq = 2")
    with Session(node.engine) as session:
        prev = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.seq >= 2)):
            entry.prev_hash, entry.hash = prev, keyed_hash(key, prev, hashed_fields(entry))
            prev = entry.hash
        session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
        session.commit()
    checkpoint_path(node.settings).unlink()
    (keys.keys_dir(node.settings) / keys.SIGNING_KEY).unlink()
    assert node.verify().ok  # nothing on the node contradicts it any more ...
    result = node.verify(expect=[(anchor["seq"], anchor["hash"][:12])])
    assert not result.ok  # ... but the supervisor's paper does
    assert f"entry {ENTRIES} has hash" in result.problems[0]


def test_the_latest_checkpoint_as_json_verifies_with_its_public_key(node: Node) -> None:
    with session_scope(node.factory) as session:
        document = json.loads(latest_checkpoint_json(session) or "{}")
    line = document["checkpoint"]
    signed = {k: v for k, v in line.items() if k != "sig"}
    message = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    assert keys.verify_signature(document["public_key"], message, line["sig"])
    assert document["fingerprint"] == keys.fingerprint_of(document["public_key"])
    assert (line["seq"], document["jurisdiction"]) == (ENTRIES, "XK")


def test_a_log_that_predates_keying_says_which_entries_are_unkeyed(tmp_path: Path) -> None:
    node = _new_node(tmp_path)
    with Session(node.engine) as session:  # three entries written by the old, unkeyed chain
        prev = GENESIS
        for seq in (1, 2, 3):
            at = datetime(2026, 1, seq, tzinfo=UTC)
            entry = AuditEntry(seq=seq, at=at, actor="old", action="login", prev_hash=prev, hash="")
            entry.hash = entry_hash(prev, hashed_fields(entry))
            session.add(entry)
            prev = entry.hash
        head = "INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 3, :h)"
        session.execute(text(head), {"h": prev})
        session.commit()
    result = node.verify()
    assert result.ok and result.unkeyed == (1, 3)  # no key yet: an honest old store
    node.append(2)  # the first keyed entries make the key and the first checkpoint
    result = node.verify()
    assert result.ok, result.problems
    assert result.unkeyed == (1, 3)
    assert any("entries 1 to 3 were written before the log was keyed" in n for n in result.notes)
    first = json.loads(checkpoint_path(node.settings).read_text().splitlines()[0])
    assert first["keyed_from"] == 4
    # Rewriting a keyed entry as an unkeyed one is not taken for an old entry.
    node.sql("UPDATE audit_entries SET actor = 'someone' WHERE seq = 4")
    _rehash_plain(node, 4)
    assert "entry 4 carries a plain SHA-256 hash where the log is keyed (from entry 4)" in (
        node.problems()
    )
    node.engine.dispose()


def test_a_missing_audit_key_is_named(node: Node) -> None:
    (keys.keys_dir(node.settings) / keys.AUDIT_KEY).unlink()
    keys._cache.clear()
    assert f"{ENTRIES} entries cannot be checked: the audit key file" in node.problems()
