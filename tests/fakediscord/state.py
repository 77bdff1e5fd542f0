"""The fake Discord's world: users, guilds, roles, channels, members, messages.

Plain dataclasses that the gateway and REST halves both read and mutate. JSON payloads are built
from them in ``payloads.py`` so that a message posted over REST and later fetched, edited or
deleted stays consistent, as on the real service.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000


class Permission:
    """Discord permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    CONNECT = 1 << 20
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    ALL = (1 << 51) - 1

    #: What @everyone gets in a fresh server (a useful, realistic default).
    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | CONNECT
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    #: What contact-guard asks for in its invite URL.
    BOT_REQUIRED = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | MANAGE_MESSAGES
        | READ_MESSAGE_HISTORY
        | EMBED_LINKS
        | MODERATE_MEMBERS
        | BAN_MEMBERS
    )


class ChannelType:
    """Discord channel type numbers used by the fake."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15

    THREADS = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)


class SnowflakeFactory:
    """Unique, time-ordered snowflakes, like Discord's (timestamp << 22 | counter)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None
    discriminator: str = "0"


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False


@dataclass
class Overwrite:
    """A channel permission overwrite (type 0 = role, 1 = member)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass
class FakeChannel:
    id: int
    type: int
    name: str
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    overwrites: list[Overwrite] = field(default_factory=list)
    #: DM channels: the other user.
    recipient_id: int | None = None
    #: Threads: who opened it.
    owner_id: int | None = None
    archived: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in ChannelType.THREADS


@dataclass
class FakeMember:
    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)
    communication_disabled_until: str | None = None


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    preferred_locale: str = "en-US"
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    #: user id -> audit-log reason (None when no reason was given)
    bans: dict[int, str | None] = field(default_factory=dict)

    @property
    def everyone_role(self) -> FakeRole:
        return self.roles[self.id]

    def top_role_position(self, user_id: int) -> int:
        member = self.members.get(user_id)
        if member is None:
            return 0
        return max((self.roles[r].position for r in member.role_ids if r in self.roles), default=0)

    def base_permissions(self, user_id: int) -> int:
        """Guild-level permissions, as Discord computes them (owner and Administrator get all)."""
        if user_id == self.owner_id:
            return Permission.ALL
        member = self.members.get(user_id)
        if member is None:
            return 0
        permissions = self.everyone_role.permissions
        for role_id in member.role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                permissions |= role.permissions
        if permissions & Permission.ADMINISTRATOR:
            return Permission.ALL
        return permissions

    def channel_permissions(self, user_id: int, channel_id: int) -> int:
        """Permissions in a channel: base, then @everyone, role and member overwrites."""
        permissions = self.base_permissions(user_id)
        if permissions == Permission.ALL:
            return permissions
        channel = self.channels.get(channel_id)
        if channel is None:
            return permissions
        if channel.is_thread and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        member = self.members.get(user_id)
        role_ids = set(member.role_ids) if member else set()
        by_id = {(o.type, o.id): o for o in channel.overwrites}
        everyone = by_id.get((0, self.id))
        if everyone:
            permissions = (permissions & ~everyone.deny) | everyone.allow
        role_allow = role_deny = 0
        for overwrite in channel.overwrites:
            if overwrite.type == 0 and overwrite.id in role_ids:
                role_allow |= overwrite.allow
                role_deny |= overwrite.deny
        permissions = (permissions & ~role_deny) | role_allow
        member_overwrite = by_id.get((1, user_id))
        if member_overwrite:
            permissions = (permissions & ~member_overwrite.deny) | member_overwrite.allow
        return permissions


@dataclass
class FakeAttachment:
    """A file attached to a message the fake dispatches; served at ``FakeDiscord.attachment_url``."""

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass
class StoredAttachment:
    id: int
    channel_id: int
    filename: str
    data: bytes
    content_type: str | None
    description: str | None
    url: str
    width: int | None = None
    height: int | None = None


@dataclass
class StoredMessage:
    """A message as the fake remembers it; ``payload`` is the full Discord message object."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    payload: dict[str, Any]
    deleted: bool = False
    #: set for interaction responses: the interaction whose response this is
    interaction_id: int | None = None
    ephemeral: bool = False
