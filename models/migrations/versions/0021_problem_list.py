"""The problem list (问题清单, 一案一策): hard cases with an owner, an internal time limit, a plan and progress notes

Revision ID: 0021
Revises: 0014

problem_item: one row per listing of a case, with its reason, owner, internal due date, plan and, once closed,
the result. problem_note: the progress notes appended to an item. The statutory clock is not touched.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "problem_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("limit_days", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["added_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_problem_item_application_id", "problem_item", ["application_id"])
    op.create_index("ix_problem_item_owner_id", "problem_item", ["owner_id"])
    op.create_index("ix_problem_item_open_due", "problem_item", ["agency_id", "status", "due_date"])
    op.create_table(
        "problem_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problem_item.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_problem_note_problem_id", "problem_note", ["problem_id"])


def downgrade() -> None:
    op.drop_index("ix_problem_note_problem_id", table_name="problem_note")
    op.drop_table("problem_note")
    op.drop_index("ix_problem_item_open_due", table_name="problem_item")
    op.drop_index("ix_problem_item_owner_id", table_name="problem_item")
    op.drop_index("ix_problem_item_application_id", table_name="problem_item")
    op.drop_table("problem_item")
