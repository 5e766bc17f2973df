"""schemathesis against openapi.yaml, in-process: generated requests for every operation, no 5xx,
and every documented response matches its schema."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance, response_schema_conformance, status_code_conformance)
from schemathesis.checks import not_a_server_error  # noqa: E402

from skill.web import create_app  # noqa: E402


# The schemathesis pytest plugin does not work with this pytest, so the operations are driven here
# through hypothesis directly: one test per documented operation.
APP = create_app({"database_url": "sqlite:///:memory:", "alexa_verify": "0"})
SCHEMA = schemathesis.openapi.from_wsgi("/openapi.yaml", APP)
OPERATIONS = {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in SCHEMA.get_all_operations())}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_conforms_and_never_5xx(name):
    operation = OPERATIONS[name]

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def run(case):
        case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                       content_type_conformance, response_schema_conformance])
    run()
