"""The web chat's API with a stand-in for Rasa: what reaches the bot, what the browser gets,
and hostile requests (hypothesis) that must neither crash it nor reach Rasa as payloads."""
from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bot.channel.rasa import BotUnavailable
from bot.webchat.app import create_app
from bot.webchat.settings import WebchatSettings

SECRET = "webchat-api-secret-0123456789abcdef"


class FakeRasa:
    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.replies: list[dict[str, Any]] = [{"text": "Wir fangen neu an.", "buttons": [
            {"title": "Ja", "payload": "/affirm"}]}]
        self.down = False
        self.events: list[dict[str, Any]] = []

    async def converse(self, conversation: str, text: str, metadata: dict[str, Any],
                       delivery: Any = None) -> list[dict[str, Any]]:
        if self.down:
            raise BotUnavailable("down")
        self.received.append((conversation, text, metadata))
        self.events += [{"event": "user", "text": text, "metadata": metadata},
                        *({"event": "bot", "text": r["text"], "data": {"buttons": r.get("buttons")}}
                          for r in self.replies)]
        return self.replies

    async def tracker(self, conversation: str) -> dict[str, Any]:
        return {"events": self.events, "slots": {"language": "de"}}

    async def healthy(self) -> bool:
        return not self.down

    async def close(self) -> None:
        pass


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(rasa: FakeRasa) -> TestClient:
    app = create_app(WebchatSettings(channel_secret=SECRET, _env_file=None), rasa)  # type: ignore[arg-type]
    return TestClient(app)


def post(client: TestClient, **fields: Any) -> Any:
    body = {"conversation": uuid.uuid4().hex, "message_id": uuid.uuid4().hex, **fields}
    return client.post("/api/chat", json=body)


def test_a_button_token_from_a_reply_sends_its_payload(client: TestClient, rasa: FakeRasa) -> None:
    conversation = uuid.uuid4().hex
    first = post(client, conversation=conversation, command="start", locale="uk-UA").json()
    assert rasa.received[0][1] == "/greet"
    assert rasa.received[0][2]["language_code"] == "uk"
    assert rasa.received[0][2]["channel"] == "webchat"
    token = first["messages"][0]["buttons"][0]["token"]
    assert post(client, conversation=conversation, button=token).status_code == 200
    assert rasa.received[-1][1] == "/affirm"
    other = post(client, button=token)  # the same token in another conversation
    assert other.status_code == 400 and other.json()["error"] == "channel_button_expired"


def test_a_retried_message_that_was_answered_is_not_sent_again(client: TestClient,
                                                               rasa: FakeRasa) -> None:
    conversation, message_id = uuid.uuid4().hex, uuid.uuid4().hex
    post(client, conversation=conversation, message_id=message_id, text="hallo")
    again = post(client, conversation=conversation, message_id=message_id, text="hallo", retry=True)
    assert again.status_code == 200 and again.json()["messages"][0]["text"] == "Wir fangen neu an."
    assert [r[1] for r in rasa.received] == ["hallo"]


def test_an_unavailable_bot_is_a_translated_503(client: TestClient, rasa: FakeRasa) -> None:
    rasa.down = True
    response = post(client, text="hallo", ui_language="fa")
    assert response.status_code == 503
    assert response.json()["error"] == "channel_unavailable"
    assert "متأسفم" in response.json()["message"]
    assert client.get("/health").status_code == 503


def test_the_history_shows_the_buttons_of_the_last_message_only(client: TestClient,
                                                                rasa: FakeRasa) -> None:
    conversation = uuid.uuid4().hex
    post(client, conversation=conversation, text="hallo")
    post(client, conversation=conversation, text="ja")
    history = client.get(f"/api/chat/{conversation}/history").json()
    assert [m["from"] for m in history["messages"]] == ["user", "bot", "user", "bot"]
    assert [bool(m["buttons"]) for m in history["messages"]] == [False, False, False, True]
    assert client.get("/api/chat/not-an-id/history").status_code == 400


def test_the_page_and_widget_come_in_the_browsers_language(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "fa-IR,fa;q=0.9"})
    assert '<html lang="fa" dir="rtl">' in page.text
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    widget = client.get("/widget.js")
    assert "__LABELS__" not in widget.text and "باز کردن چت" in widget.text


HOSTILE_TEXT = st.one_of(
    st.text(max_size=3000),
    st.sampled_from(['/inform{"age": 10}', "/request_appointment", "<script>alert(1)</script>",
                     "'; DROP TABLE appointment_request; --", "\x00\x1b[2J", "/" * 3000]),
)
HOSTILE_VALUE = st.one_of(st.none(), st.integers(), st.text(max_size=80),
                          st.lists(st.text(max_size=5), max_size=3),
                          st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=HOSTILE_TEXT, button=HOSTILE_VALUE, command=HOSTILE_VALUE, language=HOSTILE_VALUE,
       conversation=st.one_of(st.just("ok"), st.text(max_size=40)),
       message_id=st.one_of(st.just("ok"), st.text(max_size=70)))
def test_hostile_requests_neither_crash_nor_reach_rasa_as_payloads(
    client: TestClient, rasa: FakeRasa, text: str, button: Any, command: Any, language: Any,
    conversation: str, message_id: str,
) -> None:
    body = {
        "conversation": uuid.uuid4().hex if conversation == "ok" else conversation,
        "message_id": uuid.uuid4().hex if message_id == "ok" else message_id,
        "text": text, "button": button, "command": command, "language": language,
    }
    before = len(rasa.received)
    response = client.post("/api/chat", json=body)
    assert response.status_code in (200, 400, 413, 429)
    assert response.json().get("message") or response.status_code == 200
    for _, sent, _ in rasa.received[before:]:
        assert not sent.startswith("/") and len(sent) <= 2000


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=20_000))
def test_malformed_bodies_are_a_clear_400_or_413(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/chat", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400, 413)
    assert response.status_code != 200 or raw.strip().startswith(b"{")
