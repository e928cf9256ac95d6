"""The health endpoint of processes without a web server of their own (bot/channel/health.py)."""
from __future__ import annotations

import asyncio

import httpx

from bot.channel.health import HealthServer, run_checks
from tests.rasa_stack import free_port


async def passes() -> bool:
    return True


async def fails() -> bool:
    return False


async def raises() -> bool:
    raise ConnectionRefusedError("secret detail")


async def hangs() -> bool:
    await asyncio.sleep(3600)
    return True


def test_a_check_that_raises_or_fails_counts_as_unhealthy() -> None:
    results = asyncio.run(run_checks({"a": passes, "b": fails, "c": raises}))
    assert results == {"a": True, "b": False, "c": False}


def test_a_check_that_hangs_times_out(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("bot.channel.health.CHECK_TIMEOUT", 0.2)
    assert asyncio.run(run_checks({"slow": hangs, "fast": passes})) == {"slow": False, "fast": True}


def test_health_answers_200_when_every_check_passes_else_503_and_nothing_else() -> None:
    async def scenario() -> list[tuple[int, dict]]:
        port = free_port()
        checks = {"rasa": passes, "database": passes}
        server = HealthServer(checks, "127.0.0.1", port)
        await server.start()
        answers = []
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for path in ("/health", "/health", "/other"):
                    response = await client.get(path)
                    answers.append((response.status_code, response.json()))
                    checks["database"] = raises
        finally:
            await server.close()
        return answers

    healthy, unhealthy, other = asyncio.run(scenario())
    assert healthy == (200, {"status": "ok", "rasa": True, "database": True})
    assert unhealthy == (503, {"status": "unavailable", "rasa": True, "database": False})
    assert other[0] == 404


def action_server_ready(tmp_path, database_url: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    import subprocess

    from intake.stack import PROJECT_DIR, actions_command, stack_environment, stop, wait_until_ready

    port = free_port()
    with (tmp_path / f"actions-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            actions_command(port), cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT,
            env={**stack_environment(), "DATABASE_URL": database_url}, start_new_session=True)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/health", process, 90)
        return httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=15)
    finally:
        stop([process])


def test_the_action_server_is_ready_only_when_its_database_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db.migrate import upgrade

    queue_url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    upgrade(queue_url)
    ready = action_server_ready(tmp_path, queue_url)
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "database": True})

    closed_port = free_port()
    unready = action_server_ready(
        tmp_path, f"postgresql+psycopg://nobody@127.0.0.1:{closed_port}/none?connect_timeout=2")
    assert (unready.status_code, unready.json()) == (503, {"status": "unavailable",
                                                            "database": False})
