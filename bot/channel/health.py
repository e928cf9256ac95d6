"""A health endpoint for a channel process that has no web server of its own (the Telegram
gateway in polling mode): ``GET /health`` answers 200 when every check passes, else 503, with
the result of each check as JSON. Nothing else is served."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

logger = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT = 5.0


async def run_checks(checks: Mapping[str, Check]) -> dict[str, bool]:
    async def one(check: Check) -> bool:
        try:
            return bool(await asyncio.wait_for(check(), CHECK_TIMEOUT))
        except Exception as exc:  # a failing check is a finding, not an error of the endpoint
            logger.warning("health check failed: %s", type(exc).__name__)
            return False

    results = await asyncio.gather(*(one(check) for check in checks.values()))
    return dict(zip(checks, results))


class HealthServer:
    def __init__(self, checks: Mapping[str, Check], host: str, port: int) -> None:
        self.checks = checks
        self.host = host
        self.port = port
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), CHECK_TIMEOUT)
            parts = request_line.decode("latin-1").split()
            if len(parts) >= 2 and parts[0] in ("GET", "HEAD") and parts[1] == "/health":
                results = await run_checks(self.checks)
                healthy = all(results.values())
                body = json.dumps({"status": "ok" if healthy else "unavailable", **results})
                status = "200 OK" if healthy else "503 Service Unavailable"
            else:
                body, status = json.dumps({"status": "not found"}), "404 Not Found"
            payload = body.encode("utf-8")
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode("ascii")
                + (payload if parts[:1] != ["HEAD"] else b""))
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
