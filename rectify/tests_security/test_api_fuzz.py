"""Property-based fuzzing of the REST API with schemathesis, in-process (WSGI), as a city office.

Every operation of /api/openapi.json gets generated requests — valid ones (positive mode) and
invalid ones (negative mode: wrong types, missing fields, bad formats) — plus valid requests
aimed at real records in and out of the caller's scope. None may answer 5xx.
"""
from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

# Per operation and mode; ~30 operations × (2 modes + real records) stays under a minute.
MAX_EXAMPLES = 4
REAL_EXAMPLES = 2
# 5xx found by this test and reported to the owner of the endpoint; listed so the rest of the
# suite stays green meanwhile. Remove an entry once fixed (the test then fails if it recurs).
KNOWN_5XX: dict[tuple[str, str], str] = {
    # ("PATCH", "/api/v1/units/{uuid}"): 'aliases': null → TypeError — found here, fixed in c054fac.
}


def _real_ids(world: SimpleNamespace, make_task: Any) -> dict[str, list[str]]:
    mine = make_task()
    other = make_task(plan=world.other_plan, region=world.other_city, units={"lead": [world.unit_other_env]})
    assignment = mine.assignments.first()
    return {
        "tasks": [str(mine.uuid), str(other.uuid)],
        "plans": [str(world.plan.uuid), str(world.other_plan.uuid)],
        "inspections": [str(world.inspection.uuid)],
        "units": [str(world.unit_county_env.uuid), str(world.unit_other_env.uuid)],
        "assignments": [str(assignment.uuid)] if assignment else [],
        "regions": [world.county.code, world.other_city.code],
    }


@pytest.mark.django_db(transaction=False)
def test_api_never_answers_5xx(world: SimpleNamespace, make_task: Any, caplog: Any, settings: Any) -> None:
    import logging

    settings.DEBUG_PROPAGATE_EXCEPTIONS = True

    caplog.set_level(logging.CRITICAL, logger="django.request")
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # Like Django's test Client: a request must not close the test's database connection
    # (on PostgreSQL the handler would otherwise drop it between requests).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _fuzz(world, make_task)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(world: SimpleNamespace, make_task: Any) -> None:
    import traceback

    from django.core.wsgi import get_wsgi_application
    from django.db import transaction

    from rectify.api.models import ApiToken

    ids = _real_ids(world, make_task)
    _, key = ApiToken.issue(world.city_office, "fuzz")
    auth = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), headers=auth)
    failures: list[str] = []
    known: set[str] = set()
    count = {"examples": 0, "operations": 0}

    def run(operation: Any, strategy: Any, examples: int) -> None:
        @hypothesis_settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def check(case: Any) -> None:
            count["examples"] += 1
            try:
                with transaction.atomic():  # a failing request must not abort the test's transaction
                    response = case.call(headers=auth)
            except Exception as exc:  # DEBUG_PROPAGATE_EXCEPTIONS: a server error, with its traceback
                if (case.method, operation.path) in KNOWN_5XX:
                    known.add(f"{case.method} {operation.path}: {KNOWN_5XX[(case.method, operation.path)]}")
                    return
                failures.append(f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]} → "
                                f"{type(exc).__name__}: {str(exc)[:300]} / {traceback.format_exception(exc)[-2:]!s:.600}")
                return
            if response.status_code >= 500:
                if (case.method, operation.path) in KNOWN_5XX:
                    known.add(f"{case.method} {operation.path}: {KNOWN_5XX[(case.method, operation.path)]}")
                    return
                failures.append(f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]} → {response.status_code}")

        check()

    for result in schema.get_all_operations():
        operation = result.ok()
        count["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(operation, operation.as_strategy(generation_mode=mode), MAX_EXAMPLES)
        match = re.match(r"^/api/v1/([a-z]+)/\{(\w+)\}", operation.path)
        if match:
            for value in ids.get(match.group(1), []):
                strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters={match.group(2): value})
                run(operation, strategy, REAL_EXAMPLES)

    print(f"\nschemathesis: {count['examples']} examples over {count['operations']} operations")
    assert count["operations"] >= 20
    assert not failures, "\n".join(failures[:20])
    if known:
        pytest.xfail("known 5xx, reported: " + "; ".join(sorted(known)))
