"""tests/web/test_flow.py on PostgreSQL: one case through every desk page."""

from tests.web.test_flow import *  # noqa: F401,F403
