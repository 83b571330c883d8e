"""tests/models/test_attachments.py on PostgreSQL."""

from tests.models.test_attachments import *  # noqa: F401,F403
