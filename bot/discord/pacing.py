"""Proactive request pacing, so a raid does not push the bot into 429s.

discord.py already honours Discord's rate-limit headers, but only reactively: it learns a bucket
from the first responses and sleeps after a 429. Each 429 (and each 401/403) counts toward
Discord's invalid-request limit (10,000 per 10 minutes, then a temporary IP ban). The bot knows
its traffic pattern in advance, so it paces itself: one token bucket per route and major
parameter (``delete`` in channel 123, ``dm``, ``ban`` in guild 456) under one global bucket.

While a request waits for its bucket, further deletes for the same channel accumulate in the
:class:`~bot.discord.actions.DeleteBatcher` and leave together as one bulk delete: pacing and
batching reinforce each other under load, and cost nothing when traffic is light (a full bucket
answers immediately).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    """``per_second`` sustained, up to ``burst`` at once."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a rate needs per_second > 0 and burst >= 1")


# Conservative figures below Discord's published/observed limits (global: 50 requests/s per bot;
# message deletes: 5 per second per channel; sends: 5 per 5 s per channel; DM channel creation
# and member moderation have tighter hidden limits). A bucket of rate r and burst b lets at most
# b + r requests through in any one-second window, so b + r stays at or under the limit.
DEFAULT_ROUTE_RATES: Mapping[str, Rate] = {
    "delete": Rate(2.0, 3),
    "bulk_delete": Rate(1.0, 1),
    "send": Rate(1.0, 4),
    "dm": Rate(12.0, 12),
    "member": Rate(2.0, 4),
    "ban": Rate(2.0, 4),
    "fetch": Rate(5.0, 10),
}
DEFAULT_GLOBAL_RATE = Rate(45.0, 45)
# Everything except deletes also passes this bucket, so warnings, reports and bans can never use
# up the global budget and make the deletes (what members see) wait behind them.
DEFAULT_BACKGROUND_RATE = Rate(30.0, 30)
PRIORITY_ROUTES = frozenset({"delete", "bulk_delete"})


class TokenBucket:
    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._tokens = float(rate.burst)
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(
            float(self.rate.burst), self._tokens + (now - self._stamp) * self.rate.per_second
        )
        self._stamp = now

    async def acquire(self) -> None:
        # The lock keeps waiters in FIFO order: a burst of deletes leaves in arrival order.
        async with self._lock:
            self._refill()
            if self._tokens < 1.0:
                await asyncio.sleep((1.0 - self._tokens) / self.rate.per_second)
                self._refill()
            self._tokens -= 1.0

    @property
    def tokens(self) -> float:
        """Requests that could leave right now without waiting."""
        if self._lock.locked():
            return 0.0
        self._refill()
        return self._tokens

    @property
    def idle(self) -> bool:
        """Full again: the bucket can be dropped without changing behaviour."""
        self._refill()
        return self._tokens >= self.rate.burst and not self._lock.locked()


class RoutePacer:
    """Per-(route, major id) buckets under a global bucket."""

    def __init__(
        self,
        route_rates: Mapping[str, Rate] | None = None,
        global_rate: Rate = DEFAULT_GLOBAL_RATE,
        background_rate: Rate = DEFAULT_BACKGROUND_RATE,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 10_000,
    ) -> None:
        self._rates = dict(DEFAULT_ROUTE_RATES if route_rates is None else route_rates)
        self._clock = clock
        self._global = TokenBucket(global_rate, clock)
        self._background = TokenBucket(background_rate, clock)
        self._buckets: dict[tuple[str, int], TokenBucket] = {}
        self._max_buckets = max_buckets

    async def wait(self, route: str, major: int = 0) -> None:
        """Return when one request on *route* for *major* (channel/guild id) may be sent."""
        rate = self._rates.get(route)
        if rate is not None:
            key = (route, major)
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max_buckets:
                    self._prune()
                bucket = self._buckets[key] = TokenBucket(rate, self._clock)
            await bucket.acquire()
        if route not in PRIORITY_ROUTES:
            await self._background.acquire()
        await self._global.acquire()

    def available(self, route: str, major: int = 0) -> int:
        """How many requests on *route* for *major* could leave now (route bucket only)."""
        rate = self._rates.get(route)
        if rate is None:
            return 1_000_000
        bucket = self._buckets.get((route, major))
        return rate.burst if bucket is None else int(bucket.tokens)

    def _prune(self) -> None:
        for key in [k for k, b in self._buckets.items() if b.idle]:
            del self._buckets[key]
