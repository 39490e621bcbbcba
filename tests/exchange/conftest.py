"""Hit/no-hit fixtures: two nodes' settings, each with its own key folder."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from armsbridge.db import keys
from armsbridge.settings import Settings

# Helpers of these tests (hit_factories.py) import as top-level modules.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Settings]]:
    """Settings of a Kosovo and a North Macedonian node, each with its own keys folder."""
    xk = Settings(var_dir=tmp_path_factory.mktemp("xk"), jurisdiction="XK")
    mk = Settings(var_dir=tmp_path_factory.mktemp("mk"), jurisdiction="MK")
    yield xk, mk
    keys.use_node(None)
