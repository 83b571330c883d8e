"""The installation's identity, the Prefect API it was started with, and notification keys by agency and number

Revision ID: 0007
Revises: 0006

Numbers are unique per agency only, so a notification key names the case as `<agency id>/<number>:…`; the
keys already written are rewritten the same way, so nothing already queued is queued a second time.
"""

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_KEYED = "application_id IS NOT NULL"


def upgrade() -> None:
    table = op.create_table(
        "installation",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", models.tables.AwareDateTime(), nullable=False),
        sa.Column("prefect_api_url", sa.String(300), nullable=True),
        sa.Column("prefect_api_since", models.tables.AwareDateTime(), nullable=True),
    )
    op.bulk_insert(table, [{"id": str(uuid.uuid4()), "created_at": datetime.now(timezone.utc)}])
    agency = ("(SELECT CAST(application.agency_id AS VARCHAR(20)) FROM application "
              "WHERE application.id = outbox_message.application_id)")
    op.execute(f"UPDATE outbox_message SET key = {agency} || '/' || key WHERE {_KEYED}")


def downgrade() -> None:
    find = "STRPOS" if op.get_bind().dialect.name == "postgresql" else "INSTR"
    op.execute(f"UPDATE outbox_message SET key = SUBSTR(key, {find}(key, '/') + 1) WHERE {_KEYED}")
    op.drop_table("installation")
