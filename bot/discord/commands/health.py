"""The health check behind ``/guard status``: what the bot cannot do, and where.

Pure over discord.py's cached guild state (no REST calls), so ``/guard status`` answers at once
even in a large guild.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import discord

# What the bot needs in every watched channel: see messages, read them, delete them, post the
# short notice when a warning DM cannot be delivered.
CHANNEL_PERMISSIONS: tuple[str, ...] = (
    "view_channel",
    "read_message_history",
    "manage_messages",
    "send_messages",
)
# In the report channel: post the embed with its buttons (and attach evidence files).
REPORT_PERMISSIONS: tuple[str, ...] = ("view_channel", "send_messages", "embed_links")
# Server-wide: time out and ban.
GUILD_PERMISSIONS: tuple[str, ...] = ("moderate_members", "ban_members")


@dataclass(frozen=True, slots=True)
class ChannelGap:
    channel: discord.abc.GuildChannel
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Health:
    guild_missing: tuple[str, ...]
    channel_gaps: tuple[ChannelGap, ...]
    message_content: bool

    @property
    def ok(self) -> bool:
        return self.message_content and not self.guild_missing and not self.channel_gaps


def missing(permissions: discord.Permissions, needed: Iterable[str]) -> tuple[str, ...]:
    if permissions.administrator:
        return ()
    return tuple(name for name in needed if not getattr(permissions, name))


def watched_channels(guild: discord.Guild, exempt: frozenset[int]) -> list[discord.abc.GuildChannel]:
    """Channels where members write: text, announcement, voice-channel text, stage and forums."""
    kinds = (discord.TextChannel, discord.VoiceChannel, discord.StageChannel, discord.ForumChannel)
    return [
        channel
        for channel in guild.channels
        if isinstance(channel, kinds) and channel.id not in exempt
    ]


def message_content_active(client: discord.Client) -> bool:
    """The intent requested at IDENTIFY (the gateway closes with 4014 if the portal switch is
    off, so a connected client requesting it has it) and, when the application's flags are
    known, the portal switch itself."""
    if not client.intents.message_content:
        return False
    flags = client.application_flags
    if not flags or flags.value == 0:  # not known yet (before login, or no application object)
        return True
    return flags.gateway_message_content or flags.gateway_message_content_limited


def check_guild(
    client: discord.Client,
    guild: discord.Guild,
    *,
    report_channel_id: int | None,
    exempt_channel_ids: frozenset[int],
) -> Health:
    me = guild.me
    guild_missing = missing(me.guild_permissions, GUILD_PERMISSIONS) if me else GUILD_PERMISSIONS
    gaps: list[ChannelGap] = []
    for channel in watched_channels(guild, exempt_channel_ids):
        needed = CHANNEL_PERMISSIONS
        if channel.id == report_channel_id:
            needed = tuple(dict.fromkeys((*CHANNEL_PERMISSIONS, *REPORT_PERMISSIONS)))
        lacking = missing(channel.permissions_for(me), needed) if me else needed
        if lacking:
            gaps.append(ChannelGap(channel, lacking))
    if report_channel_id is not None and report_channel_id in exempt_channel_ids:
        report = guild.get_channel(report_channel_id)
        if report is not None and me is not None:
            lacking = missing(report.permissions_for(me), REPORT_PERMISSIONS)
            if lacking:
                gaps.append(ChannelGap(report, lacking))
    return Health(guild_missing, tuple(gaps), message_content_active(client))
