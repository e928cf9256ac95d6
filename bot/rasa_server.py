"""Starts the Rasa server (in Rasa's own virtualenv: ``python -m bot.rasa_server run …``) with
its log records stripped of what people wrote and answered.

At DEBUG, Rasa 3.6 logs message texts, slot values and dialogue states, mostly as JSON
(structlog), some as plain text. Every record of a ``rasa`` logger passes through here before
any handler sees it: JSON keeps only the keys below; plain text loses slot values and texts.
Only the standard library may be used: this runs beside Rasa, not in the app's virtualenv.
"""
from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

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


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
