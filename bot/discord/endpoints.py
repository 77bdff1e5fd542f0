"""Point discord.py at a different REST base URL and gateway URL.

Two optional settings exist for deployments that front Discord with a REST proxy (and for the
test suite's local fake Discord):

- ``DISCORD_API_BASE``: the REST base, e.g. ``http://127.0.0.1:8080/api/v10``.
- ``DISCORD_GATEWAY_URL``: the gateway websocket, e.g. ``ws://127.0.0.1:8080/``.

How discord.py 2.x builds its URLs (checked against 2.7):

- Every REST call goes through ``discord.http.Route``, whose URL is ``Route.BASE + path`` computed
  when the route is created. Interaction callbacks and webhook follow-ups use the same ``Route``
  class, so one class attribute redirects all REST traffic.
- A non-sharded ``Client`` never calls ``GET /gateway/bot``; it connects to
  ``DiscordWebSocket.DEFAULT_GATEWAY`` (``wss://gateway.discord.gg/``) and appends
  ``?v=10&encoding=json&compress=zlib-stream`` itself. After READY it reconnects (RESUME) to the
  ``resume_gateway_url`` the gateway sent, and after an invalid session it falls back to
  ``DEFAULT_GATEWAY`` again. Replacing ``DEFAULT_GATEWAY`` therefore covers the first connection
  and every fresh IDENTIFY; resumes follow whatever the gateway announced, as Discord requires.
- ``AutoShardedClient`` asks ``GET /gateway/bot`` for its URL; when a gateway override is set we
  also make that answer point at the override.

The settings are process-wide (discord.py keeps them in class attributes), so call
:func:`configure_endpoints` once before creating/starting the client.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import discord.gateway
import discord.http
import yarl

_ORIGINAL_API_BASE: str = discord.http.Route.BASE
_ORIGINAL_GATEWAY: yarl.URL = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
_ORIGINAL_GET_BOT_GATEWAY = discord.http.HTTPClient.get_bot_gateway

_REST_SCHEMES = ("http", "https")
_GATEWAY_SCHEMES = ("ws", "wss")


def _validated_url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    """Return *value* without a trailing slash problem, or raise a ValueError that names the setting."""
    cleaned = value.strip()
    parts = urlsplit(cleaned)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValueError(
            f"{name} must be an absolute URL starting with {allowed} and naming a host "
            f"(got {value!r})"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not contain a query string or fragment (got {value!r})")
    return cleaned


def validate_api_base(api_base: str) -> str:
    """Return the normalised REST base (no trailing slash) or raise ValueError."""
    cleaned = _validated_url("DISCORD_API_BASE", api_base, _REST_SCHEMES)
    # Route paths start with "/", so a trailing slash would produce "//channels/...".
    return cleaned.rstrip("/")


def validate_gateway_url(gateway_url: str) -> str:
    """Return the gateway URL (always with a path, e.g. ``ws://host:port/``) or raise ValueError."""
    cleaned = _validated_url("DISCORD_GATEWAY_URL", gateway_url, _GATEWAY_SCHEMES)
    if not urlsplit(cleaned).path:
        cleaned += "/"
    return cleaned


def configure_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Make discord.py use *api_base* for REST and *gateway_url* for the gateway.

    ``None`` (or an empty string) restores discord.py's default for that endpoint, so calling
    this with the raw settings is always correct. Both URLs are validated before anything is
    changed: on a ValueError neither endpoint is modified.
    """
    new_base = validate_api_base(api_base) if api_base else _ORIGINAL_API_BASE
    new_gateway = yarl.URL(validate_gateway_url(gateway_url)) if gateway_url else _ORIGINAL_GATEWAY

    discord.http.Route.BASE = new_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = new_gateway
    if new_gateway != _ORIGINAL_GATEWAY:
        discord.http.HTTPClient.get_bot_gateway = _get_bot_gateway_with_override  # type: ignore[method-assign]
    else:
        discord.http.HTTPClient.get_bot_gateway = _ORIGINAL_GET_BOT_GATEWAY  # type: ignore[method-assign]


def reset_endpoints() -> None:
    """Restore discord.py's built-in endpoints (used by tests between fake servers)."""
    configure_endpoints(None, None)


def current_endpoints() -> tuple[str, str]:
    """The REST base and gateway URL discord.py will use right now."""
    return discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


async def _get_bot_gateway_with_override(self: discord.http.HTTPClient) -> tuple[int, str, Any]:
    """``GET /gateway/bot`` for the shard count and limits, but connect to the configured gateway."""
    shards, _url_from_discord, session_start_limit = await _ORIGINAL_GET_BOT_GATEWAY(self)
    return shards, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY), session_start_limit
