"""The inbox of misunderstood messages (stripped text, language, the model's guess) that the
integration centre labels in the console.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "misunderstood_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("predicted_intent", sa.String(64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_intent", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_misunderstood_message_conversation_id", "misunderstood_message",
                    ["conversation_id"])
    op.create_index("ix_misunderstood_message_created_at", "misunderstood_message",
                    ["created_at"])
    op.create_index("ix_misunderstood_message_status", "misunderstood_message", ["status"])


def downgrade() -> None:
    op.drop_index("ix_misunderstood_message_status", table_name="misunderstood_message")
    op.drop_index("ix_misunderstood_message_created_at", table_name="misunderstood_message")
    op.drop_index("ix_misunderstood_message_conversation_id", table_name="misunderstood_message")
    op.drop_table("misunderstood_message")
