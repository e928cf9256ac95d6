"""LOG_FORMAT=json gives one JSON object a line; an exception shows its kind, not its text."""
from __future__ import annotations

import json
import logging

import pytest

from intake.logs import configure_logging


def test_json_logs_are_one_object_a_line_without_exception_texts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    configure_logging()
    try:
        logging.getLogger("kim.test").info("queue has %d new requests", 3)
        try:
            raise ValueError("age=17 country=syria")
        except ValueError:
            logging.getLogger("kim.test").exception("filing failed")
        logging.getLogger("httpx").info("GET https://api.telegram.org/bot123:secret/getMe")
    finally:
        logging.basicConfig(force=True)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(entry["level"], entry["logger"], entry["message"]) for entry in lines] == [
        ("INFO", "kim.test", "queue has 3 new requests"),
        ("ERROR", "kim.test", "filing failed"),
    ]
    assert lines[1]["error"] == "ValueError"
    assert "syria" not in json.dumps(lines)
