"""What an agency's documents need: its seal image, a contact person, the public status page, how fees are paid

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("seal_image", "contact_person", "status_url", "fee_payee", "fee_bank", "fee_account", "fee_payment_code",
           "fee_payment_qr", "fee_payment_place")


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild: on SQLite a rebuild of `agency` trips the foreign keys pointing at it);
    # the server default fills the existing rows.
    for name in COLUMNS:
        op.add_column("agency", sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_column("agency", name)
