"""The retention job: closed requests past N days and quiet conversations past M days go;
everything else stays."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.models import AppointmentRequest, AuditEntry, StaffMessage
from db.repository import RequestDraft, create_appointment_request, export_requests
from db.session import make_engine
from db.tracker_store import EVENTS
from intake.paths import PROJECT_DIR
from intake.retention import apply_retention

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def request(sessions: sessionmaker[Session], conversation: str, status: str, days_ago: int) -> None:
    create_appointment_request(sessions, RequestDraft(
        conversation_id=conversation, screening_id="s", language="de", answers={},
        outcome={}, rules_version="v"))
    with sessions.begin() as session:
        session.execute(update(AppointmentRequest)
                        .where(AppointmentRequest.conversation_id == conversation)
                        .values(status=status, updated_at=NOW - dt.timedelta(days=days_ago)))


def staff_message(sessions: sessionmaker[Session], conversation: str, days_ago: int) -> None:
    with sessions.begin() as session:
        session.add(StaffMessage(conversation_id=conversation, text="Hallo", created_by="mara",
                                 created_at=NOW - dt.timedelta(days=days_ago)))


def audit_entry(sessions: sessionmaker[Session], days_ago: int) -> None:
    with sessions.begin() as session:
        session.add(AuditEntry(username="mara", action="Anfrage angesehen",
                               at=NOW - dt.timedelta(days=days_ago)))


def trackers(path: Path, events: dict[str, list[int]]) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    EVENTS.metadata.create_all(engine)
    with engine.begin() as connection:
        for sender, days_ago in events.items():
            for days in days_ago:
                connection.execute(insert(EVENTS).values(
                    sender_id=sender, timestamp=(NOW - dt.timedelta(days=days)).timestamp()))
    engine.dispose()
    return url


def test_retention_deletes_only_what_is_past_its_time(queue_url: str, sessions: sessionmaker[Session],
                                                      tmp_path: Path) -> None:
    request(sessions, "closed-long-ago", "closed", 200)
    request(sessions, "closed-recently", "closed", 10)
    request(sessions, "open-long-ago", "new", 400)
    tracker_url = trackers(tmp_path / "trackers.sqlite3",
                           {"quiet": [60, 45], "talking": [60, 1], "new": [0]})
    staff_message(sessions, "quiet", days_ago=45)     # its conversation goes
    staff_message(sessions, "talking", days_ago=40)   # older than the conversations' time
    staff_message(sessions, "talking", days_ago=2)
    audit_entry(sessions, days_ago=400)
    audit_entry(sessions, days_ago=300)

    report = apply_retention(queue_url, tracker_url, closed_days=180, conversation_days=30, now=NOW)

    assert report == {"closed_requests": 1, "conversations": 1, "erased_conversations": 0,
                      "tracker_events": 2, "staff_messages": 2, "audit_entries": 1,
                      "inbox_entries": 0}
    with sessions() as session:
        assert [m.conversation_id for m in session.scalars(select(StaffMessage))] == ["talking"]
    left = sorted(r["conversation_id"] for r in export_requests(sessions))
    assert left == ["closed-recently", "open-long-ago"]
    engine = make_engine(tracker_url)
    with engine.connect() as connection:
        senders = {row[0] for row in connection.execute(EVENTS.select().with_only_columns(EVENTS.c.sender_id))}
    engine.dispose()
    assert senders == {"talking", "new"}


def test_retention_command_reports_counts_only(queue_url: str, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": queue_url,
           "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}"}
    result = subprocess.run([sys.executable, "-m", "intake.cli", "retention", "--closed-days", "0"],
                            capture_output=True, text=True, cwd=PROJECT_DIR, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"closed_requests": 0, "conversations": 0,
                                         "erased_conversations": 0, "tracker_events": 0,
                                         "staff_messages": 0, "audit_entries": 0,
                                         "inbox_entries": 0}


def test_an_erasure_removes_the_conversation_from_the_tracker_store(
    queue_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from db.repository import erase_conversation, pending_erasures

    request(sessions, "erase-me", "new", 0)
    erase_conversation(sessions, "erase-me")
    assert export_requests(sessions) == []
    tracker_url = trackers(tmp_path / "trackers.sqlite3", {"erase-me": [0, 0], "other": [0]})
    report = apply_retention(queue_url, tracker_url, closed_days=180, conversation_days=30, now=NOW)
    assert report["erased_conversations"] == 1 and report["tracker_events"] == 2
    assert pending_erasures(sessions) == []
