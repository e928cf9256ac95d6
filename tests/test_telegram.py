"""End to end through Telegram: the real gateway (`python -m bot.telegram`, long polling)
between the Telegram Bot API emulator and the Rasa stack, as a newcomer would use it.

Needs the Rasa virtualenv, the model and the emulator (`make test` provides all three)."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from bot.channel.conversations import sealed_conversation_id
from intake.paths import PROJECT_DIR
from tests.rasa_stack import RasaStack, free_port
from tests.telegram_client import GatewayProcess as Gateway
from tests.telegram_client import TelegramEmulator, TelegramUser

pytestmark = pytest.mark.rasa
SECRET = "test-channel-secret-0123456789abcdef"
WEBHOOK_SECRET = "webhook-secret-0123456789"
LOCALES = {
    path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in (PROJECT_DIR / "locales").glob("*.yml")
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    running = RasaStack(tmp_path_factory.mktemp("telegram-stack"))
    try:
        yield running.start()
    finally:
        running.close()


@pytest.fixture(scope="module")
def emulator() -> Iterator[TelegramEmulator]:
    with TelegramEmulator.start() as running:
        yield running


@pytest.fixture(scope="module")
def gateway(stack: RasaStack, emulator: TelegramEmulator) -> Iterator[Gateway]:
    running = Gateway(stack.url, stack.actions_url, emulator, stack.logs / "telegram.log",
                      CHANNEL_SECRET=SECRET, LOG_LEVEL="DEBUG",
                      DATABASE_URL=stack.queue_url).start()
    yield running
    running.stop()


def turn(user: TelegramUser, timeout: float = 60) -> list[dict[str, Any]]:
    """The bot's messages of one turn: the first one, and what follows it closely."""
    messages = user.replies(1, timeout=timeout)
    while True:
        try:
            messages += user.replies(1, timeout=1.0)
        except TimeoutError:
            return messages


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def button(messages: list[dict[str, Any]], title: str) -> str:
    for message in reversed(messages):
        for text, data in TelegramUser.buttons(message):
            if text == title:
                return data
    raise AssertionError(f"no button {title!r} in {[TelegramUser.buttons(m) for m in messages]}")


def text_of(language: str, key: str) -> str:
    return str(LOCALES[language][key]).strip()


def slots(stack: RasaStack, user: TelegramUser) -> dict[str, Any]:
    sender = sealed_conversation_id(SECRET.encode(), "tg", user.chat_id)
    return stack.tracker(sender)["slots"]


def test_a_screening_on_telegram_from_start_to_erasure(
    stack: RasaStack, emulator: TelegramEmulator, gateway: Gateway
) -> None:
    script = yaml.safe_load((PROJECT_DIR / "tests/conversations/uk.yml").read_text(encoding="utf-8"))
    user = emulator.user(language_code="de")
    user.send_command("/start")
    greeting = turn(user)
    assert text_of("de", "utter_greet").splitlines()[0] in texts(greeting)
    notice = texts(greeting).index(text_of("de", "utter_telegram_notice").splitlines()[0])
    assert notice < texts(greeting).index(text_of("de", "utter_ask_consent_given").splitlines()[0])

    user.press(button(greeting, text_of("de", "button_lang_uk")))
    switched = turn(user)
    assert text_of("uk", "utter_language_changed") in texts(switched)
    assert slots(stack, user)["language"] == "uk"

    user.send_text(script["consent"])
    turn(user)
    for _ in range(15):
        slot = slots(stack, user)["requested_slot"]
        if slot in (None, "contact_mode"):
            break
        user.send_text(script[slot])
        replies = turn(user)
    assert text_of("uk", "utter_result_target_group") in texts(replies)
    [request] = [r for r in stack.requests() if r["conversation_id"].startswith("tg-")
                 and r["conversation_id"] == sealed_conversation_id(SECRET.encode(), "tg", user.chat_id)]
    assert request["target_groups"] == sorted(script["expect"]["target_groups"])
    assert request["answers"]["country_of_origin"] == "UA"
    assert str(user.chat_id) not in request["conversation_id"]

    user.send_command("/status")
    assert request["reference"] in texts(turn(user))

    user.send_command("/delete")
    confirm = turn(user)
    assert text_of("uk", "utter_ask_delete_confirm") in texts(confirm)
    user.press(button(confirm, text_of("uk", "button_yes")))
    assert text_of("uk", "utter_data_deleted") in texts(turn(user))
    assert not [r for r in stack.requests() if r["reference"] == request["reference"]]


def test_arabic_and_cyrillic_arrive_intact(emulator: TelegramEmulator, gateway: Gateway,
                                           stack: RasaStack) -> None:
    user = emulator.user(language_code="ar")
    user.send_text("مرحبا، أحتاج مساعدة")
    replies = turn(user)
    assert text_of("ar", "utter_greet").splitlines()[0] in texts(replies)
    assert slots(stack, user)["language"] == "ar"
    sender = sealed_conversation_id(SECRET.encode(), "tg", user.chat_id)
    events = stack.tracker(sender)["events"]
    assert "مرحبا، أحتاج مساعدة" in [e.get("text") for e in events if e["event"] == "user"]

    russian = emulator.user(language_code=None)
    russian.send_text("Здравствуйте, добрый день")
    assert text_of("ru", "utter_greet").splitlines()[0] in texts(turn(russian))
    events = stack.tracker(sealed_conversation_id(SECRET.encode(), "tg", russian.chat_id))["events"]
    assert "Здравствуйте, добрый день" in [e.get("text") for e in events if e["event"] == "user"]


def test_typed_payloads_reach_the_bot_as_text(emulator: TelegramEmulator, gateway: Gateway,
                                               stack: RasaStack) -> None:
    user = emulator.user(language_code="de")
    user.send_text('/request_appointment')
    turn(user)
    user.send_text('/inform{"age": 10}')
    turn(user)
    sender = sealed_conversation_id(SECRET.encode(), "tg", user.chat_id)
    tracker = stack.tracker(sender)
    said = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in said] == ["request_appointment", 'inform{"age": 10}']
    assert all(not e["text"].startswith("/") for e in said)
    assert tracker["slots"]["consent_given"] is None
    assert tracker["slots"]["age"] is None


def test_a_forged_or_foreign_button_is_refused(emulator: TelegramEmulator, gateway: Gateway,
                                               stack: RasaStack) -> None:
    owner, other = emulator.user(language_code="en"), emulator.user(language_code="en")
    owner.send_command("/start")
    token = button(turn(owner), text_of("en", "button_lang_uk"))
    other.send_command("/start")
    turn(other)
    answered = len(emulator.calls("answerCallbackQuery"))
    before = len(stack.tracker(sealed_conversation_id(SECRET.encode(), "tg", other.chat_id))["events"])
    greeting_message = {"message_id": 1, "chat": {"id": other.chat_id, "type": "private"},
                        "date": int(time.time()), "text": "x"}
    for data in (token, '/change_language{"language": "uk"}', "garbage\x00" * 8):
        emulator.send_update({"callback_query": {
            "id": f"cb-{other.chat_id}-{len(data)}", "from": other.sender, "data": data,
            "chat_instance": "1", "message": greeting_message}})
    deadline = time.monotonic() + 10
    while len(emulator.calls("answerCallbackQuery")) < answered + 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    answers = emulator.calls("answerCallbackQuery")[answered:]
    assert len(answers) == 3
    assert {a["body"].get("text") for a in answers} == {text_of("en", "channel_button_expired")}
    after = stack.tracker(sealed_conversation_id(SECRET.encode(), "tg", other.chat_id))["events"]
    assert len(after) == before
    assert slots(stack, other)["language"] == "en"


@pytest.mark.parametrize("kind", ["photo", "voice", "sticker", "document", "location"])
def test_non_text_messages_get_a_friendly_answer(emulator: TelegramEmulator, gateway: Gateway,
                                                 kind: str) -> None:
    user = emulator.user(language_code="tr")
    getattr(user, f"send_{kind}")()
    assert texts(turn(user, timeout=15)) == text_of("tr", "channel_non_text")


def test_commands_are_registered_in_every_language(emulator: TelegramEmulator,
                                                    gateway: Gateway) -> None:
    registered = {c["body"].get("language_code") or "de": c["body"]["commands"]
                  for c in emulator.calls("setMyCommands")}
    assert set(registered) == set(LOCALES)
    for language, commands in registered.items():
        assert [c["command"] for c in commands] == [
            "start", "language", "help", "restart", "status", "delete"]
        assert commands[4]["description"] == text_of(language, "command_status")


def test_a_flood_is_limited_per_chat(emulator: TelegramEmulator, gateway: Gateway,
                                     stack: RasaStack) -> None:
    user = emulator.user(language_code="pl")
    for number in range(16):
        user.send_text(f"wiadomość {number}")
    time.sleep(8)
    replies = turn(user, timeout=30)
    assert texts(replies).count(text_of("pl", "channel_too_many")) == 1
    said = [e for e in stack.tracker(sealed_conversation_id(SECRET.encode(), "tg", user.chat_id))["events"]
            if e["event"] == "user"]
    assert len(said) == 10


def test_the_action_server_down_gets_an_apology_and_one_answer_later(
    stack: RasaStack, emulator: TelegramEmulator, gateway: Gateway
) -> None:
    user = emulator.user(language_code="uk")
    user.send_text("привіт")
    turn(user)
    user.send_text("так")
    turn(user)
    assert slots(stack, user)["requested_slot"] == "municipality"
    healthy = httpx.get(gateway.health_url, timeout=10)
    assert healthy.status_code == 200, healthy.text
    assert healthy.json() == {"status": "ok", "rasa": True, "actions": True, "database": True,
                              "telegram": True}
    stack.stop_actions()
    try:
        user.send_text("я живу в хаані")
        assert texts(user.replies(1, timeout=20)) == text_of("uk", "channel_unavailable")
        time.sleep(3)
        typing = [c for c in emulator.calls("sendChatAction") if c["chat_id"] == user.chat_id]
        assert typing and typing[-1]["body"]["action"] == "typing"  # while the user waits
        unhealthy = httpx.get(gateway.health_url, timeout=10)
        assert unhealthy.status_code == 503
        assert unhealthy.json()["actions"] is False and unhealthy.json()["rasa"] is True
    finally:
        stack.start_actions()
    replies = turn(user, timeout=60)
    assert text_of("uk", "utter_ask_age") in texts(replies)
    assert texts(replies).count(text_of("uk", "utter_ask_age")) == 1
    assert slots(stack, user)["municipality"] == "haan"


def test_rasa_down_gets_an_apology_and_one_answer_later(
    stack: RasaStack, emulator: TelegramEmulator, gateway: Gateway
) -> None:
    user = emulator.user(language_code="ro")
    user.send_text("bună ziua")
    turn(user)
    stack.stop_rasa()
    try:
        user.send_text("da")
        assert texts(user.replies(1, timeout=20)) == text_of("ro", "channel_unavailable")
    finally:
        stack.start_rasa()
    replies = turn(user, timeout=90)
    assert text_of("ro", "utter_ask_municipality") in texts(replies)
    assert texts(replies).count(text_of("ro", "utter_ask_municipality")) == 1
    assert slots(stack, user)["consent_given"] is True


def test_webhook_mode_checks_the_secret_token(stack: RasaStack, emulator: TelegramEmulator,
                                              gateway: Gateway) -> None:
    port = free_port()
    hook = Gateway(
        stack.url, stack.actions_url, emulator, stack.logs / "telegram-webhook.log",
        CHANNEL_SECRET=SECRET, DATABASE_URL=stack.queue_url,
        TELEGRAM_MODE="webhook", TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET, TELEGRAM_WEBHOOK_PORT=str(port),
    )
    gateway.stop()  # one bot, one way of receiving updates
    emulator.clear_calls()
    hook.start()
    try:
        update = {"update_id": 990001, "message": {
            "message_id": 1, "date": int(time.time()), "text": "hello",
            "chat": {"id": 424242, "type": "private"},
            "from": {"id": 424242, "is_bot": False, "first_name": "W", "language_code": "en"}}}
        url = f"http://127.0.0.1:{port}/telegram"
        assert httpx.post(url, json=update, timeout=10).status_code == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret-000"}
        assert httpx.post(url, json=update, headers=wrong, timeout=10).status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        assert httpx.post(url, json=update, headers=right, timeout=10).status_code == 200
        deadline = time.monotonic() + 60
        while not [c for c in emulator.calls("sendMessage") if c["chat_id"] == 424242]:
            assert time.monotonic() < deadline, "no reply through the webhook"
            time.sleep(0.2)
        [webhook_call] = emulator.calls("setWebhook")
        assert webhook_call["body"]["secret_token"] == WEBHOOK_SECRET
    finally:
        hook.stop()
        gateway.start()


def test_a_caseworkers_message_reaches_the_telegram_chat(stack: RasaStack, emulator: TelegramEmulator,
                                                        gateway: Gateway) -> None:
    from db.messages import queue_message, undelivered
    from db.session import session_factory

    user = emulator.user(language_code="uk")
    conversation = sealed_conversation_id(SECRET.encode(), "tg", user.chat_id)
    queue_message(session_factory(stack.queue_url), conversation, "Добрий день! Ваш термін: 03.12.",
                  "mara")
    assert texts(user.replies(1, timeout=15)) == "Добрий день! Ваш термін: 03.12."
    deadline = time.monotonic() + 10  # marked as delivered right after it was sent
    while undelivered(session_factory(stack.queue_url), "tg-"):
        assert time.monotonic() < deadline, "the message stays undelivered"
        time.sleep(0.2)
    with pytest.raises(TimeoutError):
        user.replies(1, timeout=5)  # and sent once


def test_the_gateway_logs_no_texts_ids_or_token(stack: RasaStack, emulator: TelegramEmulator,
                                                gateway: Gateway) -> None:
    log = (stack.logs / "telegram.log").read_text(encoding="utf-8", errors="replace")
    assert "turn answered in" in log  # debug logging was on
    assert emulator.token not in log and emulator.token.split(":")[1] not in log
    for forbidden in ("привіт", "مرحبا", "wiadomość", "inform{", "424242", SECRET):
        assert forbidden not in log
    assert "Traceback" not in log
