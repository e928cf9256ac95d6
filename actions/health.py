"""``GET /health/ready`` on the action server: whether what the actions need answers (the
queue database). rasa_sdk's own ``/health`` only says the process is up."""
from __future__ import annotations

import asyncio
import logging

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sqlalchemy import text

from actions._shared import describe, queue

logger = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")


def database_answers() -> bool:
    with queue()() as session:
        session.execute(text("SELECT 1"))
    return True


class ReadinessRoute:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        @app.get("/health/ready")
        async def ready(_: Request) -> response.HTTPResponse:
            try:
                database = await asyncio.wait_for(asyncio.to_thread(database_answers), 5.0)
            except Exception as exc:  # any failure means: not ready
                logger.warning("readiness: the queue database does not answer (%s)", describe(exc))
                database = False
            return response.json({"status": "ok" if database else "unavailable",
                                  "database": database}, status=200 if database else 503)
