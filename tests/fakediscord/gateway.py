"""Gateway v10 (JSON, uncompressed frames) for the fake Discord.

Implements what a bot's connection lifecycle needs: HELLO -> IDENTIFY -> READY + GUILD_CREATE,
heartbeats, RESUME with replay of missed dispatches by sequence number, REQUEST_GUILD_MEMBERS,
and the close codes a bot must handle (4004 bad token, 4014 disallowed intents).

discord.py asks for ``compress=zlib-stream`` in the URL (``zstd-stream`` when a zstd module is
installed); the fake answers zlib-stream with compressed binary frames like Discord, and anything
else with plain text frames (``FakeDiscord.compress_transport = False`` forces text).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import payloads

if TYPE_CHECKING:
    from .server import FakeDiscord

_log = logging.getLogger(__name__)


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class CloseCode:
    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    AUTHENTICATION_FAILED = 4004
    INVALID_SEQ = 4007
    SESSION_TIMED_OUT = 4009
    DISALLOWED_INTENTS = 4014


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


_MESSAGE_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"})
_MEMBER_EVENTS = frozenset({"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"})
_MODERATION_EVENTS = frozenset({"GUILD_BAN_ADD", "GUILD_BAN_REMOVE", "GUILD_AUDIT_LOG_ENTRY_CREATE"})
_GUILD_EVENTS = frozenset(
    {
        "GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE",
        "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE",
        "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "CHANNEL_PINS_UPDATE",
        "THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE", "THREAD_LIST_SYNC",
        "THREAD_MEMBER_UPDATE", "THREAD_MEMBERS_UPDATE",
    }
)

#: dispatches kept per session for RESUME replay
HISTORY_LIMIT = 5_000


@dataclass
class GatewayConnection:
    """One websocket connection, as a test may want to inspect it."""

    query: dict[str, str]
    identify: dict[str, Any] | None = None
    resume: dict[str, Any] | None = None
    close_code: int | None = None
    heartbeats: int = 0
    #: frames were sent zlib-stream compressed
    compressed: bool = False


@dataclass
class GatewaySession:
    """A gateway session: survives disconnects until a new IDENTIFY replaces it."""

    session_id: str
    intents: int
    sequence: int = 0
    #: the most recent dispatches of this session, kept so RESUME can replay what was missed
    #: (bounded like Discord's own buffer; a RESUME from further back gets INVALID_SESSION)
    history: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY_LIMIT))
    socket: web.WebSocketResponse | None = None


class Gateway:
    """The gateway half of the fake. ``FakeDiscord`` owns one."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        self.connections: list[GatewayConnection] = []
        self.heartbeat_interval_ms = 41_250
        self._send_lock = asyncio.Lock()
        self._compressors: dict[web.WebSocketResponse, Any] = {}
        self._connected = asyncio.Event()

    # -- dispatching -------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH to the current session (buffered for RESUME when disconnected).

        Like Discord, events the session's intents did not ask for are not sent, and without
        the Message Content intent a guild message's content, embeds, attachments, components
        and poll arrive empty (unless the bot wrote it or is mentioned in it).
        """
        session = self.current
        if session is None:
            raise RuntimeError(f"cannot dispatch {event}: no client has identified yet")
        if not self._subscribed(session.intents, event, data):
            self.fake.filtered_events.append(event)
            return
        data = self._visible_part(session.intents, event, data)
        async with self._send_lock:
            session.sequence += 1
            frame = {"op": Op.DISPATCH, "t": event, "s": session.sequence, "d": data}
            session.history.append(frame)
            socket = session.socket
            if socket is not None and not socket.closed:
                try:
                    await self._send(socket, frame)
                except (ConnectionError, RuntimeError):
                    # The client vanished mid-send; the frame stays in history for RESUME.
                    session.socket = None

    def _subscribed(self, intents: int, event: str, data: dict[str, Any]) -> bool:
        """Whether a session with *intents* receives *event* (gateway intents table)."""
        if event in _MESSAGE_EVENTS:
            needed = Intent.GUILD_MESSAGES if data.get("guild_id") else Intent.DIRECT_MESSAGES
            return bool(intents & needed)
        if event in _MEMBER_EVENTS:
            user = data.get("user") or {}
            # Updates of the bot's own member are sent regardless of GUILD_MEMBERS.
            if event == "GUILD_MEMBER_UPDATE" and user.get("id") == str(self.fake.bot_user.id):
                return True
            return bool(intents & Intent.GUILD_MEMBERS)
        if event in _MODERATION_EVENTS:
            return bool(intents & Intent.GUILD_MODERATION)
        if event in _GUILD_EVENTS:
            return bool(intents & Intent.GUILDS)
        return True  # READY, RESUMED, INTERACTION_CREATE, GUILD_MEMBERS_CHUNK, ...

    def _visible_part(self, intents: int, event: str, data: dict[str, Any]) -> dict[str, Any]:
        bot_id = str(self.fake.bot_user.id)
        if event == "GUILD_CREATE" and not intents & Intent.GUILD_MEMBERS:
            # Without GUILD_MEMBERS the member list holds only the bot itself.
            members = [m for m in data.get("members", []) if m.get("user", {}).get("id") == bot_id]
            return dict(data, members=members)
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or intents & Intent.MESSAGE_CONTENT:
            return data
        if not data.get("guild_id") or data.get("author", {}).get("id") == bot_id:
            return data
        if f"<@{bot_id}>" in data.get("content", "") or f"<@!{bot_id}>" in data.get("content", ""):
            return data
        stripped = dict(data)
        if "content" in stripped:
            stripped["content"] = ""
        for key in ("embeds", "attachments", "components"):
            if key in stripped:
                stripped[key] = []
        stripped.pop("poll", None)
        if "message_snapshots" in stripped:
            stripped["message_snapshots"] = [
                {"message": dict(s["message"], content="", embeds=[], attachments=[])}
                for s in stripped["message_snapshots"]
            ]
        return stripped

    async def _send(self, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        """Send one gateway frame: zlib-stream compressed (binary) when the client asked for it,
        as Discord does, otherwise as a text frame."""
        text = json.dumps(frame)
        compressor = self._compressors.get(socket)
        if compressor is None:
            await socket.send_str(text)
        else:
            # One shared zlib context per connection, each frame ending in a Z_SYNC_FLUSH marker.
            data = compressor.compress(text.encode("utf-8")) + compressor.flush(zlib.Z_SYNC_FLUSH)
            await socket.send_bytes(data)

    async def drop_connection(self, code: int | None = CloseCode.UNKNOWN_ERROR) -> None:
        """Close the live websocket; ``code=None`` is an abrupt close with 1006-like semantics.

        With a resumable code (4000, or no code) discord.py reconnects to ``resume_gateway_url``
        and sends RESUME; dispatches sent meanwhile are replayed.
        """
        session = self.current
        if session is None or session.socket is None:
            raise RuntimeError("no live gateway connection to drop")
        socket = session.socket
        session.socket = None
        self._connected.clear()
        if code is None:
            # Tear the transport down without a close handshake, like a network failure.
            transport = socket._req.transport if socket._req is not None else None  # type: ignore[attr-defined]
            if transport is not None:
                transport.abort()
            else:
                await socket.close(code=CloseCode.UNKNOWN_ERROR)
        else:
            await socket.close(code=code)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client must reconnect and RESUME."""
        session = self.current
        if session is None or session.socket is None:
            raise RuntimeError("no live gateway connection")
        self._connected.clear()
        await self._send(session.socket, {"op": Op.RECONNECT, "d": None})

    async def wait_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 -- test helper API
        """Wait until a client has a live, identified or resumed connection."""
        await asyncio.wait_for(self._connected.wait(), timeout)

    # -- the websocket handler ---------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await socket.prepare(request)
        connection = GatewayConnection(query=dict(request.query))
        self.connections.append(connection)
        if self.fake.compress_transport and request.query.get("compress") == "zlib-stream":
            self._compressors[socket] = zlib.compressobj()
            connection.compressed = True
        await self._send(socket, {"op": Op.HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(message.data)
                except json.JSONDecodeError:
                    await socket.close(code=CloseCode.DECODE_ERROR, message=b"Error while decoding payload.")
                    break
                await self._on_frame(socket, connection, frame)
                if socket.closed:
                    break
        finally:
            self._compressors.pop(socket, None)
            connection.close_code = socket.close_code
            for session in self.sessions.values():
                if session.socket is socket:
                    session.socket = None
                    if session is self.current:
                        self._connected.clear()
        return socket

    async def _on_frame(
        self, socket: web.WebSocketResponse, connection: GatewayConnection, frame: dict[str, Any]
    ) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == Op.HEARTBEAT:
            connection.heartbeats += 1
            await self._send(socket, {"op": Op.HEARTBEAT_ACK})
        elif op == Op.IDENTIFY:
            connection.identify = {k: v for k, v in data.items() if k != "token"}
            await self._identify(socket, data)
        elif op == Op.RESUME:
            connection.resume = {k: v for k, v in data.items() if k != "token"}
            await self._resume(socket, data)
        elif op == Op.REQUEST_GUILD_MEMBERS:
            await self._send_member_chunk(data)
        elif op in (Op.PRESENCE_UPDATE, Op.VOICE_STATE_UPDATE):
            pass  # accepted and ignored, as a bot-moderation fake needs no presence model
        else:
            _log.warning("fake gateway: unknown opcode %s, closing with 4001 as Discord does", op)
            await socket.close(code=CloseCode.UNKNOWN_OPCODE, message=b"Unknown opcode.")

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        fake = self.fake
        if data.get("token") != fake.token:
            await socket.close(code=CloseCode.AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        fake.identify_intents.append(intents)
        disallowed = intents & Intent.PRIVILEGED & ~fake.enabled_privileged_intents
        if disallowed:
            await socket.close(code=CloseCode.DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        session = GatewaySession(session_id=secrets.token_hex(16), intents=intents)
        self.sessions[session.session_id] = session
        previous = self.current
        if previous is not None and previous.socket is not None and previous.socket is not socket:
            await previous.socket.close(code=CloseCode.SESSION_TIMED_OUT)
        self.current = session
        session.socket = socket
        ready = {
            "v": 10,
            "user": payloads.client_user_payload(fake.bot_user),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in fake.guilds],
            "session_id": session.session_id,
            "resume_gateway_url": fake.gateway_url,
            "shard": [0, 1],
            "application": {"id": str(fake.application_id), "flags": fake.application_flags},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "session_type": "normal",
            "auth_session_id_hash": "",
        }
        await self.dispatch("READY", ready)
        for guild in list(fake.guilds.values()):
            await self.dispatch("GUILD_CREATE", payloads.guild_payload(guild, for_gateway=True))
        self._connected.set()

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        fake = self.fake
        if data.get("token") != fake.token:
            await socket.close(code=CloseCode.AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session is not self.current:
            # discord.py then waits 1-5 s and sends a fresh IDENTIFY.
            await self._send(socket, {"op": Op.INVALID_SESSION, "d": False})
            return
        last_seen = int(data.get("seq") or 0)
        oldest_kept = session.history[0]["s"] if session.history else session.sequence + 1
        if last_seen + 1 < oldest_kept:
            await self._send(socket, {"op": Op.INVALID_SESSION, "d": False})
            return
        fake.resume_count += 1
        async with self._send_lock:
            session.socket = socket
            for frame in session.history:
                if frame["s"] > last_seen:
                    await self._send(socket, frame)
        await self.dispatch("RESUMED", {})
        self._connected.set()

    async def _send_member_chunk(self, data: dict[str, Any]) -> None:
        guild = self.fake.guilds.get(int(data["guild_id"]))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [m for uid, m in guild.members.items() if not wanted or uid in wanted]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [payloads.member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
