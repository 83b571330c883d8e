"""Art 44: the office's decisions on clusters of requests for the same information (publish or decline)

Revision ID: 0026
Revises: 0022

art44_decision: one row per decision, with the requests it covers, the publication's location, address and date
(or the reason for declining), who decided and when, and the idf weights the cluster was found with.
"""

import sqlalchemy as sa
from alembic import op

from models.tables import AwareDateTime

revision = "0026"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "art44_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("application_ids", sa.JSON(), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("applicants", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("idf", sa.JSON(), nullable=False),
        sa.Column("idf_default", sa.Float(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(), nullable=False),
        sa.Column("decided_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_art44_decision_agency", "art44_decision", ["agency_id", "decision"])


def downgrade() -> None:
    op.drop_index("ix_art44_decision_agency", table_name="art44_decision")
    op.drop_table("art44_decision")
