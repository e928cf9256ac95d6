"""SQLAlchemy 2 models of the Haan CM queue."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

STATUS_NEW = "new"
STATUS_CLOSED = "closed"
STATUSES = ("new", "assigned", "scheduled", "referred", "closed")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class AppointmentRequest(Base):
    """One newcomer's request for the Haan case management, with the screening behind it."""

    __tablename__ = "appointment_request"
    __table_args__ = (UniqueConstraint("conversation_id", "screening_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    screening_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(32), default=STATUS_NEW)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    answers: Mapped[dict[str, Any]]
    target_groups: Mapped[list[str]]
    to_check: Mapped[list[str]]
    referrals: Mapped[list[str]]
    routes: Mapped[list[str]]
    reasons: Mapped[list[str]]
    rules_version: Mapped[str] = mapped_column(String(32))
    asked_for_person: Mapped[bool] = mapped_column(default=False)
    contact_mode: Mapped[str | None] = mapped_column(String(16))
    preferred_times: Mapped[str | None] = mapped_column(String(200))
    interpreter_language: Mapped[str | None] = mapped_column(String(8))
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Set in the staff console.
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    confirmed_target_groups: Mapped[list[str] | None] = mapped_column(JSON)
    appointment_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    appointment_mode: Mapped[str | None] = mapped_column(String(16))
    appointment_place: Mapped[str | None] = mapped_column(String(200))
    appointment_interpreter: Mapped[str | None] = mapped_column(String(8))

    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="StatusChange.id"
    )


class StatusChange(Base):
    """History of a request's status: who set which status when."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_request.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[AppointmentRequest] = relationship(back_populates="status_changes")


class ErasureRequest(Base):
    """A user's request to erase their conversation, kept until the events in Rasa's tracker
    store are deleted too (the retention job does that after Rasa has saved the turn)."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


ROLE_CASEWORKER = "caseworker"
ROLE_KI_ADMIN = "ki_admin"
ROLES = (ROLE_CASEWORKER, ROLE_KI_ADMIN)


class StaffAccount(Base):
    """A named login of the staff console (department 50-22 or the integration centre)."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who saw or changed what, when: every view of a request's personal data, every change,
    every export. Kept apart from the request, so that it outlives its deletion."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(16), index=True)
    detail: Mapped[str | None] = mapped_column(Text)


class StaffMessage(Base):
    """A message from a caseworker (or the console, e.g. an appointment) to a newcomer, until
    the newcomer's channel has delivered it."""

    __tablename__ = "staff_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Takeover(Base):
    """A conversation a caseworker has taken over: the bot is paused for it."""

    __tablename__ = "takeover"

    conversation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    taken_by: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


INBOX_NEW = "new"
INBOX_ACCEPTED = "accepted"
INBOX_NOISE = "noise"
INBOX_STATUSES = (INBOX_NEW, INBOX_ACCEPTED, INBOX_NOISE)


class MisunderstoodMessage(Base):
    """A message the bot did not understand, collected with the user's consent and stripped of
    numbers, names, phone numbers, e-mail addresses and links (intake/redaction.py), until the
    integration centre labels it and the retention job deletes it."""

    __tablename__ = "misunderstood_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    # Only to erase the entry with its conversation; never shown.
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    predicted_intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=INBOX_NEW, index=True)
    assigned_intent: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
