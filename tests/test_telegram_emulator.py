"""The Telegram emulator harness itself, driven by a small python-telegram-bot bot (no Rasa)."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Self

import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram_client import TelegramEmulator

UK_COMMANDS = [BotCommand("start", "Почати спочатку")]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = [[InlineKeyboardButton("Так", callback_data="yes"),
                 InlineKeyboardButton("Ні", callback_data="no")]]
    await update.message.reply_text("Почнемо?", reply_markup=InlineKeyboardMarkup(keyboard))


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await update.effective_chat.send_message(update.callback_query.data)


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    sizes = len(update.message.photo)
    await update.message.reply_text(f"photo:{sizes}:{update.effective_user.language_code}")


async def set_commands(application: Application) -> None:
    await application.bot.set_my_commands(UK_COMMANDS, language_code="uk")


def build_bot(emulator: TelegramEmulator) -> Application:
    application = (ApplicationBuilder().token(emulator.token)
                   .base_url(emulator.bot_base_url).base_file_url(emulator.bot_base_file_url)
                   .post_init(set_commands).build())
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.PHOTO, photo))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


class RunningBot:
    """Runs an Application on an event loop of its own in a thread, through the steps of
    `run_polling`/`run_webhook` (which want the main thread for their signal handlers).
    Long polling unless `webhook` holds the arguments of `Updater.start_webhook`."""

    def __init__(self, application: Application, webhook: dict[str, Any] | None = None):
        self.application = application
        self.webhook = webhook
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(),), daemon=True)
        self._failure: BaseException | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10) or self._failure:
            raise RuntimeError("the bot did not start") from self._failure
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)
        assert not self._thread.is_alive(), "the bot did not stop within 5 s"

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        application = self.application
        try:
            await application.initialize()
            if application.post_init:
                await application.post_init(application)
            if self.webhook:
                await application.updater.start_webhook(**self.webhook)
            else:
                await application.updater.start_polling(poll_interval=0)
            await application.start()
        except BaseException as error:
            self._failure = error
            raise
        finally:
            self._ready.set()
        await self._stop.wait()
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


@pytest.fixture(scope="module")
def emulator() -> Iterator[TelegramEmulator]:
    with TelegramEmulator.start() as emulator, RunningBot(build_bot(emulator)):
        yield emulator


def test_start_shows_buttons_and_a_press_reaches_the_bot(emulator: TelegramEmulator) -> None:
    user = emulator.user()
    user.send_command("/start")
    [question] = user.replies()
    assert question["text"] == "Почнемо?"
    assert user.buttons(question) == [("Так", "yes"), ("Ні", "no")]

    user.press("no")
    [answer] = user.replies()
    assert answer["text"] == "no"
    assert emulator.calls("answerCallbackQuery")


@pytest.mark.parametrize("text", ["Привіт, як справи?", "مرحبا كيف حالك"])
def test_text_round_trips_unchanged(emulator: TelegramEmulator, text: str) -> None:
    user = emulator.user(language_code="ar")
    user.send_text(text)
    [reply] = user.replies()
    assert reply["text"].encode() == text.encode()
    assert reply["chat"]["id"] == user.chat_id


def test_a_raw_photo_update_reaches_the_bot_as_a_photo(emulator: TelegramEmulator) -> None:
    user = emulator.user(language_code="uk")
    update = user.send_photo()
    assert update["message"]["photo"][0]["width"] == 90
    [reply] = user.replies()
    assert reply["text"] == "photo:2:uk"


def test_set_my_commands_is_recorded(emulator: TelegramEmulator) -> None:
    [call] = emulator.calls("setMyCommands")
    assert call["body"]["language_code"] == "uk"
    assert call["body"]["commands"] == [{"command": "start", "description": "Почати спочатку"}]


def test_updates_reach_a_bot_on_a_webhook() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook = {"listen": "127.0.0.1", "port": port, "url_path": "hook", "secret_token": "s3cret",
               "webhook_url": f"http://127.0.0.1:{port}/hook"}
    with TelegramEmulator.start() as emulator, RunningBot(build_bot(emulator), webhook):
        user = emulator.user()
        user.send_command("/start")
        user.replies()
        user.press("yes")
        assert [reply["text"] for reply in user.replies()] == ["yes"]
        [call] = emulator.calls("setWebhook")
        assert call["body"]["url"] == webhook["webhook_url"]


def test_replies_times_out_clearly(emulator: TelegramEmulator) -> None:
    user = emulator.user()
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="0 of 1 bot messages"):
        user.replies(timeout=0.2)
    assert time.monotonic() - started < 1


def test_start_fails_clearly_without_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="node is not on PATH"):
        TelegramEmulator.start()
