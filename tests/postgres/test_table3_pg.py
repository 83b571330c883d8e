"""tests/statistics/test_table3.py on PostgreSQL."""

from tests.statistics.test_table3 import *  # noqa: F401,F403
