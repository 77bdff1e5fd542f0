"""Periodic ledger housekeeping the bot runs in the background (no SQL here).

* evidence past each guild's retention (default 180 days) is deleted — strikes stay;
* guilds the bot left more than the grace period ago (default 30 days) are forgotten.

Usage in the bot::

    task = asyncio.create_task(maintenance_loop(store))   # at start-up
    ...
    task.cancel()                                           # at shutdown

and on ``on_guild_remove`` / ``on_guild_join``: ``store.guild_left(guild_id, now=...)`` /
``store.guild_joined(guild_id)``. ``contact-guard db purge`` runs the same job by hand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ledger.store import LedgerStore

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = timedelta(hours=6)
DEFAULT_GUILD_GRACE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    evidence_purged: int
    guilds_forgotten: tuple[int, ...]


async def run_maintenance(
    store: LedgerStore, *, now: datetime, guild_grace: timedelta = DEFAULT_GUILD_GRACE
) -> MaintenanceReport:
    evidence = await store.purge_expired_evidence(now)
    guilds = await store.purge_departed_guilds(now, grace=guild_grace)
    return MaintenanceReport(evidence, tuple(guilds))


async def maintenance_loop(
    store: LedgerStore,
    *,
    interval: timedelta = DEFAULT_INTERVAL,
    guild_grace: timedelta = DEFAULT_GUILD_GRACE,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Run :func:`run_maintenance` now and every *interval* until cancelled. A failing run is
    logged and retried at the next interval; it never stops the bot."""
    while True:
        try:
            report = await run_maintenance(store, now=clock(), guild_grace=guild_grace)
            if report.evidence_purged or report.guilds_forgotten:
                log.info(
                    "ledger maintenance: %d evidence record(s) purged, guilds forgotten: %s",
                    report.evidence_purged,
                    ",".join(map(str, report.guilds_forgotten)) or "none",
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("ledger maintenance failed; retrying in %s", interval)
        await asyncio.sleep(interval.total_seconds())
