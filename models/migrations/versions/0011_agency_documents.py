"""What an agency's documents need: its seal image, a contact person, the public status page, how fees are paid

Revision ID: 0011
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("seal_image", "contact_person", "status_url", "fee_payee", "fee_bank", "fee_account", "fee_payment_code",
           "fee_payment_qr", "fee_payment_place")


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
    with op.batch_alter_table("agency") as batch:  # the model has no server default: existing rows are filled now
        for name in COLUMNS:
            batch.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
