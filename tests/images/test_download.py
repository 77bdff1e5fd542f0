"""The attachment downloader against a local HTTP server: caps, lies, refusals."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from bot.images import DownloadError, ImageStatus, fetch_attachment
from bot.images.download import DISCORD_MEDIA_HOSTS, allowed_hosts, check_url

BODY = b"\x89PNG\r\n\x1a\n" + b"x" * 5_000


async def _ok(request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="image/png")


async def _streamed_too_long(request: web.Request) -> web.StreamResponse:
    # Chunked: no Content-Length at all, and far more than the cap.
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(200):
        await response.write(b"y" * 16_384)
    await response.write_eof()
    return response


async def _announced_too_long(request: web.Request) -> web.Response:
    return web.Response(body=b"z" * 50_000)


async def _missing(request: web.Request) -> web.Response:
    return web.Response(status=404)


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("http://example.invalid/elsewhere.png")


@pytest.fixture
async def server():
    app = web.Application()
    app.router.add_get("/ok.png", _ok)
    app.router.add_get("/stream.png", _streamed_too_long)
    app.router.add_get("/big.png", _announced_too_long)
    app.router.add_get("/missing.png", _missing)
    app.router.add_get("/redirect.png", _redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


HOSTS = allowed_hosts(["http://127.0.0.1:1/api/v10"])


async def test_fetches_within_the_cap(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        assert await fetch_attachment(session, f"{server}/ok.png", max_bytes=10_000, hosts=HOSTS) == BODY


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/stream.png", ImageStatus.TOO_LARGE),  # no Content-Length: counted while streaming
        ("/big.png", ImageStatus.TOO_LARGE),  # Content-Length over the cap: refused at once
        ("/missing.png", ImageStatus.FAILED),
        ("/redirect.png", ImageStatus.FAILED),  # redirects are not followed off the CDN
    ],
)
async def test_refusals(server: str, path: str, status: ImageStatus) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DownloadError) as caught:
            await fetch_attachment(session, f"{server}{path}", max_bytes=20_000, hosts=HOSTS)
    assert caught.value.status == status


async def test_unreachable_host_is_a_clear_failure() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DownloadError) as caught:
            await fetch_attachment(session, "http://127.0.0.1:9/nothing.png", max_bytes=1_000, hosts=HOSTS, timeout_s=2)
    assert caught.value.status == ImageStatus.FAILED


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/qr.png",  # a URL a member typed: never fetched
        "http://cdn.discordapp.com/attachments/1/2/a.png",  # the CDN is https only
        "file:///etc/passwd",
        "https://cdn.discordapp.com.evil.example/a.png",
        "https://127.0.0.2/a.png",
    ],
)
def test_only_discord_media_hosts_are_fetched(url: str) -> None:
    with pytest.raises(DownloadError):
        check_url(url, HOSTS)


def test_discord_cdn_urls_pass() -> None:
    check_url("https://cdn.discordapp.com/attachments/1/2/photo.jpg?ex=1&is=2&hm=3", DISCORD_MEDIA_HOSTS)
    check_url("https://media.discordapp.net/attachments/1/2/photo.jpg", DISCORD_MEDIA_HOSTS)
    check_url("https://images-ext-1.discordapp.net/external/abc/https/example.com/qr.png", DISCORD_MEDIA_HOSTS)


@pytest.mark.parametrize("path", ["/stream.png", "/big.png"])
async def test_prefix_only_returns_the_first_bytes_of_a_long_body(server: str, path: str) -> None:
    async with aiohttp.ClientSession() as session:
        prefix = await fetch_attachment(session, f"{server}{path}", max_bytes=20_000, hosts=HOSTS, prefix_only=True)
    assert len(prefix) == 20_000
    assert prefix == prefix[:1] * 20_000  # the start of the body, nothing else


async def test_prefix_only_returns_a_short_body_whole(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        assert await fetch_attachment(session, f"{server}/ok.png", max_bytes=20_000, hosts=HOSTS, prefix_only=True) == BODY
