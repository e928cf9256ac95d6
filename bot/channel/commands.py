"""Commands every channel offers (Telegram's menu, the web chat's buttons) and the intent each
one sends to the bot."""
from __future__ import annotations

COMMANDS = {
    "start": "/greet",
    "language": "/change_language",
    "help": "/help",
    "restart": "/restart",
    "status": "/ask_status",
    "delete": "/delete_my_data",
}


def language_choice(language: str) -> str:
    """The payload of choosing a language (the language is one of ours, checked by the caller)."""
    return f'/change_language{{"language": "{language}"}}'
