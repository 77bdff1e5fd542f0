"""Fetch an attachment's bytes from Discord's CDN, streamed, never past the size cap.

Only URLs that Discord itself delivered (an attachment object's ``url``, an embed image's
``proxy_url``) are ever passed here; the host check below is the second line of that defence:
a URL that is not on Discord's CDN (or on the host of a configured API base, such as a REST
proxy or the test suite's fake Discord) is refused without a request. URLs found in message
text are never downloaded: fetching them would let any member make the bot visit any address.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

import aiohttp

from bot.images.types import ImageStatus

log = logging.getLogger(__name__)

# Attachments (cdn, media) and Discord's proxy for embed images (images-ext-N): an embed image
# is fetched through Discord's proxy_url, never from the third-party address it shows.
DISCORD_MEDIA_HOSTS: frozenset[str] = frozenset(
    {"cdn.discordapp.com", "media.discordapp.net", "images-ext-1.discordapp.net", "images-ext-2.discordapp.net"}
)
_CHUNK = 64 * 1024


class DownloadError(Exception):
    """The attachment could not be fetched within the rules; ``status`` says why."""

    def __init__(self, status: ImageStatus, detail: str) -> None:
        super().__init__(f"{status.value}: {detail}")
        self.status = status
        self.detail = detail


def allowed_hosts(extra_bases: Iterable[str | None] = ()) -> frozenset[str]:
    """Discord's media hosts plus the host of each configured base URL (e.g. DISCORD_API_BASE)."""
    hosts = set(DISCORD_MEDIA_HOSTS)
    for base in extra_bases:
        if base:
            host = urlsplit(base).hostname
            if host:
                hosts.add(host.lower())
    return frozenset(hosts)


def check_url(url: str, hosts: frozenset[str]) -> None:
    """Refuse a URL that is not http(s) on one of *hosts* (raises DownloadError(FAILED))."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or host not in hosts:
        raise DownloadError(ImageStatus.FAILED, f"refusing to fetch from host {host or '?'!r}")
    if parts.scheme == "http" and host in DISCORD_MEDIA_HOSTS:
        raise DownloadError(ImageStatus.FAILED, "Discord's CDN is https only")


async def fetch_attachment(
    session: aiohttp.ClientSession,
    url: str,
    *,
    max_bytes: int,
    hosts: frozenset[str] = DISCORD_MEDIA_HOSTS,
    timeout_s: float = 20.0,
    prefix_only: bool = False,
) -> bytes:
    """The body at *url*, at most *max_bytes* long.

    ``Content-Length`` is only a hint (a larger announced size aborts at once, a smaller one is
    not trusted): the body is counted as it streams and the download stops the moment it passes
    the cap. Raises :class:`DownloadError` with status TOO_LARGE or FAILED.

    With *prefix_only*, a longer body is not an error: its first *max_bytes* are returned and
    the rest is never read (enough for the metadata of a photo too large to search).
    """
    check_url(url, hosts)
    timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(10.0, timeout_s))
    try:
        async with session.get(url, timeout=timeout, allow_redirects=False) as response:
            if response.status != 200:
                raise DownloadError(ImageStatus.FAILED, f"HTTP {response.status}")
            announced = response.content_length
            if announced is not None and announced > max_bytes and not prefix_only:
                raise DownloadError(
                    ImageStatus.TOO_LARGE, f"announced {announced} bytes, cap {max_bytes}"
                )
            body = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                body.extend(chunk)
                if len(body) > max_bytes:
                    if prefix_only:
                        # Leaving the block closes the connection: the rest is never read.
                        return bytes(body[:max_bytes])
                    raise DownloadError(ImageStatus.TOO_LARGE, f"more than {max_bytes} bytes")
            return bytes(body)
    except DownloadError:
        raise
    except TimeoutError:
        raise DownloadError(ImageStatus.FAILED, f"no complete answer within {timeout_s:g} s") from None
    except (aiohttp.ClientError, asyncio.IncompleteReadError) as exc:
        raise DownloadError(ImageStatus.FAILED, f"{type(exc).__name__}") from None
