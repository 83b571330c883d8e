"""year lock, its audit, and the covering index of table 三

Revision ID: 0002_year_lock
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0002_year_lock"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "year_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("locked_at", models.tables.AwareDateTime(), nullable=False),
        sa.Column("locked_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "year"),
    )
    op.create_index("ix_year_lock_agency_id", "year_lock", ["agency_id"])
    op.create_table(
        "year_lock_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("at", models.tables.AwareDateTime(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_year_lock_event_agency_id", "year_lock_event", ["agency_id"])
    # covering index for table 三 (models/statistics/tables.py)
    op.create_index("ix_application_statistics", "application",
                    ["agency_id", "receipt_date", "closed_on", "outcome", "applicant_id"])


def downgrade() -> None:
    op.drop_index("ix_application_statistics", table_name="application")
    op.drop_index("ix_year_lock_event_agency_id", table_name="year_lock_event")
    op.drop_table("year_lock_event")
    op.drop_index("ix_year_lock_agency_id", table_name="year_lock")
    op.drop_table("year_lock")
