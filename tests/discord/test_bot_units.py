"""Pure parts of the bot, no gateway: settings, skip rules, finding groups, pacing, invite URL."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from bot.config import ConfigError, load_settings
from bot.detect.findings import Category, Finding
from bot.discord.actions import ActionFacts, describe_next, snowflake_time
from bot.discord.app import REQUIRED_PERMISSIONS, invite_url
from bot.discord.convert import PlainAuthor, PlainMessage, build_parts
from bot.discord.pacing import Rate, RoutePacer
from bot.discord.pipeline import ContentScan, group_findings, guild_language, skip_reason
from bot.ledger.models import GuildConfig, OutboxAction

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"

# --------------------------------------------------------------------------- settings


def test_settings_defaults_and_token_hidden(tmp_path: Path) -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN}, cwd=tmp_path)
    assert settings.database_path == tmp_path / "contact-guard.sqlite3"
    assert settings.log_level == "INFO"
    assert settings.api_base is None and settings.gateway_url is None
    assert TOKEN not in repr(settings)


def test_settings_read_dotenv_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nLOG_LEVEL=debug\nDATABASE_PATH=data.db\n")
    monkeypatch.setenv("DISCORD_TOKEN", "")  # empty counts as unset: the .env value stays
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    settings = load_settings(cwd=tmp_path)
    assert settings.token == TOKEN
    assert settings.log_level == "WARNING"
    assert settings.database_path == tmp_path / "data.db"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "   "}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": f"Bot {TOKEN}"}, "without the 'Bot ' prefix"),
        ({"DISCORD_TOKEN": "abc def"}, "spaces"),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "127.0.0.1:8080"}, "DISCORD_API_BASE"),
        ({"DISCORD_TOKEN": TOKEN, "DISCORD_GATEWAY_URL": "http://127.0.0.1/"}, "DISCORD_GATEWAY_URL"),
        ({"DISCORD_TOKEN": TOKEN, "RULES_EXTRA_DIR": "no/such/folder"}, "RULES_EXTRA_DIR"),
        ({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": "missing-dir/x.db"}, "does not exist"),
    ],
)
def test_bad_settings_are_one_clear_error(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(env, cwd=tmp_path)
    assert "\n" not in str(info.value)
    assert TOKEN not in str(info.value)


def test_endpoint_settings_accepted(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/",
        },
        cwd=tmp_path,
    )
    assert settings.api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:8080/"


# --------------------------------------------------------------------------- invite


def test_invite_asks_exactly_the_needed_permissions() -> None:
    expected = (
        discord.Permissions.view_channel.flag
        | discord.Permissions.send_messages.flag
        | discord.Permissions.manage_messages.flag
        | discord.Permissions.read_message_history.flag
        | discord.Permissions.embed_links.flag
        | discord.Permissions.moderate_members.flag
        | discord.Permissions.ban_members.flag
    )
    assert REQUIRED_PERMISSIONS.value == expected
    url = invite_url(1234)
    assert f"permissions={expected}" in url
    assert "scope=bot+applications.commands" in url
    assert "client_id=1234" in url


# --------------------------------------------------------------------------- skip rules

GUILD, CHANNEL, THREAD_PARENT, CATEGORY = 10, 20, 21, 22
EXEMPT_ROLE, OTHER_ROLE = 30, 31


def _message(author: PlainAuthor, *, text: str = "call 090-1234-5678", parent: int | None = None,
             category: int | None = None, member_message: bool = True) -> PlainMessage:
    return PlainMessage(
        id=1000, guild_id=GUILD, channel_id=CHANNEL, author=author,
        created_at=datetime.now(UTC), parts=build_parts([("content", text)]),
        parent_channel_id=parent, category_id=category, is_member_message=member_message,
    )


MEMBER = PlainAuthor(id=1, name="member", role_ids=frozenset({OTHER_ROLE}))


@pytest.mark.parametrize(
    ("message", "config", "reason"),
    [
        (_message(MEMBER), GuildConfig(GUILD), None),
        (_message(PlainAuthor(id=2, name="bot", is_bot=True)), GuildConfig(GUILD), "bot"),
        (_message(PlainAuthor(id=2, name="bot", is_bot=True)), GuildConfig(GUILD, scan_bots=True), None),
        (_message(PlainAuthor(id=3, name="hook", is_bot=True, is_webhook=True)), GuildConfig(GUILD), "webhook"),
        (_message(PlainAuthor(id=4, name="mod", manage_messages=True)), GuildConfig(GUILD), "member has Manage Messages"),
        (_message(PlainAuthor(id=5, name="vip", role_ids=frozenset({EXEMPT_ROLE}))),
         GuildConfig(GUILD, exempt_role_ids=frozenset({EXEMPT_ROLE})), "exempt role"),
        (_message(MEMBER), GuildConfig(GUILD, exempt_role_ids=frozenset({EXEMPT_ROLE})), None),
        (_message(MEMBER), GuildConfig(GUILD, exempt_channel_ids=frozenset({CHANNEL})), "exempt channel"),
        (_message(MEMBER, parent=THREAD_PARENT),
         GuildConfig(GUILD, exempt_channel_ids=frozenset({THREAD_PARENT})), "exempt channel"),
        (_message(MEMBER, category=CATEGORY),
         GuildConfig(GUILD, exempt_channel_ids=frozenset({CATEGORY})), "exempt channel"),
        (_message(MEMBER, member_message=False), GuildConfig(GUILD), "system message"),
        (_message(MEMBER, text="   "), GuildConfig(GUILD), "empty"),
        (_message(PlainAuthor(id=99, name="me", is_bot=True)), GuildConfig(GUILD, scan_bots=True), "own message"),
    ],
)
def test_skip_rules(message: PlainMessage, config: GuildConfig, reason: str | None) -> None:
    assert skip_reason(message, config, own_user_id=99) == reason


@pytest.mark.parametrize(
    ("configured", "locale", "lang"),
    [(None, "ja", "ja"), (None, "en-US", "en"), (None, None, "en"), ("en", "ja", "en"), ("ja", "en-GB", "ja")],
)
def test_guild_language(configured: str | None, locale: str | None, lang: str) -> None:
    assert guild_language(GuildConfig(GUILD, language=configured), locale) == lang  # type: ignore[arg-type]


def test_message_text_parts_are_indexed() -> None:
    parts = build_parts([("content", "hello"), ("embed[0].title", ""), ("poll.question", "LINE?")])
    message = PlainMessage(
        id=1, guild_id=GUILD, channel_id=CHANNEL, author=MEMBER, created_at=datetime.now(UTC), parts=parts
    )
    assert message.text == "hello\nLINE?"
    assert message.source_of(6) == "poll.question"
    assert message.source_of(0) == "content"


# --------------------------------------------------------------------------- grouping


def _finding(kind: str, ids: tuple[str, ...], attachment: str | None = None) -> Finding:
    return Finding(kind=kind, category=Category.CONTACT, start=0, end=1, text="x", rule_id=f"r.{kind}",
                   confidence=0.9, message_ids=ids, attachment_id=attachment)


def test_own_finding_and_cross_message_finding_make_one_group() -> None:
    groups = group_findings("3", [_finding("phone", ("3",)), _finding("email", ("1", "2", "3"))])
    assert len(groups) == 1
    assert groups[0].message_ids == {"1", "2", "3"}
    assert {f.kind for f in groups[0].findings} == {"phone", "email"}


def test_separate_splits_stay_separate() -> None:
    groups = group_findings("5", [_finding("phone", ("1", "2")), _finding("line", ("4", "5"))])
    assert sorted(sorted(g.message_ids) for g in groups) == [["1", "2"], ["4", "5"]]


def test_image_findings_join_the_message_group_and_keep_text_points() -> None:
    image = ContentScan(findings=(_finding("line", (), attachment="77"),), points_override=0)
    groups = group_findings("9", [_finding("phone", ("9",))], [image])
    assert len(groups) == 1 and groups[0].points_override is None
    only_image = group_findings("9", [], [image])
    assert only_image[0].points_override == 0
    assert only_image[0].findings[0].message_ids == ("9",)


def test_no_findings_no_groups() -> None:
    assert group_findings("1", [], [ContentScan()]) == []


# --------------------------------------------------------------------------- texts


def _row(params: dict[str, object]) -> OutboxAction:
    now = datetime.now(UTC)
    return OutboxAction(id=1, strike_id=1, guild_id=GUILD, member_id=1, channel_id=CHANNEL,
                        message_ids=("1",), kind="warn", params=params, status="in_progress",
                        attempts=0, last_error=None, created=now, updated=now)


def test_facts_from_resumed_row_params() -> None:
    facts = ActionFacts.of(_row({"kinds": ["phone", "line"], "active_strikes": 2,
                                 "next_actions": ["delete", "ban", "report"]}), None)
    assert facts.kinds == ("phone", "line") and facts.strikes == 2
    assert describe_next(facts.next_kinds, "en") == "If it happens again, you will be banned from the server."
    assert "BAN" in describe_next(facts.next_kinds, "ja")
    assert facts.kind_text("en") == "a phone number, a LINE ID"


def test_snowflake_time() -> None:
    assert snowflake_time(175928847299117063) == datetime(2016, 4, 30, 11, 18, 25, 796000, tzinfo=UTC)


# --------------------------------------------------------------------------- pacing


async def test_pacer_lets_a_burst_through_then_paces() -> None:
    pacer = RoutePacer({"delete": Rate(20.0, 3)}, Rate(1000.0, 1000), Rate(1000.0, 1000))
    started = time.monotonic()
    for _ in range(3):
        await pacer.wait("delete", 1)
    burst = time.monotonic() - started
    for _ in range(4):
        await pacer.wait("delete", 1)
    paced = time.monotonic() - started - burst
    assert burst < 0.03
    assert paced >= 4 / 20.0 * 0.8  # four more tokens at 20/s


async def test_pacer_buckets_are_per_channel() -> None:
    pacer = RoutePacer({"delete": Rate(1.0, 1)}, Rate(1000.0, 1000), Rate(1000.0, 1000))
    started = time.monotonic()
    await asyncio.gather(*(pacer.wait("delete", channel) for channel in range(20)))
    assert time.monotonic() - started < 0.1
