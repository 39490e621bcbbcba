"""Signed checkpoints of the audit head, appended to a file outside the database.

Each line states how many entries the log held and the hash of the last one, at a time, signed
with the node's Ed25519 key (db.keys) and chained to the line before it (`prev`, the SHA-256 of
that line). A store that holds fewer entries than a checkpoint, or other hashes, was truncated,
rewritten or restored from an older backup; a line edited or removed breaks the line chain or a
signature. The file is opened O_APPEND under an exclusive lock, so processes append in turn.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.chain import GENESIS, first_keyed
from armsbridge.audit.models import AuditHead
from armsbridge.db import keys
from armsbridge.settings import Settings

VERSION = 1
_READ_HEAD = select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
_TAIL_CHUNK = 4096
_files: dict[Path, int] = {}  # open checkpoint files of this process
_lock = threading.Lock()  # threads of this process; flock orders the processes


def checkpoint_path(settings: Settings) -> Path:
    """Return the node's checkpoint file: var_dir/audit/checkpoints.jsonl."""
    return Path(settings.var_dir) / "audit" / "checkpoints.jsonl"


@dataclass(frozen=True)
class Checkpoint:
    """One signed line: the log held `seq` entries, the last with `hash`, at `at`."""

    n: int  # line number, from 1
    seq: int
    hash: str
    at: str
    keyed_from: int | None  # first entry hashed with the audit key, when known
    prev: str
    key: str  # public key (base64) that signed the line
    sig: str
    raw: str = field(repr=False, default="")

    def body(self) -> dict[str, Any]:
        """Return the signed fields."""
        return {
            "v": VERSION,
            "n": self.n,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "keyed_from": self.keyed_from,
            "prev": self.prev,
            "key": self.key,
        }

    def as_json(self) -> dict[str, Any]:
        """Return the line as a JSON object (signature included)."""
        return {**self.body(), "sig": self.sig}


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _line_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _parse(raw: str, n: int) -> Checkpoint:
    data = json.loads(raw)
    return Checkpoint(
        n=int(data["n"]),
        seq=int(data["seq"]),
        hash=str(data["hash"]),
        at=str(data["at"]),
        keyed_from=None if data.get("keyed_from") is None else int(data["keyed_from"]),
        prev=str(data["prev"]),
        key=str(data["key"]),
        sig=str(data["sig"]),
        raw=raw,
    )


def _last_line(fd: int) -> str | None:
    end = os.lseek(fd, 0, os.SEEK_END)
    tail = b""
    pos = end
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        pos -= step
        tail = os.pread(fd, step, pos) + tail
        stripped = tail.rstrip(b"\n")
        cut = stripped.rfind(b"\n")
        if cut >= 0:
            return stripped[cut + 1 :].decode("utf-8")
    stripped = tail.rstrip(b"\n")
    return stripped.decode("utf-8") if stripped else None


def _open(path: Path) -> int:
    """Return a descriptor of the checkpoint file, kept open (reopened if it was replaced)."""
    fd = _files.get(path)
    if fd is not None:
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
        del _files[path]
    for other in list(_files):  # a process serves one node: keep one file open, not one per test
        os.close(_files.pop(other))
    keys.secure_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, keys.FILE_MODE)
    _files[path] = fd
    return fd


def write_checkpoint(
    settings: Settings,
    *,
    seq: int,
    last_hash: str,
    keyed_from: int | None = None,
    sync: bool = False,
) -> Checkpoint:
    """Append a signed checkpoint of the head (`seq` entries, the last `last_hash`); return it."""
    node = keys.signer(settings)
    path = checkpoint_path(settings)
    with _lock:
        fd = _open(path)
        fcntl.flock(fd, fcntl.LOCK_EX)  # other processes of the node append in turn
        try:
            last_raw = _last_line(fd)
            last = None
            if last_raw:
                try:
                    last = _parse(last_raw, 0)
                except (ValueError, KeyError):
                    last = None  # a damaged line: verification reports it; keep appending
            if keyed_from is None and last is not None:
                keyed_from = last.keyed_from
            unsigned = Checkpoint(
                n=(last.n + 1) if last else 1,
                seq=seq,
                hash=last_hash,
                at=datetime.now(UTC).isoformat(timespec="seconds"),
                keyed_from=keyed_from,
                prev=_line_hash(last_raw) if last_raw else GENESIS,
                key=keys.public_key_b64(node.public),
                sig="",
            )
            signed = replace(unsigned, sig=node.sign(_canonical(unsigned.body())))
            raw = _canonical(signed.as_json()).decode("ascii")
            os.write(fd, (raw + "\n").encode("ascii"))
            if sync:
                os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    return replace(signed, raw=raw)


@dataclass
class CheckpointLog:
    """The checkpoints of the file that verify, and what is wrong with the file."""

    path: Path
    lines: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Checkpoint | None:
        """Return the checkpoint with the most entries (lines of two processes may interleave)."""
        return max(self.lines, key=lambda c: (c.seq, c.n), default=None)

    @property
    def first(self) -> Checkpoint | None:
        """Return the first line."""
        return self.lines[0] if self.lines else None

    @property
    def keyed_from(self) -> int | None:
        """Return the first keyed entry the checkpoints name, if any does."""
        named = [c.keyed_from for c in self.lines if c.keyed_from is not None]
        return min(named) if named else None


def read_checkpoints(settings: Settings) -> CheckpointLog:
    """Read and check the checkpoint file: line chain, numbering, signatures, signing key."""
    path = checkpoint_path(settings)
    log = CheckpointLog(path)
    if not path.exists():
        return log
    own = (
        keys.public_key_b64(keys.signer(settings).public)
        if keys.has_key(settings, keys.SIGNING_KEY)
        else None
    )
    prev_raw: str | None = None
    text = path.read_text(encoding="utf-8", errors="replace")
    if text and not text.endswith("\n"):
        log.problems.append(
            f"the checkpoint file {path} ends in the middle of a line: it was cut or edited"
        )
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            line = _parse(raw, number)
        except (ValueError, KeyError, TypeError):
            log.problems.append(f"checkpoint line {number} is not a checkpoint: it was edited")
            prev_raw = raw
            continue
        expected_prev = _line_hash(prev_raw) if prev_raw is not None else GENESIS
        if line.prev != expected_prev or line.n != number:
            log.problems.append(
                f"checkpoint line {number} does not follow line {number - 1}: lines of the "
                "checkpoint file were removed, inserted or edited"
            )
        if not keys.verify_signature(line.key, _canonical(line.body()), line.sig):
            log.problems.append(
                f"checkpoint line {number} (entries: {line.seq}, {line.at}) does not match its "
                "signature: it was edited"
            )
        elif own is not None and line.key != own:
            log.problems.append(
                f"checkpoint line {number} is signed by another key than the node's "
                f"(fingerprint {keys.fingerprint_of(line.key)})"
            )
        else:
            log.lines.append(line)
        prev_raw = raw
    return log


def head_of(session: Session) -> tuple[int, str]:
    """Return the head row's (entry count, last hash), or (0, GENESIS) for an empty log."""
    found = session.connection().execute(_READ_HEAD).first()
    return (int(found[0]), str(found[1])) if found else (0, GENESIS)


def checkpoint_now(session: Session, *, sync: bool = True) -> Checkpoint:
    """Write a checkpoint of the store's current head (the `audit checkpoint` command)."""
    seq, last_hash = head_of(session)
    settings = keys.node_settings()
    keyed_from = None
    if keys.has_key(settings, keys.AUDIT_KEY):
        keyed_from = first_keyed(session, keys.audit_key(settings), seq)
    return write_checkpoint(
        settings, seq=seq, last_hash=last_hash, keyed_from=keyed_from, sync=sync
    )


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """Return the node's latest valid checkpoint, or None when none was written."""
    return read_checkpoints(keys.node_settings()).latest


def latest_checkpoint_json(session: Session) -> str | None:
    """Return the latest signed checkpoint as JSON, for a peer node to keep (exchange hook).

    The object holds the signed line as written (`checkpoint`), the public key that verifies it
    and its fingerprint; a peer stores it and can later show that this node's log held at least
    `seq` entries ending in `hash` at `at`.
    """
    settings = keys.node_settings()
    latest = read_checkpoints(settings).latest
    if latest is None:
        return None
    public = keys.signer(settings).public
    document = {
        "node": settings.node_name,
        "jurisdiction": settings.jurisdiction,
        "checkpoint": latest.as_json(),
        "public_key": keys.public_key_b64(public),
        "fingerprint": keys.fingerprint(public),
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def anchor_text(settings: Settings, checkpoint: Checkpoint) -> str:
    """Return a checkpoint as lines a supervisor can copy onto paper or send by mail."""
    return "\n".join(
        [
            f"armsbridge audit anchor - node {settings.node_name} ({settings.jurisdiction})",
            f"entries:     {checkpoint.seq}",
            f"last hash:   {checkpoint.hash}",
            f"time (UTC):  {checkpoint.at}",
            f"line:        {checkpoint.n} of {checkpoint_path(settings)}",
            f"signature:   {checkpoint.sig}",
            f"public key:  {checkpoint.key}",
            f"fingerprint: {keys.fingerprint_of(checkpoint.key)}",
            f"check with:  armsbridge audit verify --expect {checkpoint.seq}:"
            f"{checkpoint.hash[:16]}",
        ]
    )
