"""Desk sessions kept in the database (revocable), and the lockout of an account after repeated wrong passwords

Revision ID: 0014
Revises: 0012

desk_session: one row per browser session, keyed by the SHA-256 of the cookie's random token, with the user,
the stamp of their role/password/status at login, the CSRF token and the flash messages (models.sessions).
login_lock: an account's wrong passwords in a row and until when it is locked. Sessions of the signed-cookie
desk that came before are not carried over: everyone logs in once more.
"""

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("stamp", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("flash", sa.JSON(), nullable=False),
        sa.Column("created_at", models.tables.AwareDateTime(), nullable=False),
        sa.Column("login_at", models.tables.AwareDateTime(), nullable=True),
        sa.Column("seen_at", models.tables.AwareDateTime(), nullable=False),
        sa.Column("expires_at", models.tables.AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_desk_session_user_id", "desk_session", ["user_id"])
    op.create_index("ix_desk_session_expires_at", "desk_session", ["expires_at"])
    op.create_table(
        "login_lock",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", models.tables.AwareDateTime(), nullable=True),
        sa.Column("locked_until", models.tables.AwareDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("login_lock")
    op.drop_index("ix_desk_session_expires_at", table_name="desk_session")
    op.drop_index("ix_desk_session_user_id", table_name="desk_session")
    op.drop_table("desk_session")
