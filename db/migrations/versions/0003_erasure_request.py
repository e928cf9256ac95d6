"""Erasure requests, kept until the conversation is gone from Rasa's tracker store too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_erasure_request_conversation_id", "erasure_request", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_erasure_request_conversation_id", table_name="erasure_request")
    op.drop_table("erasure_request")
