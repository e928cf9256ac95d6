"""A chat with the running bot in the terminal, over Rasa's REST channel.

Buttons are shown numbered; typing the number presses the button. Typed text always
reaches the bot as text: a leading "/" is dropped, so nobody can type a payload.
"""
from __future__ import annotations

import sys
import uuid
from typing import Any, TextIO

import httpx

QUIT = {"/quit", "/exit"}


def send(client: httpx.Client, url: str, sender: str, message: str) -> list[dict[str, Any]]:
    response = client.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
    )
    response.raise_for_status()
    return list(response.json())


def typed_text(line: str) -> str:
    return line.strip().lstrip("/").strip()


def show(replies: list[dict[str, Any]], out: TextIO) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for reply in replies:
        if reply.get("text"):
            print(f"bot> {reply['text']}", file=out)
        for button in reply.get("buttons") or []:
            buttons.append(button)
            print(f"     [{len(buttons)}] {button['title']}", file=out)
    return buttons


def run_chat(url: str, inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    sender = uuid.uuid4().hex
    print("kim-intake – schreiben Sie „Hallo“. Ziffer = Knopf drücken, /quit = Ende.", file=out)
    buttons: list[dict[str, Any]] = []
    with httpx.Client(timeout=60) as client:
        while True:
            print("du> ", end="", file=out, flush=True)
            line = inp.readline()
            if not line or line.strip() in QUIT:
                return 0
            choice = line.strip()
            if choice.isdigit() and 1 <= int(choice) <= len(buttons):
                message = str(buttons[int(choice) - 1]["payload"])
            else:
                message = typed_text(line)
                if not message:
                    continue
            try:
                replies = send(client, url, sender, message)
            except httpx.HTTPError as exc:
                print(f"(der Bot ist nicht erreichbar: {type(exc).__name__})", file=out)
                continue
            buttons = show(replies, out)
