"""tests/models/test_session_touch.py on PostgreSQL (a row lock, lock_timeout)."""

from tests.models.test_session_touch import *  # noqa: F401,F403
