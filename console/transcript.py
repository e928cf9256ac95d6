"""A conversation as the caseworker reads it: the user's words as written, the bot's in the
user's language with the German text of the same response next to it."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx

from intake.responses import load_institutions, render_text
from intake.translations import load_locales


@dataclass(frozen=True)
class Line:
    speaker: str  # "user", "bot" or "staff"
    text: str
    german: str | None = None


@lru_cache(maxsize=1)
def _german() -> dict[str, str]:
    institutions = load_institutions()
    return {key: render_text(text, institutions) for key, text in load_locales()["de"].items()}


class _Keep(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def lines_of(events: list[dict[str, Any]], fill: dict[str, str]) -> list[Line]:
    lines: list[Line] = []
    for event in events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            lines.append(Line("user", str(event["text"])))
        elif kind == "bot" and event.get("text"):
            metadata = event.get("metadata") or {}
            if metadata.get("staff"):
                lines.append(Line("staff", str(event["text"])))
                continue
            template = _german().get(str(metadata.get("utter_action") or ""))
            german = template.format_map(_Keep(fill)) if template else None
            lines.append(Line("bot", str(event["text"]), german))
    return lines


async def transcript(rasa_url: str, conversation_id: str, fill: dict[str, str]) -> list[Line] | None:
    """None when the conversation cannot be read (Rasa down, or erased)."""
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{rasa_url}/conversations/{conversation_id}/tracker",
                                        params={"include_events": "ALL"})
            response.raise_for_status()
    except httpx.HTTPError:
        return None
    return lines_of(response.json().get("events") or [], fill)


async def post_events(rasa_url: str, conversation_id: str, events: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{rasa_url}/conversations/{conversation_id}/tracker/events", json=events)
        response.raise_for_status()
