"""DISCORD_API_BASE / DISCORD_GATEWAY_URL really redirect discord.py, and bad values are refused."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import discord
import discord.gateway
import discord.http
import pytest

from bot.discord.endpoints import configure_endpoints, current_endpoints, reset_endpoints
from tests.fakediscord import FakeDiscord
from tests.fakediscord.fixtures import FAST_GUILD_READY_TIMEOUT, stop_client

DEFAULT_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"


@pytest.fixture(autouse=True)
def restore_endpoints() -> Iterator[None]:
    previous = current_endpoints()
    yield
    configure_endpoints(*previous)


def test_defaults_are_discords_own() -> None:
    configure_endpoints("http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/")
    reset_endpoints()
    assert current_endpoints() == (DEFAULT_BASE, DEFAULT_GATEWAY)
    # AutoShardedClient takes the gateway URL from GET /gateway/bot again.
    assert discord.http.HTTPClient.get_bot_gateway.__name__ == "get_bot_gateway"
    # Restoring a snapshot of the defaults is the same as resetting.
    configure_endpoints(*current_endpoints())
    assert discord.http.HTTPClient.get_bot_gateway.__name__ == "get_bot_gateway"


@pytest.mark.parametrize(
    ("api_base", "gateway_url", "expected"),
    [
        ("http://127.0.0.1:8080/api/v10", "ws://127.0.0.1:8080/", ("http://127.0.0.1:8080/api/v10", "ws://127.0.0.1:8080/")),
        ("https://proxy.example/api/v10/", "wss://gw.example", ("https://proxy.example/api/v10", "wss://gw.example/")),
        (" http://[::1]:9000/api/v10 ", None, ("http://[::1]:9000/api/v10", DEFAULT_GATEWAY)),
        (None, "ws://localhost:7000/gateway", (DEFAULT_BASE, "ws://localhost:7000/gateway")),
        ("", "", (DEFAULT_BASE, DEFAULT_GATEWAY)),
    ],
)
def test_configure_normalises_and_applies(
    api_base: str | None, gateway_url: str | None, expected: tuple[str, str]
) -> None:
    configure_endpoints(api_base, gateway_url)
    assert current_endpoints() == expected
    # Routes built afterwards use the new base (interaction callbacks use the same Route class).
    route = discord.http.Route("POST", "/interactions/{webhook_id}/{webhook_token}/callback", webhook_id=1, webhook_token="t")
    assert route.url == f"{expected[0]}/interactions/1/t/callback"


@pytest.mark.parametrize(
    ("api_base", "gateway_url", "setting"),
    [
        ("127.0.0.1:8080/api/v10", None, "DISCORD_API_BASE"),
        ("ws://127.0.0.1:8080/api/v10", None, "DISCORD_API_BASE"),
        ("http:///api/v10", None, "DISCORD_API_BASE"),
        ("http://host/api/v10?x=1", None, "DISCORD_API_BASE"),
        (None, "http://127.0.0.1:8080/", "DISCORD_GATEWAY_URL"),
        (None, "wss://", "DISCORD_GATEWAY_URL"),
        (None, "ws://host/?v=10", "DISCORD_GATEWAY_URL"),
    ],
)
def test_bad_urls_are_refused_and_change_nothing(
    api_base: str | None, gateway_url: str | None, setting: str
) -> None:
    configure_endpoints("http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/")
    before = current_endpoints()
    with pytest.raises(ValueError, match=setting):
        configure_endpoints(api_base, gateway_url)
    assert current_endpoints() == before


async def test_auto_sharded_client_connects_to_the_override(fake_discord: FakeDiscord) -> None:
    """AutoShardedClient asks GET /gateway/bot for its URL; the override must win."""
    guild = fake_discord.add_guild("sharded")
    configure_endpoints(fake_discord.api_base, fake_discord.gateway_url)
    client = discord.AutoShardedClient(intents=discord.Intents.default())
    client._connection.guild_ready_timeout = FAST_GUILD_READY_TIMEOUT
    task = asyncio.create_task(client.start(fake_discord.token))
    try:
        async with asyncio.timeout(10):
            while not client.is_ready():
                assert not task.done(), task.exception()
                await asyncio.sleep(0.01)
        assert client.get_guild(guild.id) is not None
        assert fake_discord.calls_to("GET", "/gateway/bot")
    finally:
        await stop_client(client, task)
