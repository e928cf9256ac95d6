"""Starts the embedded stack for ``make run``: the action server, the Rasa server (HTTP API
on 127.0.0.1), the web chat, the staff console, the Telegram gateway when a bot token is
configured, and the terminal chat.
Ctrl-C, or leaving the chat, stops all it started."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from intake.endpoints import write_endpoints
from intake.paths import PROJECT_DIR
from intake.settings import Settings

RASA_PORT = int(os.environ.get("RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("ACTIONS_PORT", "5055"))
MODEL = PROJECT_DIR / "models" / "kim-intake.tar.gz"
LOG_DIR = PROJECT_DIR / "var" / "log"


ENDPOINTS = PROJECT_DIR / "var" / "endpoints.yml"


def rasa_command(model: Path = MODEL, port: int = RASA_PORT, endpoints: Path = ENDPOINTS) -> list[str]:
    # bot/rasa_server.py runs Rasa with its log records stripped of personal data.
    return [
        str(PROJECT_DIR / ".venv-rasa" / "bin" / "python"), "-m", "bot.rasa_server",
        "run",
        "--enable-api",
        "--interface", "127.0.0.1",
        "--port", str(port),
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(PROJECT_DIR / "credentials.yml"),
    ]


def actions_command(port: int = ACTIONS_PORT) -> list[str]:
    return [sys.executable, "-m", "actions.server", "--actions", "actions", "--port", str(port)]


def stack_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        # rasa_sdk has no interface option; sanic reads its host from here.
        SANIC_HOST="127.0.0.1",
    )
    return env


def start(command: Sequence[str], log_name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / log_name).open("ab")
    return subprocess.Popen(
        list(command), cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_ready(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} stopped while starting (see var/log/)")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s (see var/log/)")


def stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


WEBCHAT_PORT = int(os.environ.get("WEBCHAT_PORT", "8080"))


CONSOLE_PORT = int(os.environ.get("CONSOLE_PORT", "8090"))


def console_command() -> list[str]:
    return [sys.executable, "-m", "console"]


def webchat_command() -> list[str]:
    return [sys.executable, "-m", "bot.webchat"]


def ensure_channel_secret(directory: Path = PROJECT_DIR / "var") -> None:
    ensure_secret("CHANNEL_SECRET", directory)


def ensure_secret(name: str, directory: Path = PROJECT_DIR / "var") -> None:
    """The embedded default needs no configuration: without the secret `name` (environment or
    .env), a random one is kept in var/<name>, readable by this user only."""
    if os.environ.get(name) or _in_dotenv(name):
        return
    path = directory / name.lower().replace("_", "-")
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as fh:
            fh.write(secrets.token_hex(32))
    os.environ[name] = path.read_text(encoding="utf-8").strip()


def telegram_command() -> list[str]:
    return [sys.executable, "-m", "bot.telegram"]


def telegram_wanted() -> bool:
    """The gateway starts with the stack when a bot token is configured (environment or .env)."""
    from bot.channel.configuration import ConfigurationError
    from bot.telegram.settings import load_settings

    if not (os.environ.get("TELEGRAM_BOT_TOKEN") or _in_dotenv("TELEGRAM_BOT_TOKEN")):
        return False
    try:
        load_settings()
    except ConfigurationError as exc:
        raise RuntimeError(f"Telegram gateway: {exc}") from None
    return True


def _in_dotenv(name: str) -> bool:
    dotenv = PROJECT_DIR / ".env"
    return dotenv.exists() and any(
        line.split("=", 1)[0].strip() == name and line.split("=", 1)[-1].strip()
        for line in dotenv.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


def run_stack() -> int:
    from intake.chat import run_chat

    if not MODEL.exists():
        print("intake: no trained model; run `make run` (it trains one)", file=sys.stderr)
        return 2
    ensure_secret("CHANNEL_SECRET")
    ensure_secret("CONSOLE_SECRET")
    try:
        with_telegram = telegram_wanted()
    except RuntimeError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return 2
    env = stack_environment()
    (PROJECT_DIR / "var").mkdir(exist_ok=True)
    settings = Settings()
    write_endpoints(ENDPOINTS, f"http://127.0.0.1:{ACTIONS_PORT}", settings.tracker_store_url,
                    settings.redis_url)
    processes = [start(actions_command(), "actions.log", env)]
    try:
        processes.append(start(rasa_command(), "rasa.log", env))
        print("Starting the action server and the Rasa server (about 30 s) …", flush=True)
        wait_until_ready(f"http://127.0.0.1:{ACTIONS_PORT}/health", processes[0], 60)
        wait_until_ready(f"http://127.0.0.1:{RASA_PORT}/status", processes[1], 180)
        print(f"Rasa HTTP API: http://127.0.0.1:{RASA_PORT}  (logs in var/log/)", flush=True)
        processes.append(start(webchat_command(), "webchat.log", env))
        wait_until_ready(f"http://127.0.0.1:{WEBCHAT_PORT}/health", processes[-1], 30)
        print(f"Web chat: http://127.0.0.1:{WEBCHAT_PORT}/  (also the page to try the bot)",
              flush=True)
        processes.append(start(console_command(), "console.log", env))
        wait_until_ready(f"http://127.0.0.1:{CONSOLE_PORT}/login", processes[-1], 30)
        print(f"Staff console: http://127.0.0.1:{CONSOLE_PORT}/  (accounts: "
              "`.venv/bin/intake staff add NAME --name 'Full Name' --role caseworker`)",
              flush=True)
        if with_telegram:
            processes.append(start(telegram_command(), "telegram.log", env))
            print("Telegram gateway started (log: var/log/telegram.log)", flush=True)
        return run_chat(f"http://127.0.0.1:{RASA_PORT}")
    except KeyboardInterrupt:
        return 130
    except RuntimeError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return 1
    finally:
        stop(processes)
