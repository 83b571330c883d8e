"""tests/statistics/test_export.py on PostgreSQL."""

from tests.statistics.test_export import *  # noqa: F401,F403
