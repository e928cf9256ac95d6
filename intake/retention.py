"""The retention job (`intake retention`, for cron or a systemd timer): deletes requests closed
more than N days ago from the queue, conversations without a new message for M days from
Rasa's tracker store, and the tracker events of every conversation whose user asked for
erasure since the last run; with them, caseworkers' messages to those conversations; entries
of the inbox of misunderstood messages older than 30 days; and audit log entries older than a
year (configurable). Reports counts only."""
from __future__ import annotations

import datetime as dt

from db.inbox import delete_inbox_before
from db.messages import delete_audit_before, delete_messages
from db.repository import complete_erasures, delete_closed_before, pending_erasures
from db.session import make_engine, session_factory
from db.tracker_store import delete_conversations, quiet_conversations


def apply_retention(
    queue_url: str,
    tracker_store_url: str,
    closed_days: int,
    conversation_days: int,
    now: dt.datetime | None = None,
    audit_days: int = 365,
    inbox_days: int = 30,
) -> dict[str, int]:
    now = now or dt.datetime.now(dt.timezone.utc)
    queue = session_factory(queue_url)
    closed = delete_closed_before(queue, now - dt.timedelta(days=closed_days))
    erased = pending_erasures(queue)
    engine = make_engine(tracker_store_url)
    try:
        quiet = quiet_conversations(engine, now.timestamp() - conversation_days * 86_400)
        events = delete_conversations(engine, sorted(set(quiet) | set(erased)))
    finally:
        engine.dispose()
    gone = sorted(set(quiet) | set(erased))
    messages = delete_messages(queue, now - dt.timedelta(days=conversation_days), gone)
    audit = delete_audit_before(queue, now - dt.timedelta(days=audit_days))
    inbox = delete_inbox_before(queue, now - dt.timedelta(days=inbox_days))
    complete_erasures(queue, erased)
    return {
        "closed_requests": closed,
        "conversations": len(set(quiet) - set(erased)),
        "erased_conversations": len(erased),
        "tracker_events": events,
        "staff_messages": messages,
        "audit_entries": audit,
        "inbox_entries": inbox,
    }


