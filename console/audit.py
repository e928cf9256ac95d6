"""The audit log: who saw or changed or exported what, when."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.accounts import Staff
from db.models import AuditEntry

VIEW = "Anfrage angesehen"
CHANGE = "Anfrage geändert"
EXPORT = "Export"
MESSAGE = "Nachricht gesendet"
ERASURE = "Daten gelöscht"
LOGIN = "Anmeldung"
LOGIN_FAILED = "Anmeldung fehlgeschlagen"


def record(sessions: sessionmaker[Session], who: Staff | str, action: str,
           reference: str | None = None, detail: str | None = None) -> None:
    username = who.username if isinstance(who, Staff) else who
    with sessions.begin() as session:
        session.add(AuditEntry(username=username[:64], action=action, reference=reference,
                               detail=detail))


def recent(sessions: sessionmaker[Session], limit: int = 500) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
