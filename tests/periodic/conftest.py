"""Resources for the periodic reports: the March 2026 cases (tests.periodic.factories) in the test database."""

import pytest

from tests.periodic.factories import march_cases


@pytest.fixture
def march(session, calendar) -> dict[str, str]:
    return march_cases(session, calendar)
