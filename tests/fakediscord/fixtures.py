"""pytest fixtures around :class:`FakeDiscord` (re-exported by the Discord-layer conftests).

- ``fake_discord``: a started :class:`FakeDiscord` on 127.0.0.1 (random port), stopped after the
  test; discord.py's endpoints are restored afterwards.
- ``standard_guild``: ``fake_discord.add_standard_guild()`` (see :class:`StandardGuild`).
- ``start_client``: ``await start_client(client)`` points discord.py at the fake
  (``configure_endpoints``), runs ``client.start(fake.token)`` in a task, waits for on_ready and
  closes the client at teardown. Returns the client.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import discord
import pytest_asyncio

from bot.discord.endpoints import configure_endpoints, current_endpoints

from .server import FakeDiscord, StandardGuild

ClientT = TypeVar("ClientT", bound=discord.Client)
#: the type of the ``start_client`` fixture's value, for annotating test parameters
StartClient = Callable[..., Awaitable[discord.Client]]

#: discord.py waits this long after the last GUILD_CREATE before on_ready (default 2 s); the
#: fake sends every GUILD_CREATE right after READY, so a short wait is enough and keeps tests fast.
FAST_GUILD_READY_TIMEOUT = 0.1


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    previous = current_endpoints()
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
        configure_endpoints(*previous)


@pytest_asyncio.fixture
async def standard_guild(fake_discord: FakeDiscord) -> StandardGuild:
    return fake_discord.add_standard_guild()


async def start_client_against(
    fake: FakeDiscord,
    client: ClientT,
    *,
    token: str | None = None,
    ready_timeout: float = 10.0,
    wait_ready: bool = True,
) -> asyncio.Task[None]:
    """Start *client* against *fake*; returns the task running ``client.start``.

    Raises the client's own exception (e.g. LoginFailure, PrivilegedIntentsRequired) if
    ``start`` fails before on_ready.
    """
    configure_endpoints(fake.api_base, fake.gateway_url)
    # Test-only speed-up of discord.py's wait for late GUILD_CREATEs (see FAST_GUILD_READY_TIMEOUT).
    connection = client._connection
    connection.guild_ready_timeout = min(connection.guild_ready_timeout, FAST_GUILD_READY_TIMEOUT)
    task = asyncio.create_task(client.start(token if token is not None else fake.token))
    if not wait_ready:
        return task
    deadline = asyncio.get_running_loop().time() + ready_timeout
    try:
        while not (client.is_ready() and all(client.get_guild(g) is not None for g in fake.guilds)):
            # Also wait for every guild: on a loaded machine a GUILD_CREATE may be parsed after
            # the shortened ready timeout, and tests must not see a half-populated cache.
            if task.done():
                task.result()  # re-raise the start failure
                raise RuntimeError("client.start() returned before the client became ready")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"client did not become ready within {ready_timeout}s")
            await asyncio.sleep(0.005)
    except BaseException:
        # discord.py does not close its HTTP session when start() fails (e.g. LoginFailure,
        # PrivilegedIntentsRequired); close it here so no session leaks into later tests.
        await stop_client(client, task)
        raise
    return task


async def stop_client(client: discord.Client, task: asyncio.Task[None]) -> None:
    """Close the client and collect its start task (its exception, if any, is not the test's)."""
    if not client.is_closed():
        await client.close()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.wait_for(task, timeout=5.0)
    if not task.done():
        task.cancel()


@pytest_asyncio.fixture
async def start_client(fake_discord: FakeDiscord) -> AsyncIterator[StartClient]:
    started: list[tuple[discord.Client, asyncio.Task[None]]] = []

    async def start(client: ClientT, *, token: str | None = None, ready_timeout: float = 10.0) -> ClientT:
        task = await start_client_against(fake_discord, client, token=token, ready_timeout=ready_timeout)
        started.append((client, task))
        return client

    try:
        yield start
    finally:
        for client, task in reversed(started):
            await stop_client(client, task)
