"""Department attachments, the day each status began, and covering indexes for the supervisor dashboard

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", models.tables.AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachment_application_id", "attachment", ["application_id"])
    op.create_index("ix_attachment_assignment_id", "attachment", ["assignment_id"])

    op.add_column("application", sa.Column("status_since", sa.Date(), nullable=True))
    _backfill_status_since()
    op.drop_index("ix_application_status_due", table_name="application")
    op.create_index("ix_application_open_due", "application", ["agency_id", "status", "due_date"])
    op.create_index("ix_application_open_since", "application", ["agency_id", "status", "status_since"])

    op.drop_index("ix_assignment_status_answered", table_name="assignment")
    op.create_index("ix_assignment_open_due", "assignment", ["status", "department_id", "due_date"])
    op.create_index("ix_assignment_answer_times", "assignment",
                    ["status", "answered_on", "department_id", "routed_on", "due_date"])


def _backfill_status_since() -> None:
    """The Shanghai day of each case's last status change (events store UTC), else its receipt date."""
    shanghai_day = ("date(max(e.at), '+8 hours')" if op.get_bind().dialect.name == "sqlite"
                    else "(max(e.at) + interval '8 hours')::date")
    op.execute(f"""
        UPDATE application SET status_since = COALESCE(
            (SELECT {shanghai_day} FROM event e WHERE e.application_id = application.id AND e.to_status IS NOT NULL),
            receipt_date)
    """)


def downgrade() -> None:
    op.drop_index("ix_assignment_answer_times", table_name="assignment")
    op.drop_index("ix_assignment_open_due", table_name="assignment")
    op.create_index("ix_assignment_status_answered", "assignment", ["status", "answered_on"])
    op.drop_index("ix_application_open_since", table_name="application")
    op.drop_index("ix_application_open_due", table_name="application")
    op.create_index("ix_application_status_due", "application", ["status", "due_date"])
    op.drop_column("application", "status_since")  # SQLite ≥ 3.35 drops a column in place
    op.drop_index("ix_attachment_assignment_id", table_name="attachment")
    op.drop_index("ix_attachment_application_id", table_name="attachment")
    op.drop_table("attachment")
