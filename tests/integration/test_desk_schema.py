"""The desk's JSON API against its own OpenAPI schema: schemathesis generates requests
for every operation (bounded: 25 examples each) and sends them, with a valid token, to
``importbio web`` on loopback over a filled store; no answer may be a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.support.desk import Served, Template, serve_desk

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api_server(
    desk_template: Template, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One desk process for the whole run of generated requests."""
    with serve_desk(desk_template, tmp_path_factory.mktemp("desk-api")) as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(api_server: Served, desk_template: Template) -> Any:
    """The schema as the running desk serves it (behind the token, like the API)."""
    answer = httpx.get(
        f"{api_server.url}/api/openapi.json",
        headers={"Authorization": f"Bearer {desk_template.token}"},
    )
    assert answer.status_code == 200
    document = answer.json()
    assert len(document["paths"]) >= 10
    return schemathesis.openapi.from_dict(document)


def test_no_generated_request_causes_a_server_error(
    api_schema: Any, api_server: Served, desk_template: Template
) -> None:
    """Whatever the schema allows (and some of what it does not), every operation answers
    without a 5xx."""
    headers = {"Authorization": f"Bearer {desk_template.admin_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 11
    statuses: set[int] = set()

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(base_url=api_server.url, headers=headers, timeout=10)
            statuses.add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        run()
    # the run reached the operations themselves, not only the refusals
    assert 200 in statuses
    assert 422 in statuses
