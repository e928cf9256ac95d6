"""The Haan queue: appointment requests and their status history.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("screening_id", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("to_check", sa.JSON(), nullable=False),
        sa.Column("referrals", sa.JSON(), nullable=False),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("rules_version", sa.String(32), nullable=False),
        sa.Column("asked_for_person", sa.Boolean(), nullable=False),
        sa.Column("contact_mode", sa.String(16), nullable=True),
        sa.Column("preferred_times", sa.String(200), nullable=True),
        sa.Column("interpreter_language", sa.String(8), nullable=True),
        sa.UniqueConstraint("conversation_id", "screening_id"),
    )
    op.create_index(
        "ix_appointment_request_conversation_id", "appointment_request", ["conversation_id"]
    )
    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("appointment_request.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_status_change_request_id", "status_change", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_status_change_request_id", table_name="status_change")
    op.drop_table("status_change")
    op.drop_index("ix_appointment_request_conversation_id", table_name="appointment_request")
    op.drop_table("appointment_request")
