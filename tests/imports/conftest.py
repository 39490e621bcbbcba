"""Import tests share `import_helpers` (writers of exports in any encoding, store counts)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from armsbridge.auth.service import create_user
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models

sys.path.insert(0, str(Path(__file__).parent))
PASSWORD = "correct horse battery 42"


@pytest.fixture
def store(tmp_path: Path) -> str:
    """URL of a SQLite store with its tables and one XK analyst, `cli-analyst`."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    load_all_models().metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        create_user(
            session, username="cli-analyst", password=PASSWORD, role="analyst", jurisdiction="XK"
        )
    engine.dispose()
    return url
