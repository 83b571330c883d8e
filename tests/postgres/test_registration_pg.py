"""tests/models/test_registration.py on PostgreSQL."""

from tests.models.test_registration import *  # noqa: F401,F403
