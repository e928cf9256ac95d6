"""What caseworkers read and change in the queue. Every change is one transaction that also
writes the request's history (who, when, what)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from db.models import STATUSES, AppointmentRequest, StaffAccount, StatusChange, utcnow

CLOSING_STATUSES = ("referred", "closed")
MODES = ("home_visit", "office", "phone")


class RequestNotFound(LookupError):
    pass


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    target_group: str = ""
    to_check: bool = False
    referral: str = ""
    language: str = ""
    assigned: str = ""  # a user name, "none", or "" for all

    def matches(self, r: AppointmentRequest) -> bool:
        groups = r.confirmed_target_groups if r.confirmed_target_groups is not None else r.target_groups
        return (
            (not self.status or r.status == self.status)
            and (not self.target_group or self.target_group in groups)
            and (not self.to_check or bool(r.to_check))
            and (not self.referral or self.referral in r.referrals)
            and (not self.language or r.language == self.language)
            and (not self.assigned
                 or (self.assigned == "none" and not r.assigned_to)
                 or r.assigned_to == self.assigned)
        )


def queue(sessions: sessionmaker[Session], wanted: QueueFilter, limit: int = 500) -> list[AppointmentRequest]:
    """Requests newest first that match the filter."""
    with sessions() as session:
        rows = session.scalars(
            select(AppointmentRequest).order_by(AppointmentRequest.created_at.desc(),
                                                AppointmentRequest.id.desc()).limit(5000)
        )
        return [r for r in rows if wanted.matches(r)][:limit]


def count_new(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(
            select(func.count()).select_from(AppointmentRequest)
            .where(AppointmentRequest.status == "new")) or 0)


def find_request(sessions: sessionmaker[Session], reference: str) -> AppointmentRequest:
    with sessions() as session:
        found = session.scalar(
            select(AppointmentRequest).where(AppointmentRequest.reference == reference)
            .options(selectinload(AppointmentRequest.status_changes))
        )
        if found is None:
            raise RequestNotFound(reference)
        return found


def caseworkers(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        return [(a.username, a.display_name) for a in session.scalars(
            select(StaffAccount).where(StaffAccount.active.is_(True)).order_by(StaffAccount.display_name))]


def change(sessions: sessionmaker[Session], reference: str, by: str, note: str,
           status: str | None = None, **fields: Any) -> AppointmentRequest:
    """Sets fields (and the status), and records the change in the request's history."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status}")
    with sessions.begin() as session:
        found = session.scalar(
            select(AppointmentRequest).where(AppointmentRequest.reference == reference))
        if found is None:
            raise RequestNotFound(reference)
        for name, value in fields.items():
            setattr(found, name, value)
        if status is not None:
            found.status = status
        found.updated_at = utcnow()
        session.add(StatusChange(request_id=found.id, status=found.status, changed_by=by, note=note))
        return found


def appointment_time(day: str, time: str) -> dt.datetime:
    """A date and a time of day as entered (Europe/Berlin), as an aware datetime."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(f"{day}T{time}")
    return moment.replace(tzinfo=ZoneInfo("Europe/Berlin"))
