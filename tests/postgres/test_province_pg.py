"""tests/models/test_province.py on PostgreSQL."""

from tests.models.test_province import *  # noqa: F401,F403
