"""Crypto-currency addresses in a post: BTC (bech32 and base58check), ETH, XMR, USDT on TRON.

BTC and TRON addresses carry a checksum that is verified here (BIP 173/350 bech32, base58check
with double SHA-256), so a random string of the right letters is not taken for one. ETH and XMR
checksums need Keccak, which the standard library lacks: those two are recognised by form only.
"""

from __future__ import annotations

import hashlib
import re

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_PATTERNS = (
    ("BTC", re.compile(r"\b(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}\b")),
    ("BTC", re.compile(r"\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b")),
    ("ETH", re.compile(r"\b0x[0-9a-fA-F]{40}\b")),
    ("XMR", re.compile(r"\b[48][1-9A-HJ-NP-Za-km-z]{94}\b")),
    ("USDT-TRC20", re.compile(r"\bT[1-9A-HJ-NP-Za-km-z]{33}\b")),
)


def _b58decode(text: str) -> bytes:
    number = 0
    for ch in text:
        number = number * 58 + _B58.index(ch)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def _base58check(text: str, versions: tuple[int, ...]) -> bool:
    raw = _b58decode(text)
    if len(raw) != 25 or raw[0] not in versions:
        return False
    digest = hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()
    return digest[:4] == raw[-4:]


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if (top >> i) & 1 else 0
    return chk


def _bech32(text: str) -> bool:
    text = text.lower()
    hrp, _, data = text.rpartition("1")
    values = [_BECH32.index(c) for c in data]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    # 1 for bech32 (witness v0), 0x2BC830A3 for bech32m (v1+, BIP 350).
    return _polymod(expanded + values) in (1, 0x2BC830A3)


def _valid(kind: str, text: str) -> bool:
    if kind == "BTC":
        if text.lower().startswith("bc1"):
            return _bech32(text)
        return _base58check(text, (0x00, 0x05))
    if kind == "USDT-TRC20":
        return _base58check(text, (0x41,))
    return True


def find_crypto(text: str) -> list[tuple[dict[str, str], int, int]]:
    """Return ({"currency", "address"}, start, end) for each valid address in a text."""
    out: list[tuple[dict[str, str], int, int]] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            if _valid(kind, m.group(0)):
                taken.append((m.start(), m.end()))
                out.append(({"currency": kind, "address": m.group(0)}, m.start(), m.end()))
    return sorted(out, key=lambda item: item[1])
