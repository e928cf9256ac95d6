"""The web chat server (``intake webchat``): a page, a widget script and a small JSON API
between the browser and the Rasa server. Starlette on uvicorn; no third-party requests."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channel.buttons import ButtonTokens
from bot.channel.commands import COMMANDS, language_choice
from bot.channel.configuration import ConfigurationError
from bot.channel.conversations import conversation_id
from bot.channel.limits import MessageLimit
from bot.channel.rasa import (
    BotMessage,
    BotUnavailable,
    Delivery,
    RasaClient,
    replies_to,
)
from bot.channel.texts import ChannelTexts, ReplyLanguages
from bot.channel.typed import MAX_TEXT, as_text
from bot.telegram.app import known_payloads
from bot.webchat.settings import WebchatSettings, load_settings
from db.messages import mark_delivered, undelivered
from db.session import session_factory
from intake.logs import configure_logging
from intake.responses import RIGHT_TO_LEFT, build_responses
from intake.translations import SOURCE_LANGUAGE


logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
CHANNEL = "web"
MAX_BODY = 16 * 1024
_BROWSER_ID = re.compile(r"^[0-9a-f]{32}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# The keys of locales/ a browser needs: the page's own words and the channel's messages.
_PAGE_KEYS = ("web_", "channel_", "button_lang_")


class ChatError(Exception):
    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status, self.key = status, key


class Chat:
    """What the API routes share: Rasa, the texts, the tokens, the limits."""

    def __init__(self, settings: WebchatSettings, rasa: RasaClient | None = None) -> None:
        responses = build_responses()
        self.secret = settings.channel_secret.encode("utf-8")
        self.rasa = rasa or RasaClient(settings.rasa_url, settings.actions_url)
        self.texts = ChannelTexts()
        self.reply_languages = ReplyLanguages(responses)
        self.tokens = ButtonTokens(self.secret, known_payloads(responses))
        self.limit = MessageLimit(per_minute=settings.webchat_messages_per_minute)
        self.frame_ancestors = settings.webchat_frame_ancestors
        # Messages from caseworkers wait in the queue database (console → staff_message).
        self.outbox = session_factory(settings.database_url) if settings.database_url else None

    def conversation(self, browser_id: str) -> str:
        if not _BROWSER_ID.match(browser_id):
            raise ChatError(400, "web_bad_request")
        return conversation_id(self.secret, CHANNEL, browser_id)

    def page_texts(self) -> dict[str, dict[str, str]]:
        return {
            language: {
                key: self.texts.get(key, language)
                for key in self.texts.all_keys()
                if key.startswith(_PAGE_KEYS)
            }
            for language in self.texts.languages
        }

    def for_browser(self, conversation: str, messages: list[BotMessage]) -> list[dict[str, Any]]:
        shown = []
        for message in messages:
            if not message.get("text"):
                continue
            shown.append({
                "text": message["text"],
                "buttons": [
                    {"title": str(b.get("title", "")), "token": self.tokens.issue(
                        conversation, str(b["payload"]))}
                    for b in message.get("buttons") or [] if b.get("payload")
                ],
            })
        return shown

    def to_bot(self, conversation: str, body: dict[str, Any]) -> str:
        """The message for Rasa: typed text as text, a button's payload, a command, a language."""
        if isinstance(body.get("text"), str):
            if len(body["text"]) > MAX_TEXT:
                raise ChatError(413, "web_too_long")
            text = as_text(body["text"])
            if not text:
                raise ChatError(400, "web_bad_request")
            return text
        if isinstance(body.get("button"), str):
            payload = self.tokens.payload(conversation, body["button"])
            if payload is None:
                raise ChatError(400, "channel_button_expired")
            return payload
        if body.get("command") in COMMANDS:
            return COMMANDS[body["command"]]
        if body.get("language") in self.texts.languages:
            return language_choice(body["language"])
        raise ChatError(400, "web_bad_request")


async def read_json(request: Request) -> dict[str, Any]:
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ChatError(413, "web_too_long")
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks) or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ChatError(400, "web_bad_request") from None
    if not isinstance(body, dict):
        raise ChatError(400, "web_bad_request")
    return body


def language_of_request(chat: Chat, request: Request, body: dict[str, Any] | None = None) -> str:
    wanted = str((body or {}).get("ui_language") or "")
    if wanted in chat.texts.languages:
        return wanted
    for part in request.headers.get("accept-language", "").split(","):
        language = chat.texts.language_of(part.split(";")[0].strip())
        if language:
            return language
    return SOURCE_LANGUAGE


def error_response(chat: Chat, error: ChatError, language: str) -> JSONResponse:
    return JSONResponse(
        {"error": error.key, "message": chat.texts.get(error.key, language)}, status_code=error.status
    )


async def post_message(request: Request) -> Response:
    chat: Chat = request.app.state.chat
    language = language_of_request(chat, request)
    try:
        body = await read_json(request)
        language = language_of_request(chat, request, body)
        conversation = chat.conversation(str(body.get("conversation", "")))
        message_id = str(body.get("message_id", ""))
        if not _MESSAGE_ID.match(message_id):
            raise ChatError(400, "web_bad_request")
        text = chat.to_bot(conversation, body)
        if not chat.limit.allow(conversation):
            raise ChatError(429, "channel_too_many")
    except ChatError as error:
        return error_response(chat, error, language)

    metadata: dict[str, Any] = {"message_id": f"{CHANNEL}:{message_id}", "channel": "webchat"}
    if chat.texts.language_of(str(body.get("locale") or "")):
        metadata["language_code"] = chat.texts.language_of(str(body["locale"]))
    try:
        replies = None
        if body.get("retry"):
            replies = await already_answered(chat, conversation, metadata["message_id"])
        if replies is None:
            replies = await chat.rasa.converse(
                conversation, text, metadata, Delivery(slow_after=60, give_up_after=8))
    except BotUnavailable:
        return error_response(chat, ChatError(503, "channel_unavailable"), language)
    erased = any((r.get("custom") or {}).get("conversation_erased") for r in replies)
    if erased:
        chat.limit.forget(conversation)
    reply_language = chat.reply_languages.language(r["text"] for r in replies if r.get("text"))
    return JSONResponse({
        "language": reply_language or language,
        "direction": "rtl" if (reply_language or language) in RIGHT_TO_LEFT else "ltr",
        "messages": chat.for_browser(conversation, replies),
        "erased": erased,
    })


async def already_answered(chat: Chat, conversation: str, message_id: str) -> list[BotMessage] | None:
    """The replies to a message the browser sends again, if Rasa has processed it already."""
    try:
        tracker = await chat.rasa.tracker(conversation)
    except httpx.HTTPError:
        raise BotUnavailable("the tracker could not be read") from None
    return replies_to(tracker.get("events") or [], message_id)


async def history(request: Request) -> Response:
    """The conversation so far, for a page that was reloaded: what was said, in order, and the
    buttons of the last message."""
    chat: Chat = request.app.state.chat
    language = language_of_request(chat, request)
    try:
        conversation = chat.conversation(request.path_params["browser_id"])
        tracker = await chat.rasa.tracker(conversation)
    except ChatError as error:
        return error_response(chat, error, language)
    except httpx.HTTPError:
        return error_response(chat, ChatError(503, "channel_unavailable"), language)
    said: list[dict[str, Any]] = []
    buttons: list[dict[str, Any]] = []
    for event in tracker.get("events") or []:
        if event.get("event") == "user" and event.get("text"):
            text = str(event["text"])
            if text.startswith("/"):
                chosen = [b["title"] for b in buttons if b.get("payload") == text]
                if not chosen:
                    continue
                text = f"✓ {chosen[0]}"
            said.append({"from": "user", "text": text})
            buttons = []
        elif event.get("event") == "bot" and event.get("text"):
            buttons = (event.get("data") or {}).get("buttons") or []
            said.append({"from": "bot", "text": event["text"], "buttons": buttons})
    shown = []
    for index, message in enumerate(said):
        last = index == len(said) - 1
        entry = {"from": message["from"], "text": message["text"], "buttons": []}
        if message["from"] == "bot" and last:
            entry["buttons"] = chat.for_browser(conversation, [message])[0]["buttons"]
        shown.append(entry)
    conversation_language = (tracker.get("slots") or {}).get("language") or language
    return JSONResponse({
        "language": conversation_language,
        "direction": "rtl" if conversation_language in RIGHT_TO_LEFT else "ltr",
        "messages": shown,
    })


async def updates(request: Request) -> Response:
    """What a caseworker sent to this conversation since the page last asked (the page asks
    every few seconds); each message is handed out once."""
    chat: Chat = request.app.state.chat
    language = language_of_request(chat, request)
    try:
        conversation = chat.conversation(request.path_params["browser_id"])
    except ChatError as error:
        return error_response(chat, error, language)
    if chat.outbox is None:
        return JSONResponse({"messages": []})
    waiting = await asyncio.to_thread(undelivered, chat.outbox, conversation_id=conversation)
    await asyncio.to_thread(mark_delivered, chat.outbox, [m.id for m in waiting])
    return JSONResponse({"messages": [{"text": m.text, "buttons": []} for m in waiting]})


async def texts(request: Request) -> Response:
    chat: Chat = request.app.state.chat
    return JSONResponse(chat.page_texts(), headers={"Cache-Control": "public, max-age=300"})


async def page(request: Request) -> Response:
    chat: Chat = request.app.state.chat
    language = language_of_request(chat, request)
    return request.app.state.templates.TemplateResponse(request, "chat.html", {
        "language": language,
        "direction": "rtl" if language in RIGHT_TO_LEFT else "ltr",
        "t": {k: chat.texts.get(k, language) for k in chat.texts.all_keys() if k.startswith(_PAGE_KEYS)},
        "languages": [(code, chat.texts.get(f"button_lang_{code}", code))
                      for code in chat.texts.languages],
    })


async def widget(request: Request) -> Response:
    chat: Chat = request.app.state.chat
    labels = {language: [chat.texts.get("web_open", language), chat.texts.get("web_close", language)]
              for language in chat.texts.languages}
    script = (HERE / "widget.js").read_text(encoding="utf-8")
    return Response(script.replace("__LABELS__", json.dumps(labels, ensure_ascii=False)),
                    media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})


async def health(request: Request) -> Response:
    chat: Chat = request.app.state.chat
    healthy = await chat.rasa.healthy()
    return JSONResponse({"status": "ok" if healthy else "unavailable"},
                        status_code=200 if healthy else 503)


class SecurityHeaders:
    """Nothing loads from another origin; the page may be framed only where configured."""

    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", (
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                f"connect-src 'self'; base-uri 'none'; form-action 'self'; "
                f"frame-ancestors {frame_ancestors}").encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cache-control", b"no-store"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self.headers if k not in existing
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


@contextlib.asynccontextmanager
async def _closing(chat: Chat) -> AsyncIterator[None]:
    yield
    await chat.rasa.close()


def create_app(settings: WebchatSettings, rasa: RasaClient | None = None) -> Starlette:
    chat = Chat(settings, rasa)
    app = Starlette(
        routes=[
            Route("/", page),
            Route("/widget.js", widget),
            Route("/health", health),
            Route("/api/texts", texts),
            Route("/api/chat", post_message, methods=["POST"]),
            Route("/api/chat/{browser_id}/history", history),
            Route("/api/chat/{browser_id}/updates", updates),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders, frame_ancestors=settings.webchat_frame_ancestors)],
        lifespan=lambda app: _closing(chat),
    )
    app.state.chat = chat
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    return app


def main() -> int:
    import uvicorn

    configure_logging()
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"web chat: {exc}", file=sys.stderr)
        return 2
    logger.info("web chat on http://%s:%d", settings.webchat_host, settings.webchat_port)
    # access_log off: request lines carry the browser's conversation id.
    uvicorn.run(create_app(settings), host=settings.webchat_host, port=settings.webchat_port,
                access_log=False, log_level="warning")
    return 0
