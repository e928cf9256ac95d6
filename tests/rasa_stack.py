"""The Rasa server and the action server as `make run` starts them, on free ports, for the
end-to-end tests; each process can be stopped and started again (fault tests)."""
from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import IO, Any

import httpx

from db.migrate import upgrade
from db.repository import export_requests
from db.session import session_factory
from intake.endpoints import write_endpoints
from intake.stack import (
    MODEL,
    PROJECT_DIR,
    actions_command,
    rasa_command,
    stack_environment,
    stop,
    wait_until_ready,
)

RASA = PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RasaStack:
    def __init__(self, directory: Path, debug: bool = False, queue_url: str | None = None,
                 tracker_store_url: str | None = None, redis_url: str | None = None,
                 actions_from: RasaStack | None = None) -> None:
        """``actions_from``: a second Rasa server that uses another stack's action server."""
        if not (RASA.exists() and MODEL.exists()):
            raise RuntimeError("the Rasa virtualenv or the model is missing: run `make test`")
        self.logs = directory
        self.queue_url = queue_url or f"sqlite:///{directory / 'queue.sqlite3'}"
        self.tracker_store_url = tracker_store_url or f"sqlite:///{directory / 'trackers.sqlite3'}"
        upgrade(self.queue_url)
        self.rasa_port = free_port()
        self.actions_port = actions_from.actions_port if actions_from else free_port()
        self._own_actions = actions_from is None
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.actions_url = f"http://127.0.0.1:{self.actions_port}"
        self._endpoints = write_endpoints(directory / "endpoints.yml", self.actions_url,
                                          self.tracker_store_url, redis_url)
        self._env = {**stack_environment(), "DATABASE_URL": self.queue_url}
        if debug:
            self._env["LOG_LEVEL"] = "DEBUG"
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._log_files: list[IO[bytes]] = []

    def start(self) -> RasaStack:
        if self._own_actions:
            self.start_actions()
        self.start_rasa()
        return self

    def start_actions(self) -> None:
        self._start("actions", actions_command(self.actions_port))
        wait_until_ready(f"{self.actions_url}/health", self._processes["actions"], 90)

    def start_rasa(self) -> None:
        self._start("rasa", rasa_command(MODEL, self.rasa_port, self._endpoints))
        wait_until_ready(f"{self.url}/status", self._processes["rasa"], 240)

    def pid(self, name: str) -> int:
        """The process id of "rasa" or "actions" (this stack's own), for benchmarks."""
        return self._processes[name].pid

    def stop_actions(self) -> None:
        stop([self._processes.pop("actions")])

    def stop_rasa(self) -> None:
        stop([self._processes.pop("rasa")])

    def close(self) -> None:
        stop(list(self._processes.values()))
        self._processes.clear()
        for log in self._log_files:
            log.close()

    def _start(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self._log_files.append(log)
        self._processes[name] = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=self._env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    # -- talking to it over the REST channel ----------------------------------------------

    def say(self, sender: str, message: str, **metadata: str) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        response = httpx.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return list(response.json())

    def tracker(self, sender: str) -> dict[str, Any]:
        return httpx.get(f"{self.url}/conversations/{sender}/tracker", timeout=30).json()

    def requests(self) -> list[dict[str, Any]]:
        return export_requests(session_factory(self.queue_url))
