"""The executor's Discord port over discord.py's HTTP client.

Uses ``client.http`` with ids rather than cached objects: an action resumed after a restart, or
aimed at a channel/member the cache never saw, must work the same as a live one. discord.py's
own rate limiter still sits underneath (it reads Discord's bucket headers); the executor's
:class:`~bot.discord.pacing.RoutePacer` runs in front of it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
import discord
from discord.http import handle_message_parameters

from bot.discord.actions import (
    ActionError,
    DMClosed,
    MissingPermission,
    PermanentError,
    TransientError,
    UnknownTarget,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
_UNKNOWN_CODES = frozenset({10003, 10004, 10007, 10008, 10013, 10026})
_MISSING_PERMISSION_CODES = frozenset({50001, 50013})
_DM_CLOSED_CODES = frozenset({50007, 50278})


def classify(exc: discord.HTTPException) -> ActionError:
    code, status = exc.code, exc.status
    text = exc.text or str(exc)
    if code in _DM_CLOSED_CODES:
        return DMClosed(text, code=code, status=status)
    if code in _MISSING_PERMISSION_CODES:
        return MissingPermission(text, code=code, status=status)
    if code in _UNKNOWN_CODES or status == 404:
        return UnknownTarget(text, code=code, status=status)
    if status >= 500 or status == 429:
        return TransientError(text, code=code, status=status)
    if status == 403:
        return MissingPermission(text, code=code, status=status)
    return PermanentError(text, code=code, status=status)


async def _call(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except discord.HTTPException as exc:
        raise classify(exc) from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise TransientError(f"network error: {exc!r}") from exc


class DiscordModerationApi:
    """:class:`bot.discord.actions.ModerationApi` for a logged-in :class:`discord.Client`."""

    def __init__(self, client: discord.Client, *, dm_channel_cache: int = 5_000) -> None:
        self._client = client
        self._dm_channels: OrderedDict[int, int] = OrderedDict()
        self._dm_cache_size = dm_channel_cache

    @property
    def _http(self) -> Any:
        return self._client.http

    async def delete_message(self, channel_id: int, message_id: int, *, reason: str) -> None:
        await _call(self._http.delete_message(channel_id, message_id, reason=reason))

    async def bulk_delete(self, channel_id: int, message_ids: Sequence[int], *, reason: str) -> None:
        await _call(self._http.delete_messages(channel_id, [str(m) for m in message_ids], reason=reason))

    async def _dm_channel(self, user_id: int) -> int:
        cached = self._dm_channels.get(user_id)
        if cached is not None:
            self._dm_channels.move_to_end(user_id)
            return cached
        data = await _call(self._http.start_private_message(user_id))
        channel_id = int(data["id"])
        self._dm_channels[user_id] = channel_id
        while len(self._dm_channels) > self._dm_cache_size:
            self._dm_channels.popitem(last=False)
        return channel_id

    async def send_dm(self, user_id: int, content: str) -> None:
        channel_id = await self._dm_channel(user_id)
        with handle_message_parameters(content=content) as params:
            await _call(self._http.send_message(channel_id, params=params))

    async def send_channel_message(
        self, channel_id: int, content: str, *, mention_user_id: int | None = None
    ) -> int:
        mentions = (
            discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(mention_user_id)])
            if mention_user_id is not None
            else discord.AllowedMentions.none()
        )
        with handle_message_parameters(content=content, allowed_mentions=mentions) as params:
            data = await _call(self._http.send_message(channel_id, params=params))
        return int(data["id"])

    async def timeout_member(
        self, guild_id: int, member_id: int, until: datetime, *, reason: str
    ) -> None:
        await _call(
            self._http.edit_member(
                guild_id, member_id, reason=reason, communication_disabled_until=until.isoformat()
            )
        )

    async def kick_member(self, guild_id: int, member_id: int, *, reason: str) -> None:
        await _call(self._http.kick(member_id, guild_id, reason=reason))

    async def ban_member(self, guild_id: int, member_id: int, *, reason: str) -> None:
        # delete_message_seconds=0: the bot already deleted what mattered; a moderator can purge
        # more from the report if needed.
        await _call(self._http.ban(member_id, guild_id, 0, reason=reason))

    async def member_outranks_bot(self, guild_id: int, member_id: int) -> bool:
        guild = self._client.get_guild(guild_id)
        if guild is None:
            raise PermanentError(f"guild {guild_id} is not available")
        if guild.owner_id == member_id:
            return True
        member = guild.get_member(member_id)
        if member is None:
            member = await _call(guild.fetch_member(member_id))
        me = guild.me
        if me is None:
            return True
        return member.top_role.position >= me.top_role.position

    def bot_has_permission(self, guild_id: int, permission: str) -> bool:
        guild = self._client.get_guild(guild_id)
        me = guild.me if guild is not None else None
        if me is None:
            return True  # unknown: let Discord decide (a 403 is handled)
        return bool(getattr(me.guild_permissions, permission))

    def guild_name(self, guild_id: int) -> str:
        guild = self._client.get_guild(guild_id)
        return guild.name if guild is not None else str(guild_id)

    def member_name(self, guild_id: int, member_id: int) -> str:
        guild = self._client.get_guild(guild_id)
        member = guild.get_member(member_id) if guild is not None else None
        if member is not None:
            return member.display_name
        user = self._client.get_user(member_id)
        return user.display_name if user is not None else f"<@{member_id}>"
