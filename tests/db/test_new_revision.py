"""`make migration`: the next revision is generated against a store at head, numbered after it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from armsbridge.db import service


def test_the_next_revision_follows_head_and_is_empty_when_models_and_migrations_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(service.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(service, "MIGRATIONS_DIR", copy)
    head = service.head_revision()
    assert head is not None
    path = service.new_revision(f"sqlite:///{tmp_path / 'scratch.db'}", "nothing new")
    text = path.read_text(encoding="utf-8")
    number = f"{int(head) + 1:04d}"
    assert path.name == f"{number}_nothing_new.py"
    assert f"revision = '{number}'" in text
    assert f"down_revision = '{head}'" in text  # it follows head
    body = text.split("def upgrade()", 1)[1].split("def downgrade()", 1)[0]
    assert "op." not in body  # models and migrations agree: nothing to do
    assert service.head_revision() == number
    # The packaged migrations are untouched.
    assert not list((Path(service.__file__).parent / "migrations" / "versions").glob(f"{number}_*"))
