"""Typed text reaches the bot as text, never as a payload."""
from __future__ import annotations

import re
import unicodedata

MAX_TEXT = 2000
_KEEP = {"\n", "\t"}
_LEADING = re.compile(r"^[\s/]+")


def as_text(typed: str) -> str:
    """What a person typed, as Rasa will read it as text: without control characters,
    without leading slashes (Rasa would read ``/intent{...}`` as a payload), and cut to a
    length no honest answer needs."""
    cleaned = "".join(
        ch for ch in typed
        if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn")
    )
    return _LEADING.sub("", cleaned)[:MAX_TEXT].strip()
