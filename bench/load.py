"""Load benchmark (`make bench`), not a test.

Drives full screenings (the German script of tests/conversations/de.yml, ten messages) over
Rasa's REST channel on the production configuration: two Rasa servers and one action server,
PostgreSQL as tracker store and queue (a fresh database, dropped at the end), Redis as lock
store, each conversation's messages alternating between the two servers. Then the same runs
against stock Rasa (the `rasa init` bot, one server, in-memory tracker store) with
conversations of the same length, in the same invocation.

Loads: (a) 50 conversations at once whose users wait 1 s between a reply and their next
message; (b) saturation, no waiting, 1, 10 and 50 conversations; and, when the Telegram
emulator is installed, (b) with 10 conversations through the gateway (which talks to the
first Rasa server). Printed and written to bench/results/load.json: throughput, p50/p95/p99
reply latency, errors (not HTTP 200, or no reply), peak resident memory per process with
its children (polled every 0.2 s) and CPU seconds per process, and ours/stock ratios.

    .venv/bin/python bench/load.py [--quick] [--skip-stock | --only-stock] [--profile]

`--profile` also samples the servers with py-spy during a saturation run (bench/profile_turn.py)
and prints where the time goes. The stock bot is trained once into var/bench/rasa-init/.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import (  # noqa: E402
    ProcessWatch,
    RunResult,
    Script,
    calibrate_telegram,
    rest_load,
    telegram_load,
)
from intake.stack import stack_environment, stop, wait_until_ready  # noqa: E402

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "kim-intake.tar.gz"
STOCK_DIR = ROOT / "var" / "bench" / "rasa-init"
RESULTS = ROOT / "bench" / "results" / "load.json"
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "bench-channel-secret-0123456789abcdef"

_SCRIPT = yaml.safe_load((ROOT / "tests/conversations/de.yml").read_text(encoding="utf-8"))
# As tests/test_scale.py: a full screening, one message per question.
MESSAGES = ["/greet", "ja"] + [_SCRIPT[slot] for slot in (
    "municipality", "age", "country_of_origin", "residence_status", "years_in_germany",
    "has_minor_children", "benefits", "needs")]
# The `rasa init` bot: greet, mood, affirm/deny, goodbye, bot challenge; as many messages.
STOCK_MESSAGES = ["hello", "I am sad", "yes", "hi", "great", "bye", "are you a bot?",
                  "hey there", "very bad", "no"]
assert len(STOCK_MESSAGES) == len(MESSAGES)

TARGET_P95_MS = 150
TARGET_THROUGHPUT_RATIO = 1.5
TARGET_RSS_MB = 1024


@dataclass(frozen=True)
class Load:
    name: str               # "a" or "b"
    conversations: int
    screenings: int         # per conversation, one after the other
    think_seconds: float


def plan(quick: bool) -> list[Load]:
    if quick:
        return [Load("a", 10, 1, 1.0), Load("b", 1, 1, 0.0), Load("b", 5, 1, 0.0)]
    return [Load("a", 50, 2, 1.0), Load("b", 1, 5, 0.0), Load("b", 10, 3, 0.0),
            Load("b", 50, 2, 0.0)]


def finished_screening() -> Any:
    """Whether a screening's last replies hold its result ("Danke für Ihre Antworten! …")."""
    locale = yaml.safe_load((ROOT / "locales/de.yml").read_text(encoding="utf-8"))
    results = [str(locale[k]) for k in ("utter_result_target_group", "utter_result_to_check",
                                        "utter_result_no_case")]
    prefix = os.path.commonprefix(results).strip()
    return lambda replies: any(prefix in (r.get("text") or "") for r in replies)


# -- services -----------------------------------------------------------------------------

def unreachable(database_url: str, redis_url: str) -> str | None:
    """One line naming what is not reachable, or None."""
    db = urlsplit(database_url)
    try:
        socket.create_connection((db.hostname or "127.0.0.1", db.port or 5432), timeout=3).close()
    except OSError as exc:
        return f"PostgreSQL is not reachable at {db.hostname}:{db.port or 5432} ({exc})"
    redis = urlsplit(redis_url)
    try:
        with socket.create_connection((redis.hostname or "127.0.0.1", redis.port or 6379),
                                      timeout=3) as s:
            s.sendall(b"PING\r\n")
            answer = s.recv(64)
    except OSError as exc:
        return f"Redis is not reachable at {redis.hostname}:{redis.port or 6379} ({exc})"
    if not answer.startswith((b"+PONG", b"-NOAUTH")):
        return f"Redis at {redis.hostname}:{redis.port or 6379} answered {answer!r} to PING"
    return None


class BenchDatabase:
    """A database of its own for the run (as tests/conftest.py's postgres_database)."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from db.session import normalise_url
        self._admin_url = make_url(normalise_url(admin_url))
        self.name = f"kim_bench_{uuid.uuid4().hex[:10]}"
        self._admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        self.url = self._admin_url.set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> BenchDatabase:
        from sqlalchemy import text
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self

    def __exit__(self, *exc_info: object) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import OperationalError
        try:
            for attempt in range(5):  # PostgreSQL may be restarting (the fault tests do that)
                try:
                    with self._admin.connect() as connection:
                        connection.execute(
                            text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
                    return
                except OperationalError:
                    if attempt == 4:
                        print(f"could not drop the database {self.name}: drop it by hand")
                        raise
                    self._admin.dispose()
                    time.sleep(3)
        finally:
            self._admin.dispose()


# -- runs ---------------------------------------------------------------------------------

def run_load(system: str, load: Load, urls: list[str], script: Script,
             pids: dict[str, int], prefix: str) -> RunResult:
    with ProcessWatch(pids) as watch:
        samples, duration, finished = asyncio.run(rest_load(
            urls, script, load.conversations, load.screenings, load.think_seconds, prefix))
        peaks, cpu = watch.peaks(), watch.cpu_seconds()
    result = RunResult(system, load.name, load.conversations, samples, duration,
                       finished=finished, started=load.conversations * load.screenings,
                       peak_rss_mb=peaks, cpu_seconds=cpu)
    show(result)
    return result


def run_ours(args: argparse.Namespace, loads: list[Load], logs: Path,
             report: dict[str, Any]) -> list[RunResult]:
    from tests.rasa_stack import RasaStack

    results: list[RunResult] = []
    script = Script(MESSAGES, finished_screening())
    with BenchDatabase(args.database_url) as database:
        servers = args.rasa_servers
        print(f"ours: {servers} Rasa servers, one action server; PostgreSQL database "
              f"{database.name}, Redis {args.redis_url}", flush=True)
        shared = {"queue_url": database.url, "tracker_store_url": database.url,
                  "redis_url": args.redis_url}
        stacks: list[Any] = []
        for number in range(1, servers + 1):
            (logs / f"rasa-{number}").mkdir()
            stacks.append(RasaStack(logs / f"rasa-{number}",
                                    **({"actions_from": stacks[0]} if stacks else {}), **shared))
        first = stacks[0]
        try:
            started = time.perf_counter()
            first.start_actions()
            _in_parallel(*(stack.start_rasa for stack in stacks))
            print(f"  ready after {time.perf_counter() - started:.0f} s", flush=True)
            urls = [stack.url for stack in stacks]
            pids = {f"rasa-{number}": stack.pid("rasa")
                    for number, stack in enumerate(stacks, start=1)}
            pids["actions"] = first.pid("actions")
            asyncio.run(rest_load(urls, script, 2, 1, 0.0, "warmup"))  # loads what loads lazily
            for load in loads:
                results.append(run_load("ours", load, urls, script, pids, f"bench-{load.name}"))
            if args.telegram:
                try:
                    telegram = run_telegram(args, first, database.url, pids, logs)
                except (RuntimeError, OSError) as exc:
                    print(f"  Telegram: failed, left out ({exc}); logs in {logs}", flush=True)
                    args.keep_logs = True
                else:
                    if telegram:
                        results.append(telegram)
            if args.profile:
                report["profile"] = run_profile(args, urls, script, pids, logs)
        finally:
            for stack in reversed(stacks):
                stack.close()
    return results


def run_telegram(args: argparse.Namespace, stack: Any, database_url: str,
                 pids: dict[str, int], logs: Path) -> RunResult | None:
    from tests.telegram_client import EMULATOR_DIR, GatewayProcess, TelegramEmulator

    if not (EMULATOR_DIR / "node_modules" / "telegram-test-api").is_dir():
        print("  Telegram: left out, the emulator is not installed (`make test` installs it)")
        return None
    conversations, screenings = (5, 1) if args.quick else (10, 2)
    with TelegramEmulator.start() as emulator:
        gateway = GatewayProcess(
            stack.url, stack.actions_url, emulator, logs / "telegram.log",
            CHANNEL_SECRET=SECRET, DATABASE_URL=database_url,
            TELEGRAM_MESSAGES_PER_MINUTE="100000",
            # Telegram's own limit (30 a second in all) would be what is measured otherwise.
            TELEGRAM_OUTGOING_PER_SECOND="1000").start()
        try:
            counts = calibrate_telegram(emulator, MESSAGES)
            print(f"  Telegram: bot messages per turn {counts}", flush=True)
            watched = {**pids, "gateway": gateway.process.pid, "emulator": emulator.process.pid}
            with ProcessWatch(watched) as watch:
                samples, duration = telegram_load(emulator, MESSAGES, counts, conversations,
                                                  screenings)
                peaks, cpu = watch.peaks(), watch.cpu_seconds()
        finally:
            gateway.stop()
    result = RunResult("ours-telegram", "b", conversations, samples, duration,
                       started=conversations * screenings,
                       finished=conversations * screenings if all(s.ok for s in samples) else 0,
                       peak_rss_mb=peaks, cpu_seconds=cpu)
    show(result)
    return result


def run_profile(args: argparse.Namespace, urls: list[str], script: Script,
                pids: dict[str, int], logs: Path) -> list[dict[str, Any]]:
    from bench import profile_turn

    seconds = 10 if args.quick else args.profile_seconds
    conversations = 5 if args.quick else 10
    print(f"  profiling {', '.join(pids)} with py-spy for {seconds} s, saturation with "
          f"{conversations} conversations …", flush=True)
    recordings = {name: (logs / f"profile-{name}.txt",
                         profile_turn.start_recording(pid, seconds, logs / f"profile-{name}.txt"))
                  for name, pid in pids.items()}
    try:
        async def until_recorded() -> int:
            done = 0
            while any(p.poll() is None for _, p in recordings.values()):
                samples, _, _ = await rest_load(urls, script, conversations, 1, 0.0, "profile")
                done += len(samples)
            return done
        messages = asyncio.run(until_recorded())
        profiles = profile_turn.finish(recordings, seconds)
    finally:
        for _, process in recordings.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    print(f"  ({messages} messages while recording; sampling slows the servers down)")
    for profile in profiles:
        profile_turn.print_profile(profile)
    return [p.summary() for p in profiles]


def run_stock(args: argparse.Namespace, loads: list[Load], logs: Path) -> list[RunResult]:
    env = stack_environment()
    model = stock_model(env)
    from tests.rasa_stack import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    print(f"stock: the `rasa init` bot ({model.name}), one server, in-memory tracker store",
          flush=True)
    with (logs / "stock-rasa.log").open("ab") as log:
        process = subprocess.Popen(
            [str(RASA), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
             "--model", str(model)],
            cwd=STOCK_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    results = []
    try:
        started = time.perf_counter()
        wait_until_ready(f"{url}/status", process, 240)
        print(f"  ready after {time.perf_counter() - started:.0f} s", flush=True)
        script = Script(STOCK_MESSAGES)
        asyncio.run(rest_load([url], script, 2, 1, 0.0, "warmup"))
        for load in loads:
            results.append(run_load("stock", load, [url], script, {"rasa": process.pid},
                                    f"stock-{load.name}"))
    finally:
        stop([process])
    return results


def stock_model(env: dict[str, str]) -> Path:
    """The `rasa init` bot's model, trained once (about 1.5 min) into var/bench/rasa-init/."""
    models = sorted((STOCK_DIR / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    import shutil
    shutil.rmtree(STOCK_DIR, ignore_errors=True)  # what an interrupted `rasa init` left
    STOCK_DIR.mkdir(parents=True)
    print(f"training the `rasa init` bot into {STOCK_DIR.relative_to(ROOT)} (once) …", flush=True)
    with (STOCK_DIR.parent / "rasa-init.log").open("wb") as log:
        subprocess.run([str(RASA), "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
                       cwd=STOCK_DIR.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
                       check=True, timeout=1800)
    return sorted((STOCK_DIR / "models").glob("*.tar.gz"))[-1]


def _in_parallel(*calls: Any) -> None:
    errors: list[BaseException] = []

    def call(function: Any) -> None:
        try:
            function()
        except BaseException as exc:  # noqa: BLE001  (re-raised below)
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# -- report -------------------------------------------------------------------------------

HEADER = (f"{'system':<14}{'load':>4}{'conv':>5}{'msgs':>6}{'secs':>7}{'msg/s':>7}"
          f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'err':>5}{'done':>7}{'cpu/msg':>9}"
          "  peak RSS MB · CPU s")


def show(result: RunResult) -> None:
    f = result.figures()
    done = f"{f['screenings_finished']}/{f['screenings_started']}" if result.system != "stock" \
        else "–"
    processes = [k for k in f["peak_rss_mb"]]
    memory = ", ".join(f"{k} {f['peak_rss_mb'][k]:.0f}·{f['cpu_seconds'].get(k, 0):.1f}"
                       for k in processes)
    others = ", ".join(f"{k} {f['cpu_seconds'][k]:.1f}" for k in ("postgres", "redis", "client")
                       if k in f["cpu_seconds"])
    print(f"{f['system']:<14}{f['load']:>4}{f['conversations']:>5}{f['messages']:>6}"
          f"{f['duration_s']:>7.1f}{f['throughput_msg_s']:>7.1f}{_n(f['p50_ms'])}{_n(f['p95_ms'])}"
          f"{_n(f['p99_ms'])}{f['errors']:>5}{done:>7}{f['cpu_ms_per_message']:>9.1f}"
          f"  {memory}; CPU s {others}", flush=True)
    print(f"{'':<14}p95 ms by turn: {' '.join(_n(v).strip() for v in f['p95_ms_by_turn'])}",
          flush=True)


def _n(value: float | None) -> str:
    return f"{value:>8.0f}" if value is not None else f"{'–':>8}"


def ratios(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stock = {(f["load"], f["conversations"]): f for f in figures if f["system"] == "stock"}
    rows = []
    for f in figures:
        other = stock.get((f["load"], f["conversations"]))
        if f["system"] != "ours" or other is None:
            continue
        rows.append({
            "load": f["load"], "conversations": f["conversations"],
            "throughput_ratio": _ratio(f["throughput_msg_s"], other["throughput_msg_s"]),
            "p95_ratio": _ratio(f["p95_ms"], other["p95_ms"]),
            "cpu_per_message_ratio": _ratio(f["cpu_ms_per_message"], other["cpu_ms_per_message"]),
        })
    return rows


def _ratio(ours: float | None, stock: float | None) -> float | None:
    return round(ours / stock, 2) if ours and stock else None


def targets(figures: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ours = [f for f in figures if f["system"] == "ours"]
    checks = []
    for f in ours:
        if f["load"] == "a":
            checks.append({"target": f"p95 ≤ {TARGET_P95_MS} ms under load (a), "
                                     f"{f['conversations']} conversations",
                           "value": f["p95_ms"],
                           "met": f["p95_ms"] is not None and f["p95_ms"] <= TARGET_P95_MS})
    saturation = [r for r in rows if r["load"] == "b"]
    if saturation:
        top = max(saturation, key=lambda r: r["conversations"])
        checks.append({"target": f"saturation throughput ≥ {TARGET_THROUGHPUT_RATIO}× stock, "
                                 f"{top['conversations']} conversations",
                       "value": top["throughput_ratio"],
                       "met": (top["throughput_ratio"] or 0) >= TARGET_THROUGHPUT_RATIO})
    rss = [v for f in ours for k, v in f["peak_rss_mb"].items() if k.startswith("rasa")]
    if rss:
        checks.append({"target": f"Rasa server RSS ≤ {TARGET_RSS_MB} MB", "value": max(rss),
                       "met": max(rss) <= TARGET_RSS_MB})
    return checks


def print_summary(figures: list[dict[str, Any]], rows: list[dict[str, Any]],
                  checks: list[dict[str, Any]]) -> None:
    print("\nsummary (latency: from sending a message to its whole reply; cpu/msg: CPU ms "
          "of the servers' processes per message, without PostgreSQL and Redis)")
    print(HEADER.split("  peak")[0])
    for f in figures:
        done = (f"{f['screenings_finished']}/{f['screenings_started']}"
                if f["system"] != "stock" else "–")
        print(f"{f['system']:<14}{f['load']:>4}{f['conversations']:>5}{f['messages']:>6}"
              f"{f['duration_s']:>7.1f}{f['throughput_msg_s']:>7.1f}{_n(f['p50_ms'])}"
              f"{_n(f['p95_ms'])}{_n(f['p99_ms'])}{f['errors']:>5}{done:>7}"
              f"{f['cpu_ms_per_message']:>9.1f}")
    if rows:
        print("\nours / stock")
        print(f"{'load':>4}{'conv':>5}{'throughput':>12}{'p95':>8}{'cpu/msg':>9}")
        for r in rows:
            print(f"{r['load']:>4}{r['conversations']:>5}{_x(r['throughput_ratio']):>12}"
                  f"{_x(r['p95_ratio']):>8}{_x(r['cpu_per_message_ratio']):>9}")
    if checks:
        print("\ntargets (2 cores)")
        for c in checks:
            print(f"  {'met    ' if c['met'] else 'NOT met'}  {c['target']}: {c['value']}")


def _x(value: float | None) -> str:
    return f"{value:.2f}×" if value is not None else "–"


# -- main ---------------------------------------------------------------------------------

def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: (a) with 10 conversations, (b) with 1 and 5, "
                             "one screening each")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--skip-stock", action="store_true", help="only our stack")
    which.add_argument("--only-stock", action="store_true", help="only stock Rasa")
    parser.add_argument("--no-telegram", dest="telegram", action="store_false",
                        help="leave out the run through the Telegram gateway")
    parser.add_argument("--profile", action="store_true",
                        help="also sample the servers with py-spy during a saturation run")
    parser.add_argument("--profile-seconds", type=int, default=20)
    parser.add_argument("--rasa-servers", type=int, default=2,
                        help="Rasa servers on our side (default 2), each message of a "
                             "conversation to the next one")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "")
                        if os.environ.get("DATABASE_URL", "").startswith("postgres")
                        else DATABASE_URL,
                        help="PostgreSQL to make the run's own database in (default: "
                             "DATABASE_URL if it is PostgreSQL, else %(default)s)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or REDIS_URL)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the servers' logs (kept anyway when something fails)")
    args = parser.parse_args()

    if not (RASA.exists() and MODEL.exists()):
        print("the Rasa virtualenv or the model is missing: `make bench` builds them")
        return 2
    if not args.only_stock:
        problem = unreachable(args.database_url, args.redis_url)
        if problem:
            print(f"{problem}: the production configuration needs it (or use --only-stock)")
            return 2

    # SIGTERM ends the run like Ctrl-C: every `finally` stops what it started.
    signal.signal(signal.SIGTERM, _interrupt)
    loads = plan(args.quick)
    logs = Path(tempfile.mkdtemp(prefix="bench-load-"))
    report: dict[str, Any] = {
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick, "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "loads": [load.__dict__ for load in loads],
        "messages_per_conversation": len(MESSAGES),
        "ours": {"rasa_servers": 2, "action_servers": 1, "tracker_store": "PostgreSQL",
                 "lock_store": "Redis (bot.redis_lock.AtomicRedisLockStore)"},
        "stock": {"bot": "rasa init", "rasa_servers": 1, "tracker_store": "in-memory"},
    }
    results: list[RunResult] = []
    ok = False
    print(HEADER, flush=True)
    try:
        if not args.only_stock:
            results += run_ours(args, loads, logs, report)
        if not args.skip_stock:
            results += run_stock(args, loads, logs)
        ok = True
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what was started …", flush=True)
        return 130
    finally:
        if not ok or args.keep_logs:
            print(f"logs: {logs}")
        else:
            import shutil
            shutil.rmtree(logs, ignore_errors=True)

    figures = [r.figures() for r in results]
    rows = ratios(figures)
    checks = targets(figures, rows)
    print_summary(figures, rows, checks)
    report.update(runs=figures, ratios=rows, targets=checks)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                           encoding="utf-8")
    print(f"\nwritten to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    if args.quick:
        print("(--quick: a smoke run; too short for figures to compare)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
