"""Every template keeps to the Content-Security-Policy: no inline script, handler or style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import armsbridge

TEMPLATES = sorted(Path(armsbridge.__file__).parent.rglob("templates/**/*.html"))
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "javascript: address": re.compile(r"javascript:", re.I),
}


def test_templates_are_found() -> None:
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_template_has_nothing_the_policy_blocks(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert found == [], f"{path}: {found}; move it to web/static (docs/dev/web.md)"
