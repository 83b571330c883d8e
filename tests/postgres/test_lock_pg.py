"""tests/statistics/test_lock.py on PostgreSQL."""

from tests.statistics.test_lock import *  # noqa: F401,F403
