"""``FakeDiscord``: a local Discord (gateway v10 + REST v10) for the real discord.py client.

Typical use (the fixtures in ``tests/discord/conftest.py`` do the start/stop for you)::

    fake = FakeDiscord()
    await fake.start()                       # 127.0.0.1, random port
    std = fake.add_standard_guild()          # owner, admin, moderator, members, channels
    configure_endpoints(fake.api_base, fake.gateway_url)
    ...start a discord.Client with fake.token...
    message_id = await fake.send_message(std.general.id, std.member, "call me 090-1234-5678")
    call = await fake.wait_for_call("DELETE", "/channels/{channel_id}/messages/{message_id}")
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import payloads
from .gateway import CloseCode, Gateway, GatewayConnection, Intent
from .recording import FailureRule, RecordedCall, RecordedFile, normalise_template
from .rest import MISSING_PERMISSIONS, RestApi, attachment_payloads_for_upload
from .state import (
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Overwrite,
    Permission,
    SnowflakeFactory,
    StoredAttachment,
    StoredMessage,
    iso_now,
)

CallPredicate = Callable[[RecordedCall], bool]


@dataclass
class FakeInteraction:
    """An interaction the fake delivered, and how the client answered it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: int | None
    #: component interactions: the message the component sits on
    message_id: int | None = None
    responded: bool = False
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    original_message_id: int | None = None
    followup_message_ids: list[int] = field(default_factory=list)
    #: monotonic time of the INTERACTION_CREATE (the 3-second acknowledgement window starts here)
    created_at: float = field(default_factory=time.monotonic)


@dataclass
class StandardGuild:
    """The ids/objects of :meth:`FakeDiscord.add_standard_guild`'s server, for readable tests.

    Role positions: @everyone 0 < member 1 < moderator 2 < admin 3 < bot 4 < (owner owns).
    ``senior_moderator`` holds a role at position 5, above the bot's role.
    """

    guild: FakeGuild
    owner: FakeUser
    admin: FakeUser
    moderator: FakeUser
    senior_moderator: FakeUser
    member: FakeUser
    other_member: FakeUser
    bot_role: FakeRole
    member_role: FakeRole
    moderator_role: FakeRole
    admin_role: FakeRole
    senior_role: FakeRole
    general: FakeChannel
    announcements: FakeChannel
    voice: FakeChannel
    forum: FakeChannel
    forum_post: FakeChannel
    thread: FakeChannel
    reports: FakeChannel
    exempt: FakeChannel

    @property
    def id(self) -> int:
        return self.guild.id


class FakeDiscord:
    """Local Discord for tests. See the module docstring and ``tests/discord/conftest.py``."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_name: str = "contact-guard",
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.port = 0
        self.token = token or f"fake.{secrets.token_urlsafe(24)}"
        self.snowflakes = SnowflakeFactory()
        self.bot_user = FakeUser(self.snowflakes.next(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.application_owner = FakeUser(self.snowflakes.next(), "app-owner")
        #: privileged intents the "Developer Portal" allows; IDENTIFY asking for more -> 4014
        self.enabled_privileged_intents = Intent.PRIVILEGED
        self.identify_intents: list[int] = []
        #: events not sent because the session's intents did not ask for them
        self.filtered_events: list[str] = []
        #: answer ``compress=zlib-stream`` connections with compressed frames, as Discord does
        self.compress_transport = True
        self.resume_count = 0

        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.attachments: dict[int, StoredAttachment] = {}
        self.dm_channels: dict[int, FakeChannel] = {}
        self.closed_dm_user_ids: set[int] = set()
        #: seconds a client has for the first interaction callback (Discord: 3); None = no limit
        self.interaction_ack_deadline: float | None = 3.0
        #: guild id (None = global) -> "type:name" -> command payload as Discord stores it
        self.commands: dict[int | None, dict[str, dict[str, Any]]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.interactions_by_token: dict[str, FakeInteraction] = {}

        self.calls: list[RecordedCall] = []
        #: called synchronously for every recorded call (benchmarks measure latency here
        #: instead of polling ``calls``)
        self.call_listeners: list[Callable[[RecordedCall], None]] = []
        #: oldest messages are forgotten beyond this many (keeps long benchmarks bounded)
        self.message_store_limit: int | None = 20_000
        self._call_added = asyncio.Condition()

        self.gateway = Gateway(self)
        self.rest = RestApi(self)
        self._runner: web.AppRunner | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for session in self.gateway.sessions.values():
            if session.socket is not None and not session.socket.closed:
                await session.socket.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def application_flags(self) -> int:
        """The application's flags as the Developer Portal switches set them for a bot in fewer
        than 100 servers: the ``*_LIMITED`` bit of each enabled privileged intent."""
        flags = 0
        if self.enabled_privileged_intents & Intent.GUILD_PRESENCES:
            flags |= 1 << 13  # GATEWAY_PRESENCE_LIMITED
        if self.enabled_privileged_intents & Intent.GUILD_MEMBERS:
            flags |= 1 << 15  # GATEWAY_GUILD_MEMBERS_LIMITED
        if self.enabled_privileged_intents & Intent.MESSAGE_CONTENT:
            flags |= 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED
        return flags

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``DISCORD_API_BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The value for ``DISCORD_GATEWAY_URL`` (also sent as READY's resume_gateway_url)."""
        return f"ws://{self.host}:{self.port}/"

    @property
    def gateway_connections(self) -> list[GatewayConnection]:
        return self.gateway.connections

    # -- building the world --------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> FakeUser:
        user = FakeUser(self.snowflakes.next(), username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: FakeUser | None = None,
        preferred_locale: str = "en-US",
        everyone_permissions: int = Permission.EVERYONE_DEFAULT,
    ) -> FakeGuild:
        """A guild with @everyone, its owner and the bot as members (add roles/channels next)."""
        owner = owner or self.add_user(f"{name}-owner")
        guild = FakeGuild(self.snowflakes.next(), name, owner.id, preferred_locale)
        guild.roles[guild.id] = FakeRole(guild.id, "@everyone", everyone_permissions, 0)
        self.guilds[guild.id] = guild
        self.add_member(guild, owner)
        self.add_member(guild, self.bot_user)
        return guild

    def add_role(
        self,
        guild: FakeGuild,
        name: str,
        permissions: int = 0,
        *,
        position: int | None = None,
        managed: bool = False,
    ) -> FakeRole:
        if position is None:
            position = max(r.position for r in guild.roles.values()) + 1
        role = FakeRole(self.snowflakes.next(), name, permissions, position, managed=managed)
        guild.roles[role.id] = role
        return role

    def add_member(
        self, guild: FakeGuild, user: FakeUser, roles: Iterable[FakeRole] = (), *, nick: str | None = None
    ) -> FakeMember:
        self.users[user.id] = user
        member = FakeMember(user, [r.id for r in roles], nick=nick)
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: FakeGuild,
        name: str,
        channel_type: int = ChannelType.GUILD_TEXT,
        *,
        parent: FakeChannel | None = None,
        overwrites: Iterable[Overwrite] = (),
        owner: FakeUser | None = None,
    ) -> FakeChannel:
        channel = FakeChannel(
            id=self.snowflakes.next(),
            type=channel_type,
            name=name,
            guild_id=guild.id,
            position=len(guild.channels),
            parent_id=parent.id if parent else None,
            overwrites=list(overwrites),
            owner_id=owner.id if owner else None,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_standard_guild(
        self,
        name: str = "Test Server",
        *,
        preferred_locale: str = "en-US",
        bot_permissions: int = Permission.BOT_REQUIRED,
    ) -> StandardGuild:
        """A realistic server for bot scenarios (see :class:`StandardGuild`).

        The bot's role has exactly the permissions contact-guard's invite asks for (pass
        ``bot_permissions=Permission.BOT_REQUIRED | Permission.KICK_MEMBERS`` for a ladder with
        a kick step: the fake refuses a kick without Kick Members, as Discord does). ``reports``
        is visible only to moderators, admins and the bot; ``exempt`` is a plain text channel a
        test can configure as exempt.
        """
        owner = self.add_user("owner")
        guild = self.add_guild(name, owner=owner, preferred_locale=preferred_locale)
        member_role = self.add_role(guild, "Member", 0, position=1)
        moderator_role = self.add_role(
            guild, "Moderator", Permission.MANAGE_MESSAGES | Permission.MODERATE_MEMBERS, position=2
        )
        admin_role = self.add_role(
            guild, "Admin", Permission.MANAGE_GUILD | Permission.MANAGE_MESSAGES | Permission.BAN_MEMBERS
            | Permission.MODERATE_MEMBERS | Permission.KICK_MEMBERS, position=3,
        )
        bot_role = self.add_role(guild, self.bot_user.username, bot_permissions, position=4, managed=True)
        senior_role = self.add_role(guild, "Senior Moderator", Permission.MANAGE_MESSAGES, position=5)
        guild.members[self.bot_user.id].role_ids = [bot_role.id]

        admin = self.add_user("admin")
        moderator = self.add_user("moderator")
        senior = self.add_user("senior-moderator")
        member = self.add_user("member", global_name="A Member")
        other = self.add_user("other-member")
        self.add_member(guild, admin, [member_role, admin_role])
        self.add_member(guild, moderator, [member_role, moderator_role])
        self.add_member(guild, senior, [member_role, senior_role])
        self.add_member(guild, member, [member_role])
        self.add_member(guild, other, [member_role])

        general = self.add_channel(guild, "general")
        announcements = self.add_channel(guild, "announcements", ChannelType.GUILD_ANNOUNCEMENT)
        voice = self.add_channel(guild, "Voice", ChannelType.GUILD_VOICE)
        forum = self.add_channel(guild, "forum", ChannelType.GUILD_FORUM)
        forum_post = self.add_channel(guild, "a forum post", ChannelType.PUBLIC_THREAD, parent=forum, owner=member)
        thread = self.add_channel(guild, "a thread", ChannelType.PUBLIC_THREAD, parent=general, owner=member)
        hidden = Overwrite(guild.id, 0, deny=Permission.VIEW_CHANNEL)
        reports = self.add_channel(
            guild,
            "mod-reports",
            overwrites=[
                hidden,
                Overwrite(moderator_role.id, 0, allow=Permission.VIEW_CHANNEL),
                Overwrite(admin_role.id, 0, allow=Permission.VIEW_CHANNEL),
                Overwrite(bot_role.id, 0, allow=Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES),
            ],
        )
        exempt = self.add_channel(guild, "trading-ok")
        return StandardGuild(
            guild=guild, owner=owner, admin=admin, moderator=moderator, senior_moderator=senior,
            member=member, other_member=other, bot_role=bot_role, member_role=member_role,
            moderator_role=moderator_role, admin_role=admin_role, senior_role=senior_role,
            general=general, announcements=announcements, voice=voice, forum=forum,
            forum_post=forum_post, thread=thread, reports=reports, exempt=exempt,
        )

    def set_overwrite(
        self,
        channel: FakeChannel,
        target: FakeRole | FakeUser,
        *,
        allow: int = 0,
        deny: int = 0,
    ) -> None:
        """Set the channel overwrite for a role or member (replacing an existing one).

        Call before starting the client, or follow with ``await fake.sync_channel(channel)``.
        """
        target_type = 0 if isinstance(target, FakeRole) else 1
        channel.overwrites = [
            o for o in channel.overwrites if not (o.id == target.id and o.type == target_type)
        ]
        channel.overwrites.append(Overwrite(target.id, target_type, allow=allow, deny=deny))

    async def sync_channel(self, channel: FakeChannel) -> None:
        """Tell the client about a changed channel (CHANNEL_UPDATE / THREAD_UPDATE)."""
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        await self.gateway.dispatch(event, payloads.channel_payload(channel))

    async def sync_role(self, guild: FakeGuild, role: FakeRole) -> None:
        """Tell the client about a changed role (GUILD_ROLE_UPDATE)."""
        await self.gateway.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": payloads.role_payload(role)}
        )

    async def sync_member(self, guild: FakeGuild, user: FakeUser) -> None:
        """Tell the client about a changed member (GUILD_MEMBER_UPDATE)."""
        member = guild.members[user.id]
        await self.gateway.dispatch(
            "GUILD_MEMBER_UPDATE", dict(payloads.member_payload(member), guild_id=str(guild.id))
        )

    async def announce_guild(self, guild: FakeGuild) -> None:
        """Dispatch GUILD_CREATE for a guild added after the client connected (a bot invite)."""
        await self.gateway.dispatch("GUILD_CREATE", payloads.guild_payload(guild, for_gateway=True))

    async def member_joins(self, guild: FakeGuild, user: FakeUser, roles: Iterable[FakeRole] = ()) -> FakeMember:
        """A user joins *guild* while the client is connected (GUILD_MEMBER_ADD)."""
        member = self.add_member(guild, user, roles)
        await self.gateway.dispatch(
            "GUILD_MEMBER_ADD", dict(payloads.member_payload(member), guild_id=str(guild.id))
        )
        return member

    async def announce_channel(self, channel: FakeChannel) -> None:
        """A channel or thread created while the client is connected (CHANNEL_CREATE/THREAD_CREATE)."""
        if channel.is_thread:
            payload = dict(payloads.channel_payload(channel), newly_created=True)
            await self.gateway.dispatch("THREAD_CREATE", payload)
        else:
            await self.gateway.dispatch("CHANNEL_CREATE", payloads.channel_payload(channel))

    async def user_deletes_message(self, channel_id: int, message_id: int) -> None:
        """The author deletes their own message (MESSAGE_DELETE, no REST call from the bot)."""
        stored = self.messages.get(message_id)
        if stored is not None:
            stored.deleted = True
        channel = self.channels[channel_id]
        event: dict[str, Any] = {"id": str(message_id), "channel_id": str(channel_id)}
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        await self.gateway.dispatch("MESSAGE_DELETE", event)

    def revoke_token(self) -> None:
        """The token stops working: REST answers 401, IDENTIFY/RESUME are closed with 4004."""
        self.token = f"revoked.{secrets.token_urlsafe(24)}"

    def dm_channel_for(self, user_id: int) -> FakeChannel:
        channel = self.dm_channels.get(user_id)
        if channel is None:
            channel = FakeChannel(self.snowflakes.next(), ChannelType.DM, "", recipient_id=user_id)
            self.dm_channels[user_id] = channel
            self.channels[channel.id] = channel
        return channel

    def can_receive_dm_from_bot(self, user_id: int) -> bool:
        """Discord delivers a bot's DM only to a user who shares a server with the bot and has
        not closed DMs; so after a ban (and no other shared server) DMs fail with 50007."""
        if user_id in self.closed_dm_user_ids or user_id not in self.users or self.users[user_id].bot:
            return False
        return any(user_id in guild.members for guild in self.guilds.values())

    # -- failure injection ---------------------------------------------------------------------

    def close_dms(self, user: FakeUser | int) -> None:
        """The user has DMs from server members turned off: DMs answer 403 code 50007."""
        self.closed_dm_user_ids.add(user if isinstance(user, int) else user.id)

    def fail(
        self,
        method: str,
        template: str,
        *,
        status: int,
        code: int = 0,
        message: str = "injected failure",
        times: int | None = 1,
        **where: int | str,
    ) -> FailureRule:
        """Answer the next *times* matching requests (``None``: all) with an error.

        ``where`` narrows by path parameter, e.g. ``channel_id=123``.
        """
        rule = FailureRule(
            method.upper(), template, status, code, message, times, {k: str(v) for k, v in where.items()}
        )
        self.rest.failures.append(rule)
        return rule

    def deny_permission(self, method: str, template: str, *, times: int | None = None, **where: int | str) -> FailureRule:
        """Every matching request answers 403 Missing Permissions (code 50013)."""
        return self.fail(
            method, template, status=403, code=MISSING_PERMISSIONS, message="Missing Permissions",
            times=times, **where,
        )

    def rate_limit(
        self, method: str, template: str, *, times: int = 1, retry_after: float = 0.05,
        is_global: bool = False, **where: int | str,
    ) -> FailureRule:
        """The next *times* matching requests answer 429 with ``retry_after`` (seconds)."""
        rule = self.fail(method, template, status=429, times=times, message="You are being rate limited.", **where)
        rule.retry_after = retry_after
        rule.is_global = is_global
        return rule

    def server_error(self, method: str, template: str, *, status: int = 500, times: int = 1, **where: int | str) -> FailureRule:
        """The next *times* matching requests answer a 5xx (discord.py retries after 1 s, 3 s...)."""
        return self.fail(method, template, status=status, code=0, message="Internal Server Error", times=times, **where)

    def set_global_limit(self, limit: int | None = 50, *, window: float = 1.0) -> None:
        """Enforce Discord's global limit (50 requests per second per bot by default; ``None``
        turns it off): beyond it the fake answers 429 with ``global: true``, and discord.py
        pauses every request until the window ends."""
        self.rest.global_limit = limit
        self.rest.global_window = window

    def set_route_limit(self, method: str, template: str, limit: int, window: float, *, enforce: bool = True) -> None:
        """Give a route its own bucket; with ``enforce`` the fake answers 429 beyond *limit*."""
        self.rest.route_limits[(method.upper(), normalise_template(template))] = (limit, window)
        if enforce:
            self.rest.enforce_rate_limits = True

    # -- gateway events ------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any DISPATCH event (raw payload) to the connected client."""
        await self.gateway.dispatch(event, data)

    async def _dispatch_if_connected(self, event: str, data: dict[str, Any]) -> None:
        if self.gateway.current is not None:
            await self.gateway.dispatch(event, data)

    async def drop_connection(self, code: int | None = CloseCode.UNKNOWN_ERROR) -> None:
        """Close the client's websocket (4000 by default; ``None`` = abrupt) so it RESUMEs."""
        await self.gateway.drop_connection(code)

    async def wait_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 -- test helper API
        await self.gateway.wait_connected(timeout)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT (Discord asks the client to reconnect and RESUME)."""
        await self.gateway.send_reconnect()

    def _member_of(self, channel: FakeChannel, user: FakeUser) -> FakeMember | None:
        if channel.guild_id is None:
            return None
        return self.guilds[channel.guild_id].members.get(user.id)

    def _register_attachment(self, channel_id: int, spec: FakeAttachment) -> StoredAttachment:
        attachment_id = self.snowflakes.next()
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{spec.filename}"
        stored = StoredAttachment(
            id=attachment_id, channel_id=channel_id, filename=spec.filename, data=spec.data,
            content_type=spec.content_type, description=spec.description, url=url,
            width=spec.width, height=spec.height,
        )
        self.attachments[attachment_id] = stored
        return stored

    def embed_media(self, channel_id: int, media: FakeAttachment) -> dict[str, Any]:
        """An embed ``image``/``thumbnail`` object whose ``url`` and ``proxy_url`` the fake serves.

        Use it as ``embeds=[{"type": "image", "image": fake.embed_media(ch, FakeAttachment(...))}]``.
        """
        stored = self._register_attachment(channel_id, media)
        image: dict[str, Any] = {"url": stored.url, "proxy_url": stored.url}
        if media.width is not None and media.height is not None:
            image.update(width=media.width, height=media.height)
        return image

    def attachment_payloads(self, channel_id: int, attachments: Iterable[FakeAttachment]) -> list[dict[str, Any]]:
        """Register files (served by the fake) and return their attachment objects."""
        return [payloads.attachment_payload(self._register_attachment(channel_id, a)) for a in attachments]

    async def send_message(
        self,
        channel_id: int,
        author: FakeUser,
        content: str = "",
        *,
        attachments: Sequence[FakeAttachment] = (),
        embeds: Sequence[dict[str, Any]] = (),
        message_snapshots: Sequence[dict[str, Any]] | None = None,
        message_reference: dict[str, Any] | None = None,
        poll: dict[str, Any] | None = None,
        webhook_id: int | None = None,
        message_type: int = 0,
    ) -> int:
        """Dispatch MESSAGE_CREATE from *author* in *channel_id*; returns the new message id.

        Forwarded messages: pass ``message_snapshots=[payloads.snapshot_payload("text")]``
        (a forward's ``message_reference`` with type 1 is added automatically). Polls:
        ``poll=payloads.poll_payload("question", ["a", "b"])``.
        """
        channel = self.channels[channel_id]
        message_id = self.snowflakes.next()
        if message_snapshots is not None and message_reference is None:
            message_reference = {
                "type": 1,
                "channel_id": str(channel_id),
                "message_id": str(self.snowflakes.next()),
            }
            if channel.guild_id is not None:
                message_reference["guild_id"] = str(channel.guild_id)
        payload = payloads.message_payload(
            message_id=message_id,
            channel=channel,
            author=author,
            content=content,
            member=self._member_of(channel, author),
            attachments=self.attachment_payloads(channel_id, attachments),
            embeds=embeds,
            message_snapshots=message_snapshots,
            message_reference=message_reference,
            poll=poll,
            webhook_id=webhook_id,
            message_type=message_type,
            flags=(1 << 14) if message_snapshots else 0,
        )
        self._remember(StoredMessage(message_id, channel_id, channel.guild_id, author.id, payload))
        await self.gateway.dispatch("MESSAGE_CREATE", payload)
        return message_id

    async def edit_message(
        self,
        channel_id: int,
        message_id: int,
        content: str | None = None,
        *,
        author: FakeUser | None = None,
        embeds: Sequence[dict[str, Any]] | None = None,
        partial: bool = False,
    ) -> dict[str, Any]:
        """Dispatch MESSAGE_UPDATE; returns the payload sent.

        For a message the fake knows, the stored copy is updated and (unless ``partial``) the
        full message is sent. For an unknown id (a message from before the bot started), pass
        *author*: the fake creates the message and sends the update, like Discord does for
        uncached messages. ``partial=True`` sends only id, channel_id, guild_id and the changed
        fields (as Discord does for e.g. embed unfurls).
        """
        channel = self.channels[channel_id]
        stored = self.messages.get(message_id)
        if stored is None:
            if author is None:
                raise ValueError("editing a message the fake never saw needs its author")
            payload = payloads.message_payload(
                message_id=message_id, channel=channel, author=author, content=content or "",
                member=self._member_of(channel, author), embeds=embeds or (),
            )
            stored = StoredMessage(message_id, channel_id, channel.guild_id, author.id, payload)
            self._remember(stored)
        changes: dict[str, Any] = {"edited_timestamp": iso_now()}
        if content is not None:
            changes["content"] = content
        if embeds is not None:
            changes["embeds"] = list(embeds)
        stored.payload.update(changes)
        if partial:
            event: dict[str, Any] = {"id": str(message_id), "channel_id": str(channel_id), **changes}
            if channel.guild_id is not None:
                event["guild_id"] = str(channel.guild_id)
        else:
            event = dict(stored.payload)
        await self.gateway.dispatch("MESSAGE_UPDATE", event)
        return event

    # -- interactions --------------------------------------------------------------------------

    def _interaction_base(
        self, interaction_type: int, guild_id: int | None, channel_id: int, user: FakeUser, locale: str
    ) -> tuple[FakeInteraction, dict[str, Any]]:
        interaction_id = self.snowflakes.next()
        token = f"interaction.{secrets.token_urlsafe(32)}"
        channel = self.channels[channel_id]
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel_id),
            "channel": payloads.channel_payload(
                channel, [self.users[channel.recipient_id]] if channel.recipient_id else []
            ),
        }
        if guild_id is not None:
            guild = self.guilds[guild_id]
            member = guild.members[user.id]
            payload.update(
                {
                    "guild_id": str(guild_id),
                    "guild_locale": guild.preferred_locale,
                    "guild": {"id": str(guild_id), "locale": guild.preferred_locale, "features": []},
                    "member": payloads.member_payload(
                        member, permissions=guild.channel_permissions(user.id, channel_id)
                    ),
                    "app_permissions": str(guild.channel_permissions(self.bot_user.id, channel_id)),
                    "authorizing_integration_owners": {"0": str(guild_id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": payloads.user_payload(user),
                    "app_permissions": str(Permission.EVERYONE_DEFAULT),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        interaction = FakeInteraction(interaction_id, token, interaction_type, payload, channel_id)
        self.interactions[interaction_id] = interaction
        self.interactions_by_token[token] = interaction
        return interaction, payload

    def _resolved_for(self, guild_id: int | None, options: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """``data.resolved`` for USER (6), CHANNEL (7), ROLE (8) and MENTIONABLE (9) options."""
        resolved: dict[str, dict[str, Any]] = {}
        guild = self.guilds.get(guild_id) if guild_id else None

        def visit(opts: Sequence[dict[str, Any]]) -> None:
            for option in opts:
                visit(option.get("options", []))
                value = option.get("value")
                if option.get("type") not in (6, 7, 8, 9) or value is None:
                    continue
                snowflake = int(value)
                if snowflake in self.users:
                    resolved.setdefault("users", {})[str(snowflake)] = payloads.user_payload(self.users[snowflake])
                    if guild and snowflake in guild.members:
                        resolved.setdefault("members", {})[str(snowflake)] = payloads.member_payload(
                            guild.members[snowflake], include_user=False,
                            permissions=guild.base_permissions(snowflake),
                        )
                elif snowflake in self.channels:
                    channel = self.channels[snowflake]
                    entry = payloads.channel_payload(channel)
                    if guild:
                        entry["permissions"] = str(guild.channel_permissions(self.bot_user.id, snowflake))
                    resolved.setdefault("channels", {})[str(snowflake)] = entry
                elif guild and snowflake in guild.roles:
                    resolved.setdefault("roles", {})[str(snowflake)] = payloads.role_payload(guild.roles[snowflake])

        visit(options)
        return resolved

    async def send_slash_command(
        self,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        name: str,
        options: Sequence[dict[str, Any]] = (),
        *,
        locale: str = "en-US",
        resolved: dict[str, Any] | None = None,
        attachments: Sequence[FakeAttachment] = (),
        guild_command: bool | None = None,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE type 2 for ``/name`` with raw *options*.

        Build options with :func:`option` / :func:`subcommand`. The command id and guild scope
        come from what the client synced (PUT .../commands); for a command that was never
        synced, ``guild_command=True`` marks it as registered in *guild_id* (discord.py then
        looks it up among the tree's guild commands). ``resolved`` is filled in for user,
        member, channel and role options unless given.
        """
        interaction, payload = self._interaction_base(2, guild_id, channel_id, user, locale)
        registered = self.commands.get(guild_id, {}).get(f"1:{name}") if guild_id else None
        registered = registered or self.commands.get(None, {}).get(f"1:{name}")
        data: dict[str, Any] = {
            "id": registered["id"] if registered else str(self.snowflakes.next()),
            "name": name,
            "type": 1,
            "options": list(options),
        }
        if guild_command is None:
            guild_command = bool(registered and registered.get("guild_id"))
        if guild_command:
            if guild_id is None:
                raise ValueError("a guild command needs a guild_id")
            data["guild_id"] = str(guild_id)
        resolved = resolved if resolved is not None else self._resolved_for(guild_id, options)
        if attachments:
            resolved = dict(resolved)
            resolved["attachments"] = {
                p["id"]: p for p in self.attachment_payloads(channel_id, attachments)
            }
        if resolved:
            data["resolved"] = resolved
        payload["data"] = data
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def send_interaction(
        self,
        interaction_type: int,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        data: dict[str, Any],
        *,
        message_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE with a raw ``data`` object (any interaction type).

        The typed helpers below fill ``data`` for the common cases; use this one for anything
        else (e.g. autocomplete, type 4, or a context-menu command).
        """
        interaction, payload = self._interaction_base(interaction_type, guild_id, channel_id, user, locale)
        if message_id is not None:
            interaction.message_id = message_id
            payload["message"] = self.messages[message_id].payload
        payload["data"] = data
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def send_component_interaction(
        self,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        message_id: int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE type 3: *user* clicks *custom_id* on a stored message."""
        stored = self.messages.get(message_id)
        if stored is None:
            raise ValueError(f"message {message_id} is unknown to the fake; post it first")
        interaction, payload = self._interaction_base(3, guild_id, channel_id, user, locale)
        interaction.message_id = message_id
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        payload["data"] = data
        payload["message"] = stored.payload
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def send_modal_submit(
        self,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        custom_id: str,
        fields: dict[str, str],
        *,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE type 5: a modal with text inputs ``custom_id -> value``."""
        interaction, payload = self._interaction_base(5, guild_id, channel_id, user, locale)
        payload["data"] = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                for key, value in fields.items()
            ],
        }
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def _store_interaction_message(
        self, interaction: FakeInteraction, body: dict[str, Any], files: list[RecordedFile], ephemeral: bool
    ) -> StoredMessage:
        channel = self.channels[interaction.channel_id] if interaction.channel_id else None
        if channel is None:
            raise ValueError("interaction without a channel")
        stored = self._store_bot_message(channel, body, files, webhook_id=self.application_id)
        stored.interaction_id = interaction.id
        stored.ephemeral = ephemeral
        stored.payload["interaction_metadata"] = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": interaction.payload.get("member", {}).get("user") or interaction.payload.get("user"),
            "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
        }
        return stored

    # -- messages the client creates -----------------------------------------------------------

    def _store_bot_message(
        self,
        channel: FakeChannel,
        body: dict[str, Any],
        files: list[RecordedFile],
        *,
        webhook_id: int | None = None,
    ) -> StoredMessage:
        message_id = self.snowflakes.next()
        payload = payloads.message_payload(
            message_id=message_id,
            channel=channel,
            author=self.bot_user,
            content=body.get("content") or "",
            member=self._member_of(channel, self.bot_user),
            attachments=attachment_payloads_for_upload(self, channel.id, body, files),
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            poll=body.get("poll"),
            webhook_id=webhook_id,
            flags=int(body.get("flags") or 0),
            message_type=20 if webhook_id else 0,
        )
        if body.get("message_reference"):
            payload["message_reference"] = body["message_reference"]
        stored = StoredMessage(message_id, channel.id, channel.guild_id, self.bot_user.id, payload)
        self._remember(stored)
        return stored

    def _remember(self, stored: StoredMessage) -> None:
        self.messages[stored.id] = stored
        limit = self.message_store_limit
        if limit is not None:
            while len(self.messages) > limit:
                del self.messages[next(iter(self.messages))]

    def _apply_message_edit(self, message: StoredMessage, body: dict[str, Any], files: list[RecordedFile]) -> None:
        payload = message.payload
        for key in ("content", "embeds", "components", "flags"):
            if key in body and body[key] is not None:
                payload[key] = body[key]
        if "attachments" in body or files:
            kept_ids = {str(a.get("id")) for a in body.get("attachments", []) if isinstance(a, dict)}
            kept = [a for a in payload.get("attachments", []) if a["id"] in kept_ids]
            payload["attachments"] = kept + attachment_payloads_for_upload(self, message.channel_id, body, files)
        payload["edited_timestamp"] = iso_now()

    # -- attachments ---------------------------------------------------------------------------

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        attachment = self.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        return web.Response(
            body=attachment.data,
            content_type=attachment.content_type or "application/octet-stream",
        )

    # -- recording -----------------------------------------------------------------------------

    def _record(self, call: RecordedCall, response: web.Response) -> web.Response:
        call.status = response.status
        if response.body is not None and response.content_type == "application/json":
            body = response.body
            call.response = json.loads(body.decode() if isinstance(body, bytes) else str(body))
        self.calls.append(call)
        for listener in self.call_listeners:
            listener(call)
        asyncio.get_running_loop().create_task(self._notify_waiters())
        return response

    async def _notify_waiters(self) -> None:
        async with self._call_added:
            self._call_added.notify_all()

    def calls_to(self, method: str, path_or_template: str) -> list[RecordedCall]:
        """Recorded calls for a concrete path or a route template (``{...}`` placeholders)."""
        return [c for c in self.calls if c.matches(method, path_or_template)]

    def invalid_requests(self) -> list[RecordedCall]:
        """Calls Discord counts toward its invalid-request limit (401, 403 and 429 answers;
        10,000 in 10 minutes get the bot's IP banned), e.g. to prove a failed DM is not retried."""
        return [c for c in self.calls if c.status in (401, 403, 429)]

    def unknown_calls(self) -> list[RecordedCall]:
        """Calls to routes the fake does not implement (a test should usually assert none)."""
        return [c for c in self.calls if c.route_template is None]

    async def wait_for_call(
        self,
        method: str,
        path_or_template: str,
        *,
        where: CallPredicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a deadline per call reads best in tests
        count: int = 1,
    ) -> RecordedCall:
        """Wait until *count* matching calls were recorded; returns the *count*-th one.

        Calls recorded before this method was called count too, so there is no race between
        triggering an action and starting to wait.
        """
        deadline = time.monotonic() + timeout

        def matching() -> list[RecordedCall]:
            found = self.calls_to(method, path_or_template)
            return [c for c in found if where(c)] if where else found

        async with self._call_added:
            while len(matching()) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(f"{c.method} {c.path} -> {c.status}" for c in self.calls[-15:])
                    raise TimeoutError(
                        f"no {count}x {method} {path_or_template} within {timeout}s; recent calls: {seen or 'none'}"
                    )
                try:
                    await asyncio.wait_for(self._call_added.wait(), remaining)
                except TimeoutError:
                    continue
        return matching()[count - 1]

    async def assert_no_call(
        self, method: str, path_or_template: str, *, within: float = 0.3, where: CallPredicate | None = None
    ) -> None:
        """Fail if a matching call was recorded, before or during the next *within* seconds."""
        try:
            call = await self.wait_for_call(method, path_or_template, where=where, timeout=within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected {call.method} {call.path} ({call.json!r})")

    async def wait_for_interaction_response(
        self, interaction: FakeInteraction, timeout: float = 5.0  # noqa: ASYNC109 -- test helper API
    ) -> RecordedCall:
        """The callback call (POST /interactions/{id}/{token}/callback) for *interaction*."""
        return await self.wait_for_call(
            "POST",
            f"/interactions/{interaction.id}/{interaction.token}/callback",
            timeout=timeout,
        )


def option(name: str, value: Any, option_type: int) -> dict[str, Any]:
    """A slash-command option value (types: 3 str, 4 int, 5 bool, 6 user, 7 channel, 8 role,
    10 number, 11 attachment)."""
    return {"name": name, "type": option_type, "value": str(value) if option_type in (6, 7, 8, 9, 11) else value}


def subcommand(name: str, options: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"name": name, "type": 1, "options": list(options)}


def subcommand_group(name: str, subcommands: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "type": 2, "options": list(subcommands)}
