"""Rasa's SQL tracker store, as far as retention needs it: which conversations have been
quiet for a while, and deleting their events. Rasa owns the table (``events``); this module
only reads timestamps and deletes whole conversations."""
from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, delete, func, inspect, select
from sqlalchemy.engine import Engine

_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("timestamp", Float),
)


def quiet_conversations(engine: Engine, before_epoch: float) -> list[str]:
    """Conversations whose newest event is older than ``before_epoch`` (seconds)."""
    if not inspect(engine).has_table("events"):
        return []
    query = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < before_epoch)
    )
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(query)]


def delete_conversations(engine: Engine, sender_ids: list[str]) -> int:
    """Deletes every event of these conversations; returns how many events."""
    if not sender_ids:
        return 0
    deleted = 0
    with engine.begin() as connection:
        for start in range(0, len(sender_ids), 500):
            chunk = sender_ids[start : start + 500]
            deleted += connection.execute(
                delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))
            ).rowcount
    return deleted
