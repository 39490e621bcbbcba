"""The node's exchange identity: its Ed25519 key (current and previous), kept outside the store.

The exchange key is separate from the audit checkpoint key (db.keys.SIGNING_KEY): rotating the
key peers know must not change the key that signed years of audit checkpoints (decisions.md).
The private key is the file keys_dir/exchange.key (0600) or the setting ARMSBRIDGE_EXCHANGE_KEY;
after a rotation the old one is kept as keys_dir/exchange.previous.key for the grace period.
Files are read on every use (a few bytes): a key rotated by a command is seen at once by a
running server.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from pathlib import Path

from nacl.signing import SigningKey

from armsbridge.db import keys
from armsbridge.errors import Fault, UserError
from armsbridge.i18n_marker import N_
from armsbridge.settings import Settings

EXCHANGE_KEY = "exchange.key"
PREVIOUS_KEY = "exchange.previous.key"
SEED_BYTES = 32


class NoIdentity(UserError):
    """The node has no exchange identity yet."""

    status_code = 409


@dataclass(frozen=True)
class KeyPair:
    """One Ed25519 key pair of the node."""

    signing: SigningKey

    @property
    def public_b64(self) -> str:
        """Return the public key as base64."""
        return keys.public_key_b64(self.signing.verify_key)

    @property
    def fingerprint(self) -> str:
        """Return the public key's fingerprint (what peers compare out of band)."""
        return keys.fingerprint(self.signing.verify_key)

    def sign(self, message: bytes) -> str:
        """Return the base64 Ed25519 signature of `message`."""
        return base64.b64encode(self.signing.sign(message).signature).decode("ascii")


def _path(settings: Settings, name: str) -> Path:
    return keys.keys_dir(settings) / name


def _parse_seed(raw: str, where: str) -> bytes:
    try:
        seed = bytes.fromhex(raw.strip())
    except ValueError:
        seed = b""
    if len(seed) != SEED_BYTES:
        raise Fault(f"{where} is not an Ed25519 seed: expected {SEED_BYTES} bytes as hex")
    return seed


def _load(settings: Settings, name: str) -> KeyPair | None:
    path = _path(settings, name)
    if not path.exists():
        return None
    keys.secure_file(path)
    return KeyPair(SigningKey(_parse_seed(path.read_text(encoding="ascii"), str(path))))


def key_from_setting(settings: Settings) -> bool:
    """True when the node's exchange key is given by ARMSBRIDGE_EXCHANGE_KEY."""
    return bool(settings.exchange_key.strip())


def current_key(settings: Settings) -> KeyPair:
    """Return the node's current exchange key pair; NoIdentity if there is none."""
    if key_from_setting(settings):
        seed = _parse_seed(settings.exchange_key, "the setting ARMSBRIDGE_EXCHANGE_KEY")
        return KeyPair(SigningKey(seed))
    found = _load(settings, EXCHANGE_KEY)
    if found is None:
        raise NoIdentity(
            N_(
                "this node has no exchange key (%(value)s is missing): run `armsbridge node "
                "init --jurisdiction XK --name NAME`, or restore the key file"
            ),
            values={"value": _path(settings, EXCHANGE_KEY)},
        )
    return found


def previous_key(settings: Settings) -> KeyPair | None:
    """Return the key pair rotated out by the last `node rotate-key`, if it is still there."""
    return _load(settings, PREVIOUS_KEY)


def has_key(settings: Settings) -> bool:
    """True when the node has an exchange key (file or setting)."""
    return key_from_setting(settings) or _path(settings, EXCHANGE_KEY).exists()


def create_key(settings: Settings) -> KeyPair:
    """Create the node's exchange key file (0600); refuse if one exists or a setting gives it."""
    if has_key(settings):
        return current_key(settings)
    seed = secrets.token_bytes(SEED_BYTES)
    keys.write_key(settings, EXCHANGE_KEY, seed)
    return KeyPair(SigningKey(seed))


def rotate_key(settings: Settings) -> tuple[KeyPair, KeyPair]:
    """Make a new current key, keeping the old one as previous; return (old, new)."""
    if key_from_setting(settings):
        raise UserError(
            "the exchange key is given by ARMSBRIDGE_EXCHANGE_KEY, so the node cannot rotate it: "
            "unset the setting (the key file is then used) or rotate it where the setting is kept"
        )
    old = current_key(settings)
    new_seed = secrets.token_bytes(SEED_BYTES)
    # The old key is kept first: a crash between the two writes leaves both keys on disk.
    keys.write_key(settings, PREVIOUS_KEY, bytes(old.signing))
    keys.write_key(settings, EXCHANGE_KEY, new_seed)
    return old, KeyPair(SigningKey(new_seed))


def key_for(settings: Settings, public_b64: str) -> KeyPair | None:
    """Return the node's key pair (current or previous) whose public key is `public_b64`."""
    for pair in (current_key(settings), previous_key(settings)):
        if pair is not None and pair.public_b64 == public_b64:
            return pair
    return None
