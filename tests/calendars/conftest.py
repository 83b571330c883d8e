import pytest

from calendars import load_calendar


@pytest.fixture(scope="session")
def cal():
    return load_calendar()
