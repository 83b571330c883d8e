"""tests/models/test_transfer.py on PostgreSQL."""

from tests.models.test_transfer import *  # noqa: F401,F403
