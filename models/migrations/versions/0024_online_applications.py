"""The applicant portal: an online application's extra details and the files the applicant sends

Revision ID: 0024
Revises: 0025

online_application: one row per application submitted through the portal or the JSON API (the organisation's
legal representative and contact person, when and how it was submitted). applicant_file: the 身份证明 uploaded
with an online application and the files sent with an online 补正, kept whole with their SHA-256. The new status
awaiting_confirmation (待确认, Art 31(3)) needs no schema change: statuses are stored as strings.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "online_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("legal_representative", sa.String(), nullable=False),
        sa.Column("contact_person", sa.String(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )
    op.create_table(
        "applicant_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_applicant_file_application_id", "applicant_file", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_applicant_file_application_id", table_name="applicant_file")
    op.drop_table("applicant_file")
    op.drop_table("online_application")
