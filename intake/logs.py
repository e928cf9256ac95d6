"""Logging of the project's own processes (gateway, web chat, console): ``LOG_LEVEL`` and
``LOG_FORMAT`` (``text``, the default, or ``json``: one object a line, for a log collector).
What is logged never holds personal data; this only decides its shape."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            # The kind of error only: messages of database errors carry their parameters.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(quiet: tuple[str, ...] = ("httpx", "httpcore")) -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("LOG_FORMAT", "text").lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=[handler],
                        force=True)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
