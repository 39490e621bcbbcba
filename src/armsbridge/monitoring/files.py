"""Recognise a file brought as evidence: saved page, screenshot or exported chat; read its text.

The file itself is kept byte for byte (a WARC resource record); only its kind, title and
visible text are read from it here, for the list and for triage. A file that does not match
what its name says is refused with the kind expected.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

from armsbridge.errors import ValidationFailed

SUFFIXES = {
    ".html": "html",
    ".htm": "html",
    ".mhtml": "mhtml",
    ".mht": "mhtml",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".json": "telegram",
    ".txt": "whatsapp",
}
# A WhatsApp export line: "12/03/2026, 14:05 - Name: text" (Android) or
# "[12.03.26, 14:05:31] Name: text" (iOS); the date order follows the phone's locale.
_WHATSAPP_LINE = re.compile(
    r"^\u200e?\[?\d{1,2}[./-]\d{1,2}[./-]\d{2,4},? \d{1,2}:\d{2}(?::\d{2})?(?:\s?[APap][Mm])?\]?"
    r"\s(?:-\s)?[^:]+:"
)


@dataclass(frozen=True)
class FileEvidence:
    """What an imported file is: its kind, media type, title and visible text."""

    kind: str
    content_type: str
    title: str
    text: str


def _refuse(name: str, expected: str, why: str) -> ValidationFailed:
    return ValidationFailed(
        f"{name}: {why}", [{"field": "file", "value": name, "expected": expected}]
    )


def read_file(name: str, data: bytes) -> FileEvidence:
    """Return the kind and text of an imported file; refuse one that is not what it says."""
    suffix = PurePath(name).suffix.lower()
    kind = SUFFIXES.get(suffix)
    if kind is None:
        raise _refuse(
            name,
            "a file ending in " + ", ".join(sorted(SUFFIXES)),
            f"files ending in {suffix or '(nothing)'} cannot be imported",
        )
    if not data:
        raise _refuse(name, "a file with content", "the file is empty")
    reader = {
        "html": _html,
        "mhtml": _mhtml,
        "image": _image,
        "telegram": _telegram,
        "whatsapp": _whatsapp,
    }
    return reader[kind](name, data)


class _TextParser(HTMLParser):
    """Collects the visible text and the title of an HTML page (scripts and styles skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template") and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip and data.strip():
            self.parts.append(data.strip())


def html_text(markup: str) -> tuple[str, str]:
    """Return (title, visible text) of an HTML document."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return parser.title.strip()[:500], "\n".join(parser.parts)


def _decode(name: str, data: bytes, expected: str) -> str:
    for encoding in ("utf-8-sig", "cp1251" if b"\xd0" not in data else "utf-8"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(name, expected, "the file is not text in UTF-8 or Windows-1251")


def _html(name: str, data: bytes) -> FileEvidence:
    markup = _decode(name, data, "a saved web page (HTML)")
    if "<" not in markup:
        raise _refuse(name, "a saved web page (HTML)", "the file holds no HTML")
    title, text = html_text(markup)
    return FileEvidence("html", "text/html", title or name, text)


def _mhtml(name: str, data: bytes) -> FileEvidence:
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not message.is_multipart():
        raise _refuse(name, "a web archive (MHTML, multipart/related)", "the file is not MHTML")
    for part in message.walk():
        if part.get_content_type() == "text/html":
            raw = part.get_payload(decode=True)
            charset = part.get_content_charset() or "utf-8"
            markup = raw.decode(charset, "replace") if isinstance(raw, bytes) else str(raw)
            title, text = html_text(markup)
            return FileEvidence("mhtml", "multipart/related", title or name, text)
    raise _refuse(name, "an MHTML file with an HTML page", "the file holds no HTML page")


def _image(name: str, data: bytes) -> FileEvidence:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileEvidence("image", "image/png", name, "")
    if data.startswith(b"\xff\xd8\xff"):
        return FileEvidence("image", "image/jpeg", name, "")
    raise _refuse(name, "a PNG or JPEG image", "the file's bytes are not a PNG or JPEG image")


def _telegram(name: str, data: bytes) -> FileEvidence:
    expected = "a Telegram Desktop export (result.json with a list of messages)"
    try:
        chat = json.loads(_decode(name, data, expected))
    except ValueError as exc:
        raise _refuse(name, expected, f"not valid JSON ({exc})") from exc
    messages = chat.get("messages") if isinstance(chat, dict) else None
    if not isinstance(messages, list):
        raise _refuse(name, expected, 'the file has no "messages" list')
    lines = []
    for message in messages:
        if not isinstance(message, dict) or message.get("type", "message") != "message":
            continue
        text = _telegram_text(message.get("text"))
        if text:
            who = str(message.get("from") or "")
            lines.append(f"{message.get('date', '')} {who}: {text}".strip())
    title = str(chat.get("name") or name)[:500]
    return FileEvidence("telegram", "application/json", title, "\n".join(lines))


def _telegram_text(value: Any) -> str:
    """Return a Telegram message's text: a string, or a list of strings and entity objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in value)
    return ""


def _whatsapp(name: str, data: bytes) -> FileEvidence:
    expected = "a WhatsApp chat export (lines like '12/03/2026, 14:05 - Name: text')"
    text = _decode(name, data, expected)
    lines = text.splitlines()
    first = next((n for n, line in enumerate(lines, 1) if line.strip()), None)
    if first is None or not any(_WHATSAPP_LINE.match(line) for line in lines[:50]):
        raise _refuse(name, expected, "no line in the first 50 reads as a WhatsApp message")
    return FileEvidence("whatsapp", "text/plain; charset=utf-8", name, text)
