"""A one-time token per registration form: back and resubmit registers nothing twice

Revision ID: 0018
Revises: 0012

The desk gives every registration form a random token; the application it makes keeps it, and a unique index
refuses a second application from the same form. Existing applications have none (NULL, which the index allows
any number of times). The new status `voided` (a registration made in error) needs no schema change: statuses
are stored as their codes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("application", sa.Column("form_token", sa.String(length=64), nullable=True))
    op.create_index("ux_application_form_token", "application", ["form_token"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_application_form_token", table_name="application")
    op.drop_column("application", "form_token")
