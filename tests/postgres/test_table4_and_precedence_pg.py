"""tests/statistics/test_table4_and_precedence.py on PostgreSQL."""

from tests.statistics.test_table4_and_precedence import *  # noqa: F401,F403
