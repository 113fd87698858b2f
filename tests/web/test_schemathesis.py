"""Schemathesis against the published OpenAPI schema: generated requests to every operation,
as an admin with a read-write token, on SQLite and PostgreSQL. Whatever the input, the
server answers with a status it means (2xx or 4xx), never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.web.conftest import Site

schemathesis = pytest.importorskip("schemathesis")


def test_no_request_gets_a_server_error(site: Site) -> None:
    headers = site.token("ada-admin")
    schema = schemathesis.openapi.from_asgi("/openapi.json", site.client.app)
    failures: list[str] = []
    operations = 0
    statuses: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def probe(case: Any) -> None:
            response = case.call(headers=headers, base_url="https://testserver")
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")

        probe()
    assert operations >= 20 and len(statuses) >= 2 * operations
    assert any(200 <= s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
    assert not failures, "\n".join(failures)
