"""The load of `bench/load.py`: conversations over Rasa's REST channel (asyncio, one HTTP
client for all), through the Telegram gateway and its emulator (threads), the figures of a
run, and a watcher for the peak memory and CPU time of the servers' processes."""
from __future__ import annotations

import asyncio
import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

# -- figures ------------------------------------------------------------------------------

# CPU time that is not the servers': the databases (every process of theirs on the machine)
# and the load generator itself.
OUTSIDE = ("postgres", "redis", "client")


@dataclass
class Sample:
    seconds: float
    ok: bool
    turn: int = 0  # the message's place in its conversation


@dataclass
class RunResult:
    system: str          # "ours", "stock", "ours-telegram"
    load: str            # "a" (people who wait 1 s) or "b" (saturation)
    conversations: int
    samples: list[Sample]
    duration: float
    finished: int = 0    # screenings that reached their result message (ours only)
    started: int = 0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        times = sorted(s.seconds for s in self.samples if s.ok)
        messages = max(1, len(self.samples))
        servers = sum(v for k, v in self.cpu_seconds.items() if k not in OUTSIDE)
        databases = sum(v for k, v in self.cpu_seconds.items() if k in ("postgres", "redis"))
        return {
            "system": self.system, "load": self.load, "conversations": self.conversations,
            "messages": len(self.samples),
            "duration_s": round(self.duration, 2),
            "throughput_msg_s": round(len(self.samples) / self.duration, 1) if self.duration else 0.0,
            "p50_ms": _ms(percentile(times, 0.50)), "p95_ms": _ms(percentile(times, 0.95)),
            "p99_ms": _ms(percentile(times, 0.99)),
            "errors": sum(not s.ok for s in self.samples),
            "screenings_started": self.started, "screenings_finished": self.finished,
            # CPU time is less disturbed by other work on the machine than wall time.
            "cpu_ms_per_message": round(1000 * servers / messages, 1),
            "db_cpu_ms_per_message": round(1000 * databases / messages, 1),
            "p95_ms_by_turn": [_ms(percentile(sorted(
                s.seconds for s in self.samples if s.ok and s.turn == turn), 0.95))
                for turn in range(1 + max((s.turn for s in self.samples), default=-1))],
            "peak_rss_mb": {k: round(v, 1) for k, v in self.peak_rss_mb.items()},
            "cpu_seconds": {k: round(v, 2) for k, v in self.cpu_seconds.items()},
        }


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """Nearest rank of an ascending list (p99 of 100 values is the 99th)."""
    if not ordered:
        return None
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 1)


# -- REST ---------------------------------------------------------------------------------

@dataclass
class Script:
    """One conversation: its messages, and how to tell its last reply is the result."""

    messages: list[str]
    finished: Callable[[list[dict[str, Any]]], bool] = lambda replies: True


async def rest_load(urls: list[str], script: Script, conversations: int, screenings: int,
                    think_seconds: float, prefix: str) -> tuple[list[Sample], float, int]:
    """`conversations` users at once, each going through `screenings` conversations one
    after the other, message i of a conversation to urls[i % len(urls)] (round robin).
    After a reply a user waits `think_seconds` (0: saturation). With waiting, the users'
    starts are spread over one waiting time, as people do not arrive in step.
    Returns the samples, the wall time, and the conversations that reached their result."""
    limits = httpx.Limits(max_connections=4 * conversations + 8,
                          max_keepalive_connections=4 * conversations + 8)
    samples: list[Sample] = []
    finished = 0
    async with httpx.AsyncClient(timeout=120, limits=limits, trust_env=False) as client:
        async def user(index: int) -> None:
            nonlocal finished
            if think_seconds:
                await asyncio.sleep(think_seconds * index / conversations)
            for _ in range(screenings):
                sender = f"{prefix}-{uuid.uuid4().hex}"
                replies: list[dict[str, Any]] = []
                for turn, message in enumerate(script.messages):
                    started = time.perf_counter()
                    try:
                        response = await client.post(
                            f"{urls[turn % len(urls)]}/webhooks/rest/webhook",
                            json={"sender": sender, "message": message})
                        replies = response.json() if response.status_code == 200 else []
                        ok = response.status_code == 200 and bool(replies)
                    except (httpx.HTTPError, ValueError):
                        replies, ok = [], False
                    samples.append(Sample(time.perf_counter() - started, ok, turn))
                    if think_seconds:
                        await asyncio.sleep(think_seconds)
                finished += script.finished(replies)

        started = time.perf_counter()
        await asyncio.gather(*(user(i) for i in range(conversations)))
        return samples, time.perf_counter() - started, finished


# -- Telegram -----------------------------------------------------------------------------

def calibrate_telegram(emulator: Any, messages: list[str], quiet: float = 1.5) -> list[int]:
    """The number of bot messages each turn of the script gets through the gateway (one
    conversation, waiting for `quiet` seconds without a new message after each turn)."""
    user = emulator.user(language_code="de")
    counts = []
    for turn, message in enumerate(messages):
        _send_telegram(user, message, turn)
        replies = user.replies(1, timeout=120)
        while True:
            try:
                replies += user.replies(1, timeout=quiet)
            except TimeoutError:
                break
        counts.append(len(replies))
    return counts


def telegram_load(emulator: Any, messages: list[str], counts: list[int], conversations: int,
                  screenings: int) -> tuple[list[Sample], float]:
    """Saturation through the gateway: each turn is timed from the user's message to the
    last of the bot's messages of that turn (`counts`, from calibrate_telegram)."""
    from concurrent.futures import ThreadPoolExecutor

    samples: list[Sample] = []
    lock = threading.Lock()

    def user(_: int) -> None:
        for _ in range(screenings):
            person = emulator.user(language_code="de")
            for turn, message in enumerate(messages):
                started = time.perf_counter()
                ok = True
                try:
                    _send_telegram(person, message, turn)
                    person.replies(counts[turn], timeout=120)
                except (TimeoutError, RuntimeError, httpx.HTTPError):
                    ok = False
                with lock:
                    samples.append(Sample(time.perf_counter() - started, ok, turn))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        list(pool.map(user, range(conversations)))
    return samples, time.perf_counter() - started


def _send_telegram(user: Any, message: str, turn: int) -> None:
    if turn == 0:
        user.send_command("/start")  # the gateway's greeting; REST sends /greet instead
    else:
        user.send_text(message)


# -- processes ----------------------------------------------------------------------------

class ProcessWatch:
    """Polls the resident memory (a process and its children) of named processes every
    `interval` seconds in a thread, and reads their CPU time; `peaks()` since `reset()`."""

    def __init__(self, pids: dict[str, int], interval: float = 0.2) -> None:
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.interval = interval
        self._peaks: dict[str, float] = {}
        self._cpu_start: dict[str, float] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._poll, name="rss-watch", daemon=True)

    def __enter__(self) -> ProcessWatch:
        self.reset()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        with self._lock:
            self._peaks = {name: self._rss(p) for name, p in self.processes.items()}
        self._cpu_start = self._cpu()

    def peaks(self) -> dict[str, float]:
        with self._lock:
            return {name: rss / 2**20 for name, rss in self._peaks.items()}

    def cpu_seconds(self) -> dict[str, float]:
        now = self._cpu()
        return {name: now[name] - self._cpu_start.get(name, 0.0) for name in now}

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            for name, process in self.processes.items():
                rss = self._rss(process)
                with self._lock:
                    self._peaks[name] = max(self._peaks.get(name, 0.0), rss)

    @staticmethod
    def _family(process: psutil.Process) -> list[psutil.Process]:
        try:
            return [process, *process.children(recursive=True)]
        except psutil.Error:
            return []

    def _rss(self, process: psutil.Process) -> float:
        total = 0.0
        for member in self._family(process):
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _cpu(self) -> dict[str, float]:
        seconds = {}
        for name, process in self.processes.items():
            total = 0.0
            for member in self._family(process):
                try:
                    times = member.cpu_times()
                    total += times.user + times.system
                except psutil.Error:
                    pass
            seconds[name] = total
        # What else the work costs: the databases (all their processes) and this client.
        for name, wanted in (("postgres", "postgres"), ("redis", "redis-server")):
            total = 0.0
            for process in psutil.process_iter(["name", "cpu_times"]):
                if process.info["name"] == wanted and process.info["cpu_times"]:
                    total += process.info["cpu_times"].user + process.info["cpu_times"].system
            seconds[name] = total
        me = psutil.Process().cpu_times()
        seconds["client"] = me.user + me.system
        return seconds

