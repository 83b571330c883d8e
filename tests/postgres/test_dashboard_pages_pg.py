"""tests/web/test_dashboard_pages.py on PostgreSQL."""

from tests.web.test_dashboard_pages import *  # noqa: F401,F403
