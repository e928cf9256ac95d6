"""Buttons a channel shows, as short signed tokens instead of Rasa payloads.

A press is accepted only with a token this channel issued for this conversation, so nobody
can send a payload of their own (``/inform{"age": 10}``) by forging a button. Every payload
the bot's responses can carry is known in advance, so tokens stay valid across restarts
and between several gateway processes sharing the secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Iterable

TOKEN_SEPARATOR = "."
_REMEMBERED = 5000


def _short(digest: bytes, length: int) -> str:
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:length]


def payload_key(payload: str) -> str:
    return _short(hashlib.sha256(payload.encode("utf-8")).digest(), 11)


class ButtonTokens:
    def __init__(self, secret: bytes, known_payloads: Iterable[str] = ()) -> None:
        if len(secret) < 16:
            raise ValueError("the button secret must be at least 16 bytes")
        self._secret = secret
        self._payloads: OrderedDict[str, str] = OrderedDict(
            (payload_key(p), p) for p in known_payloads
        )
        self._catalogue_size = len(self._payloads)

    def issue(self, conversation_id: str, payload: str) -> str:
        key = payload_key(payload)
        if key not in self._payloads:
            self._remember(key, payload)
        return f"{key}{TOKEN_SEPARATOR}{self._signature(conversation_id, key)}"

    def payload(self, conversation_id: str, token: str) -> str | None:
        """The payload behind a token issued for this conversation, or None."""
        key, _, signature = token.partition(TOKEN_SEPARATOR)
        expected = self._signature(conversation_id, key).encode("ascii")
        if not key or not hmac.compare_digest(signature.encode("utf-8", "replace"), expected):
            return None
        return self._payloads.get(key)

    def _signature(self, conversation_id: str, key: str) -> str:
        mac = hmac.new(self._secret, f"{conversation_id}\x1f{key}".encode(), hashlib.sha256)
        return _short(mac.digest(), 16)

    def _remember(self, key: str, payload: str) -> None:
        self._payloads[key] = payload
        while len(self._payloads) > self._catalogue_size + _REMEMBERED:
            # The oldest payload not from the catalogue goes; catalogue entries come first.
            victim = next(iter(list(self._payloads)[self._catalogue_size:]))
            del self._payloads[victim]
