"""The terminal chat: buttons by number, typed text never as a payload."""
from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from intake.chat import run_chat, typed_text


class FakeRasa(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.received.append(body["message"])
        replies = [{"text": "Wo wohnen Sie?",
                    "buttons": [{"title": "Haan", "payload": '/inform{"municipality": "haan"}'}]}]
        data = json.dumps(replies).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    FakeRasa.received = []
    server = HTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_typed_payloads_reach_the_bot_as_text() -> None:
    assert typed_text('/inform{"age": 10}') == 'inform{"age": 10}'
    assert typed_text("  hallo ") == "hallo"


def test_a_number_presses_the_shown_button(rasa_url: str) -> None:
    out = io.StringIO()
    run_chat(rasa_url, io.StringIO("hallo\n1\n/request_appointment\n\n/quit\n"), out)
    assert FakeRasa.received == ["hallo", '/inform{"municipality": "haan"}', "request_appointment"]
    assert "[1] Haan" in out.getvalue()
