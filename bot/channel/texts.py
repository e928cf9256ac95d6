"""The channel's own texts (``channel_*`` and ``command_*`` in ``locales/``) and the
language a conversation is in, as far as a channel can tell without asking Rasa."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from intake.responses import (
    RIGHT_TO_LEFT,
    build_responses,
    load_institutions,
    render_text,
)
from intake.translations import SOURCE_LANGUAGE, load_locales

_PREFIX = 24
_FILLED = re.compile(r"\{[a-z_]+\}|\[\[[a-z_0-9]+\]\]|[\u2066-\u2069]")


class ChannelTexts:
    def __init__(self, locales: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._locales = dict(locales if locales is not None else load_locales())
        self._institutions = load_institutions()
        self.languages = tuple(self._locales)

    def get(self, key: str, language: str | None) -> str:
        if language not in self._locales:
            language = SOURCE_LANGUAGE
        return render_text(
            self._locales[language][key], self._institutions, language in RIGHT_TO_LEFT
        )

    def all_keys(self) -> list[str]:
        return list(self._locales[SOURCE_LANGUAGE])

    def language_of(self, code: str | None) -> str | None:
        """One of our languages for a code like Telegram's ``language_code`` ("pt-br", "uk")."""
        short = (code or "").split("-")[0].split("_")[0].lower()
        return short if short in self._locales else None


class ReplyLanguages:
    """Tells the language of a bot message from the start of the response texts."""

    def __init__(self, responses: Mapping[str, list[dict]] | None = None) -> None:
        responses = responses if responses is not None else build_responses()
        seen: dict[str, set[str]] = {}
        for variations in responses.values():
            for variation in variations:
                language = _language_of_variation(variation)
                seen.setdefault(_prefix(variation["text"]), set()).add(language)
        self._by_prefix = {p: langs.pop() for p, langs in seen.items() if len(langs) == 1 and p}

    def language(self, texts: Iterable[str]) -> str | None:
        for text in texts:
            found = self._by_prefix.get(_prefix(text))
            if found:
                return found
        return None


def _language_of_variation(variation: Mapping) -> str:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return str(condition["value"])
    return SOURCE_LANGUAGE


def _prefix(text: str) -> str:
    """The start of a text up to its first placeholder (bot texts are compared with the
    response texts they were filled from)."""
    return _FILLED.split(text, 1)[0][:_PREFIX]
