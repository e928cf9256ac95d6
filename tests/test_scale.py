"""Two Rasa servers behind one address share the PostgreSQL tracker store and the Redis lock
store: 50 conversations at once, each message going to the other server than the last. Every
conversation's messages arrive once and in order, and every screening files one request.
Two messages of one conversation at the same moment on both servers must not lose one: Rasa's
own RedisLockStore did (about one race in 20; RasaHQ/rasa#9213), bot/redis_lock.py does not.
Faults: the action server, and PostgreSQL itself, restarted in the middle of 30 screenings.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as `.ci/run` sets them."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import yaml

from intake.paths import PROJECT_DIR
from tests.rasa_stack import RasaStack

pytestmark = pytest.mark.rasa
CONVERSATIONS = 50
SCRIPT = yaml.safe_load((PROJECT_DIR / "tests/conversations/de.yml").read_text(encoding="utf-8"))
MESSAGES = ["/greet", "ja"] + [SCRIPT[slot] for slot in (
    "municipality", "age", "country_of_origin", "residence_status", "years_in_germany",
    "has_minor_children", "benefits", "needs")]


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory,
                postgres_database: str) -> Iterator[tuple[RasaStack, RasaStack]]:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set (`.ci/run` sets it)")
    shared = {"queue_url": postgres_database, "tracker_store_url": postgres_database,
              "redis_url": redis_url}
    first = RasaStack(tmp_path_factory.mktemp("scale-a"), **shared)
    second = RasaStack(tmp_path_factory.mktemp("scale-b"), actions_from=first, **shared)
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        second.close()
        first.close()


def converse(urls: list[str], sender: str) -> list[int]:
    """Sends the script, alternating servers; the number of bot messages of each turn."""
    counts = []
    with httpx.Client(timeout=120) as client:
        for index, message in enumerate(MESSAGES):
            response = client.post(f"{urls[index % 2]}/webhooks/rest/webhook",
                                   json={"sender": sender, "message": message})
            response.raise_for_status()
            counts.append(len(response.json()))
    return counts


def test_fifty_conversations_across_two_servers(two_servers: tuple[RasaStack, RasaStack]) -> None:
    first, second = two_servers
    second_url = second.url
    senders = [f"scale-{uuid.uuid4().hex}" for _ in range(CONVERSATIONS)]
    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        turns = list(pool.map(lambda s: converse([first.url, second_url], s), senders))
    assert all(all(count > 0 for count in counts) for counts in turns)

    requests = [r for r in first.requests() if r["conversation_id"] in set(senders)]
    assert sorted(r["conversation_id"] for r in requests) == sorted(senders)  # one each
    expected = sorted(SCRIPT["expect"]["target_groups"])
    assert all(r["target_groups"] == expected for r in requests)
    for sender in senders[:: 5]:
        events = httpx.get(f"{second_url}/conversations/{sender}/tracker", timeout=30).json()
        said = [e["text"] for e in events["events"] if e["event"] == "user"]
        assert said == MESSAGES  # each once, in order



def test_two_messages_of_one_conversation_at_once_on_both_servers(
    two_servers: tuple[RasaStack, RasaStack]
) -> None:
    first, second = two_servers
    senders = [f"race-{uuid.uuid4().hex}" for _ in range(40)]

    def race(sender: str) -> None:
        httpx.post(f"{first.url}/webhooks/rest/webhook",
                   json={"sender": sender, "message": "/greet"}, timeout=120).raise_for_status()
        with ThreadPoolExecutor(max_workers=2) as pool:
            for response in pool.map(lambda pair: httpx.post(
                    f"{pair[0]}/webhooks/rest/webhook", timeout=120,
                    json={"sender": sender, "message": pair[1]}),
                    [(first.url, "hilfe"), (second.url, "danke")]):
                response.raise_for_status()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(race, senders))
    lost = []
    for sender in senders:
        events = httpx.get(f"{first.url}/conversations/{sender}/tracker", timeout=30).json()
        said = sorted(e["text"] for e in events["events"] if e["event"] == "user")
        if said != ["/greet", "danke", "hilfe"]:
            lost.append(said)
    assert lost == []


def screenings_through_a_fault(
    two_servers: tuple[RasaStack, RasaStack], prefix: str, fault: Callable[[], None]
) -> tuple[list[str], list[str], list[list[dict]]]:
    """30 screenings through the channels' delivery logic (bot/channel/rasa.py), alternating
    servers, while ``fault`` runs in another thread: the senders, who was told of a delay,
    and each conversation's last replies."""
    from bot.channel.rasa import Delivery, RasaClient

    first, second = two_servers
    senders = [f"{prefix}-{uuid.uuid4().hex}" for _ in range(30)]
    apologies: list[str] = []

    async def screening(sender: str, clients: list[RasaClient]) -> list[dict]:
        async def apologise() -> None:
            apologies.append(sender)

        replies: list[dict] = []
        for index, message in enumerate(MESSAGES):
            replies = await clients[index % 2].converse(
                sender, message, {"message_id": f"{sender}:{index}"},
                Delivery(slow_after=30, give_up_after=180, on_unavailable=apologise))
            await asyncio.sleep(0.2)  # people take a moment to answer
        return replies

    async def everyone() -> list[list[dict]]:
        clients = [RasaClient(first.url, first.actions_url, retry_pause=0.5),
                   RasaClient(second.url, first.actions_url, retry_pause=0.5)]
        try:
            return await asyncio.gather(*(screening(s, clients) for s in senders))
        finally:
            for client in clients:
                await client.close()

    faulty = threading.Thread(target=fault)
    faulty.start()
    last_replies = asyncio.run(everyone())
    faulty.join()
    return senders, apologies, last_replies


def assert_every_screening_finished_once(
    two_servers: tuple[RasaStack, RasaStack], senders: list[str], last_replies: list[list[dict]]
) -> None:
    first, _ = two_servers
    result = text_of_result()
    unfinished = {
        sender: [r.get("text", "")[:60] for r in replies]
        for sender, replies in zip(senders, last_replies)
        if not any(result in (r.get("text") or "") for r in replies)
    }
    assert not unfinished, unfinished
    requests = [r for r in first.requests() if r["conversation_id"] in set(senders)]
    assert sorted(r["conversation_id"] for r in requests) == sorted(senders)  # one each
    for sender in senders[:: 3]:
        said = [e["text"] for e in first.tracker(sender)["events"] if e["event"] == "user"]
        assert said == MESSAGES  # each once, in order


def test_conversations_recover_when_the_action_server_restarts_under_load(
    two_servers: tuple[RasaStack, RasaStack]
) -> None:
    """Each screening finishes, with an apology where a message had to wait, and files
    exactly one request."""
    first, _ = two_servers

    def restart_actions() -> None:
        time.sleep(1.5)
        first.stop_actions()
        time.sleep(4)
        first.start_actions()

    senders, apologies, last_replies = screenings_through_a_fault(
        two_servers, "fault", restart_actions)
    assert apologies, "the restart happened while no message was on its way"
    assert_every_screening_finished_once(two_servers, senders, last_replies)


def test_conversations_recover_when_postgresql_restarts_under_load(
    two_servers: tuple[RasaStack, RasaStack]
) -> None:
    """PostgreSQL (the tracker store of both Rasa servers and the queue) restarted in the
    middle of 30 screenings: every one finishes, none is answered twice, one request each."""
    restart = postgresql_restart_command()
    if restart is None:
        pytest.skip("PostgreSQL is not a local cluster this test may restart (pg_ctlcluster, root)")
    restarted: list[float] = []

    def restart_postgresql() -> None:
        time.sleep(2.0)
        began = time.monotonic()
        subprocess.run(restart, check=True, capture_output=True, timeout=120)
        restarted.append(time.monotonic() - began)

    senders, apologies, last_replies = screenings_through_a_fault(
        two_servers, "pg", restart_postgresql)
    assert restarted, "PostgreSQL was not restarted"
    assert apologies, "the restart happened while no message was on its way"
    assert_every_screening_finished_once(two_servers, senders, last_replies)


def postgresql_restart_command() -> list[str] | None:
    """``pg_ctlcluster … restart`` for the machine's own PostgreSQL, when the tests run as
    root against it on 127.0.0.1 (the project's machines and CI); None elsewhere."""
    url = os.environ.get("DATABASE_URL", "")
    if "@127.0.0.1" not in url and "@localhost" not in url:
        return None
    if not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        return None
    versions = sorted(Path("/etc/postgresql").glob("*/main"))
    if not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].parent.name, "main",
            "restart", "-m", "fast"]


def text_of_result() -> str:
    locale = yaml.safe_load((PROJECT_DIR / "locales/de.yml").read_text(encoding="utf-8"))
    return str(locale["utter_result_target_group"]).strip().split("{")[0][:30]
