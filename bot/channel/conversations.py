"""A channel's chat ids become Rasa conversation ids that reveal nothing about them.

The web chat's ids are one-way (a keyed hash): nobody needs the browser's id back. Telegram's
are sealed (deterministic authenticated encryption, AES-SIV): only the gateway, which holds the
key, can recover the chat id, to deliver what a caseworker sends later.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV


def conversation_id(secret: bytes, channel: str, chat_id: int | str) -> str:
    """Stable for a chat, different for every channel, not reversible."""
    mac = hmac.new(secret, f"{channel}\x1f{chat_id}".encode(), hashlib.sha256).digest()
    return f"{channel}-" + base64.b32encode(mac[:15]).decode("ascii").lower()


def sealed_conversation_id(secret: bytes, channel: str, chat_id: int) -> str:
    """Stable for a chat, different for every channel, reversible only with the secret."""
    sealed = _cipher(secret).encrypt(str(chat_id).encode("ascii"), [channel.encode()])
    return f"{channel}-" + base64.b32encode(sealed).decode("ascii").rstrip("=").lower()


def chat_id_of(secret: bytes, channel: str, conversation: str) -> int | None:
    """The chat id inside a sealed conversation id, or None if it is not one of ours."""
    prefix = f"{channel}-"
    if not conversation.startswith(prefix):
        return None
    encoded = conversation[len(prefix):].upper()
    try:
        sealed = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
        return int(_cipher(secret).decrypt(sealed, [channel.encode()]).decode("ascii"))
    except (ValueError, InvalidTag):
        return None


def _cipher(secret: bytes) -> AESSIV:
    key = hashlib.sha512(b"kim-intake conversation ids\x1f" + secret).digest()
    return AESSIV(key)
