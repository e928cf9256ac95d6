"""The Telegram gateway's handlers with a stand-in for Rasa and for the Bot API: what reaches
Rasa for every kind of message and callback, including hostile ones (hypothesis)."""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import CallbackQuery, Chat, Message, MessageEntity, Update, User

from bot.channel.buttons import ButtonTokens
from bot.channel.commands import COMMANDS
from bot.channel.conversations import sealed_conversation_id
from bot.channel.limits import MessageLimit
from bot.channel.texts import ChannelTexts, ReplyLanguages
from bot.telegram.app import known_payloads
from bot.telegram.gateway import TelegramGateway
from intake.responses import build_responses

SECRET = b"0123456789abcdef0123456789abcdef"
RESPONSES = build_responses()
TEXTS = ChannelTexts()
REPLY_LANGUAGES = ReplyLanguages(RESPONSES)
PAYLOADS = known_payloads(RESPONSES)
_ids = itertools.count(1)


class FakeRasa:
    def __init__(self, replies: list[dict[str, Any]] | None = None) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.replies = replies if replies is not None else [{"text": "Wir fangen neu an."}]

    async def converse(self, conversation: str, text: str, metadata: dict[str, Any],
                       delivery: Any = None) -> list[dict[str, Any]]:
        self.received.append((conversation, text, metadata))
        return self.replies


class FakeBot:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answers: list[str | None] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        assert 0 < len(text) <= 4096
        self.sent.append({"chat_id": chat_id, "text": text, "markup": reply_markup})

    async def send_chat_action(self, chat_id: int, action: str) -> None:
        pass

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None,
                                    **_: Any) -> None:
        self.answers.append(text)

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> None:
        pass


def gateway(rasa: FakeRasa, per_minute: int = 10_000) -> TelegramGateway:
    return TelegramGateway(rasa, SECRET, TEXTS, REPLY_LANGUAGES, ButtonTokens(SECRET, PAYLOADS),
                           MessageLimit(per_minute=per_minute, burst=per_minute))


def user(language_code: str | None = "de") -> User:
    return User(id=77, first_name="Test", is_bot=False, language_code=language_code)


CHAT = Chat(id=77, type="private")


def message_update(bot: FakeBot, text: str | None = None, entities: tuple = (), **fields: Any
                   ) -> Update:
    message = Message(message_id=next(_ids), date=dt.datetime.now(dt.timezone.utc), chat=CHAT,
                      from_user=user(), text=text, entities=entities, **fields)
    update = Update(update_id=next(_ids), message=message)
    update.set_bot(bot)  # type: ignore[arg-type]
    message.set_bot(bot)  # type: ignore[arg-type]
    return update


def callback_update(bot: FakeBot, data: str) -> Update:
    shown = Message(message_id=next(_ids), date=dt.datetime.now(dt.timezone.utc), chat=CHAT,
                    text="Frage")
    query = CallbackQuery(id=str(next(_ids)), from_user=user(), chat_instance="1", data=data,
                          message=shown)
    update = Update(update_id=next(_ids), callback_query=query)
    for obj in (update, query, shown):
        obj.set_bot(bot)  # type: ignore[arg-type]
    return update


def context(bot: FakeBot) -> Any:
    return SimpleNamespace(bot=bot)


def handle(update: Update, rasa: FakeRasa, bot: FakeBot, per_minute: int = 10_000) -> None:
    gw = gateway(rasa, per_minute)
    handler = gw.on_button if update.callback_query else gw.on_message
    asyncio.run(handler(update, context(bot)))


@pytest.mark.parametrize("command, payload", sorted(COMMANDS.items()))
def test_each_command_sends_its_intent(command: str, payload: str) -> None:
    rasa, bot = FakeRasa(), FakeBot()
    text = f"/{command}@kim_haan_bot"
    entity = MessageEntity(type="bot_command", offset=0, length=len(text))
    handle(message_update(bot, text, (entity,)), rasa, bot)
    [(conversation, sent, metadata)] = rasa.received
    assert sent == payload
    assert conversation == sealed_conversation_id(SECRET, "tg", 77)
    assert metadata["language_code"] == "de" and metadata["message_id"].startswith("tg:")
    assert bot.sent[0]["text"] == "Wir fangen neu an."


def test_an_unknown_command_is_text() -> None:
    rasa, bot = FakeRasa(), FakeBot()
    entity = MessageEntity(type="bot_command", offset=0, length=7)
    handle(message_update(bot, "/inform{\"age\": 10}", (entity,)), rasa, bot)
    assert rasa.received[0][1] == 'inform{"age": 10}'


def test_a_pressed_button_sends_its_payload_and_gets_the_reply() -> None:
    rasa, bot = FakeRasa(), FakeBot()
    token = ButtonTokens(SECRET, PAYLOADS).issue(sealed_conversation_id(SECRET, "tg", 77), "/affirm")
    handle(callback_update(bot, token), rasa, bot)
    assert [r[1] for r in rasa.received] == ["/affirm"]
    assert bot.answers == [None]


def test_replies_become_messages_with_keyboards_and_long_texts_are_split() -> None:
    buttons = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nein", "payload": "/deny"}]
    rasa = FakeRasa([{"text": "x" * 5000, "buttons": buttons}, {"custom": {"other": 1}}])
    bot = FakeBot()
    handle(message_update(bot, "hallo"), rasa, bot)
    assert [len(m["text"]) for m in bot.sent] == [4096, 904]
    assert bot.sent[0]["markup"] is None
    keys = [k for row in bot.sent[1]["markup"].inline_keyboard for k in row]
    assert [k.text for k in keys] == ["Ja", "Nein"]


def test_the_erasure_signal_makes_the_gateway_forget_the_chat() -> None:
    rasa, bot = FakeRasa([{"text": "Починаємо знову."}, {"custom": {"conversation_erased": True}}]), FakeBot()
    gw = gateway(rasa)
    asyncio.run(gw.on_message(message_update(bot, "так"), context(bot)))
    assert gw._languages == {}
    rasa.replies = [{"text": "Починаємо знову."}]
    asyncio.run(gw.on_message(message_update(bot, "так"), context(bot)))
    assert list(gw._languages.values()) == ["uk"]


def test_an_unavailable_bot_is_apologised_for_in_the_users_language() -> None:
    from bot.channel.rasa import BotUnavailable

    class DownRasa(FakeRasa):
        async def converse(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
            raise BotUnavailable("down")

    bot = FakeBot()
    update = message_update(bot, "hallo")
    update.message.from_user._unfreeze()
    update.message.from_user.language_code = "fa"
    asyncio.run(gateway(DownRasa()).on_message(update, context(bot)))
    assert [m["text"] for m in bot.sent] == [TEXTS.get("channel_gave_up", "fa")]


HOSTILE = st.one_of(
    st.text(max_size=500),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=50),
    st.sampled_from([
        '/inform{"age": 10}', "/request_appointment", '/change_language{"language":"uk"}',
        "'; DROP TABLE appointment_request; --", "<script>alert(1)</script>", "\u202e\u2066/x",
        "a" * 100_000, "ا" * 100_000, "/" * 5000,
    ]),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(HOSTILE)
def test_no_typed_text_crashes_the_gateway_or_reaches_rasa_as_a_payload(typed: str) -> None:
    rasa, bot = FakeRasa(), FakeBot()
    handle(message_update(bot, typed), rasa, bot)
    for _, sent, _ in rasa.received:
        assert not sent.strip().startswith("/")
        assert len(sent) <= 2000


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.text(max_size=64), st.sampled_from(PAYLOADS)))
def test_no_callback_data_but_an_issued_token_reaches_rasa(data: str) -> None:
    rasa, bot = FakeRasa(), FakeBot()
    handle(callback_update(bot, data), rasa, bot)
    assert rasa.received == []
    assert bot.answers == [TEXTS.get("channel_button_expired", "de")]


def test_over_the_limit_a_chat_is_told_once_and_nothing_is_forwarded() -> None:
    rasa, bot = FakeRasa(), FakeBot()
    gw = TelegramGateway(rasa, SECRET, TEXTS, REPLY_LANGUAGES, ButtonTokens(SECRET, PAYLOADS),
                         MessageLimit(per_minute=1, burst=2))

    async def flood() -> None:
        for n in range(6):
            await gw.on_message(message_update(bot, f"nachricht {n}"), context(bot))

    asyncio.run(flood())
    assert len(rasa.received) == 2
    told = [m["text"] for m in bot.sent if m["text"] == TEXTS.get("channel_too_many", "de")]
    assert len(told) == 1


def test_group_chats_are_ignored() -> None:
    rasa, bot = FakeRasa(), FakeBot()
    message = Message(message_id=1, date=dt.datetime.now(dt.timezone.utc),
                      chat=Chat(id=-100, type="group"), from_user=user(), text="hallo")
    update = Update(update_id=1, message=message)
    handle(update, rasa, bot)
    assert rasa.received == [] and bot.sent == []
