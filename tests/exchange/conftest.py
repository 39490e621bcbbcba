"""Hit/no-hit fixtures: the set's tables, two nodes' stores and key folders, record factories."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from armsbridge.db import keys
from armsbridge.db.base import Base
from armsbridge.exchange import hit_models
from armsbridge.settings import Settings

# Helpers of these tests (hit_factories.py) import as top-level modules.
sys.path.insert(0, str(Path(__file__).parent))

HIT_TABLES = [
    hit_models.HitKey.__table__,
    hit_models.HitState.__table__,
    hit_models.HitBudget.__table__,
]


@pytest.fixture(scope="session", autouse=True)
def hit_tables(engine: Engine) -> None:
    """Create the hit/no-hit tables beside the registered ones."""
    Base.metadata.create_all(engine, tables=HIT_TABLES)


@pytest.fixture
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Settings]]:
    """Settings of a Kosovo and a North Macedonian node, each with its own keys folder."""
    xk = Settings(var_dir=tmp_path_factory.mktemp("xk"), jurisdiction="XK")
    mk = Settings(var_dir=tmp_path_factory.mktemp("mk"), jurisdiction="MK")
    yield xk, mk
    keys.use_node(None)
