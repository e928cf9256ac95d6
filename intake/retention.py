"""The retention job (`intake retention`, for cron or a systemd timer): deletes requests closed
more than N days ago from the queue, and conversations without a new message for M days from
Rasa's tracker store. Reports counts only."""
from __future__ import annotations

import datetime as dt


from db.repository import delete_closed_before
from db.session import make_engine, session_factory
from db.tracker_store import delete_conversations, quiet_conversations


def apply_retention(
    queue_url: str,
    tracker_store_url: str,
    closed_days: int,
    conversation_days: int,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    now = now or dt.datetime.now(dt.timezone.utc)
    closed = delete_closed_before(session_factory(queue_url), now - dt.timedelta(days=closed_days))
    engine = make_engine(tracker_store_url)
    try:
        quiet = quiet_conversations(engine, now.timestamp() - conversation_days * 86_400)
        events = delete_conversations(engine, quiet)
    finally:
        engine.dispose()
    return {"closed_requests": closed, "conversations": len(quiet), "tracker_events": events}


