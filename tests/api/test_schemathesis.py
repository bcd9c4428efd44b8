"""Schemathesis over the whole OpenAPI schema: every operation, as a manager, an auditor and an enterprise member,
with data that fits the schema (positive) and data that does not (negative), against the in-process WSGI app.

Every answer must be: no server error, a documented status, a documented content type, a body and headers that
match the schema of that status. The Korean demo is loaded once for the module (rolled back at its end) and every
example runs in a savepoint rolled back after it, so each sees exactly the demo: path ids point at the demo's objects
most of the time (the hooks in ``schemathesis_hooks``), so positive cases get past 404 into the services.

Deterministic (a fixed Hypothesis seed, no example database, no shrinking): the same code sends the same requests,
so a red run is reproduced by running it again. Examples per operation are kept modest for the suite's time (see
EXAMPLES); each failure names its operation and a curl command that reproduces it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from enterprises.models import User

from .schemathesis_hooks import SeededIds, authorization, call_in_savepoint, install_hooks, load_schema, seed_demo

# Generated user names reach the login guard's cache keys; the local-memory cache only warns about memcached.
pytestmark = pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
ROLES = {"manager": "manager.kim", "auditor": "auditor.park", "member": "coop.member"}
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
# Examples per operation, role and mode: 57 operations x 3 roles x 2 modes x EXAMPLES requests in all.
EXAMPLES = 12
# Hypothesis draws from this seed (and no example database): the same code sends the same requests every run.
SEED = 20260302


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SeededIds]:
    """The Korean demo, loaded once inside a transaction that is rolled back when the module is done: each test's
    own transaction is a savepoint over it."""
    with django_db_blocker.unblock():
        yield from seed_demo()


@pytest.fixture(scope="module")
def api_schema(seeded: SeededIds) -> schemathesis.BaseSchema:
    schema = load_schema()
    install_hooks(schema, seeded)
    return schema


def has_input(operation: Any) -> bool:
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


def test_every_operation_of_the_schema_is_run_in_both_modes_but_the_few_with_no_input(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    without_input = {operation.label for operation in operations if not has_input(operation)}

    assert len(operations) >= 57
    # The provider's webhook takes a signed body the schema does not describe (its signature decides, not a shape);
    # a resend of the verification mail takes nothing but the signed-in backer.
    assert without_input == {"GET /api/v1/me/", "GET /api/v1/audit-events/verify/", "POST /api/v1/payments/webhook/",
                             "POST /api/v1/auth/resend-verification/"}


def run_operation(operation: Any, mode: GenerationMode, headers: dict[str, str], exercised: set[str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found, and found again
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    @given(case=operation.as_strategy(generation_mode=mode))
    def examples(case: schemathesis.Case) -> None:
        exercised.add(operation.label)
        response = call_in_savepoint(case, headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    examples()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_answers_as_its_schema_says(api_schema, seeded, role, mode):
    headers = authorization(User.objects.get(username=ROLES[role]))
    operations = [result.ok() for result in api_schema.get_all_operations()]
    if mode == GenerationMode.NEGATIVE:  # an operation with no parameter and no body has nothing to get wrong
        operations = [operation for operation in operations if has_input(operation)]
    exercised: set[str] = set()
    failures: dict[str, str] = {}

    for operation in operations:
        try:
            run_operation(operation, mode, headers, exercised)
        except (FailureGroup, Exception) as exc:  # noqa: BLE001 - every operation runs; all failures are reported
            failures[operation.label] = f"{type(exc).__name__}: {exc}"

    assert exercised == {operation.label for operation in operations}
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in sorted(failures.items()))


@pytest.mark.django_db
def test_the_run_fails_when_the_api_answers_a_status_its_schema_does_not_document(api_schema, seeded):
    """The harness can fail: with 404 taken out of a loan's documented answers, the loans that do not exist fail it."""
    raw = copy.deepcopy(api_schema.raw_schema)
    del raw["paths"]["/api/v1/loans/{id}/"]["get"]["responses"]["404"]
    untrue = load_schema(raw)
    install_hooks(untrue, seeded)
    headers = authorization(User.objects.get(username=ROLES["manager"]))

    with pytest.raises(FailureGroup) as failure:
        run_operation(untrue["/api/v1/loans/{id}/"]["GET"], GenerationMode.POSITIVE, headers, set())

    assert [type(error).__name__ for error in failure.value.exceptions] == ["UndefinedStatusCode"]
    assert "Received: 404" in str(failure.value.exceptions[0])
