"""Round-trip latency of the Telegram gateway (`make bench-telegram`), not a test.

Starts the Rasa stack, the Telegram Bot API emulator and the real gateway (long polling), and
measures the time from a user's message to the bot's first reply, p50/p95, with 1, 10 and 50
chats at once; then the same messages over Rasa's REST channel alone, in the same run.
Every chat sends the same message each turn ("danke" while the consent question is open),
so both channels do the same work; a chat ends after ten messages and a new one starts.
Outgoing messages pass python-telegram-bot's rate limiter (Telegram's 30 messages a second),
which caps the gateway's throughput by design.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.rasa_stack import RasaStack
from tests.telegram_client import GatewayProcess, TelegramEmulator

MESSAGE = "danke"
# A screening is about a dozen messages; longer chats would measure Rasa's growing trackers.
TURNS_PER_CHAT = 10
SECRET = "bench-channel-secret-0123456789abcdef"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def telegram_chat(emulator: TelegramEmulator, turns: int, replies_per_turn: int) -> list[float]:
    times = []
    for turn in range(turns):
        if turn % TURNS_PER_CHAT == 0:
            user = emulator.user(language_code="de")
            user.send_command("/start")
            user.replies(2, timeout=120)
        started = time.perf_counter()
        user.send_text(MESSAGE)
        user.replies(1, timeout=120)
        times.append(time.perf_counter() - started)
        # The rest of the turn's messages (how many depends on the turn: a form re-asks once).
        while True:
            try:
                user.replies(1, timeout=0.5)
            except TimeoutError:
                break
    return times


def rest_chat(url: str, turns: int) -> list[float]:
    times = []
    with httpx.Client(timeout=120) as client:
        for turn in range(turns):
            if turn % TURNS_PER_CHAT == 0:
                sender = uuid.uuid4().hex
                client.post(f"{url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": "/greet"})
            started = time.perf_counter()
            response = client.post(f"{url}/webhooks/rest/webhook",
                                   json={"sender": sender, "message": MESSAGE})
            response.raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def replies_to_one_turn(emulator: TelegramEmulator) -> int:
    user = emulator.user(language_code="de")
    user.send_command("/start")
    user.replies(2, timeout=120)
    user.send_text(MESSAGE)
    count = len(user.replies(1, timeout=120))
    time.sleep(2)
    try:
        count += len(user.replies(1, timeout=0.5))
    except TimeoutError:
        pass
    return count


def run(concurrency: int, turns: int, work) -> tuple[list[float], float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda _: work(turns), range(concurrency)))
    return [t for chat in results for t in chat], time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100,
                        help="messages per concurrency level (default 100)")
    parser.add_argument("--outgoing-per-second", default="30",
                        help="the gateway's rate limit (Telegram's: 30; higher shows the "
                             "gateway's own cost)")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    stack = RasaStack(directory)
    print("starting the Rasa stack, the emulator and the gateway …", flush=True)
    stack.start()
    try:
        with TelegramEmulator.start() as emulator:
            gateway = GatewayProcess(stack.url, stack.actions_url, emulator,
                                     directory / "telegram.log", CHANNEL_SECRET=SECRET,
                                     TELEGRAM_MESSAGES_PER_MINUTE="100000",
                                     TELEGRAM_OUTGOING_PER_SECOND=args.outgoing_per_second,
                                     ).start()
            try:
                per_turn = replies_to_one_turn(emulator)
                print(f"{MESSAGE!r} gets {per_turn} bot message(s) per turn; the gateway sends "
                      f"at most {args.outgoing_per_second} messages a second\n")
                print(f"{'chats':>5} {'channel':<9} {'msgs':>5} {'p50 ms':>8} {'p95 ms':>8} "
                      f"{'msg/s':>7}")
                rows = []
                for concurrency in (1, 10, 50):
                    turns = max(2, args.messages // concurrency)
                    tg, tg_wall = run(concurrency, turns,
                                      lambda n: telegram_chat(emulator, n, per_turn))
                    rest, rest_wall = run(concurrency, turns, lambda n: rest_chat(stack.url, n))
                    for name, times, wall in (("telegram", tg, tg_wall), ("rest", rest, rest_wall)):
                        print(f"{concurrency:>5} {name:<9} {len(times):>5} "
                              f"{1000 * statistics.median(times):>8.1f} "
                              f"{1000 * percentile(times, 0.95):>8.1f} "
                              f"{len(times) / wall:>7.1f}", flush=True)
                    rows.append((concurrency, tg, rest))
                print("\ngateway overhead (telegram − rest):")
                for concurrency, tg, rest in rows:
                    print(f"  {concurrency:>2} chats: p50 +{1000 * (statistics.median(tg) - statistics.median(rest)):.1f} ms, "
                          f"p95 +{1000 * (percentile(tg, 0.95) - percentile(rest, 0.95)):.1f} ms")
            finally:
                gateway.stop()
    finally:
        stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
