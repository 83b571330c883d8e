"""tests/models/test_province_counts.py on PostgreSQL (the triggers there are PL/pgSQL)."""

from tests.models.test_province_counts import *  # noqa: F401,F403
