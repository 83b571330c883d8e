"""Merge the statistics and workflow branches; indexes for the worklists and the supervisor dashboard

Revision ID: 0004
Revises: 0002_year_lock, 0003_outbox_archive
"""

from alembic import op

revision = "0004"
down_revision = ("0002_year_lock", "0003_outbox_archive")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_application_status_due", "application", ["status", "due_date"])
    op.create_index("ix_assignment_status_answered", "assignment", ["status", "answered_on"])


def downgrade() -> None:
    op.drop_index("ix_assignment_status_answered", table_name="assignment")
    op.drop_index("ix_application_status_due", table_name="application")
