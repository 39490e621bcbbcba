"""schemathesis against /api/openapi.json, in process, with a token of each role: no 5xx."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from armsbridge.auth.permissions import role_names

pytestmark = pytest.mark.slow
# Examples per operation; ARMSBRIDGE_FUZZ_EXAMPLES=50 for a deeper run.
EXAMPLES = int(os.environ.get("ARMSBRIDGE_FUZZ_EXAMPLES", "4"))


@pytest.mark.parametrize("role", role_names())
def test_no_server_errors(app, world, role) -> None:
    """Every operation, called with a token of `role` (read and write scopes), answers below 500."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    statuses: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60

    def check(operation) -> None:
        headers = world.personas[role].headers

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case) -> None:
            response = case.call(headers=headers)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query}: "
                    f"{response.status_code} {response.text[:200]}"
                )

        run()

    for operation in operations:
        check(operation)
    assert not failures, "\n".join(failures)
    if role == "analyst":
        assert statuses.count(200) >= len(operations) // 2, "the fuzzing should mostly get through"
