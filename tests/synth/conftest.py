"""A generated world shared by the synth tests (generation is deterministic, so once is enough)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from armsbridge.synth.service import generate_world

sys.path.insert(0, str(Path(__file__).parent))

from synth_helpers import WORLD_PERSONS, WORLD_SEED  # noqa: E402


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,000-person world written once for the session."""
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=WORLD_SEED, persons=WORLD_PERSONS)
    return out
