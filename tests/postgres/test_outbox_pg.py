"""tests/models/test_outbox.py on PostgreSQL."""

from tests.models.test_outbox import *  # noqa: F401,F403
