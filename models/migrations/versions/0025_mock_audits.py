"""Mock applications (模拟暗访): the test applications the office sends to its departments, and their grades

Revision ID: 0025
Revises: 0026

mock_audit: one row per drafted test application (round, department, text, expected outcome, the points the reply
must contain, the applicant it is sent as) and, once sent, the case it became. mock_grade: the grade of that case's
reply. Nothing is added to `application`: the mark lives only here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mock_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("round_name", sa.String(length=60), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("expected_outcome", sa.String(length=40), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("persona", sa.JSON(), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["drafted_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["sent_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )
    op.create_index("ix_mock_audit_agency_id", "mock_audit", ["agency_id"])
    op.create_index("ix_mock_audit_department_id", "mock_audit", ["department_id"])
    op.create_table(
        "mock_grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mock_id", sa.Integer(), nullable=False),
        sa.Column("graded_on", sa.Date(), nullable=False),
        sa.Column("graded_by_id", sa.Integer(), nullable=True),
        sa.Column("department_on_time", sa.Boolean(), nullable=False),
        sa.Column("reply_on_time", sa.Boolean(), nullable=False),
        sa.Column("outcome_right", sa.Boolean(), nullable=False),
        sa.Column("citations_right", sa.Boolean(), nullable=False),
        sa.Column("remedy_right", sa.Boolean(), nullable=False),
        sa.Column("actual_outcome", sa.String(length=40), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("point_scores", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["mock_id"], ["mock_audit.id"]),
        sa.ForeignKeyConstraint(["graded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mock_id"),
    )
    op.create_index("ix_mock_grade_graded_on", "mock_grade", ["graded_on"])


def downgrade() -> None:
    op.drop_index("ix_mock_grade_graded_on", table_name="mock_grade")
    op.drop_table("mock_grade")
    op.drop_index("ix_mock_audit_department_id", table_name="mock_audit")
    op.drop_index("ix_mock_audit_agency_id", table_name="mock_audit")
    op.drop_table("mock_audit")
