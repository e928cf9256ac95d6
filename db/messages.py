"""Messages from staff to newcomers, waiting for their channel to deliver them, and the
conversations a caseworker has taken over. Each function is one unit of work."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEntry, StaffMessage, Takeover, utcnow


@dataclass(frozen=True)
class Outgoing:
    id: int
    conversation_id: str
    text: str


def queue_message(sessions: sessionmaker[Session], conversation_id: str, text: str, by: str) -> None:
    with sessions.begin() as session:
        session.add(StaffMessage(conversation_id=conversation_id, text=text, created_by=by))


def undelivered(
    sessions: sessionmaker[Session], channel_prefix: str = "", conversation_id: str | None = None,
    limit: int = 100,
) -> list[Outgoing]:
    """Messages not yet delivered, oldest first: of one conversation, or of one channel."""
    query = select(StaffMessage).where(StaffMessage.delivered_at.is_(None))
    if conversation_id is not None:
        query = query.where(StaffMessage.conversation_id == conversation_id)
    else:
        query = query.where(StaffMessage.conversation_id.startswith(channel_prefix))
    with sessions() as session:
        rows = session.scalars(query.order_by(StaffMessage.id).limit(limit))
        return [Outgoing(m.id, m.conversation_id, m.text) for m in rows]


def mark_delivered(sessions: sessionmaker[Session], ids: list[int]) -> None:
    if not ids:
        return
    with sessions.begin() as session:
        session.execute(
            update(StaffMessage).where(StaffMessage.id.in_(ids)).values(delivered_at=utcnow())
        )


def take_over(sessions: sessionmaker[Session], conversation_id: str, by: str) -> None:
    with sessions.begin() as session:
        if session.get(Takeover, conversation_id) is None:
            session.add(Takeover(conversation_id=conversation_id, taken_by=by))


def hand_back(sessions: sessionmaker[Session], conversation_id: str) -> None:
    with sessions.begin() as session:
        session.execute(delete(Takeover).where(Takeover.conversation_id == conversation_id))


def taken_over_by(sessions: sessionmaker[Session], conversation_id: str) -> str | None:
    with sessions() as session:
        takeover = session.get(Takeover, conversation_id)
        return takeover.taken_by if takeover else None


def forget_conversation(session: Session, conversation_id: str) -> None:
    """Within an erasure: the conversation's staff messages and take-over go too."""
    session.execute(delete(StaffMessage).where(StaffMessage.conversation_id == conversation_id))
    session.execute(delete(Takeover).where(Takeover.conversation_id == conversation_id))


def delete_messages(sessions: sessionmaker[Session], older_than: dt.datetime,
                    conversation_ids: list[str]) -> int:
    """Staff messages written before ``older_than``, and every one of these conversations."""
    with sessions.begin() as session:
        result = session.execute(delete(StaffMessage).where(
            (StaffMessage.created_at < older_than)
            | StaffMessage.conversation_id.in_(conversation_ids)))
        session.execute(delete(Takeover).where(Takeover.conversation_id.in_(conversation_ids)))
        return int(result.rowcount or 0)


def delete_audit_before(sessions: sessionmaker[Session], cutoff: dt.datetime) -> int:
    with sessions.begin() as session:
        return int(session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount or 0)
