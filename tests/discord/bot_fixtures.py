"""Build the real contact-guard bot against the fake Discord, on a real SQLite file.

Used by ``test_bot_*.py`` and ``benchmarks/bench_bot.py``:

    async with running_bot(fake, std, tmp_path) as harness:
        message_id = await fake.send_message(std.general.id, std.member, "090-1234-5678")
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}")

The detector is loaded once per process (rule compilation is the slow part of start-up).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.detect.engine import Detector, load_detector
from bot.discord import integrations
from bot.discord.app import BotServices, ContactGuardBot
from bot.discord.pacing import RoutePacer
from bot.discord.pipeline import allowlist_from_config
from bot.ledger.models import OutboxAction, StrikeRecord
from bot.ledger.store import LedgerStore
from tests.fakediscord.fixtures import start_client_against, stop_client
from tests.fakediscord.recording import RecordedCall
from tests.fakediscord.server import FakeDiscord, StandardGuild

PHONE = "090-1234-5678"


@cache
def shared_detector() -> Detector:
    return load_detector()


@dataclass
class BotHarness:
    bot: ContactGuardBot
    store: LedgerStore
    fake: FakeDiscord
    std: StandardGuild
    task: asyncio.Task[None]

    async def settle(self) -> None:
        """Wait until every event the fake sent has reached the bot, been handled and acted on
        (three rounds: acting makes the fake send more, e.g. MESSAGE_DELETE)."""
        for _ in range(3):
            await self.received_all_sent()
            await self.bot.watcher.drain()
            await self.bot.executor.wait_idle()

    async def received_all_sent(self) -> None:
        """Until the bot's gateway sequence reaches the fake's last dispatch, then let the
        handlers discord.py scheduled for those events start."""
        session = self.fake.gateway.current
        sent = session.sequence if session is not None else 0
        for _ in range(1000):  # 5 s
            if self.bot.ws is not None and (self.bot.ws.sequence or 0) >= sent:
                break
            await asyncio.sleep(0.005)
        else:
            raise TimeoutError(f"the bot did not receive dispatch {sent} within 5 s")
        for _ in range(3):
            await asyncio.sleep(0)

    async def strikes(self, member_id: int) -> list[StrikeRecord]:
        return await self.store.strikes_for(self.std.id, member_id)

    async def actions(self, member_id: int) -> list[OutboxAction]:
        rows: list[OutboxAction] = []
        for strike in await self.strikes(member_id):
            rows.extend(await self.store.actions_for_strike(strike.id))
        return rows

    def dm_channel_id(self, user_id: int) -> int:
        return self.fake.dm_channel_for(user_id).id

    def dms_to(self, user_id: int) -> list[RecordedCall]:
        return self.fake.calls_to("POST", f"/channels/{self.dm_channel_id(user_id)}/messages")

    def posts_in(self, channel_id: int) -> list[RecordedCall]:
        return self.fake.calls_to("POST", f"/channels/{channel_id}/messages")


async def open_store(path: Path) -> LedgerStore:
    return await LedgerStore.open(path, synchronous="NORMAL")


def bot_services(store: LedgerStore, **overrides: Any) -> BotServices:
    services = BotServices(
        store=store,
        # A test may bring its own detector (e.g. with a tiny learned model of its own).
        detector=overrides.pop("detector", None) or shared_detector(),
        allowlist_factory=allowlist_from_config,
        notice_lifetime_s=overrides.pop("notice_lifetime_s", 0.3),
        shutdown_grace_s=overrides.pop("shutdown_grace_s", 2.0),
        pacer=overrides.pop("pacer", None) or RoutePacer(),
        **overrides,
    )
    integrations.install(services)
    return services


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    std: StandardGuild,
    db_path: Path,
    *,
    configure: Callable[[LedgerStore], Any] | None = None,
    report_channel: bool = True,
    store: LedgerStore | None = None,
    **service_overrides: Any,
) -> AsyncIterator[BotHarness]:
    """The bot, connected and ready, on the ledger at *db_path* (the guild's report channel set
    unless *report_channel* is False); closed (and the ledger closed) afterwards."""
    own_store = store is None
    store = store or await open_store(db_path)
    if report_channel:
        await store.update_guild_config(std.id, report_channel_id=std.reports.id)
    if configure is not None:
        result = configure(store)
        if asyncio.iscoroutine(result):
            await result
    bot = ContactGuardBot(bot_services(store, **service_overrides))
    task = await start_client_against(fake, bot)
    harness = BotHarness(bot=bot, store=store, fake=fake, std=std, task=task)
    try:
        yield harness
    finally:
        await bot.executor.shutdown(1.0)
        await stop_client(bot, task)
        if own_store:
            await store.close()
