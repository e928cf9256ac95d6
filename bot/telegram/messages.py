"""Rasa's replies in Telegram's shape: text within Telegram's limits, buttons as inline
keyboards whose callback data are signed tokens."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_MESSAGE = 4096
_NARROW_TITLE = 16


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Pieces of at most ``limit`` UTF-16 units, cut at a paragraph, a line or a space
    where there is one."""
    pieces: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        cut = _longest_prefix(rest, limit)
        for separator in ("\n\n", "\n", " "):
            at = rest.rfind(separator, 0, cut)
            if at > cut // 2:
                cut = at
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _longest_prefix(text: str, limit: int) -> int:
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def keyboard(
    buttons: Sequence[dict[str, Any]], token_of: Callable[[str], str]
) -> InlineKeyboardMarkup | None:
    """Short titles two to a row, long ones one to a row."""
    if not buttons:
        return None
    keys = [
        InlineKeyboardButton(str(b.get("title", ""))[:64], callback_data=token_of(str(b["payload"])))
        for b in buttons
        if b.get("payload")
    ]
    per_row = 2 if all(len(k.text) <= _NARROW_TITLE for k in keys) else 1
    rows = [keys[i:i + per_row] for i in range(0, len(keys), per_row)]
    return InlineKeyboardMarkup(rows)


def title_of(markup: InlineKeyboardMarkup | None, callback_data: str) -> str | None:
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            if button.callback_data == callback_data:
                return button.text
    return None
