"""SQLAlchemy 2 models of the Haan CM queue."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
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
    contact_mode: Mapped[Optional[str]] = mapped_column(String(16))
    preferred_times: Mapped[Optional[str]] = mapped_column(String(200))
    interpreter_language: Mapped[Optional[str]] = mapped_column(String(8))
    consent_version: Mapped[Optional[str]] = mapped_column(String(32))
    consent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))

    status_changes: Mapped[list["StatusChange"]] = relationship(
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
    note: Mapped[Optional[str]] = mapped_column(Text)

    request: Mapped[AppointmentRequest] = relationship(back_populates="status_changes")


class ErasureRequest(Base):
    """A user's request to erase their conversation, kept until the events in Rasa's tracker
    store are deleted too (the retention job does that after Rasa has saved the turn)."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
