"""The desk's notifications: when a user read an internal message, and the index for unread counts

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox_message", sa.Column("read_at", models.tables.AwareDateTime(), nullable=True))
    op.create_index("ix_outbox_message_inbox", "outbox_message", ["channel", "recipient", "read_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_inbox", table_name="outbox_message")
    op.drop_column("outbox_message", "read_at")
