"""The trigger outbox: each human action's automatic steps, recorded in the action's transaction

Revision ID: 0015
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0015"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_trigger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("created_at", models.tables.AwareDateTime(), nullable=False),
        sa.Column("delivered_at", models.tables.AwareDateTime(), nullable=True),
        sa.Column("done_at", models.tables.AwareDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_trigger_application_id", "case_trigger", ["application_id"])
    op.create_index("ix_case_trigger_open", "case_trigger", ["done_at", "delivered_at"])


def downgrade() -> None:
    op.drop_index("ix_case_trigger_open", table_name="case_trigger")
    op.drop_index("ix_case_trigger_application_id", table_name="case_trigger")
    op.drop_table("case_trigger")
