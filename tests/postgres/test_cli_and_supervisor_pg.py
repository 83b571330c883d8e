"""tests/statistics/test_cli_and_supervisor.py on PostgreSQL."""

from tests.statistics.test_cli_and_supervisor import *  # noqa: F401,F403
