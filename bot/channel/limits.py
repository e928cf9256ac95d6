"""How many messages one conversation may send: a token bucket per conversation."""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class MessageLimit:
    def __init__(
        self,
        per_minute: int = 30,
        burst: int = 10,
        clock: Callable[[], float] = time.monotonic,
        remembered: int = 50_000,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._remembered = remembered
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, conversation_id: str) -> bool:
        now = self._clock()
        tokens, last = self._buckets.pop(conversation_id, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[conversation_id] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self._remembered:
            self._buckets.popitem(last=False)
        return allowed

    def forget(self, conversation_id: str) -> None:
        self._buckets.pop(conversation_id, None)
