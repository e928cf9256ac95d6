"""Drives the Telegram Bot API emulator in tests/telegram_emulator (telegram-test-api) for tests
and benchmarks: a bot under test talks to it as to Telegram, and TelegramUser plays the people.

    with TelegramEmulator.start() as emulator:
        application = ApplicationBuilder().token(emulator.token)
            .base_url(emulator.bot_base_url).base_file_url(emulator.bot_base_file_url).build()
        ...  # run the application
        user = emulator.user(language_code="uk")
        user.send_command("/start")
        [reply] = user.replies()
"""
from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Self

import httpx

EMULATOR_DIR = Path(__file__).parent / "telegram_emulator"
BOT_TOKEN = "123456:" + "A" * 35
_READY = re.compile(r"listening on (\S+):(\d+)")


class TelegramEmulator:
    """One emulator process on 127.0.0.1; `start()` it, `stop()` it or use it as a context."""

    def __init__(self, process: subprocess.Popen[str], port: int, output: deque[str], token: str):
        self.process = process
        self.port = port
        self.token = token
        self.url = f"http://127.0.0.1:{port}"
        self._output = output
        self._http = httpx.Client(base_url=self.url, trust_env=False, timeout=10)
        self._ids = itertools.count(1_000_001)

    @classmethod
    def start(cls, port: int | None = None, *, token: str = BOT_TOKEN,
              startup_timeout: float = 10.0) -> TelegramEmulator:
        """Spawns the emulator on `port` (a free one if None) and waits until it listens."""
        if shutil.which("node") is None:
            raise RuntimeError("node is not on PATH: the Telegram emulator needs Node.js")
        if not (EMULATOR_DIR / "node_modules" / "telegram-test-api").is_dir():
            raise RuntimeError(
                "telegram-test-api is not installed: run `make test` / "
                f"`npm ci --no-audit --no-fund` in {EMULATOR_DIR}")
        # Node exits when stdin closes, so it dies with this process even if it is killed.
        process = subprocess.Popen(
            ["node", "server.js", "--port", str(port or 0), "--exit-with-stdin"],
            cwd=EMULATOR_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
            start_new_session=True)
        output: deque[str] = deque(maxlen=50)
        ready = threading.Event()
        found: list[int] = []

        def read() -> None:  # drains the pipe for the process's whole life, so node never blocks
            for line in process.stdout:  # type: ignore[union-attr]
                output.append(line.rstrip())
                if not found and (match := _READY.search(line)):
                    found.append(int(match.group(2)))
                    ready.set()
            ready.set()

        threading.Thread(target=read, name="telegram-emulator-output", daemon=True).start()
        if not ready.wait(startup_timeout) or not found:
            _terminate(process)
            log = "\n".join(output) or "(no output)"
            raise RuntimeError(f"the Telegram emulator did not start:\n{log}")
        return cls(process, found[0], output, token)

    @property
    def bot_base_url(self) -> str:
        """For `ApplicationBuilder().base_url()`: python-telegram-bot appends the token."""
        return f"{self.url}/bot"

    @property
    def bot_base_file_url(self) -> str:
        """For `ApplicationBuilder().base_file_url()`; the emulator serves no files, but this
        keeps a bot that asks for one away from the real Telegram."""
        return f"{self.url}/file/bot"

    @property
    def output(self) -> list[str]:
        """The emulator's last lines of output, for diagnosing a failure."""
        return list(self._output)

    def stop(self) -> None:
        self._http.close()
        _terminate(self.process)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def user(self, language_code: str | None = "uk", first_name: str = "Test") -> TelegramUser:
        """A new person in a private chat with the bot, with ids no other user here has."""
        return TelegramUser(self, next(self._ids), first_name, language_code)

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The bot's Bot API calls but getUpdates, oldest first: {method, chat_id, body}."""
        return self._request("GET", "/calls", params={"method": method} if method else None)

    def clear_calls(self) -> None:
        self._request("DELETE", "/calls")

    def send_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queues any Update for the bot (update_id, and message_id of a `message` missing
        one, are filled in) and returns it as the bot will get it."""
        body = {"botToken": self.token, "update": update}
        return self._request("POST", "/sendRawUpdate", json=body)

    def _request(self, method: str, path: str, timeout: float = 10, **kwargs: Any) -> Any:
        response = self._http.request(method, path, timeout=timeout, **kwargs)
        if response.status_code != 200 or not response.json().get("ok"):
            raise RuntimeError(f"emulator {method} {path}: {response.status_code} {response.text}")
        return response.json()["result"]


class TelegramUser:
    """One person (`id`) in a private chat with the bot (chat id = `id`)."""

    def __init__(self, emulator: TelegramEmulator, user_id: int, first_name: str,
                 language_code: str | None):
        self.emulator = emulator
        self.id = self.chat_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self._seen: list[dict[str, Any]] = []  # every bot message to this chat, for press()
        self._unreturned: list[dict[str, Any]] = []
        self._files = itertools.count(1)

    @property
    def sender(self) -> dict[str, Any]:
        sender = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            sender["language_code"] = self.language_code
        return sender

    def send_text(self, text: str) -> None:
        self._send("/sendMessage", self._message(text=text))

    def send_command(self, command_text: str) -> None:
        """`command_text` like "/start" or "/start payload"."""
        command = command_text.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_length(command)}
        self._send("/sendCommand", self._message(text=command_text, entities=[entity]))

    def press(self, callback_data: str) -> None:
        """Presses the button with `callback_data` on the latest bot message that has one."""
        self._fetch(timeout=0)
        for message in reversed(self._seen):
            if any(data == callback_data for _, data in self.buttons(message)):
                break
        else:
            seen = [self.buttons(m) for m in self._seen if self.buttons(m)]
            raise LookupError(f"no message to chat {self.chat_id} has a button {callback_data!r}; "
                              f"keyboards seen: {seen}")
        self._send("/sendCallback", {"from": self.sender, "message": message, "data": callback_data,
                                     "chat_instance": str(self.chat_id)})

    def send_message(self, **fields: Any) -> dict[str, Any]:
        """Any Message from this user (photo=..., contact=...); returns the Update sent."""
        return self.emulator.send_update({"message": self._message(**fields)})

    def send_photo(self, caption: str | None = None) -> dict[str, Any]:
        sizes = [self._file(width=90, height=67, file_size=1_500),
                 self._file(width=800, height=600, file_size=52_000)]
        return self.send_message(photo=sizes, **({"caption": caption} if caption else {}))

    def send_sticker(self) -> dict[str, Any]:
        return self.send_message(sticker=self._file(
            type="regular", width=512, height=512, is_animated=False, is_video=False, emoji="👍"))

    def send_voice(self, duration: int = 3) -> dict[str, Any]:
        return self.send_message(voice=self._file(
            duration=duration, mime_type="audio/ogg", file_size=4_000 * duration))

    def send_document(self, file_name: str = "document.pdf",
                      mime_type: str = "application/pdf") -> dict[str, Any]:
        return self.send_message(document=self._file(
            file_name=file_name, mime_type=mime_type, file_size=20_000))

    def send_location(self, latitude: float = 50.4501,
                      longitude: float = 30.5234) -> dict[str, Any]:
        return self.send_message(location={"latitude": latitude, "longitude": longitude})

    def replies(self, wait_for: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        """The bot's messages to this chat not returned before, once there are `wait_for`."""
        deadline = time.monotonic() + timeout
        while len(self._unreturned) < wait_for:
            left = deadline - time.monotonic()
            if left <= 0:
                texts = [m.get("text") for m in self._unreturned]
                raise TimeoutError(f"chat {self.chat_id}: {len(self._unreturned)} of {wait_for} "
                                   f"bot messages after {timeout} s: {texts}")
            self._fetch(timeout=left)
        replies, self._unreturned = self._unreturned, []
        return replies

    @staticmethod
    def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
        """(text, callback_data) of the callback buttons of a message's inline keyboard."""
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [(button["text"], button["callback_data"])
                for row in keyboard for button in row if "callback_data" in button]

    def _message(self, **fields: Any) -> dict[str, Any]:
        chat = {"id": self.chat_id, "type": "private", "first_name": self.first_name}
        return {"from": self.sender, "chat": chat, "date": int(time.time()), **fields}

    def _file(self, **fields: Any) -> dict[str, Any]:
        n = next(self._files)
        return {"file_id": f"file-{self.id}-{n}", "file_unique_id": f"u{self.id}-{n}", **fields}

    def _send(self, path: str, body: dict[str, Any]) -> None:
        self.emulator._request("POST", path, json={"botToken": self.emulator.token, **body})

    def _fetch(self, timeout: float) -> None:
        messages = self.emulator._request(
            "POST", "/botMessages", timeout=timeout + 10,
            json={"token": self.emulator.token, "chatId": self.chat_id, "timeout": timeout})
        self._seen += messages
        self._unreturned += messages


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _terminate(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class GatewayProcess:
    """The real gateway (`python -m bot.telegram`) as a process, talking to an emulator."""

    def __init__(self, rasa_url: str, actions_url: str, emulator: TelegramEmulator, log: Path,
                 **env: str) -> None:
        self.emulator = emulator
        self.log = log
        self.health_port = int(env.pop("TELEGRAM_HEALTH_PORT", 0) or _free_port())
        self.health_url = f"http://127.0.0.1:{self.health_port}/health"
        self._env = {
            **os.environ,
            "TELEGRAM_HEALTH_PORT": str(self.health_port),
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_URL": emulator.bot_base_url,
            "RASA_URL": rasa_url,
            "ACTIONS_URL": actions_url,
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> GatewayProcess:
        """Starts it and waits until it has registered its commands (it is polling then)."""
        known = len(self.emulator.calls("setMyCommands"))
        project = Path(__file__).resolve().parents[1]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.telegram"], cwd=project, env=self._env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while len(self.emulator.calls("setMyCommands")) <= known:
            if self.process.poll() is not None:
                raise RuntimeError(f"the gateway stopped: {self.log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway did not register its commands in time")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
