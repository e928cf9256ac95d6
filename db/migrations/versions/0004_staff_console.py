"""The staff console: accounts, audit log, staff messages, take-overs, and what caseworkers
set on a request (assignment, confirmed target groups, appointment).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REQUEST_COLUMNS = [
    sa.Column("assigned_to", sa.String(64), nullable=True),
    sa.Column("confirmed_target_groups", sa.JSON(), nullable=True),
    sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("appointment_mode", sa.String(16), nullable=True),
    sa.Column("appointment_place", sa.String(200), nullable=True),
    sa.Column("appointment_interpreter", sa.String(8), nullable=True),
]


def upgrade() -> None:
    with op.batch_alter_table("appointment_request") as batch:
        for column in REQUEST_COLUMNS:
            batch.add_column(column)
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_reference", "audit_entry", ["reference"])
    op.create_table(
        "staff_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_staff_message_conversation_id", "staff_message", ["conversation_id"])
    op.create_table(
        "takeover",
        sa.Column("conversation_id", sa.String(128), primary_key=True),
        sa.Column("taken_by", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("takeover")
    op.drop_index("ix_staff_message_conversation_id", table_name="staff_message")
    op.drop_table("staff_message")
    op.drop_index("ix_audit_entry_reference", table_name="audit_entry")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_table("staff_account")
    with op.batch_alter_table("appointment_request") as batch:
        for column in reversed(REQUEST_COLUMNS):
            batch.drop_column(column.name)
