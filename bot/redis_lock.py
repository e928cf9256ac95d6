"""A Rasa lock store for several Rasa servers (in Rasa's virtualenv: endpoints ``lock_store:
type: bot.redis_lock.AtomicRedisLockStore``).

Rasa 3.6's RedisLockStore keeps a ticket queue per conversation that it reads, changes and
writes back without a transaction, so two servers taking a message of the same conversation
at the same moment can both believe they hold the lock, and one message's events are lost
(RasaHQ/rasa#9213; measured here: about one race in twenty). This one is a plain mutex: Redis
``SET NX PX`` takes it, and only its holder's token releases it (one Lua script). Waiting
messages are not queued in order; messages that race have no order anyway.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""
_POLL_SECONDS = 0.02


class AtomicRedisLockStore(LockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        import redis

        options: dict[str, Any] = endpoint_config.kwargs
        self.red = redis.StrictRedis(
            host=endpoint_config.url or "127.0.0.1", port=int(options.get("port", 6379)),
            db=int(options.get("db", 0)), password=options.get("password"),
            ssl=bool(options.get("use_ssl", False)), socket_timeout=10,
        )
        self.prefix = f"{options.get('key_prefix', 'kimintake')}:mutex:"
        self._release = self.red.register_script(_RELEASE)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        key, token = self.prefix + conversation_id, uuid.uuid4().hex
        deadline = time.monotonic() + lock_lifetime
        while not self.red.set(key, token, nx=True, px=int(lock_lifetime * 1000)):
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(_POLL_SECONDS)
        try:
            yield TicketLock(conversation_id)
        finally:
            self._release(keys=[key], args=[token])

    # The ticket interface of the base class is not used by this store.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(self.prefix + conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        pass
