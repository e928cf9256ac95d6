"""Record which consent text a request's user agreed to, and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointment_request") as batch:
        batch.add_column(sa.Column("consent_version", sa.String(32), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appointment_request") as batch:
        batch.drop_column("consent_at")
        batch.drop_column("consent_version")
