"""Builds and runs the gateway: ``intake telegram`` (or ``python -m bot.telegram``)."""
from __future__ import annotations

import asyncio
import logging
import sys
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.channel.buttons import ButtonTokens
from bot.channel.configuration import ConfigurationError
from bot.channel.health import Check, HealthServer
from bot.channel.conversations import chat_id_of
from bot.channel.limits import MessageLimit
from bot.channel.rasa import RasaClient
from bot.channel.texts import ChannelTexts, ReplyLanguages
from bot.telegram.gateway import CHANNEL, TelegramGateway, command_menu
from bot.telegram.messages import split_text
from bot.telegram.settings import GatewaySettings, load_settings
from db.messages import mark_delivered, undelivered
from db.session import session_factory
from intake.logs import configure_logging
from intake.responses import build_responses
from intake.translations import SOURCE_LANGUAGE

logger = logging.getLogger(__name__)


def known_payloads(responses: dict[str, list[dict]]) -> list[str]:
    return sorted({
        str(button["payload"]).replace("{{", "{").replace("}}", "}")
        for variations in responses.values()
        for variation in variations
        for button in variation.get("buttons") or []
    })


def build_application(settings: GatewaySettings) -> Application:
    responses = build_responses()
    secret = settings.channel_secret.encode("utf-8")
    texts = ChannelTexts()
    rasa = RasaClient(settings.rasa_url, settings.actions_url)
    gateway = TelegramGateway(
        rasa=rasa,
        secret=secret,
        texts=texts,
        reply_languages=ReplyLanguages(responses),
        tokens=ButtonTokens(secret, known_payloads(responses)),
        limit=MessageLimit(per_minute=settings.telegram_messages_per_minute),
    )

    async def register_commands(application: Application) -> None:
        for language in texts.languages:
            try:
                await application.bot.set_my_commands(
                    command_menu(texts, language),
                    language_code=None if language == SOURCE_LANGUAGE else language,
                )
            except TelegramError as exc:
                logger.warning("setMyCommands (%s) failed: %s", language, type(exc).__name__)

    outbox = session_factory(settings.database_url)

    async def start_delivering(application: Application) -> None:
        await register_commands(application)
        application.bot_data["delivery"] = asyncio.create_task(
            deliver_staff_messages(application, outbox, secret))
        if settings.telegram_health_port:
            health = HealthServer(health_checks(application, rasa, outbox),
                                  settings.telegram_health_listen, settings.telegram_health_port)
            try:
                await health.start()
                application.bot_data["health"] = health
            except OSError as exc:
                logger.warning("health endpoint not started (port %d): %s",
                               settings.telegram_health_port, type(exc).__name__)

    async def close_rasa(application: Application) -> None:
        delivery = application.bot_data.get("delivery")
        if delivery is not None:
            delivery.cancel()
        health = application.bot_data.get("health")
        if health is not None:
            await health.close()
        await rasa.close()

    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_url)
        .concurrent_updates(256)
        .rate_limiter(AIORateLimiter(
            overall_max_rate=settings.telegram_outgoing_per_second, max_retries=3))
        .post_init(start_delivering)
        .post_shutdown(close_rasa)
        .build()
    )
    application.bot_data["gateway"] = gateway
    application.add_handler(CallbackQueryHandler(gateway.on_button))
    application.add_handler(MessageHandler(~filters.UpdateType.EDITED, gateway.on_message))
    application.add_error_handler(gateway.on_error)
    return application


def health_checks(
    application: Application, rasa: RasaClient, outbox: sessionmaker[Session]
) -> dict[str, Check]:
    def database_answers() -> bool:
        with outbox() as session:
            session.execute(text("SELECT 1"))
        return True

    async def rasa_answers() -> bool:
        return await rasa.answers(f"{rasa.rasa_url}/")

    async def actions_answer() -> bool:
        return rasa.actions_url is None or await rasa.answers(f"{rasa.actions_url}/health")

    async def database() -> bool:
        return await asyncio.to_thread(database_answers)

    async def telegram() -> bool:
        # Polling (or the webhook's server) runs: updates from Telegram are being taken.
        return application.running and (
            application.updater is None or application.updater.running)

    return {"rasa": rasa_answers, "actions": actions_answer, "database": database,
            "telegram": telegram}


async def deliver_staff_messages(
    application: Application, outbox: sessionmaker[Session], secret: bytes, every: float = 2.0
) -> None:
    """Sends what caseworkers wrote (the console's outbox) to the Telegram chats it is for."""
    while True:
        try:
            waiting = await asyncio.to_thread(undelivered, outbox, f"{CHANNEL}-")
            delivered = []
            for message in waiting:
                chat_id = chat_id_of(secret, CHANNEL, message.conversation_id)
                if chat_id is not None:
                    for piece in split_text(message.text):
                        await application.bot.send_message(chat_id, piece)
                delivered.append(message.id)
            await asyncio.to_thread(mark_delivered, outbox, delivered)
        except (SQLAlchemyError, TelegramError) as exc:
            logger.warning("staff messages not delivered yet: %s", type(exc).__name__)
        await asyncio.sleep(every)


def quiet_libraries() -> None:
    # httpx logs every request URL, and a Bot API URL holds the bot token; PTB logs the
    # parameters of every call (message texts) at DEBUG. Neither may reach a log.
    for name in ("httpx", "httpcore", "telegram", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run(settings: GatewaySettings) -> None:
    application = build_application(settings)
    allowed = [Update.MESSAGE, Update.CALLBACK_QUERY]
    if settings.telegram_mode == "webhook":
        url = str(settings.telegram_webhook_url)
        application.run_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlsplit(url).path.lstrip("/"),
            webhook_url=url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=allowed,
        )
    else:
        application.run_polling(allowed_updates=allowed)


def main() -> int:
    configure_logging()
    quiet_libraries()
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"telegram gateway: {exc}", file=sys.stderr)
        return 2
    logger.info("Telegram gateway starting (%s, Rasa at %s)", settings.telegram_mode,
                settings.rasa_url)
    run(settings)
    logger.info("Telegram gateway stopped")
    return 0
