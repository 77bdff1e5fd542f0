"""The gateway listeners: convert once, hand to the pipeline, never let one message stop the bot.

Thin on purpose: every decision lives in :mod:`bot.discord.pipeline` (pure) and
:mod:`bot.discord.actions` (the outbox executor).

* ``on_message`` — new messages in text channels, threads, forum posts, voice-channel text and
  announcement channels (all arrive as MESSAGE_CREATE with a guild id).
* ``on_raw_message_edit`` — every edit, cached or not: discord.py 2.5+ builds the full updated
  message from the payload. An update whose scanned text did not change (Discord adding a link
  preview, a pin) is ignored.
* ``on_raw_message_delete`` / ``on_raw_bulk_message_delete`` — a deleted message leaves the
  cross-message window, so it can no longer be a part of a split finding.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import discord
from discord.ext import commands

from bot.discord.convert import PlainMessage, convert_message
from bot.discord.pipeline import Pipeline, PipelineResult

log = logging.getLogger(__name__)


class Watcher(commands.Cog):
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._accepting = True
        self._in_flight: set[asyncio.Task[PipelineResult | None]] = set()

    def stop_accepting(self) -> None:
        """Shutdown: messages arriving from now on are not handled (the gateway is closing)."""
        self._accepting = False

    async def drain(self) -> None:
        """Wait for messages already being handled (their strikes get recorded)."""
        if self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def _guarded(self, plain: PlainMessage, work: Awaitable[PipelineResult]) -> PipelineResult | None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)  # type: ignore[arg-type]
        try:
            return await work
        except Exception:
            # One bad message (or a database hiccup) must never take the listener down.
            log.exception("handling message %s in channel %s failed", plain.id, plain.channel_id)
            return None
        finally:
            if task is not None:
                self._in_flight.discard(task)  # type: ignore[arg-type]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._accepting or message.guild is None:
            return
        plain = convert_message(message)
        if plain is None:
            return
        await self._guarded(plain, self.pipeline.on_message(plain))

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if not self._accepting or payload.guild_id is None:
            return
        updated = payload.message
        plain = convert_message(updated)
        if plain is None:
            return
        cached = payload.cached_message
        if cached is not None:
            before = convert_message(cached)
            if before is not None and before.text == plain.text:
                return  # an embed was resolved or the message was pinned: nothing new to read
        elif updated.edited_at is None:
            # Uncached and never edited by its author: Discord attaching a link preview to a
            # message we handled (or missed) on creation; the text is the same as then.
            return
        await self._guarded(plain, self.pipeline.on_edit(plain))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        self.pipeline.on_delete(payload.guild_id, payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in payload.message_ids:
            self.pipeline.on_delete(payload.guild_id, message_id)
