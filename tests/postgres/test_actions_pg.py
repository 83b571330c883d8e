"""tests/models/test_actions.py on PostgreSQL."""

from tests.models.test_actions import *  # noqa: F401,F403
