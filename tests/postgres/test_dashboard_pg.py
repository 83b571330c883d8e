"""tests/models/test_dashboard.py on PostgreSQL."""

from tests.models.test_dashboard import *  # noqa: F401,F403
