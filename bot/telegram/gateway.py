"""The gateway's handlers: each Telegram update becomes one message to Rasa, one chat at a
time and in order; the replies go back as Telegram messages."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from telegram import BotCommand, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channel.buttons import ButtonTokens
from bot.channel.commands import COMMANDS
from bot.channel.conversations import sealed_conversation_id
from bot.channel.limits import MessageLimit
from bot.channel.rasa import BotMessage, BotUnavailable, Delivery, RasaClient
from bot.channel.texts import ChannelTexts, ReplyLanguages
from bot.channel.typed import as_text
from bot.telegram.messages import keyboard, split_text, title_of

logger = logging.getLogger(__name__)

CHANNEL = "tg"
ERASED = "conversation_erased"
_TYPING_AFTER = 0.4
_TYPING_EVERY = 4.0
_REMEMBERED_CHATS = 50_000


class TelegramGateway:
    def __init__(
        self,
        rasa: RasaClient,
        secret: bytes,
        texts: ChannelTexts,
        reply_languages: ReplyLanguages,
        tokens: ButtonTokens,
        limit: MessageLimit,
    ) -> None:
        self.rasa = rasa
        self.secret = secret
        self.texts = texts
        self.reply_languages = reply_languages
        self.tokens = tokens
        self.limit = limit
        self._languages: OrderedDict[str, str] = OrderedDict()
        self._locks: dict[str, _Lock] = {}
        self._throttled_at: dict[str, float] = {}

    # -- handlers ---------------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        conversation = sealed_conversation_id(self.secret, CHANNEL, chat.id)
        self._note_telegram_language(conversation, update)
        if not self._within_limit(conversation):
            await self._say_once_a_minute(context, chat.id, conversation, "channel_too_many")
            return
        if not message.text:
            await self._say(context, chat.id, conversation, "channel_non_text")
            return
        await self._converse(update, context, chat.id, conversation, self._as_bot_message(message))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        conversation = sealed_conversation_id(self.secret, CHANNEL, chat.id)
        self._note_telegram_language(conversation, update)
        payload = self.tokens.payload(conversation, query.data or "")
        if payload is None:
            await self._quietly(query.answer(self.texts.get(
                "channel_button_expired", self._language(conversation))))
            return
        if not self._within_limit(conversation):
            await self._quietly(query.answer(self.texts.get(
                "channel_too_many", self._language(conversation))))
            return
        await self._quietly(query.answer())
        if isinstance(query.message, Message):
            await self._mark_choice(query.message, query.data or "")
        await self._converse(update, context, chat.id, conversation, payload)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The exception's text can hold a user's words: only its type is logged.
        logger.error("update failed: %s", type(context.error).__name__)

    # -- the conversation -------------------------------------------------------------------

    async def _converse(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        conversation: str,
        text: str,
    ) -> None:
        if not text:
            return
        user = update.effective_user
        metadata: dict[str, Any] = {
            "message_id": f"{CHANNEL}:{update.update_id}", "channel": "telegram"}
        if user is not None and user.language_code:
            metadata["language_code"] = user.language_code

        async def apologise(key: str) -> None:
            await self._say(context, chat_id, conversation, key)

        delivery = Delivery(
            on_slow=lambda: apologise("channel_slow"),
            on_unavailable=lambda: apologise("channel_unavailable"),
        )
        async with self._conversation_lock(conversation), self._typing(context, chat_id):
            started = time.perf_counter()
            try:
                replies = await self.rasa.converse(conversation, text, metadata, delivery)
            except BotUnavailable:
                logger.warning("gave up delivering a message after the bot stayed unavailable")
                await self._say(context, chat_id, conversation, "channel_gave_up")
                return
            await self._send_replies(context, chat_id, conversation, replies)
            logger.debug("turn answered in %.0f ms with %d messages",
                         1000 * (time.perf_counter() - started), len(replies))

    async def _send_replies(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        conversation: str,
        replies: list[BotMessage],
    ) -> None:
        language = self.reply_languages.language(r["text"] for r in replies if r.get("text"))
        if language:
            self._remember_language(conversation, language)
        for reply in replies:
            if (reply.get("custom") or {}).get(ERASED):
                self.forget(conversation)
                continue
            text = str(reply.get("text") or "")
            if not text:
                continue
            markup = keyboard(reply.get("buttons") or [], lambda p: self.tokens.issue(
                conversation, p))
            pieces = split_text(text)
            for index, piece in enumerate(pieces):
                await context.bot.send_message(
                    chat_id, piece, reply_markup=markup if index == len(pieces) - 1 else None
                )

    def forget(self, conversation: str) -> None:
        """Everything the gateway holds about a conversation, after the user erased it."""
        self._languages.pop(conversation, None)
        self._throttled_at.pop(conversation, None)
        self.limit.forget(conversation)

    # -- helpers ----------------------------------------------------------------------------

    def _as_bot_message(self, message: Message) -> str:
        """A known command becomes its intent; any other text stays text."""
        text = message.text or ""
        entity = (message.entities or (None,))[0]
        if entity is not None and entity.type == "bot_command" and entity.offset == 0:
            command = text[1:entity.length].split("@", 1)[0].lower()
            if command in COMMANDS:
                return COMMANDS[command]
        return as_text(text)

    def _within_limit(self, conversation: str) -> bool:
        return self.limit.allow(conversation)

    def _note_telegram_language(self, conversation: str, update: Update) -> None:
        if conversation in self._languages:
            return
        user = update.effective_user
        language = self.texts.language_of(user.language_code if user else None)
        if language:
            self._remember_language(conversation, language)

    def _remember_language(self, conversation: str, language: str) -> None:
        self._languages.pop(conversation, None)
        self._languages[conversation] = language
        if len(self._languages) > _REMEMBERED_CHATS:
            self._languages.popitem(last=False)

    def _language(self, conversation: str) -> str | None:
        return self._languages.get(conversation)

    async def _say(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, conversation: str, key: str
    ) -> None:
        text = self.texts.get(key, self._language(conversation))
        await self._quietly(context.bot.send_message(chat_id, text))

    async def _say_once_a_minute(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, conversation: str, key: str
    ) -> None:
        now = time.monotonic()
        if now - self._throttled_at.get(conversation, -60.0) >= 60.0:
            self._throttled_at[conversation] = now
            await self._say(context, chat_id, conversation, key)

    async def _mark_choice(self, message: Message, callback_data: str) -> None:
        """The pressed message keeps its text plus the choice; its buttons go away."""
        title = title_of(message.reply_markup, callback_data)
        if message.text and title:
            await self._quietly(message.edit_text(f"{message.text}\n\n✓ {title}"))
        else:
            await self._quietly(message.edit_reply_markup(None))

    @contextlib.asynccontextmanager
    async def _conversation_lock(self, conversation: str) -> AsyncIterator[None]:
        """One message of a chat at a time, in order; the lock goes when nobody needs it."""
        entry = self._locks.setdefault(conversation, _Lock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._locks.pop(conversation, None)

    @contextlib.asynccontextmanager
    async def _typing(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
        async def keep_typing() -> None:
            # A quick answer needs no indicator; the call would only spend Telegram's rate.
            await asyncio.sleep(_TYPING_AFTER)
            while True:
                await self._quietly(context.bot.send_chat_action(chat_id, ChatAction.TYPING))
                await asyncio.sleep(_TYPING_EVERY)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @staticmethod
    async def _quietly(call: Any) -> None:
        """A courtesy call (typing, answering a button, an apology) that may fail."""
        try:
            await call
        except TelegramError as exc:
            logger.warning("a Telegram call failed: %s", type(exc).__name__)


class _Lock:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


def command_menu(texts: ChannelTexts, language: str) -> list[BotCommand]:
    return [BotCommand(name, texts.get(f"command_{name}", language)) for name in COMMANDS]
