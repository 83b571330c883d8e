"""The reliability scenarios use the workflow tests' resources: Prefect's test harness and a per-test database."""

from tests.workflows.conftest import app_db, prefect_harness  # noqa: F401  (fixtures)
