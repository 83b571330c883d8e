"""Fuzz the JSON API from its own OpenAPI document (schemathesis, in process): no 5xx, every response as declared.

Bounded: a few examples per operation, on a seeded database with one case (so the staff operations reach the
domain actions with a clerk's token as well as without one). The whole run takes well under a minute.
"""

from datetime import datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)
from sqlmodel import Session

from interfaces.web.app import create_app
from interfaces.web.security import RateLimiter
from models.api_tokens import create_token
from models.context import Ctx
from models.db import make_engine, migrate
from models.demo import seed_demo
from models.tables import SHANGHAI
from tests.factories import register_case

NOW = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, calendar):
    """The desk application (API mounted), a clerk's bearer header and the number of a registered case."""
    root = tmp_path_factory.mktemp("api-fuzz")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGKAI_ENGINE", "inline")
        mp.setenv("GONGKAI_VAR_DIR", str(root / "var"))
        engine = make_engine(f"sqlite:///{root / 'fuzz.db'}")
        migrate(engine)
        with Session(engine) as s:
            seed_demo(s)
            number = register_case(s, calendar)
            token = create_token(Ctx(s, calendar, NOW, None), username="clerk").token
        app = create_app(engine, calendar, lambda: NOW, secret_key="fuzz-secret-" + "x" * 32, public_limit=100_000)
        # the fuzzer presents many bad tokens from one client: the guessing throttle would answer 429 to the rest
        app.state.desk.login_limiter = RateLimiter(limit=100_000, window=timedelta(minutes=1), now=lambda: NOW)
        yield app, {"Authorization": f"Bearer {token}"}, number


def test_no_server_error_and_every_response_matches_the_schema(fuzzed):
    app, auth, number = fuzzed
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def fuzz(case):
            case.call_and_validate(checks=CHECKS)  # anonymous: the public operations, and 401 on the staff ones
            if case.path.startswith("/cases"):
                case.call_and_validate(headers=auth, checks=CHECKS)  # a clerk's token: the domain actions themselves
                if case.path_parameters and "number" in case.path_parameters:  # and on the seeded case, whatever body
                    case.path_parameters = {**case.path_parameters, "number": number}
                    case.call_and_validate(headers=auth, checks=CHECKS)

        fuzz()
