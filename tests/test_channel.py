"""The channel logic every gateway shares, without Rasa or Telegram: typed text, signed
buttons, conversation ids, limits, message splitting and delivery through outages."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channel.buttons import ButtonTokens
from bot.channel.configuration import ConfigurationError
from bot.channel.conversations import conversation_id
from bot.channel.limits import MessageLimit
from bot.channel.rasa import Delivery, RasaClient, replies_to
from bot.channel.texts import ChannelTexts, ReplyLanguages
from bot.channel.typed import MAX_TEXT, as_text
from bot.telegram.app import known_payloads
from bot.telegram.messages import keyboard, split_text, utf16_length
from bot.telegram.settings import load_settings
from intake.responses import build_responses
from intake.translations import load_locales

SECRET = b"0123456789abcdef0123456789abcdef"
RESPONSES = build_responses()
PAYLOADS = known_payloads(RESPONSES)


@pytest.mark.parametrize("typed, expected", [
    ('/inform{"age": 10}', 'inform{"age": 10}'),
    ("/request_appointment", "request_appointment"),
    ("  / //restart", "restart"),
    ("\x00/\x1b[31mhallo\x07", "[31mhallo"),
    ("ich bin 34", "ich bin 34"),
    ("مرحبا كيف حالك", "مرحبا كيف حالك"),
])
def test_typed_text_never_reaches_rasa_as_a_payload(typed: str, expected: str) -> None:
    assert as_text(typed) == expected


@settings(max_examples=400)
@given(st.text(max_size=3000))
def test_no_typed_text_starts_like_a_payload(typed: str) -> None:
    text = as_text(typed)
    # Rasa strips the text and reads a leading "/" as an intent.
    assert not text.strip().startswith("/")
    assert len(text) <= MAX_TEXT
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in text)


def test_a_100_kb_message_is_cut_to_what_an_answer_needs() -> None:
    assert len(as_text("ا" * 100_000)) == MAX_TEXT


def test_a_button_token_is_valid_only_in_its_conversation() -> None:
    tokens = ButtonTokens(SECRET, PAYLOADS)
    token = tokens.issue("tg-a", '/inform{"country": "UA"}')
    assert tokens.payload("tg-a", token) == '/inform{"country": "UA"}'
    assert tokens.payload("tg-b", token) is None
    key, _, signature = token.partition(".")
    assert tokens.payload("tg-a", f"{key}.{signature[:-1]}x") is None
    assert tokens.payload("tg-a", '/inform{"age": 10}') is None
    assert tokens.payload("tg-a", "") is None


def test_button_tokens_outlive_a_restart_and_fit_telegram() -> None:
    issued = {p: ButtonTokens(SECRET, PAYLOADS).issue("tg-a", p) for p in PAYLOADS}
    restarted = ButtonTokens(SECRET, PAYLOADS)
    assert {p: restarted.payload("tg-a", t) for p, t in issued.items()} == {p: p for p in PAYLOADS}
    assert max(len(t.encode()) for t in issued.values()) <= 64
    other_secret = ButtonTokens(b"another secret, just as long....", PAYLOADS)
    assert all(other_secret.payload("tg-a", t) is None for t in issued.values())


def test_a_payload_outside_the_responses_is_valid_until_a_restart() -> None:
    tokens = ButtonTokens(SECRET, PAYLOADS)
    token = tokens.issue("tg-a", "/greet")
    assert tokens.payload("tg-a", token) == "/greet"
    assert ButtonTokens(SECRET, PAYLOADS).payload("tg-a", token) is None


@settings(max_examples=500)
@given(st.text(max_size=200))
def test_no_forged_callback_data_is_accepted(data: str) -> None:
    assert ButtonTokens(SECRET, PAYLOADS).payload("tg-a", data) is None


def test_conversation_ids_reveal_no_chat_id() -> None:
    first = conversation_id(SECRET, "tg", 123456789)
    assert first == conversation_id(SECRET, "tg", 123456789)
    assert first != conversation_id(SECRET, "tg", 123456788)
    assert first != conversation_id(SECRET, "web", 123456789)
    assert "123456789" not in first and first.startswith("tg-")


def test_the_message_limit_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    limit = MessageLimit(per_minute=30, burst=5, clock=lambda: now[0])
    assert [limit.allow("a") for _ in range(6)] == [True] * 5 + [False]
    assert limit.allow("b")
    now[0] += 2.0  # 30 a minute: one more every two seconds
    assert limit.allow("a") and not limit.allow("a")


def test_long_texts_are_split_within_telegrams_limit() -> None:
    paragraph = "Ein Absatz mit Text. " * 30 + "😀" * 40
    text = "\n\n".join([paragraph] * 12)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(utf16_length(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert split_text("kurz") == ["kurz"]


def test_keyboards_carry_tokens_and_lay_out_by_title_length() -> None:
    tokens = ButtonTokens(SECRET, PAYLOADS)
    for variations in RESPONSES.values():
        for variation in variations:
            buttons = variation.get("buttons") or []
            markup = keyboard(buttons, lambda p: tokens.issue("tg-a", p))
            if not buttons:
                assert markup is None
                continue
            keys = [k for row in markup.inline_keyboard for k in row]
            assert [k.text for k in keys] == [b["title"] for b in buttons]
            assert all(tokens.payload("tg-a", k.callback_data) for k in keys)
            assert max(len(row) for row in markup.inline_keyboard) <= 2


@pytest.mark.parametrize("language", sorted(load_locales()))
def test_the_language_of_a_reply_is_recognised(language: str) -> None:
    texts = [v["text"] for v in RESPONSES["utter_restart"] if _language(v) == language]
    assert ReplyLanguages(RESPONSES).language(texts) == language


def _language(variation: dict[str, Any]) -> str:
    conditions = variation.get("condition") or [{"value": "de"}]
    return str(conditions[0]["value"])


def test_channel_texts_fall_back_to_german_and_render_contacts() -> None:
    texts = ChannelTexts()
    assert texts.get("channel_gave_up", "xx") == texts.get("channel_gave_up", "de")
    assert "02129 911-0" in texts.get("channel_gave_up", "uk")
    assert texts.language_of("pt-br") is None and texts.language_of("uk-UA") == "uk"


def test_replies_are_read_back_from_the_tracker() -> None:
    events = [
        {"event": "user", "text": "hallo", "metadata": {"message_id": "tg:1"}},
        {"event": "bot", "text": "Willkommen", "data": {"buttons": [{"title": "Ja", "payload": "/affirm"}]}},
        {"event": "user", "text": "ja", "metadata": {"message_id": "tg:2"}},
        {"event": "bot", "text": "Gut"},
    ]
    assert replies_to(events, "tg:1") == [
        {"text": "Willkommen", "buttons": [{"title": "Ja", "payload": "/affirm"}]}
    ]
    assert replies_to(events, "tg:2") == [{"text": "Gut"}]
    assert replies_to(events, "tg:3") is None


class FakeRasa:
    """Rasa's REST channel and tracker, failing in the ways a test asks for."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.fail_posts: list[type[Exception] | None] = []
        self.actions_down = 0
        self.events: list[dict[str, Any]] = []
        self.silent_turns = 0
        self.paused = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/health":
            if self.actions_down > 0:
                self.actions_down -= 1
                raise httpx.ConnectError("down", request=request)
            return httpx.Response(200, json={"status": "ok"})
        if path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        if path.endswith("/tracker"):
            return httpx.Response(200, json={"events": self.events, "paused": self.paused})
        body = json.loads(request.content)
        failure = self.fail_posts.pop(0) if self.fail_posts else None
        if failure is httpx.ConnectError:
            raise httpx.ConnectError("refused", request=request)
        self.posts.append(body["message"])
        self.events += [
            {"event": "user", "text": body["message"], "metadata": body["metadata"]},
            {"event": "bot", "text": f"echo {body['message']}"},
        ]
        if failure is httpx.ReadTimeout:
            raise httpx.ReadTimeout("slow", request=request)
        if self.paused or self.silent_turns:
            self.silent_turns = max(0, self.silent_turns - 1)
            return httpx.Response(200, json=[])
        return httpx.Response(200, json=[{"text": f"echo {body['message']}"}])


def _converse(fake: FakeRasa, message: str = "hallo") -> tuple[list[dict[str, Any]], list[str]]:
    told: list[str] = []

    async def main() -> list[dict[str, Any]]:
        async def slow() -> None:
            told.append("slow")

        async def unavailable() -> None:
            told.append("unavailable")

        client = RasaClient("http://rasa", "http://actions", retry_pause=0.01, health_ttl=0,
                            transport=httpx.MockTransport(fake.handler))
        try:
            return await client.converse("tg-a", message, {"message_id": "tg:7"}, Delivery(
                slow_after=5, give_up_after=5, on_slow=slow, on_unavailable=unavailable))
        finally:
            await client.close()

    return asyncio.run(main()), told


def test_a_refused_connection_is_retried_and_answered_once() -> None:
    fake = FakeRasa()
    fake.fail_posts = [httpx.ConnectError, httpx.ConnectError]
    replies, told = _converse(fake)
    assert replies == [{"text": "echo hallo"}]
    assert fake.posts == ["hallo"]
    assert told == ["unavailable"]


def test_a_timed_out_message_that_rasa_processed_is_not_sent_again() -> None:
    fake = FakeRasa()
    fake.fail_posts = [httpx.ReadTimeout]
    replies, told = _converse(fake)
    assert replies == [{"text": "echo hallo"}]
    assert fake.posts == ["hallo"]
    assert told == ["unavailable"]


def test_a_message_waits_while_the_action_server_is_down() -> None:
    fake = FakeRasa()
    fake.actions_down = 3
    replies, told = _converse(fake)
    assert replies == [{"text": "echo hallo"}]
    assert fake.posts == ["hallo"]
    assert told == ["unavailable"]


def test_a_turn_that_said_nothing_is_sent_again_unless_a_caseworker_took_over() -> None:
    fake = FakeRasa()
    fake.silent_turns = 1  # an action failed: Rasa answered 200 with nothing
    replies, told = _converse(fake)
    assert replies == [{"text": "echo hallo"}]
    assert fake.posts == ["hallo", "hallo"] and told == ["unavailable"]

    paused = FakeRasa()
    paused.paused = True  # the bot is silent on purpose
    replies, told = _converse(paused)
    assert replies == [] and paused.posts == ["hallo"] and told == []


def test_settings_fail_in_one_line_without_showing_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "CHANNEL_SECRET", "TELEGRAM_MODE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="TELEGRAM_BOT_TOKEN is not set"):
        load_settings(_env_file=None)
    with pytest.raises(ConfigurationError, match="TELEGRAM_BOT_TOKEN does not look like") as err:
        load_settings(_env_file=None, telegram_bot_token="secret-value-123", channel_secret="s" * 32)
    assert "secret-value-123" not in str(err.value)
    with pytest.raises(ConfigurationError, match="TELEGRAM_WEBHOOK_SECRET is needed"):
        load_settings(_env_file=None, telegram_bot_token="123456:" + "A" * 35,
                      channel_secret="s" * 32, telegram_mode="webhook",
                      telegram_webhook_url="https://bot.example/hook")
    settings_ = load_settings(_env_file=None, telegram_bot_token="123456:" + "A" * 35,
                              channel_secret="s" * 32)
    assert settings_.telegram_mode == "polling"
    assert "AAAA" not in repr(settings_)


def test_a_slow_bot_is_apologised_for_once_and_its_answer_still_arrives() -> None:
    posts: list[str] = []

    async def slow_rasa(request: httpx.Request) -> httpx.Response:
        if request.url.path in ("/", "/health"):
            return httpx.Response(200, json={})
        posts.append(json.loads(request.content)["message"])
        await asyncio.sleep(0.3)
        return httpx.Response(200, json=[{"text": "endlich"}])

    told: list[str] = []

    async def main() -> list[dict[str, Any]]:
        async def slow() -> None:
            told.append("slow")

        client = RasaClient("http://rasa", "http://actions", transport=httpx.MockTransport(slow_rasa))
        try:
            return await client.converse("tg-a", "hallo", {"message_id": "tg:1"},
                                         Delivery(slow_after=0.05, on_slow=slow))
        finally:
            await client.close()

    assert asyncio.run(main()) == [{"text": "endlich"}]
    assert told == ["slow"] and posts == ["hallo"]


def test_the_gateway_starts_with_the_stack_only_with_a_token(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Any) -> None:
    from intake import stack

    monkeypatch.setattr(stack, "PROJECT_DIR", tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert stack.telegram_wanted() is False
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    monkeypatch.setenv("CHANNEL_SECRET", "s" * 40)
    with pytest.raises(RuntimeError, match="TELEGRAM_BOT_TOKEN does not look like"):
        stack.telegram_wanted()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:" + "A" * 35)
    assert stack.telegram_wanted() is True


def test_the_embedded_stack_keeps_a_channel_secret_of_its_own(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Any) -> None:
    import os
    import stat

    from intake import stack

    monkeypatch.setattr(stack, "PROJECT_DIR", tmp_path)
    monkeypatch.delenv("CHANNEL_SECRET", raising=False)
    stack.ensure_channel_secret(tmp_path / "var")
    first = os.environ["CHANNEL_SECRET"]
    assert len(first) == 64
    assert stat.S_IMODE((tmp_path / "var" / "channel-secret").stat().st_mode) == 0o600
    monkeypatch.delenv("CHANNEL_SECRET")
    stack.ensure_channel_secret(tmp_path / "var")
    assert os.environ["CHANNEL_SECRET"] == first  # conversations keep their ids across restarts
    monkeypatch.setenv("CHANNEL_SECRET", "from-the-environment-" + "x" * 20)
    stack.ensure_channel_secret(tmp_path / "var")
    assert os.environ["CHANNEL_SECRET"].startswith("from-the-environment-")


def test_sealed_conversation_ids_open_only_with_the_secret() -> None:
    from bot.channel.conversations import chat_id_of, sealed_conversation_id

    sealed = sealed_conversation_id(SECRET, "tg", 123456789)
    assert sealed == sealed_conversation_id(SECRET, "tg", 123456789)
    assert sealed.startswith("tg-") and "123456789" not in sealed and len(sealed) <= 64
    assert chat_id_of(SECRET, "tg", sealed) == 123456789
    assert chat_id_of(b"another secret, just as long....", "tg", sealed) is None
    assert chat_id_of(SECRET, "web", sealed) is None
    assert chat_id_of(SECRET, "tg", sealed[:-2] + "aa") is None
    assert chat_id_of(SECRET, "tg", "tg-!!") is None
    assert sealed_conversation_id(SECRET, "tg", -100123) != sealed
