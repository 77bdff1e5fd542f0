"""The discord.py client: intents, the services it carries, start-up and shutdown order.

Thin: :class:`ContactGuardBot` wires the pieces together; the listeners are in
:mod:`bot.discord.watcher`, the decisions in :mod:`bot.discord.pipeline`, the side effects in
:mod:`bot.discord.actions`, slash commands and the moderators' report in
:mod:`bot.discord.commands` / :mod:`bot.discord.reports`.

Intents: ``guilds`` (channels, roles, the bot's own member for the rank check), ``guild_messages``
(MESSAGE_CREATE/UPDATE/DELETE) and the privileged ``message_content`` (without it Discord sends
empty text). The privileged ``members`` intent is NOT needed: every guild message carries its
author's member data (roles), and members the cache lacks are fetched by id when an action needs
their rank.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.ext import commands

from bot.discord.actions import ActionExecutor, PermanentError, ReportRequest, ReportSender
from bot.discord.pacing import RoutePacer
from bot.discord.pipeline import ContentScanner, Pipeline, guild_language
from bot.discord.rest import DiscordModerationApi
from bot.discord.watcher import Watcher

log = logging.getLogger(__name__)

# Exactly what the bot needs (the invite URL asks for these and nothing else).
REQUIRED_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    manage_messages=True,
    read_message_history=True,
    embed_links=True,
    moderate_members=True,
    ban_members=True,
)
INVITE_SCOPES: tuple[str, ...] = ("bot", "applications.commands")


def bot_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    return intents


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=REQUIRED_PERMISSIONS, scopes=INVITE_SCOPES)


ReportSenderFactory = Callable[["ContactGuardBot"], ReportSender]


@dataclass
class BotServices:
    """What the bot runs on. ``store`` is a ``bot.ledger.store.LedgerStore``, ``detector`` a
    ``bot.detect.engine.Detector``; ``allowlist_factory`` turns a guild's allow-list entries into
    the detector's allow-list object."""

    store: Any
    detector: Any
    allowlist_factory: Callable[[Any], Any] | None = None
    content_scanners: Sequence[ContentScanner] = ()
    report_sender_factory: ReportSenderFactory | None = None
    pacer: RoutePacer | None = None
    notice_lifetime_s: float = 15.0
    shutdown_grace_s: float = 10.0
    sweep_interval_s: float = 30.0
    # Hooks run in setup_hook (slash commands, persistent report views...).
    setup_hooks: list[Callable[[ContactGuardBot], Any]] = field(default_factory=list)


class ContactGuardBot(commands.Bot):
    def __init__(self, services: BotServices, **options: Any) -> None:
        options.setdefault("intents", bot_intents())
        options.setdefault("command_prefix", commands.when_mentioned)
        options.setdefault("help_command", None)
        # Never ping anyone by accident from any message the bot sends.
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**options)
        self.services = services
        self.api = DiscordModerationApi(self)
        self.executor = ActionExecutor(
            outbox=services.store,
            api=self.api,
            report_sender=None,
            language_of=self._guild_language,
            report_channel_of=self._report_channel,
            pacer=services.pacer,
            notice_lifetime_s=services.notice_lifetime_s,
        )
        self.pipeline = Pipeline(
            detector=services.detector,
            ledger=services.store,
            sink=self.executor,
            allowlist_factory=services.allowlist_factory,
            content_scanners=services.content_scanners,
        )
        self.watcher = Watcher(self.pipeline)
        self._resumed_outbox = False
        self._sweeper: asyncio.Task[None] | None = None
        self.ready_count = 0

    # ---- helpers the executor needs

    async def _guild_language(self, guild_id: int) -> str:
        config = await self.services.store.get_guild_config(guild_id)
        guild = self.get_guild(guild_id)
        return guild_language(config, str(guild.preferred_locale) if guild else None)

    async def _report_channel(self, guild_id: int) -> int | None:
        config = await self.services.store.get_guild_config(guild_id)
        return config.report_channel_id

    # ---- lifecycle

    async def setup_hook(self) -> None:
        if self.user is not None:  # logged in: known before the first gateway event
            self.pipeline.own_user_id = self.user.id
        await self.add_cog(self.watcher)
        factory = self.services.report_sender_factory
        self.executor.report_sender = factory(self) if factory else self._report_without_sender
        for hook in self.services.setup_hooks:
            result = hook(self)
            if asyncio.iscoroutine(result):
                await result
        if self.application_id is not None:
            log.info("invite the bot with: %s", invite_url(self.application_id))

    async def _report_without_sender(self, request: ReportRequest) -> None:
        raise PermanentError("no report sender is installed (bot.discord.reports missing)")

    async def on_ready(self) -> None:
        self.ready_count += 1
        user = self.user
        if user is not None:
            self.pipeline.own_user_id = user.id
        log.info("connected as %s (id %s) to %d guild(s)", user, user.id if user else "?", len(self.guilds))
        if not self._resumed_outbox:
            # First READY of this process: finish what an earlier run committed but did not do.
            self._resumed_outbox = True
            await self.executor.resume_pending()
            self._sweeper = asyncio.create_task(
                self.executor.sweep_forever(self.services.sweep_interval_s), name="outbox-sweeper"
            )

    async def on_message(self, message: discord.Message, /) -> None:
        # No prefix commands: without this override commands.Bot would try to parse every message
        # that mentions the bot as a command (and log CommandNotFound). The Watcher cog listens.
        return

    async def on_resumed(self) -> None:
        log.info("gateway session resumed")

    async def shutdown(self) -> None:
        """Graceful stop: no new messages, finish handling the ones in flight (their strikes and
        actions get committed), give in-flight actions a grace period (unfinished ones stay in
        the outbox for the next start), then close the gateway."""
        self.watcher.stop_accepting()
        await self.watcher.drain()
        if self._sweeper is not None:
            self._sweeper.cancel()
        await self.executor.shutdown(self.services.shutdown_grace_s)
        await self.close()

    async def close(self) -> None:
        await super().close()
        # Content scanners may hold resources (the image scanner's worker processes).
        scanners, self.pipeline.content_scanners = self.pipeline.content_scanners, []
        for scanner in scanners:
            closer = getattr(scanner, "close", None)
            if closer is None:
                continue
            try:
                result = closer()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("closing content scanner %r failed", scanner)
