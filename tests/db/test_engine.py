"""The engine's connection settings that restrict()'s queries depend on."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine


def test_postgresql_connections_do_not_jit_compile(engine: Engine) -> None:
    """A record query with restrict()'s subplans ran 6 s of JIT compilation for 5 ms of work."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with engine.connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar() == "off"
