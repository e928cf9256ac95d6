"""The inbox of misunderstood messages: collecting (already stripped) texts, listing and
deciding them in the console, deleting them on erasure and after the retention period.

Callers pass a ``sessionmaker``; every function is one unit of work. The conversation id is
kept for erasure only: nothing here hands it out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import (
    INBOX_ACCEPTED,
    INBOX_NEW,
    INBOX_NOISE,
    MisunderstoodMessage,
    utcnow,
)


class EntryNotFound(LookupError):
    """No such entry, or it was deleted (erasure, retention)."""


class AlreadyDecided(Exception):
    """Someone else labelled the entry first."""


@dataclass(frozen=True)
class Misunderstood:
    """What the action server collects (the text already stripped)."""

    conversation_id: str
    text: str
    language: str
    predicted_intent: str | None
    confidence: float


@dataclass(frozen=True)
class InboxEntry:
    """An entry as the console shows it: no conversation id."""

    id: int
    text: str
    language: str
    predicted_intent: str | None
    confidence: float
    created_at: dt.datetime
    status: str
    assigned_intent: str | None


def collect(sessions: sessionmaker[Session], message: Misunderstood) -> bool:
    """Stores the message unless the conversation has the same text waiting already (a turn
    sent again); returns whether it stored it."""
    with sessions.begin() as session:
        waiting = session.scalar(
            select(MisunderstoodMessage.id).where(
                MisunderstoodMessage.conversation_id == message.conversation_id,
                MisunderstoodMessage.text == message.text,
                MisunderstoodMessage.status == INBOX_NEW,
            ).limit(1)
        )
        if waiting is not None:
            return False
        session.add(MisunderstoodMessage(
            conversation_id=message.conversation_id, text=message.text,
            language=message.language, predicted_intent=message.predicted_intent,
            confidence=message.confidence, status=INBOX_NEW,
        ))
        return True


def new_entries(sessions: sessionmaker[Session], limit: int = 200) -> list[InboxEntry]:
    """Entries still to be labelled, oldest first."""
    with sessions() as session:
        rows = session.scalars(
            select(MisunderstoodMessage)
            .where(MisunderstoodMessage.status == INBOX_NEW)
            .order_by(MisunderstoodMessage.created_at, MisunderstoodMessage.id)
            .limit(limit)
        )
        return [_entry(row) for row in rows]


def count_new_entries(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(
            select(func.count()).select_from(MisunderstoodMessage)
            .where(MisunderstoodMessage.status == INBOX_NEW)) or 0)


def find_entry(sessions: sessionmaker[Session], entry_id: int) -> InboxEntry:
    with sessions() as session:
        row = session.get(MisunderstoodMessage, entry_id)
        if row is None:
            raise EntryNotFound(entry_id)
        return _entry(row)


def decide(sessions: sessionmaker[Session], entry_id: int, intent: str | None, by: str,
           now: dt.datetime | None = None) -> InboxEntry:
    """Labels a new entry with its intent (accepted as a training example), or with ``None``
    as noise."""
    with sessions.begin() as session:
        row = session.get(MisunderstoodMessage, entry_id, with_for_update=True)
        if row is None:
            raise EntryNotFound(entry_id)
        if row.status != INBOX_NEW:
            raise AlreadyDecided(entry_id)
        row.status = INBOX_ACCEPTED if intent else INBOX_NOISE
        row.assigned_intent = intent or None
        row.decided_by = by[:64]
        row.decided_at = now or utcnow()
        session.flush()
        return _entry(row)


def forget_inbox_of(session: Session, conversation_id: str) -> int:
    """Within an erasure: every entry of the conversation goes; returns how many."""
    result = session.execute(
        delete(MisunderstoodMessage).where(MisunderstoodMessage.conversation_id == conversation_id)
    )
    return int(result.rowcount or 0)


def delete_inbox_before(sessions: sessionmaker[Session], cutoff: dt.datetime) -> int:
    """Entries collected before ``cutoff``, decided or not; returns how many."""
    with sessions.begin() as session:
        result = session.execute(
            delete(MisunderstoodMessage).where(MisunderstoodMessage.created_at < cutoff)
        )
        return int(result.rowcount or 0)


def _entry(row: MisunderstoodMessage) -> InboxEntry:
    created = row.created_at
    if created.tzinfo is None:  # SQLite gives naive datetimes back; they were stored in UTC.
        created = created.replace(tzinfo=dt.timezone.utc)
    return InboxEntry(row.id, row.text, row.language, row.predicted_intent, row.confidence,
                      created, row.status, row.assigned_intent)
