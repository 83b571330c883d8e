"""Table 二 of the annual report (主动公开政府信息情况): figures entered by the office or imported

Revision ID: 0023
Revises: 0018

proactive_figures: one row per agency and year with the Art 20 items of 国办公开办函〔2021〕30号 table 二
(规章、规范性文件 made / repealed / in force; 行政许可; 行政处罚; 行政强制; 行政事业性收费 in 万元).
"""

import sqlalchemy as sa
from alembic import op

from models.tables import AwareDateTime

revision = "0023"
down_revision = "0018"
branch_labels = None
depends_on = None

COUNTS = ("rules_made", "rules_repealed", "rules_in_force", "normative_made", "normative_repealed",
          "normative_in_force", "licensing", "punishment", "enforcement")


def upgrade() -> None:
    op.create_table(
        "proactive_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("fees_wan", sa.String(length=24), nullable=False),
        sa.Column("entered_at", AwareDateTime(), nullable=False),
        sa.Column("entered_by", sa.String(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "year"),
    )
    op.create_index("ix_proactive_figures_agency_id", "proactive_figures", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_proactive_figures_agency_id", table_name="proactive_figures")
    op.drop_table("proactive_figures")
