"""tests/models/test_lifecycle.py on PostgreSQL."""

from tests.models.test_lifecycle import *  # noqa: F401,F403
