"""Starts the Rasa server (in Rasa's own virtualenv: ``python -m bot.rasa_server run …``) with
its log records stripped of what people wrote and answered, with turns whose custom action
failed left unsaved (see keep_failed_turns_out), with a tracker store that fails a turn
rather than forget a conversation (see tracker_store_errors_fail_the_turn), and with the
speed-ups of bot/rasa_speedups.py and bot/sql_tracker_store.py.

At DEBUG, Rasa 3.6 logs message texts, slot values and dialogue states, mostly as JSON
(structlog), some as plain text. Every record of a ``rasa`` logger passes through here before
any handler sees it: JSON keeps only the keys below; plain text loses slot values and texts.
Only the standard library and Rasa may be used: this runs beside Rasa, not in the app's
virtualenv.
"""
from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from typing import Any

from bot import rasa_speedups

REDACTED = "[redacted]"
# Keys of Rasa's structured log events that name what happened, never what was said.
KEPT_KEYS = frozenset({
    "event", "level", "action_name", "policy_name", "action_extract_slot",
    "len_extraction_events", "parse_data_intent", "intent", "confidence", "loop_name",
    "requested_slot", "model_id", "event_key",
})
_TEXT_PATTERNS = [
    (re.compile(r"(value: )[^,)\n]*"), r"\1" + REDACTED),
    (re.compile(r"(user text: )[^|\n]*"), r"\1" + REDACTED),
    (re.compile(r"((?:text|message|slot_values?|entities)['\"]?\s*[:=]\s*)('[^']*'|\"[^\"]*\"|\{[^}]*\}|\[[^\]]*\])"),
     r"\1" + REDACTED),
    (re.compile(r"(user message )'[^']*'"), r"\1" + REDACTED),
    (re.compile(r"(resulted in these events: ).+"), r"\1" + REDACTED),
]


def redact(message: str) -> str:
    stripped = message.strip()
    if stripped.startswith("{"):
        try:
            event = json.loads(stripped)
        except ValueError:
            event = None
        if isinstance(event, dict):
            kept = {k: (v if k in KEPT_KEYS else REDACTED) for k, v in event.items()}
            if isinstance(kept.get("parse_data_intent"), dict):
                intent = kept["parse_data_intent"]
                kept["parse_data_intent"] = {
                    "name": intent.get("name"), "confidence": intent.get("confidence")}
            return json.dumps(kept)
    for pattern, replacement in _TEXT_PATTERNS:
        message = pattern.sub(replacement, message)
    return message


def install() -> None:
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.name.startswith("rasa"):
            try:
                message = record.getMessage()
            except Exception:  # a malformed record: drop its arguments, keep its name
                message = str(record.msg)
            record.msg, record.args = redact(message), None
        return record

    logging.setLogRecordFactory(redacting_record)


class _TurnNotSaved(Exception):
    pass


class TrackerStoreUnavailable(Exception):
    """The tracker store (PostgreSQL, say) did not answer; the turn cannot happen now."""


# The custom actions that failed in the turn being handled (a list, so that tasks Rasa may start
# inside a turn add to the same one).
_failed_actions: ContextVar[list[str] | None] = ContextVar("failed_actions", default=None)


def keep_failed_turns_out() -> None:
    """A turn in which a custom action failed is not saved, and answers nothing.

    Rasa 3.6 goes on after a failed action (the action server restarting, say): it saves the
    turn without the action's events and answers with whatever came before, so a greeting
    without its question, or an answer that never reached the form, and the conversation
    is out of step. Not saving the turn and answering nothing lets the channel (bot/channel/
    rasa.py) send the message again once the action server is back: the turn happens whole.
    """
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor

    run_action, save_tracker, handle_message = (
        RemoteAction.run, MessageProcessor.save_tracker, MessageProcessor.handle_message)

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run_action(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception:
            failed = _failed_actions.get()
            if failed is not None:
                failed.append(self.name())
            raise

    async def save(self: Any, tracker: Any) -> None:
        if _failed_actions.get():
            raise _TurnNotSaved()
        await save_tracker(self, tracker)

    async def handle(self: Any, message: Any) -> Any:
        token = _failed_actions.set([])
        try:
            return await handle_message(self, message)
        except (_TurnNotSaved, TrackerStoreUnavailable) as exc:
            if isinstance(exc, _TurnNotSaved):
                logging.getLogger(__name__).warning(
                    "custom action(s) %s failed: the turn is not saved, the channel sends it "
                    "again", ", ".join(_failed_actions.get() or []))
            else:
                logging.getLogger(__name__).warning(
                    "the tracker store did not answer (%s): the turn is not saved, the channel "
                    "sends it again", exc)
            if isinstance(message.output_channel, CollectingOutputChannel):
                message.output_channel.messages.clear()
            return None
        finally:
            _failed_actions.reset(token)

    RemoteAction.run = run
    MessageProcessor.save_tracker = save
    MessageProcessor.handle_message = handle


def tracker_store_errors_fail_the_turn() -> None:
    """Rasa 3.6 wraps the tracker store in a FailSafeTrackerStore: when the database does not
    answer, ``retrieve`` gives None (Rasa then starts the conversation anew, with a greeting)
    and ``save`` keeps the turn in memory only (the database never gets it). Either loses a
    conversation when PostgreSQL restarts. Here both raise instead: the turn is not saved
    and answers nothing (see keep_failed_turns_out), the tracker endpoint answers 500, and the
    channel sends the message again once the database is back."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    async def retrieve(self: Any, sender_id: str) -> Any:
        try:
            return await self._tracker_store.retrieve(sender_id)
        except Exception as exc:
            raise TrackerStoreUnavailable(type(exc).__name__) from None

    async def retrieve_full_tracker(self: Any, sender_id: str) -> Any:
        try:
            return await self._tracker_store.retrieve_full_tracker(sender_id)
        except Exception as exc:
            raise TrackerStoreUnavailable(type(exc).__name__) from None

    async def save(self: Any, tracker: Any) -> None:
        try:
            await self._tracker_store.save(tracker)
        except Exception as exc:
            raise TrackerStoreUnavailable(type(exc).__name__) from None

    FailSafeTrackerStore.retrieve = retrieve
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker
    FailSafeTrackerStore.save = save


def main() -> None:
    install()
    keep_failed_turns_out()
    tracker_store_errors_fail_the_turn()
    rasa_speedups.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
