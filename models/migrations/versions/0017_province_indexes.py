"""Indexes for the province roll-up (models.province): open cases of every agency by status

Revision ID: 0017
Revises: 0012

The province dashboard reads the open cases of all agencies at once: by status and due date (counts per
agency and alert level, the urgent list) and by status and the day the status began (cases at risk).
The existing indexes all begin with agency_id, so without these PostgreSQL walks the whole application
table (bench/province_bench.py, 10M applications: the figures are in the commit that added this file).
"""

from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_application_province_due", "application", ["status", "due_date", "id", "agency_id"])
    op.create_index("ix_application_province_since", "application", ["status", "status_since", "id"])


def downgrade() -> None:
    op.drop_index("ix_application_province_since", table_name="application")
    op.drop_index("ix_application_province_due", table_name="application")
