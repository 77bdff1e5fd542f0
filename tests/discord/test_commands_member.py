"""/mystrikes and /why: any member, privately, in their own language, never shaming."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.discord.bot_fixtures import running_bot
from tests.discord.commands_helpers import EPHEMERAL, PHONE_TEXT, guard, option, record_strike, run
from tests.fakediscord.server import FakeDiscord, StandardGuild


def content(reply: dict) -> str:
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL, "member replies are private"
    return reply["data"]["content"]


async def test_mystrikes_in_both_languages(fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        assert "no active strikes" in content(await run(fake_discord, std, std.member, "mystrikes"))
        assert "有効な違反記録はありません" in content(await run(fake_discord, std, std.member, "mystrikes", locale="ja"))

        strike = (await record_strike(harness.store, std, std.member, message_id=501)).strike
        english = content(await run(fake_discord, std, std.member, "mystrikes"))
        assert "**1** active strike(s)" in english
        assert "Phone number" in english
        assert f"<t:{int(strike.expires.timestamp())}:D>" in english, "says when it expires"
        assert "the next step is: **final warning, report to the moderators**" in english
        assert "keep members safe" in english

        japanese = content(await run(fake_discord, std, std.member, "mystrikes", locale="ja"))
        assert "**1** 件" in japanese and "電話番号" in japanese
        assert "次の段階は **最終警告, モデレーターへの報告**" in japanese

        # Another member's record is not shown to them.
        assert "no active strikes" in content(await run(fake_discord, std, std.other_member, "mystrikes"))


async def test_mystrikes_dates_each_strike_by_the_decay_the_ladder_uses(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    # The settings row rewritten by another hand (a restored backup): the strikes keep the
    # expiry of the old 90-day decay, but count for the new 7 days, and /mystrikes says so.
    std = standard_guild
    db_path = tmp_path / "db.sqlite3"
    async with running_bot(fake_discord, std, db_path) as harness:
        strike = (await record_strike(harness.store, std, std.member, message_id=701)).strike
        ladder = (await harness.store.get_guild_config(std.id)).ladder.replace(decay_days=7)
        with closing(sqlite3.connect(db_path)) as raw, raw:
            raw.execute("UPDATE guild_settings SET ladder_json = ? WHERE guild_id = ?", (ladder.dumps(), std.id))
        english = content(await run(fake_discord, std, std.member, "mystrikes"))
        assert f"<t:{int((strike.created + timedelta(days=7)).timestamp())}:D>" in english
        assert f"<t:{int(strike.expires.timestamp())}:D>" not in english


async def test_mystrikes_ignores_expired_and_pardoned_strikes(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        old = datetime.now(UTC) - timedelta(days=400)
        await record_strike(harness.store, std, std.member, message_id=601, now=old)
        await record_strike(harness.store, std, std.member, message_id=602)
        await run(fake_discord, std, std.admin, "guard", guard("pardon", option("member", std.member.id, 6), option("reason", "ok", 3)))
        assert "no active strikes" in content(await run(fake_discord, std, std.member, "mystrikes"))


async def test_why_explains_the_last_removal(fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path) -> None:
    std = standard_guild

    async def configure(store) -> None:
        await store.add_allow_entry(std.id, "domain", "example.com")

    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3", configure=configure) as harness:
        assert "no removed message" in content(await run(fake_discord, std, std.member, "why"))

        await record_strike(harness.store, std, std.member, message_id=701)
        english = content(await run(fake_discord, std, std.member, "why"))
        assert f"<#{std.general.id}>" in english and "**Phone number**" in english
        assert "keep the conversation on this server" in english
        assert "`example.com`" in english, "what is allowed instead"
        # (the number's pieces, not "090" alone: the channel's random snowflake may hold that)
        assert "090-1234-5678" in PHONE_TEXT
        for piece in ("090-1234", "1234-5678", "09012345678"):
            assert piece not in english, "the reply does not repeat the contact detail"

        japanese = content(await run(fake_discord, std, std.member, "why", locale="ja"))
        assert "**電話番号** が含まれていたため削除されました" in japanese
        assert "このサーバーのチャンネルやスレッドで続けてください" in japanese


async def test_why_in_shadow_mode_says_nothing_was_removed(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild

    async def configure(store) -> None:
        await store.update_guild_config(std.id, mode="shadow")

    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3", configure=configure) as harness:
        outcome = await record_strike(harness.store, std, std.member, message_id=801)
        assert outcome.strike.shadow
        assert "no removed message" in content(await run(fake_discord, std, std.member, "why"))
