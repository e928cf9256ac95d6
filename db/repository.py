"""The Haan queue: creating, reading and erasing appointment requests.

Callers pass a ``sessionmaker``; every function is one unit of work (one transaction).
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.inbox import forget_inbox_of
from db.messages import forget_conversation
from db.models import (
    STATUS_CLOSED,
    STATUS_NEW,
    AppointmentRequest,
    ErasureRequest,
    StatusChange,
)

# Crockford's base32 without I, L, O, U: easy to read out on the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_ATTEMPTS = 5


def new_reference() -> str:
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class ConsentRecord:
    """Which consent text (version) the user agreed to, and when."""

    version: str
    given_at: dt.datetime


@dataclass(frozen=True)
class RequestDraft:
    conversation_id: str
    screening_id: str
    language: str
    answers: Mapping[str, Any]
    outcome: Mapping[str, list[str]]
    rules_version: str
    asked_for_person: bool = False
    consent: ConsentRecord | None = None


@dataclass(frozen=True)
class StoredRequest:
    reference: str
    status: str
    created: bool = field(default=False)


@dataclass(frozen=True)
class AppointmentDetails:
    contact_mode: str | None
    preferred_times: str | None
    interpreter_language: str | None


def create_appointment_request(
    sessions: sessionmaker[Session], draft: RequestDraft
) -> StoredRequest:
    """Idempotent per conversation and screening: a repeated call returns the same request.

    A later call may only add to it (``asked_for_person``), never lose what is there.
    """
    for _ in range(_REFERENCE_ATTEMPTS):
        try:
            with sessions.begin() as session:
                existing = _find(session, draft.conversation_id, draft.screening_id)
                if existing is not None:
                    if draft.asked_for_person and not existing.asked_for_person:
                        existing.asked_for_person = True
                    return StoredRequest(existing.reference, existing.status)
                request = AppointmentRequest(
                    reference=new_reference(),
                    conversation_id=draft.conversation_id,
                    screening_id=draft.screening_id,
                    language=draft.language,
                    status=STATUS_NEW,
                    answers=dict(draft.answers),
                    target_groups=list(draft.outcome.get("target_groups", [])),
                    to_check=list(draft.outcome.get("to_check", [])),
                    referrals=list(draft.outcome.get("referrals", [])),
                    routes=list(draft.outcome.get("routes", [])),
                    reasons=list(draft.outcome.get("reasons", [])),
                    rules_version=draft.rules_version,
                    asked_for_person=draft.asked_for_person,
                    consent_version=draft.consent.version if draft.consent else None,
                    consent_at=draft.consent.given_at if draft.consent else None,
                )
                request.status_changes.append(StatusChange(status=STATUS_NEW, changed_by="bot"))
                session.add(request)
                session.flush()
                return StoredRequest(request.reference, request.status, created=True)
        except IntegrityError:
            # Either a concurrent call stored this screening first (the next attempt finds
            # it) or the random reference was taken (the next attempt draws a new one).
            continue
    raise RuntimeError("could not store the appointment request")


def save_appointment_details(
    sessions: sessionmaker[Session],
    conversation_id: str,
    screening_id: str,
    details: AppointmentDetails,
) -> str | None:
    """Stores contact mode, times and interpreter language; returns the reference."""
    with sessions.begin() as session:
        request = _find(session, conversation_id, screening_id)
        if request is None:
            return None
        request.contact_mode = details.contact_mode
        request.preferred_times = details.preferred_times
        request.interpreter_language = details.interpreter_language
        return request.reference


def requests_of_conversation(
    sessions: sessionmaker[Session], conversation_id: str
) -> list[StoredRequest]:
    with sessions() as session:
        rows = session.scalars(
            select(AppointmentRequest)
            .where(AppointmentRequest.conversation_id == conversation_id)
            .order_by(AppointmentRequest.created_at.desc(), AppointmentRequest.id.desc())
        )
        return [StoredRequest(r.reference, r.status) for r in rows]


def erase_conversation(sessions: sessionmaker[Session], conversation_id: str) -> int:
    """Deletes every request of a conversation (with its history), its staff messages and its
    entries in the inbox of misunderstood messages, and records the erasure,
    so that the conversation's events are deleted from Rasa's tracker store too; returns how
    many requests."""
    with sessions.begin() as session:
        session.add(ErasureRequest(conversation_id=conversation_id))
        forget_conversation(session, conversation_id)
        forget_inbox_of(session, conversation_id)
        ids = list(
            session.scalars(
                select(AppointmentRequest.id).where(
                    AppointmentRequest.conversation_id == conversation_id
                )
            )
        )
        if ids:
            session.execute(delete(StatusChange).where(StatusChange.request_id.in_(ids)))
            session.execute(delete(AppointmentRequest).where(AppointmentRequest.id.in_(ids)))
        return len(ids)


def pending_erasures(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(dict.fromkeys(session.scalars(select(ErasureRequest.conversation_id))))


def complete_erasures(sessions: sessionmaker[Session], conversation_ids: list[str]) -> None:
    with sessions.begin() as session:
        session.execute(
            delete(ErasureRequest).where(ErasureRequest.conversation_id.in_(conversation_ids))
        )


def delete_closed_before(sessions: sessionmaker[Session], cutoff: dt.datetime) -> int:
    """Deletes requests closed before ``cutoff`` (with their history); returns how many."""
    with sessions.begin() as session:
        ids = list(
            session.scalars(
                select(AppointmentRequest.id).where(
                    AppointmentRequest.status == STATUS_CLOSED,
                    AppointmentRequest.updated_at < cutoff,
                )
            )
        )
        if ids:
            session.execute(delete(StatusChange).where(StatusChange.request_id.in_(ids)))
            session.execute(delete(AppointmentRequest).where(AppointmentRequest.id.in_(ids)))
        return len(ids)


def export_requests(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.scalars(
            select(AppointmentRequest).order_by(
                AppointmentRequest.created_at, AppointmentRequest.id
            )
        )
        return [_as_export(r) for r in rows]


def _find(session: Session, conversation_id: str, screening_id: str) -> AppointmentRequest | None:
    return session.scalar(
        select(AppointmentRequest).where(
            AppointmentRequest.conversation_id == conversation_id,
            AppointmentRequest.screening_id == screening_id,
        )
    )


def _as_export(r: AppointmentRequest) -> dict[str, Any]:
    return {
        "reference": r.reference,
        "created_at": r.created_at.isoformat(),
        "status": r.status,
        "language": r.language,
        "target_groups": r.target_groups,
        "to_check": r.to_check,
        "referrals": r.referrals,
        "routes": r.routes,
        "reasons": r.reasons,
        "answers": r.answers,
        "asked_for_person": r.asked_for_person,
        "contact_mode": r.contact_mode,
        "preferred_times": r.preferred_times,
        "interpreter_language": r.interpreter_language,
        "conversation_id": r.conversation_id,
        "rules_version": r.rules_version,
        "consent_version": r.consent_version,
        "consent_at": r.consent_at.isoformat() if r.consent_at else None,
    }
