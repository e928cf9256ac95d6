"""Talking to the Rasa server over its REST channel, with the retries a channel needs.

A message is delivered exactly once: when the connection fails before Rasa has the message,
it is sent again; when Rasa may have processed it (a timeout, a broken connection), the
conversation's tracker tells whether it did, and its replies are read from there.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)

BotMessage = dict[str, Any]


class BotUnavailable(Exception):
    """Rasa or the action server did not answer in time; the message was not processed."""


@dataclass
class Delivery:
    """How long to wait, and what to do while waiting (a channel apologises)."""

    slow_after: float = 6.0
    give_up_after: float = 900.0
    on_slow: Callable[[], Awaitable[None]] | None = None
    on_unavailable: Callable[[], Awaitable[None]] | None = None
    _told: set[str] = field(default_factory=set)

    async def tell(self, what: str) -> None:
        if what in self._told:
            return
        self._told.add(what)
        callback = self.on_slow if what == "slow" else self.on_unavailable
        if callback is not None:
            try:
                await callback()
            except Exception as exc:  # the apology is a courtesy; delivery goes on
                logger.warning("could not tell the user about a delay: %s", type(exc).__name__)


class RasaClient:
    def __init__(
        self,
        rasa_url: str,
        actions_url: str | None = None,
        timeout: float = 60.0,
        retry_pause: float = 2.0,
        health_ttl: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.actions_url = actions_url.rstrip("/") if actions_url else None
        self.timeout = timeout
        self.retry_pause = retry_pause
        self.health_ttl = health_ttl
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=3.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            transport=transport,
        )
        self._healthy_until = 0.0

    async def close(self) -> None:
        await self._http.aclose()

    async def healthy(self) -> bool:
        """Whether the Rasa server and the action server both answer (cached briefly)."""
        now = time.monotonic()
        if now < self._healthy_until:
            return True
        checks = [f"{self.rasa_url}/"]
        if self.actions_url:
            checks.append(f"{self.actions_url}/health")
        try:
            for url in checks:
                response = await self._http.get(url, timeout=3.0)
                if response.status_code != 200:
                    return False
        except httpx.HTTPError:
            return False
        self._healthy_until = now + self.health_ttl
        return True

    async def answers(self, url: str) -> bool:
        """Whether ``url`` (Rasa's or the action server's) answers 200 right now."""
        try:
            return (await self._http.get(url, timeout=3.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        response = await self._http.get(
            f"{self.rasa_url}/conversations/{conversation_id}/tracker",
            params={"include_events": "ALL"},
        )
        response.raise_for_status()
        return dict(response.json())

    async def converse(
        self,
        conversation_id: str,
        message: str,
        metadata: dict[str, Any],
        delivery: Delivery | None = None,
    ) -> list[BotMessage]:
        """The bot's replies to one message; waits (and apologises) through outages.

        ``metadata["message_id"]`` must identify the message uniquely in the conversation.
        """
        delivery = delivery or Delivery()
        deadline = time.monotonic() + delivery.give_up_after
        while True:
            if not await self.healthy():
                await delivery.tell("unavailable")
                await self._pause(deadline)
                continue
            try:
                replies = await self._post(conversation_id, message, metadata, delivery)
            except httpx.ConnectError:
                self._healthy_until = 0.0
                await delivery.tell("unavailable")
                await self._pause(deadline)
                continue
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.HTTPStatusError):
                self._healthy_until = 0.0
                await delivery.tell("unavailable")
                replies = await self._replies_if_processed(conversation_id, metadata, deadline)
                if replies is None:
                    await self._pause(deadline)
                    continue
            if not replies and not await self._silence_intended(conversation_id):
                # An action failed (the action server went away, maybe only for a moment):
                # Rasa answers 200 with nothing and the form's state did not move. The message
                # is sent again.
                self._healthy_until = 0.0
                await delivery.tell("unavailable")
                await self._pause(deadline)
                continue
            return replies

    async def _silence_intended(self, conversation_id: str) -> bool:
        """Whether the bot has nothing to say on purpose: a caseworker has taken the
        conversation over (Rasa pauses it). Every other turn of this bot says something."""
        try:
            return bool((await self.tracker(conversation_id)).get("paused"))
        except httpx.HTTPError:
            return False

    async def _post(
        self,
        conversation_id: str,
        message: str,
        metadata: dict[str, Any],
        delivery: Delivery,
    ) -> list[BotMessage]:
        request = asyncio.ensure_future(
            self._http.post(
                f"{self.rasa_url}/webhooks/rest/webhook",
                json={"sender": conversation_id, "message": message, "metadata": metadata},
            )
        )
        done, _ = await asyncio.wait({request}, timeout=delivery.slow_after)
        if not done:
            await delivery.tell("slow")
        response = await request
        response.raise_for_status()
        return list(response.json())

    async def _replies_if_processed(
        self, conversation_id: str, metadata: dict[str, Any], deadline: float
    ) -> list[BotMessage] | None:
        """The replies Rasa gave to this message if its tracker holds it, else None.

        Rasa saves a conversation only when a message is done, so the tracker is asked until
        it answers; a message still being processed shows up once it is done."""
        while time.monotonic() < deadline:
            try:
                tracker = await self.tracker(conversation_id)
            except httpx.HTTPError:
                await asyncio.sleep(self.retry_pause)
                continue
            return replies_to(tracker.get("events") or [], metadata["message_id"])
        raise BotUnavailable("no answer from the bot before the deadline")

    async def _pause(self, deadline: float) -> None:
        if time.monotonic() >= deadline:
            raise BotUnavailable("no answer from the bot before the deadline")
        await asyncio.sleep(self.retry_pause)


def replies_to(events: list[dict[str, Any]], message_id: Any) -> list[BotMessage] | None:
    """The bot messages that followed the user message with this ``message_id``."""
    replies: list[BotMessage] | None = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if replies is not None:
                break
            if (event.get("metadata") or {}).get("message_id") == message_id:
                replies = []
        elif kind == "bot" and replies is not None:
            replies.append(as_rest_message(event))
    return replies


def as_rest_message(event: dict[str, Any]) -> BotMessage:
    """A tracker's bot event in the shape the REST channel answers with."""
    data = event.get("data") or {}
    message: BotMessage = {}
    if event.get("text"):
        message["text"] = event["text"]
    if data.get("buttons"):
        message["buttons"] = data["buttons"]
    if data.get("custom"):
        message["custom"] = data["custom"]
    return message
