"""tests/models/test_audit.py on PostgreSQL: the chain, the triggers, concurrent writers taking the head row."""

from tests.models.test_audit import *  # noqa: F401,F403
