"""Registration: the Art 31 confirmation (date, method, note), the agent's ID type and authorization, the
admin's audit of agency settings; a case waiting for a 补正 has no reply due date (Art 30); 强拆 among the
default 易诉 keywords

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_KEYWORDS = "征地,征收,拆迁,拆除,补偿安置,土地"
NEW_KEYWORDS = "征地,征收,拆迁,拆除,强拆,补偿安置,土地"


def upgrade() -> None:
    op.add_column("application", sa.Column("agent_id_type", sa.String(length=40), nullable=True))
    op.add_column("application", sa.Column("agent_authorization", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                           server_default=""))
    op.add_column("application", sa.Column("confirmed_on", sa.Date(), nullable=True))
    op.add_column("application", sa.Column("confirmation_method", sa.String(length=40), nullable=True))
    op.add_column("application", sa.Column("confirmation_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                           server_default=""))
    op.create_table(
        "admin_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", models.tables.AwareDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_event_agency_id", "admin_event", ["agency_id"])
    # Art 30: while a 补正 is awaited no reply period runs; the stored due date is a cache of the clock.
    op.execute("UPDATE application SET due_date = NULL, due_provisional = false WHERE status = 'awaiting_supplement'")
    # Agencies still on the shipped keyword list get 强拆; an edited list is the agency's own and stays.
    op.execute(sa.text("UPDATE agency SET litigation_prone_keywords = :new WHERE litigation_prone_keywords = :old")
               .bindparams(new=NEW_KEYWORDS, old=OLD_KEYWORDS))


def downgrade() -> None:
    op.execute(sa.text("UPDATE agency SET litigation_prone_keywords = :old WHERE litigation_prone_keywords = :new")
               .bindparams(new=NEW_KEYWORDS, old=OLD_KEYWORDS))
    op.drop_index("ix_admin_event_agency_id", table_name="admin_event")
    op.drop_table("admin_event")
    for column in ("confirmation_note", "confirmation_method", "confirmed_on", "agent_authorization", "agent_id_type"):
        op.drop_column("application", column)  # SQLite ≥ 3.35 drops a column in place
