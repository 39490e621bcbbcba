"""The node's key files, kept outside the store: audit key, signing key, secret box; file modes.

A key lives in `keys_dir` (default var_dir/keys, ARMSBRIDGE_KEYS_DIR), created on first use with
mode 0600 in a folder of mode 0700. Someone who can change the database but cannot read these
files can neither rehash the audit log nor forge a checkpoint nor read a TOTP secret.

A process serves one node: the web app names it (`use_node(settings)` in create_app); commands
use the process's settings (ARMSBRIDGE_*).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from nacl.signing import SigningKey, VerifyKey

from armsbridge.errors import Fault, UserError
from armsbridge.i18n_marker import N_
from armsbridge.settings import Settings, get_settings

AUDIT_KEY = "audit.key"  # 32 random bytes: the key of the audit chain's BLAKE2b hashes
SIGNING_KEY = "signing.key"  # Ed25519 seed: signs the audit checkpoints
SECRETS_KEY = "secrets.key"  # SecretBox key: TOTP secrets at rest
SEALED_PREFIX = "sb1:"
FILE_MODE = 0o600
DIR_MODE = 0o700
PROCESS_UMASK = 0o077

_node: Settings | None = None
_cache: dict[Path, bytes] = {}
_signers: dict[bytes, NodeSigner] = {}
_lock = threading.Lock()


class KeyMissing(UserError):
    """A key file the store's contents depend on is not there (moved, deleted, wrong folder)."""


def use_node(settings: Settings | None) -> None:
    """Make `settings` the node whose keys this process uses (None: the process's settings)."""
    global _node
    _node = settings


def node_settings() -> Settings:
    """Return the settings of the node this process serves (see use_node)."""
    return _node if _node is not None else get_settings()


def keys_dir(settings: Settings) -> Path:
    """Return the folder of the node's key files."""
    return Path(settings.keys_dir) if settings.keys_dir else Path(settings.var_dir) / "keys"


def secure_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed and make it readable by the node's user only."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        _chmod(path, DIR_MODE)
    return path


def secure_file(path: Path) -> None:
    """Make an existing file readable and writable by the node's user only."""
    if path.exists() and path.stat().st_mode & 0o777 != FILE_MODE:
        _chmod(path, FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        path.chmod(mode)
    except PermissionError as exc:
        raise UserError(
            N_(
                "%(path)s is open to other users (mode %(found)o) and the node cannot change it"
                " to %(mode)o: give it to the node's user (chown) and start again"
            ),
            values={"path": path, "found": path.stat().st_mode & 0o777, "mode": mode},
        ) from exc


def secure_process() -> None:
    """Set the process umask so every file the node writes is 0600 and every folder 0700."""
    os.umask(PROCESS_UMASK)


def secure_var_dir(settings: Settings) -> None:
    """Tighten var_dir (0700), its files (0600, the SQLite store and its -wal/-shm among them)."""
    var = Path(settings.var_dir)
    if not var.exists():
        return
    secure_dir(var)
    for child in var.iterdir():
        if child.is_symlink():
            continue
        if child.is_dir():
            secure_dir(child)
        else:
            secure_file(child)
    folder = keys_dir(settings)
    if folder.exists():
        secure_dir(folder)
        for child in folder.iterdir():
            if child.is_file():
                secure_file(child)


def _read(path: Path, size: int) -> bytes | None:
    if not path.exists():
        return None
    secure_file(path)
    raw = path.read_bytes().strip()
    try:
        key = bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != size:
        raise Fault(f"the key file {path} is damaged: expected {size} bytes as hex")
    return key


def _create(path: Path, size: int) -> bytes:
    secure_dir(path.parent)
    key = secrets.token_bytes(size)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if another process created the key first: use theirs
        except FileExistsError:
            found = _read(path, size)
            assert found is not None
            return found
    finally:
        tmp.unlink(missing_ok=True)
    return key


def read_key(settings: Settings, name: str, size: int = 32, *, create: bool = True) -> bytes:
    """Return the key file `name` of the node (created 0600 if missing and `create`)."""
    path = keys_dir(settings) / name
    with _lock:
        cached = _cache.get(path)
        if cached is not None and path.exists():
            return cached
        key = _read(path, size)
        if key is None:
            if not create:
                raise KeyMissing(
                    N_(
                        "the key file %(path)s is missing; restore it from the node's key backup"
                        " (or set ARMSBRIDGE_KEYS_DIR to the folder that holds it)"
                    ),
                    values={"path": path},
                )
            key = _create(path, size)
        _cache[path] = key
        return key


def write_key(settings: Settings, name: str, key: bytes) -> None:
    """Write (or replace, atomically) the node's key file `name` with `key`, mode 0600."""
    path = keys_dir(settings) / name
    secure_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with _lock:
            os.replace(tmp, path)
            _cache[path] = key
    finally:
        tmp.unlink(missing_ok=True)


def has_key(settings: Settings, name: str) -> bool:
    """True when the node's key file `name` exists."""
    return (keys_dir(settings) / name).exists()


def audit_key(settings: Settings, *, create: bool = True) -> bytes:
    """Return the node's audit key (32 bytes), creating it on first use."""
    return read_key(settings, AUDIT_KEY, create=create)


@dataclass(frozen=True)
class NodeSigner:
    """The node's Ed25519 key pair for checkpoints."""

    signing: SigningKey

    @property
    def public(self) -> VerifyKey:
        """Return the public half."""
        return self.signing.verify_key

    def sign(self, message: bytes) -> str:
        """Return the base64 signature of `message`."""
        return base64.b64encode(self.signing.sign(message).signature).decode("ascii")


def signer(settings: Settings, *, create: bool = True) -> NodeSigner:
    """Return the node's checkpoint signer, creating its key on first use."""
    seed = read_key(settings, SIGNING_KEY, create=create)
    found = _signers.get(seed)
    if found is None:
        found = _signers[seed] = NodeSigner(SigningKey(seed))  # deriving the pair costs ~0.1 ms
    return found


def public_key_b64(key: VerifyKey) -> str:
    """Return a public key as base64 (what a peer or a supervisor stores)."""
    return base64.b64encode(bytes(key)).decode("ascii")


def fingerprint(key: VerifyKey) -> str:
    """Return a short, readable fingerprint of a public key: 8 groups of 4 hex digits."""
    digest = hashlib.sha256(bytes(key)).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def fingerprint_of(public_b64: str) -> str:
    """Return the fingerprint of a public key given as base64."""
    return fingerprint(VerifyKey(base64.b64decode(public_b64)))


def verify_signature(public_b64: str, message: bytes, signature_b64: str) -> bool:
    """True when `signature_b64` is a valid signature of `message` by `public_b64`."""
    try:
        key = VerifyKey(base64.b64decode(public_b64))
        key.verify(message, base64.b64decode(signature_b64))
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def is_sealed(value: str | None) -> bool:
    """True when `value` was sealed by seal()."""
    return bool(value) and str(value).startswith(SEALED_PREFIX)


def seal(settings: Settings, plain: str) -> str:
    """Encrypt a short secret with the node's secret box; the result is stored in the database."""
    box = SecretBox(read_key(settings, SECRETS_KEY, size=SecretBox.KEY_SIZE))
    return SEALED_PREFIX + base64.b64encode(box.encrypt(plain.encode("utf-8"))).decode("ascii")


def unseal(settings: Settings, value: str) -> str:
    """Return the plain secret of a sealed value (a plain value is returned as it is)."""
    if not is_sealed(value):
        return value
    box = SecretBox(read_key(settings, SECRETS_KEY, size=SecretBox.KEY_SIZE, create=False))
    try:
        raw = box.decrypt(base64.b64decode(value[len(SEALED_PREFIX) :]))
    except (CryptoError, ValueError) as exc:
        raise Fault(
            f"a sealed secret does not open with {keys_dir(settings) / SECRETS_KEY}: "
            "the key file is not the one that sealed it"
        ) from exc
    return raw.decode("utf-8")
