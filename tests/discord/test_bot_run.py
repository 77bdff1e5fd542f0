"""`contact-guard run` as a subprocess against the fake Discord (the real entry point, the real
settings loading, DISCORD_API_BASE / DISCORD_GATEWAY_URL honoured), and its one-line failures."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.discord.bot_fixtures import PHONE
from tests.fakediscord.server import FakeDiscord, StandardGuild

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def _env(**settings: str) -> dict[str, str]:
    """A clean environment: only what the process needs, plus the given settings."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    env["PYTHONPATH"] = str(REPO)
    env.update(settings)
    return env


async def _start(cwd: Path, env: dict[str, str]) -> tuple[asyncio.subprocess.Process, Path]:
    stderr_path = cwd / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run",
            cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )
    return process, stderr_path


async def _finish(process: asyncio.subprocess.Process, limit_s: float = 20.0) -> int:
    try:
        return await asyncio.wait_for(process.wait(), limit_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def test_run_moderates_and_stops_gracefully_on_sigterm(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    env = _env(
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DATABASE_PATH="bot.sqlite3",
        LOG_LEVEL="INFO",
    )
    process, stderr_path = await _start(tmp_path, env)
    try:
        await fake.wait_connected(timeout=30)
        message_id = await fake.send_message(std.general.id, std.member, f"call me {PHONE}")
        delete = await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}", timeout=15)
        assert delete.status == 204
        await fake.wait_for_call("POST", "/users/@me/channels", timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await _finish(process)
    log = stderr_path.read_text(encoding="utf-8")
    assert code == 0, log
    assert "invite the bot with" in log and "scope=bot+applications.commands" in log
    assert "permissions=1099511720964" in log
    assert fake.token not in log
    assert (tmp_path / "bot.sqlite3").exists()
    # The slash commands were published, with /guard among them.
    (sync,) = fake.calls_to("PUT", "/applications/{application_id}/commands")
    assert "guard" in {command["name"] for command in sync.json}
    assert "Traceback" not in log


async def test_run_without_token_says_what_to_do(tmp_path: Path) -> None:
    process, stderr_path = await _start(tmp_path, _env())
    assert await _finish(process) == 2
    (line,) = _lines(stderr_path)
    assert "DISCORD_TOKEN" in line and ".env" in line


async def test_run_with_rejected_token_says_what_to_do(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    env = _env(
        DISCORD_TOKEN="not.the.right-token",
        DISCORD_API_BASE=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
    )
    process, stderr_path = await _start(tmp_path, env)
    assert await _finish(process) == 2
    (line,) = _lines(stderr_path)
    assert "rejected DISCORD_TOKEN" in line and "Reset Token" in line
    assert "not.the.right-token" not in line


async def test_run_without_message_content_intent_names_the_portal_switch(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    fake_discord.enabled_privileged_intents = 0  # the switch is off in the Developer Portal
    env = _env(
        DISCORD_TOKEN=fake_discord.token,
        DISCORD_API_BASE=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
        LOG_LEVEL="WARNING",
    )
    process, stderr_path = await _start(tmp_path, env)
    assert await _finish(process) == 2
    lines = _lines(stderr_path)
    assert any("Message Content Intent" in line for line in lines)
    assert "Traceback" not in "\n".join(lines)
