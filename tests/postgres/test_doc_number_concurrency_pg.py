"""tests/models/test_doc_number_concurrency.py on PostgreSQL."""

from tests.models.test_doc_number_concurrency import *  # noqa: F401,F403
