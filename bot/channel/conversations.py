"""A channel's chat ids become Rasa conversation ids that reveal nothing about them."""
from __future__ import annotations

import base64
import hashlib
import hmac


def conversation_id(secret: bytes, channel: str, chat_id: int | str) -> str:
    """Stable for a chat, different for every channel, not reversible without the secret."""
    mac = hmac.new(secret, f"{channel}\x1f{chat_id}".encode(), hashlib.sha256).digest()
    return f"{channel}-" + base64.b32encode(mac[:15]).decode("ascii").lower()
