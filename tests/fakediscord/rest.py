"""REST API v10 for the fake Discord: routing, recording, rate limits, failures, handlers.

Every request is recorded (``FakeDiscord.calls``) before it is answered, including requests for
routes the fake does not know (answered 404 with ``route_template=None``) so that a test notices.
Responses carry realistic ``X-RateLimit-*`` headers and ``Via`` (discord.py only retries a 429
that came through Discord's proxy, recognised by that header).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from . import payloads
from .recording import FailureRule, RecordedCall, RecordedFile, normalise_template
from .state import ChannelType, FakeAttachment, FakeChannel, Permission, StoredMessage

if TYPE_CHECKING:
    from .server import FakeDiscord, FakeInteraction

Handler = Callable[["RestRequest"], Awaitable[web.Response]]

#: Discord JSON error codes the fake uses.
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_BAN = 10026
UNKNOWN_INTERACTION = 10062
UNKNOWN_WEBHOOK = 10015
MISSING_ACCESS = 50001
CANNOT_ACT_IN_DM = 50003
CANNOT_DM_USER = 50007
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
INTERACTION_ALREADY_ACKNOWLEDGED = 40060

GLOBAL_BUCKET = "global"
MAX_AUDIT_REASON = 512
MAX_DELETE_MESSAGE_SECONDS = 604_800

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7


@dataclass
class RestRequest:
    fake: FakeDiscord
    call: RecordedCall
    params: dict[str, str]
    request: web.Request

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    @property
    def body(self) -> dict[str, Any]:
        return self.call.json if isinstance(self.call.json, dict) else {}


@dataclass
class RateWindow:
    started: float
    count: int


def json_response(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json" without a charset, as Discord sends it: discord.py compares the
    # header verbatim and would otherwise hand the body over as a string.
    return web.Response(
        body=json.dumps(data).encode("utf-8"), status=status, headers={"Content-Type": "application/json"}
    )


def no_content() -> web.Response:
    return web.Response(status=204)


def error(status: int, code: int, message: str) -> web.Response:
    return json_response(payloads.error_payload(code, message), status=status)


class Router:
    """Maps (method, path) to a handler and the route template Discord's docs use."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        self._routes.append((method, template, re.compile(pattern), handler))

    def resolve(self, method: str, path: str) -> tuple[str, dict[str, str], Handler] | None:
        for route_method, template, pattern, handler in self._routes:
            if route_method != method:
                continue
            match = pattern.match(path)
            if match:
                return template, {k: unquote(v) for k, v in match.groupdict().items()}, handler
        return None


class RestApi:
    """The REST half of the fake. ``FakeDiscord`` owns one and mounts :meth:`handle`."""

    #: default bucket: generous enough that normal tests never wait on the limiter
    default_limit = 50
    default_window = 1.0

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.router = Router()
        self.failures: list[FailureRule] = []
        #: (method, template) -> (limit, window seconds)
        self.route_limits: dict[tuple[str, str], tuple[int, float]] = {}
        #: whether exceeding a bucket answers 429 (off by default: the fake only reports limits)
        self.enforce_rate_limits = False
        self._windows: dict[str, RateWindow] = {}
        #: requests per second across all routes (Discord: 50); None = not enforced.
        #: Interaction callbacks and webhook-token routes are exempt, as on Discord.
        self.global_limit: int | None = None
        self.global_window = 1.0
        self._register_routes()

    # -- entry point ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        fake = self.fake
        path = "/" + request.match_info["tail"]
        method = request.method
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        body, files = await _read_body(request)
        call = RecordedCall(
            method=method,
            path=path,
            route_template=None,
            json=body,
            query=dict(request.query),
            headers=headers,
            files=files,
            at=time.monotonic(),
        )
        resolved = self.router.resolve(method, path)
        if resolved is None:
            response = error(404, 0, f"404: Not Found (fake Discord has no route {method} {path})")
            return fake._record(call, response)
        template, params, handler = resolved
        call.route_template = template
        call.params = params

        if request.headers.get("Authorization") != f"Bot {fake.token}" and not _is_webhook_route(template):
            return fake._record(call, error(401, 0, "401: Unauthorized"))

        bucket_key, limit, window = self._bucket(method, template, params)
        injected = self._injected_failure(method, template, params)
        reason = call.reason
        if injected is not None:
            response = injected
        elif reason is not None and len(reason) > MAX_AUDIT_REASON:
            response = error(400, INVALID_FORM_BODY, "Invalid Form Body: audit log reason longer than 512")
        elif (
            self.global_limit is not None
            and not _is_webhook_route(template)
            and self._would_exceed(GLOBAL_BUCKET, self.global_limit, self.global_window)
        ):
            retry_after = self._windows[GLOBAL_BUCKET].started + self.global_window - time.monotonic()
            response = _rate_limited(max(retry_after, 0.001), is_global=True)
        elif self.enforce_rate_limits and self._would_exceed(bucket_key, limit, window):
            retry_after = self._windows[bucket_key].started + window - time.monotonic()
            response = _rate_limited(max(retry_after, 0.001), is_global=False)
        else:
            self._count(bucket_key, window)
            if self.global_limit is not None and not _is_webhook_route(template):
                self._count(GLOBAL_BUCKET, self.global_window)
            response = await handler(RestRequest(fake, call, params, request))
        self._add_rate_limit_headers(response, bucket_key, limit, window, method, template)
        response.headers["Via"] = "1.1 google"
        return fake._record(call, response)

    # -- rate limits and failures --------------------------------------------------------------

    def _bucket(self, method: str, template: str, params: dict[str, str]) -> tuple[str, int, float]:
        limit, window = self.route_limits.get(
            (method, normalise_template(template)), (self.default_limit, self.default_window)
        )
        major = "+".join(params[k] for k in ("channel_id", "guild_id", "webhook_id") if k in params)
        return f"{method} {template}:{major}", limit, window

    def _window(self, key: str, window: float) -> RateWindow:
        now = time.monotonic()
        current = self._windows.get(key)
        if current is None or now >= current.started + window:
            current = self._windows[key] = RateWindow(started=now, count=0)
        return current

    def _would_exceed(self, key: str, limit: int, window: float) -> bool:
        return self._window(key, window).count >= limit

    def _count(self, key: str, window: float) -> None:
        self._window(key, window).count += 1

    def _add_rate_limit_headers(
        self, response: web.Response, key: str, limit: int, window: float, method: str, template: str
    ) -> None:
        current = self._window(key, window)
        reset_after = max(current.started + window - time.monotonic(), 0.0)
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(max(limit - current.count, 0))
        response.headers["X-RateLimit-Reset"] = f"{time.time() + reset_after:.3f}"
        response.headers["X-RateLimit-Reset-After"] = f"{reset_after:.3f}"
        response.headers["X-RateLimit-Bucket"] = hashlib.sha1(
            f"{method} {normalise_template(template)}".encode()
        ).hexdigest()[:16]

    def _injected_failure(self, method: str, template: str, params: dict[str, str]) -> web.Response | None:
        for rule in self.failures:
            if rule.applies_to(method, template, params):
                if rule.times is not None:
                    rule.times -= 1
                if rule.status == 429:
                    return _rate_limited(rule.retry_after, is_global=rule.is_global)
                return error(rule.status, rule.code, rule.message)
        return None

    # -- routes --------------------------------------------------------------------------------

    def _register_routes(self) -> None:
        add = self.router.add
        add("GET", "/users/@me", self.get_me)
        add("GET", "/users/{user_id}", self.get_user)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", "/gateway", self.get_gateway)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        add("GET", "/applications/{application_id}/commands", self.get_commands)
        add("PUT", "/applications/{application_id}/commands", self.put_commands)
        add("POST", "/applications/{application_id}/commands", self.post_command)
        add("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands)
        add("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands)
        add("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self.post_command)
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("GET", "/channels/{channel_id}/messages", self.get_messages)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self.get_roles)
        add("GET", "/guilds/{guild_id}/members", self.list_members)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        add("PATCH", "/guilds/{guild_id}/members/{user_id}", self.edit_member)
        add("DELETE", "/guilds/{guild_id}/members/{user_id}", self.kick_member)
        add("GET", "/guilds/{guild_id}/bans/{user_id}", self.get_ban)
        add("PUT", "/guilds/{guild_id}/bans/{user_id}", self.ban_member)
        add("DELETE", "/guilds/{guild_id}/bans/{user_id}", self.unban_member)
        add("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.interaction_callback)
        add("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", self.get_original)
        add("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", self.edit_original)
        add("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", self.delete_original)
        add("POST", "/webhooks/{webhook_id}/{webhook_token}", self.create_followup)
        add("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.get_followup)
        add("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.edit_followup)
        add("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.delete_followup)

    # users, gateway, application

    async def get_me(self, r: RestRequest) -> web.Response:
        return json_response(payloads.client_user_payload(r.fake.bot_user))

    async def get_user(self, r: RestRequest) -> web.Response:
        user = r.fake.users.get(r.int_param("user_id"))
        if user is None:
            return error(404, UNKNOWN_USER, "Unknown User")
        return json_response(payloads.user_payload(user))

    async def get_gateway(self, r: RestRequest) -> web.Response:
        return json_response({"url": r.fake.gateway_url})

    async def get_gateway_bot(self, r: RestRequest) -> web.Response:
        return json_response(
            {
                "url": r.fake.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_application(self, r: RestRequest) -> web.Response:
        fake = r.fake
        return json_response(
            {
                "id": str(fake.application_id),
                "name": fake.bot_user.username,
                "icon": None,
                "description": "contact-guard under test",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": payloads.user_payload(fake.bot_user),
                "owner": payloads.user_payload(fake.application_owner),
                "verify_key": "0" * 64,
                "team": None,
                "flags": fake.application_flags,
                "interactions_endpoint_url": None,
                "tags": [],
                "redirect_uris": [],
                "approximate_guild_count": len(fake.guilds),
            }
        )

    async def create_dm(self, r: RestRequest) -> web.Response:
        recipient_id = int(r.body.get("recipient_id", 0))
        if recipient_id not in r.fake.users:
            return error(400, INVALID_FORM_BODY, "Invalid Form Body")
        channel = r.fake.dm_channel_for(recipient_id)
        return json_response(
            payloads.channel_payload(channel, recipients=[r.fake.users[recipient_id]])
        )

    # application commands

    def _command_store(self, r: RestRequest) -> dict[str, dict[str, Any]]:
        guild_id = int(r.params["guild_id"]) if "guild_id" in r.params else None
        return r.fake.commands.setdefault(guild_id, {})

    def _command_payload(self, r: RestRequest, command: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        fake = r.fake
        payload = dict(command)
        payload["id"] = existing["id"] if existing else str(fake.snowflakes.next())
        payload["application_id"] = str(fake.application_id)
        payload.setdefault("type", 1)
        if payload.get("default_member_permissions") is not None:
            # Discord stores and returns permission bitsets as strings.
            payload["default_member_permissions"] = str(payload["default_member_permissions"])
        payload.setdefault("description", "")
        payload["version"] = str(fake.snowflakes.next())
        if "guild_id" in r.params:
            payload["guild_id"] = r.params["guild_id"]
        return payload

    async def get_commands(self, r: RestRequest) -> web.Response:
        return json_response(list(self._command_store(r).values()))

    async def put_commands(self, r: RestRequest) -> web.Response:
        if not isinstance(r.call.json, list):
            return error(400, INVALID_FORM_BODY, "Invalid Form Body")
        store = self._command_store(r)
        previous = dict(store)
        store.clear()
        for command in r.call.json:
            key = f"{command.get('type', 1)}:{command['name']}"
            store[key] = self._command_payload(r, command, previous.get(key))
        return json_response(list(store.values()))

    async def post_command(self, r: RestRequest) -> web.Response:
        store = self._command_store(r)
        key = f"{r.body.get('type', 1)}:{r.body['name']}"
        existed = key in store
        store[key] = self._command_payload(r, r.body, store.get(key))
        return json_response(store[key], status=200 if existed else 201)

    # channels and messages

    def _channel(self, r: RestRequest) -> FakeChannel | None:
        return r.fake.channels.get(r.int_param("channel_id"))

    def _lacks(self, r: RestRequest, channel: FakeChannel, permission: int) -> bool:
        if channel.guild_id is None:
            return False
        guild = r.fake.guilds[channel.guild_id]
        return not guild.channel_permissions(r.fake.bot_user.id, channel.id) & permission

    def _access_error(self, r: RestRequest, channel: FakeChannel, needed: int) -> web.Response | None:
        """Discord answers 50001 Missing Access for a channel the bot cannot see, and 50013
        Missing Permissions when it sees the channel but lacks *needed*."""
        if self._lacks(r, channel, Permission.VIEW_CHANNEL):
            return error(403, MISSING_ACCESS, "Missing Access")
        if needed and self._lacks(r, channel, needed):
            return error(403, MISSING_PERMISSIONS, "Missing Permissions")
        return None

    async def get_channel(self, r: RestRequest) -> web.Response:
        channel = self._channel(r)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        recipients = [r.fake.users[channel.recipient_id]] if channel.recipient_id else []
        return json_response(payloads.channel_payload(channel, recipients))

    async def get_messages(self, r: RestRequest) -> web.Response:
        channel = self._channel(r)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        if (refused := self._access_error(r, channel, Permission.READ_MESSAGE_HISTORY)) is not None:
            return refused
        limit = min(int(r.call.query.get("limit", 50)), 100)
        before = int(r.call.query.get("before", 0)) or None
        after = int(r.call.query.get("after", 0)) or None
        found = [
            m for m in r.fake.messages.values()
            if m.channel_id == channel.id and not m.deleted and not m.ephemeral
            and (before is None or m.id < before) and (after is None or m.id > after)
        ]
        found.sort(key=lambda m: m.id, reverse=True)
        return json_response([m.payload for m in found[:limit]])

    async def get_message(self, r: RestRequest) -> web.Response:
        message = r.fake.messages.get(r.int_param("message_id"))
        if message is None or message.deleted or message.channel_id != r.int_param("channel_id"):
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        return json_response(message.payload)

    async def create_message(self, r: RestRequest) -> web.Response:
        fake = r.fake
        channel = self._channel(r)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        if channel.type == ChannelType.DM:
            recipient = channel.recipient_id
            if recipient is None or not fake.can_receive_dm_from_bot(recipient):
                return error(403, CANNOT_DM_USER, "Cannot send messages to this user")
        else:
            needed = Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
            if (refused := self._access_error(r, channel, needed)) is not None:
                return refused
        body = r.body
        if not (body.get("content") or body.get("embeds") or r.call.files or body.get("components") or body.get("poll")):
            return error(400, 50006, "Cannot send an empty message")
        stored = fake._store_bot_message(channel, body, r.call.files)
        await fake._dispatch_if_connected("MESSAGE_CREATE", stored.payload)
        return json_response(stored.payload)

    async def edit_message(self, r: RestRequest) -> web.Response:
        fake = r.fake
        message = fake.messages.get(r.int_param("message_id"))
        if message is None or message.deleted:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        if message.author_id != fake.bot_user.id:
            return error(403, 50005, "Cannot edit a message authored by another user")
        fake._apply_message_edit(message, r.body, r.call.files)
        await fake._dispatch_if_connected("MESSAGE_UPDATE", message.payload)
        return json_response(message.payload)

    async def delete_message(self, r: RestRequest) -> web.Response:
        fake = r.fake
        channel = self._channel(r)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        message = fake.messages.get(r.int_param("message_id"))
        if message is None or message.deleted or message.channel_id != channel.id:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        if message.author_id != fake.bot_user.id:
            if channel.type == ChannelType.DM:
                return error(403, CANNOT_ACT_IN_DM, "Cannot execute action on a DM channel")
            if (refused := self._access_error(r, channel, Permission.MANAGE_MESSAGES)) is not None:
                return refused
        message.deleted = True
        event: dict[str, Any] = {"id": str(message.id), "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        await fake._dispatch_if_connected("MESSAGE_DELETE", event)
        return no_content()

    async def bulk_delete(self, r: RestRequest) -> web.Response:
        fake = r.fake
        channel = self._channel(r)
        if channel is None:
            return error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        ids = [int(i) for i in r.body.get("messages", [])]
        if not 2 <= len(ids) <= 100 or len(set(ids)) != len(ids):
            return error(400, INVALID_FORM_BODY, "Invalid Form Body: messages must hold 2 to 100 distinct ids")
        if channel.type == ChannelType.DM:
            return error(403, CANNOT_ACT_IN_DM, "Cannot execute action on a DM channel")
        if (refused := self._access_error(r, channel, Permission.MANAGE_MESSAGES)) is not None:
            return refused
        two_weeks_ago = (datetime.now(UTC) - timedelta(days=14)).timestamp() * 1000
        for message_id in ids:
            created_ms = (message_id >> 22) + 1_420_070_400_000
            if created_ms < two_weeks_ago:
                return error(400, 50034, "You can only bulk delete messages that are under 14 days old.")
        deleted = []
        for message_id in ids:
            message = fake.messages.get(message_id)
            if message is not None and message.channel_id == channel.id and not message.deleted:
                message.deleted = True
                deleted.append(str(message_id))
        event: dict[str, Any] = {"ids": deleted, "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        if deleted:
            await fake._dispatch_if_connected("MESSAGE_DELETE_BULK", event)
        return no_content()

    async def typing(self, r: RestRequest) -> web.Response:
        return no_content()

    # guilds and members

    async def get_guild(self, r: RestRequest) -> web.Response:
        guild = r.fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        payload = payloads.guild_payload(guild, for_gateway=False)
        if r.call.query.get("with_counts") == "true":
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return json_response(payload)

    async def get_guild_channels(self, r: RestRequest) -> web.Response:
        guild = r.fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        return json_response(
            [payloads.channel_payload(c) for c in guild.channels.values() if not c.is_thread]
        )

    async def get_roles(self, r: RestRequest) -> web.Response:
        guild = r.fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        return json_response([payloads.role_payload(role) for role in guild.roles.values()])

    async def list_members(self, r: RestRequest) -> web.Response:
        guild = r.fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        limit = min(int(r.call.query.get("limit", 1)), 1000)
        after = int(r.call.query.get("after", 0))
        members = sorted((m for uid, m in guild.members.items() if uid > after), key=lambda m: m.user.id)
        return json_response([payloads.member_payload(m) for m in members[:limit]])

    async def get_member(self, r: RestRequest) -> web.Response:
        guild = r.fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        member = guild.members.get(r.int_param("user_id"))
        if member is None:
            return error(404, UNKNOWN_MEMBER, "Unknown Member")
        return json_response(payloads.member_payload(member))

    def _hierarchy_forbids(self, r: RestRequest, guild_id: int, target_id: int, permission: int) -> bool:
        """Discord refuses moderation of the owner, of members whose top role is at or above
        the bot's, and anything without the permission bit."""
        guild = r.fake.guilds[guild_id]
        bot_id = r.fake.bot_user.id
        if not guild.base_permissions(bot_id) & permission:
            return True
        if target_id == guild.owner_id:
            return True
        if target_id in guild.members and bot_id != guild.owner_id:
            return guild.top_role_position(target_id) >= guild.top_role_position(bot_id)
        return False

    async def edit_member(self, r: RestRequest) -> web.Response:
        fake = r.fake
        guild = fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        member = guild.members.get(r.int_param("user_id"))
        if member is None:
            return error(404, UNKNOWN_MEMBER, "Unknown Member")
        body = r.body
        if "communication_disabled_until" in body:
            if self._hierarchy_forbids(r, guild.id, member.user.id, Permission.MODERATE_MEMBERS):
                return error(403, MISSING_PERMISSIONS, "Missing Permissions")
            if body["communication_disabled_until"] is not None and (
                guild.base_permissions(member.user.id) & Permission.ADMINISTRATOR
                or member.user.id == guild.owner_id
            ):
                # Discord cannot time out administrators.
                return error(403, MISSING_PERMISSIONS, "Missing Permissions")
            until = body["communication_disabled_until"]
            if until is not None:
                moment = datetime.fromisoformat(until)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                if moment - datetime.now(UTC) > timedelta(days=28, seconds=5):
                    return error(400, INVALID_FORM_BODY, "Invalid Form Body: timeout longer than 28 days")
            member.communication_disabled_until = until
        if "nick" in body:
            member.nick = body["nick"]
        if "roles" in body:
            member.role_ids = [int(x) for x in body["roles"]]
        payload = payloads.member_payload(member)
        event = dict(payload, guild_id=str(guild.id))
        await fake._dispatch_if_connected("GUILD_MEMBER_UPDATE", event)
        return json_response(payload)

    async def kick_member(self, r: RestRequest) -> web.Response:
        fake = r.fake
        guild = fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        user_id = r.int_param("user_id")
        if user_id not in guild.members:
            return error(404, UNKNOWN_MEMBER, "Unknown Member")
        if self._hierarchy_forbids(r, guild.id, user_id, Permission.KICK_MEMBERS):
            return error(403, MISSING_PERMISSIONS, "Missing Permissions")
        member = guild.members.pop(user_id)
        await fake._dispatch_if_connected(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": payloads.user_payload(member.user)}
        )
        return no_content()

    async def get_ban(self, r: RestRequest) -> web.Response:
        guild = r.fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        user_id = r.int_param("user_id")
        if user_id not in guild.bans:
            return error(404, UNKNOWN_BAN, "Unknown Ban")
        user = r.fake.users[user_id]
        return json_response({"reason": guild.bans[user_id], "user": payloads.user_payload(user)})

    async def ban_member(self, r: RestRequest) -> web.Response:
        fake = r.fake
        guild = fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        user_id = r.int_param("user_id")
        if user_id not in fake.users:
            return error(404, UNKNOWN_USER, "Unknown User")
        seconds = r.body.get("delete_message_seconds", 0)
        if not isinstance(seconds, int) or not 0 <= seconds <= MAX_DELETE_MESSAGE_SECONDS:
            return error(400, INVALID_FORM_BODY, "Invalid Form Body: delete_message_seconds out of range")
        if self._hierarchy_forbids(r, guild.id, user_id, Permission.BAN_MEMBERS):
            return error(403, MISSING_PERMISSIONS, "Missing Permissions")
        guild.bans[user_id] = r.call.reason
        user = payloads.user_payload(fake.users[user_id])
        await fake._dispatch_if_connected("GUILD_BAN_ADD", {"guild_id": str(guild.id), "user": user})
        if guild.members.pop(user_id, None) is not None:
            await fake._dispatch_if_connected("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": user})
        return no_content()

    async def unban_member(self, r: RestRequest) -> web.Response:
        fake = r.fake
        guild = fake.guilds.get(r.int_param("guild_id"))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        user_id = r.int_param("user_id")
        if guild.bans.pop(user_id, "missing") == "missing":
            return error(404, UNKNOWN_BAN, "Unknown Ban")
        await fake._dispatch_if_connected(
            "GUILD_BAN_REMOVE", {"guild_id": str(guild.id), "user": payloads.user_payload(fake.users[user_id])}
        )
        return no_content()

    # interactions

    async def interaction_callback(self, r: RestRequest) -> web.Response:
        fake = r.fake
        interaction = fake.interactions.get(r.int_param("interaction_id"))
        if interaction is None or interaction.token != r.params["interaction_token"]:
            return error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if interaction.responded:
            return error(400, INTERACTION_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        deadline = fake.interaction_ack_deadline
        if deadline is not None and time.monotonic() - interaction.created_at > deadline:
            # Discord forgets an interaction that was not acknowledged within 3 seconds.
            return error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        interaction.responded = True
        body = r.body
        callback_type = int(body.get("type", 0))
        data = body.get("data") or {}
        interaction.callback_type = callback_type
        interaction.callback_data = data
        response_message: StoredMessage | None = None
        ephemeral = bool(int(data.get("flags", 0)) & MESSAGE_FLAG_EPHEMERAL)
        if callback_type in (4, 5):  # CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE
            message_body = dict(data)
            if callback_type == 5:
                message_body["flags"] = int(data.get("flags", 0)) | MESSAGE_FLAG_LOADING
            response_message = fake._store_interaction_message(interaction, message_body, r.call.files, ephemeral)
            interaction.original_message_id = response_message.id
            if not ephemeral:
                # Like Discord: a public response is also a MESSAGE_CREATE the bot itself receives.
                await fake._dispatch_if_connected("MESSAGE_CREATE", response_message.payload)
        elif callback_type == 7 and interaction.message_id is not None:  # UPDATE_MESSAGE
            target = fake.messages.get(interaction.message_id)
            if target is not None:
                fake._apply_message_edit(target, data, r.call.files)
                await fake._dispatch_if_connected("MESSAGE_UPDATE", target.payload)
                response_message = target
        if r.call.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        result: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": callback_type == 5,
                "response_message_ephemeral": ephemeral,
            }
        }
        if response_message is not None:
            result["interaction"]["response_message_id"] = str(response_message.id)
            result["resource"] = {"type": callback_type, "message": response_message.payload}
        else:
            result["resource"] = {"type": callback_type}
        return json_response(result)

    def _webhook_interaction(self, r: RestRequest) -> FakeInteraction | None:
        interaction = r.fake.interactions_by_token.get(r.params["webhook_token"])
        if interaction is None or str(r.fake.application_id) != r.params["webhook_id"]:
            return None
        return interaction

    async def get_original(self, r: RestRequest) -> web.Response:
        interaction = self._webhook_interaction(r)
        if interaction is None:
            return error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        message = r.fake.messages.get(interaction.original_message_id or 0)
        if message is None or message.deleted:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        return json_response(message.payload)

    async def edit_original(self, r: RestRequest) -> web.Response:
        fake = r.fake
        interaction = self._webhook_interaction(r)
        if interaction is None:
            return error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        message = fake.messages.get(interaction.original_message_id or 0)
        if message is None and interaction.callback_type in (6, 7) and interaction.message_id:
            # After a (deferred) component update, @original is the message the button sits on.
            message = fake.messages.get(interaction.message_id)
        if message is None or message.deleted:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        body = dict(r.body)
        body.setdefault("flags", int(message.payload.get("flags", 0)) & ~MESSAGE_FLAG_LOADING)
        fake._apply_message_edit(message, body, r.call.files)
        return json_response(message.payload)

    async def delete_original(self, r: RestRequest) -> web.Response:
        interaction = self._webhook_interaction(r)
        if interaction is None:
            return error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        message = r.fake.messages.get(interaction.original_message_id or 0)
        if message is None or message.deleted:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        message.deleted = True
        return no_content()

    async def create_followup(self, r: RestRequest) -> web.Response:
        interaction = self._webhook_interaction(r)
        if interaction is None:
            return error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        if not interaction.responded:
            return error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        ephemeral = bool(int(r.body.get("flags", 0)) & MESSAGE_FLAG_EPHEMERAL)
        message = r.fake._store_interaction_message(interaction, r.body, r.call.files, ephemeral)
        interaction.followup_message_ids.append(message.id)
        if not ephemeral:
            await r.fake._dispatch_if_connected("MESSAGE_CREATE", message.payload)
        return json_response(message.payload)

    def _followup(self, r: RestRequest) -> StoredMessage | None:
        """The follow-up message named in the URL, if it belongs to the token's interaction."""
        interaction = self._webhook_interaction(r)
        message = r.fake.messages.get(r.int_param("message_id"))
        if interaction is None or message is None or message.deleted:
            return None
        if message.interaction_id != interaction.id and message.id != interaction.message_id:
            return None
        return message

    async def get_followup(self, r: RestRequest) -> web.Response:
        message = self._followup(r)
        if message is None:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        return json_response(message.payload)

    async def edit_followup(self, r: RestRequest) -> web.Response:
        message = self._followup(r)
        if message is None:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        r.fake._apply_message_edit(message, r.body, r.call.files)
        return json_response(message.payload)

    async def delete_followup(self, r: RestRequest) -> web.Response:
        message = self._followup(r)
        if message is None:
            return error(404, UNKNOWN_MESSAGE, "Unknown Message")
        message.deleted = True
        return no_content()


def _is_webhook_route(template: str) -> bool:
    """Interaction callbacks and webhook-token routes are authenticated by the token in the URL."""
    return template.startswith(("/interactions/", "/webhooks/"))


def _rate_limited(retry_after: float, *, is_global: bool) -> web.Response:
    response = json_response(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global, "code": 0},
        status=429,
    )
    response.headers["Retry-After"] = str(max(int(retry_after + 0.999), 1))
    response.headers["X-RateLimit-Scope"] = "global" if is_global else "user"
    if is_global:
        response.headers["X-RateLimit-Global"] = "true"
    return response


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    """JSON body, or for multipart: the parsed ``payload_json`` plus every file part."""
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        files: list[RecordedFile] = []
        body: Any = None
        reader = await request.multipart()
        async for part in reader:
            if part is None:
                break
            name = part.name or ""
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                body = json.loads(data.decode("utf-8"))
            else:
                files.append(
                    RecordedFile(
                        field_name=name,
                        filename=part.filename or name,  # type: ignore[union-attr]
                        content_type=part.headers.get("Content-Type"),
                        data=bytes(data),
                    )
                )
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw.decode("utf-8")), []
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode("utf-8", errors="replace"), []


def attachment_payloads_for_upload(
    fake: FakeDiscord, channel_id: int, body: dict[str, Any], files: list[RecordedFile]
) -> list[dict[str, Any]]:
    """Turn uploaded file parts into stored attachments with URLs the fake serves."""
    described = {str(a.get("id")): a for a in body.get("attachments", []) if isinstance(a, dict)}
    result = []
    for index, upload in enumerate(files):
        meta = described.get(str(index), {})
        stored = fake._register_attachment(
            channel_id,
            FakeAttachment(
                filename=meta.get("filename", upload.filename),
                data=upload.data,
                content_type=upload.content_type,
                description=meta.get("description"),
            ),
        )
        result.append(payloads.attachment_payload(stored))
    return result
