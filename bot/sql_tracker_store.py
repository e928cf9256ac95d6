"""Rasa's SQL tracker store with less work per message (in Rasa's virtualenv; installed by
bot.rasa_speedups).

On every message Rasa 3.6 reads each event of the conversation's session from the database,
decodes it and replays it into a new tracker; to save, it counts the stored events again and
adds the rest one ORM object at a time. That was about a third of a Rasa server's time in a
screening, growing with every answer. Here:

- each Rasa server keeps the trackers it saved last (`MAX_REMEMBERED`); on the conversation's
  next message it reads only the events stored after the last one it knows (those another
  server saved in between) and applies them. It reads the whole session as Rasa does when it
  knows no tracker, when the last event it knows is gone (the conversation was erased), when
  another server began a new session, or when a new model (domain) was loaded;
- a tracker that began a session this turn is not kept: read again, it starts at the new
  session, as Rasa's does;
- a tracker leaves the memory when it is read, so only one turn at a time holds it; a turn that
  is not saved leaves nothing behind, and the next read is a whole one;
- a save adds the new events in one statement, from where the last read or save left off;
- a whole read selects only the columns it needs, and the fallback count counts ids.

Rasa's conversation lock keeps two servers from writing the same conversation at once, which
is what makes "the events after the last one I know" all there is to read.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from typing import Any, NamedTuple

# Measured: 500 screenings raised a server's memory from 763 to 828 MB (0.13 MB each), so
# 500 trackers stay under 70 MB. A conversation that is not kept is read whole again.
MAX_REMEMBERED = 500
# Attributes this module keeps on Rasa's objects (a tracker compares by value: no dict key).
_POSITION = "_kim_stored_position"
_REMEMBERED = "_kim_remembered_trackers"


class _Position(NamedTuple):
    saved_up_to: int            # the tracker's events before this index are stored
    last: tuple[int, Any] | None  # id and timestamp of the conversation's last stored event


class _Stored(NamedTuple):
    id: int
    timestamp: Any


_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
_INSERT_RETURNING = (f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES %s "
                     "RETURNING id, timestamp")


class _Remembered(NamedTuple):
    tracker: Any
    domain: Any


def install() -> None:
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import Event, SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker

    try:
        from psycopg2.extras import execute_values
    except ImportError:  # no PostgreSQL driver: saves take the portable way
        execute_values = None

    def remembered(store: Any) -> OrderedDict[str, _Remembered]:
        if not hasattr(store, _REMEMBERED):
            setattr(store, _REMEMBERED, OrderedDict())
        return getattr(store, _REMEMBERED)

    def position(tracker: Any) -> _Position | None:
        return getattr(tracker, _POSITION, None)

    def set_position(tracker: Any, saved_up_to: int, last: Any) -> None:
        setattr(tracker, _POSITION,
                _Position(saved_up_to, None if last is None else (last.id, last.timestamp)))

    event = SQLTrackerStore.SQLEvent
    read_after = (sa.select(event.id, event.timestamp, event.type_name, event.data)
                  .where(event.sender_id == sa.bindparam("sender_id"),
                         event.id >= sa.bindparam("last_id"))
                  .order_by(event.id))
    read_last = (sa.select(event.id, event.timestamp)
                 .where(event.sender_id == sa.bindparam("sender_id"))
                 .order_by(event.id.desc()).limit(1))

    def last_stored(session: Any, sender_id: str) -> Any:
        return session.execute(read_last, {"sender_id": sender_id}).first()

    def read_on(store: Any, session: Any, known: _Remembered, sender_id: str) -> Any:
        """The known tracker with the events stored after it, or None when it cannot be."""
        known_position = position(known.tracker)
        if (known.domain is not store.domain or known_position is None
                or known_position.last is None):
            return None
        rows = session.execute(read_after, {"sender_id": sender_id,
                                            "last_id": known_position.last[0]}).all()
        # The timestamp too: SQLite gives the ids of deleted rows again.
        if not rows or (rows[0].id, rows[0].timestamp) != known_position.last:
            return None
        if any(row.type_name == SessionStarted.type_name for row in rows[1:]):
            return None
        tracker = known.tracker
        for row in rows[1:]:
            tracker.update(Event.from_parameters(json.loads(row.data)))
        set_position(tracker, len(tracker.events), rows[-1])
        return tracker

    def read_whole(self: Any, sender_id: str, all_sessions: bool) -> Any:
        """Rasa's whole read, selecting only the columns it needs. A tracker of the latest
        session knows where it was stored up to, so that it can be saved and kept."""
        with self.session_scope() as session:
            rows = (self._event_query(session, sender_id, all_sessions)
                    .with_entities(self.SQLEvent.id, self.SQLEvent.timestamp,
                                   self.SQLEvent.data).all())
        if not (self.domain and rows):
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots)
        if not all_sessions:
            set_position(tracker, len(tracker.events), rows[-1])
        return tracker

    async def retrieve(self: Any, sender_id: str) -> Any:
        known = remembered(self).pop(sender_id, None)
        if known is not None:
            with self.session_scope() as session:
                tracker = read_on(self, session, known, sender_id)
            if tracker is not None:
                return tracker
        return read_whole(self, sender_id, all_sessions=False)

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        return read_whole(self, sender_id, fetch_events_from_all_sessions)

    def _additional_events(self: Any, session: Any, tracker: Any) -> Any:
        stored = (self._event_query(session, tracker.sender_id, False).order_by(None)
                  .with_entities(sa.func.count(self.SQLEvent.id)).scalar())
        return itertools.islice(tracker.events, stored, len(tracker.events))

    def row(sender_id: str, event: Any) -> dict[str, Any]:
        data = event.as_dict()
        return {"sender_id": sender_id, "type_name": event.type_name,
                "timestamp": data.get("timestamp"), "action_name": data.get("name"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                "data": json.dumps(data)}

    def write(self: Any, tracker: Any) -> list[Any]:
        known = position(tracker)
        with self.session_scope() as session:
            if known is None:
                new = list(self._additional_events(session, tracker))
            else:
                new = list(itertools.islice(tracker.events, known.saved_up_to, None))
            rows = [row(tracker.sender_id, event) for event in new]
            if rows and execute_values and self.engine.dialect.driver == "psycopg2":
                # One statement that gives back what the next read starts from.
                cursor = session.connection().connection.cursor()
                stored = execute_values(
                    cursor, _INSERT_RETURNING, [tuple(r[c] for c in _COLUMNS) for r in rows],
                    fetch=True)
                last = _Stored(*max(stored))
            else:
                if rows:
                    session.execute(self.SQLEvent.__table__.insert(), rows)
                last = last_stored(session, tracker.sender_id) if rows or known is None \
                    else None
            session.commit()
        if new or known is None:
            set_position(tracker, len(tracker.events), last)
        return new

    async def save(self: Any, tracker: Any) -> None:
        await self.stream_events(tracker)
        new = write(self, tracker)
        # A tracker that began a session holds the one before too; a whole read gives what
        # Rasa's would, from the session's start.
        if position(tracker).last is not None and not any(
                isinstance(event, SessionStarted) for event in new):
            trackers = remembered(self)
            trackers[tracker.sender_id] = _Remembered(tracker, self.domain)
            trackers.move_to_end(tracker.sender_id)
            while len(trackers) > MAX_REMEMBERED:
                trackers.popitem(last=False)

    SQLTrackerStore.retrieve = retrieve
    SQLTrackerStore._retrieve = _retrieve
    SQLTrackerStore._additional_events = _additional_events
    SQLTrackerStore.save = save
