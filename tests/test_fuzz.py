"""Schemathesis against the OpenAPI schema, with every role's token and none, on PostgreSQL: no
request the schema allows, or any mangled variant of it, gives a server error (issue 9, point 18).

Each operation is its own test; Hypothesis runs derandomised, so a failure in CI repeats here."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from schemathesis import GenerationMode

from club.roles import ALL_ROLES, STAFF_ROLES
from club.services import api_token_create
from csc.api import api
from tests.factories import make_user

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
OPERATIONS = sorted(
    (op.method.upper(), op.path)
    for op in (result.ok() for result in SCHEMA.get_all_operations())  # type: ignore[union-attr]
)
# 15 examples per operation, mode and role (about 3 minutes on the 2-core CI machine);
# CSC_FUZZ_EXAMPLES=200 digs deeper.
EXAMPLES = int(os.environ.get("CSC_FUZZ_EXAMPLES", "15"))

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_schema_documents_the_error_answers() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    assert "Error" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, op in item.items():
            documented = set(op["responses"])
            assert {"400", "404", "422"} <= documented, (method, path)
            if op.get("security"):
                assert {"401", "403"} <= documented, (method, path)
    assert len(OPERATIONS) >= 30


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzzing_finds_no_server_error(
    client, club, method: str, path: str, mode: GenerationMode
) -> None:
    tokens: dict[str, str | None] = {"anonymous": None}
    for role in sorted(ALL_ROLES):
        user = make_user(roles=(role,), mfa=role in STAFF_ROLES)
        tokens[role.value] = api_token_create(user=user, name="fuzz")[1]
    operation = SCHEMA[path][method]
    seen: list[int] = []

    @given(operation.as_strategy(generation_mode=mode))
    @hsettings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        url = urlsplit(kwargs["url"])
        target = url.path + (f"?{url.query}" if url.query else "")
        if kwargs.get("params"):
            target += ("&" if "?" in target else "?") + urlencode(kwargs["params"], doseq=True)
        body: Any = ""
        content_type = "application/json"
        if "json" in kwargs:
            body = json.dumps(kwargs["json"])
        elif kwargs.get("data") is not None:
            body = kwargs["data"]
            content_type = kwargs["headers"].get("Content-Type", content_type)
        for who, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = client.generic(
                kwargs["method"], target, body, content_type=content_type, headers=headers
            )
            seen.append(response.status_code)
            assert response.status_code < 500, (who, kwargs["method"], target, body[:300])
            assert response["Content-Type"].startswith("application/json"), (who, target)

    run()
    assert len(seen) >= len(tokens)
