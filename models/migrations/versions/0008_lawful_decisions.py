"""Lawful decisions: fee notices reviewed by counsel, the Art 35 reason request, structured 会商 attendees,
the earlier application of an Art 36(6) repeat, and the office's reserve before the reply due date

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agency", sa.Column("office_reserve_days", sa.Integer(), nullable=False, server_default="8"))
    op.add_column("joint_consultation", sa.Column("attendees", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("decision", sa.Column("repeat_of", sa.String(length=20), nullable=True))
    # A fee row written before counsel reviewed fee notices is a notice that was sent.
    with op.batch_alter_table("fee") as batch:
        batch.add_column(sa.Column("status", sa.String(length=40), nullable=False, server_default="sent"))
        batch.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_comments", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
        batch.alter_column("notice_sent_on", existing_type=sa.Date(), nullable=True)
        batch.alter_column("notice_received_on", existing_type=sa.Date(), nullable=True)
        batch.alter_column("pay_due", existing_type=sa.Date(), nullable=True)
        batch.create_foreign_key("fk_fee_reviewed_by_id_user_account", "user_account", ["reviewed_by_id"], ["id"])
    op.create_table(
        "reason_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("application_count", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("deferred_due", sa.Date(), nullable=True),
        sa.Column("deferred_on", sa.Date(), nullable=True),
        sa.Column("deferred_by_id", sa.Integer(), nullable=True),
        sa.Column("deferral_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.ForeignKeyConstraint(["deferred_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )


def downgrade() -> None:
    op.drop_table("reason_request")
    with op.batch_alter_table("fee") as batch:
        batch.drop_constraint("fk_fee_reviewed_by_id_user_account", type_="foreignkey")
        batch.alter_column("pay_due", existing_type=sa.Date(), nullable=False)
        batch.alter_column("notice_received_on", existing_type=sa.Date(), nullable=False)
        batch.alter_column("notice_sent_on", existing_type=sa.Date(), nullable=False)
        batch.drop_column("review_comments")
        batch.drop_column("reviewed_by_id")
        batch.drop_column("status")
    op.drop_column("decision", "repeat_of")
    op.drop_column("joint_consultation", "attendees")
    op.drop_column("agency", "office_reserve_days")
