"""The /guard commands through the fake Discord with the real bot (discord.py client, SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ledger.models import AttachmentEvidence
from tests.discord.bot_fixtures import running_bot
from tests.discord.commands_helpers import (
    EPHEMERAL,
    PHONE_TEXT,
    embed_text,
    guard,
    option,
    record_strike,
    reply_of,
    run,
)
from tests.fakediscord.server import FakeDiscord, StandardGuild
from tests.fakediscord.state import Overwrite, Permission

STR, INT, USER, CHANNEL, ROLE = 3, 4, 6, 7, 8


def content(reply: dict) -> str:
    return reply["data"].get("content") or ""


async def test_a_member_without_manage_server_is_refused_pardon(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        await record_strike(harness.store, std, std.other_member, message_id=111)
        options = guard("pardon", option("member", std.other_member.id, USER), option("reason", "mistake", STR))
        for user in (std.member, std.moderator):  # Manage Messages alone is not enough either
            reply = await run(fake_discord, std, user, "guard", options)
            assert reply["type"] == 4
            assert reply["data"]["flags"] & EPHEMERAL
            assert "Manage Server" in content(reply)
        strikes = await harness.strikes(std.other_member.id)
        assert [s.pardoned for s in strikes] == [False], "the refused pardon changed nothing"

        reply = await run(fake_discord, std, std.member, "guard", options, locale="ja")
        assert "サーバー管理" in content(reply)


async def test_admin_pardons_one_strike_then_all(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        first = (await record_strike(harness.store, std, std.member, message_id=201)).strike
        await record_strike(harness.store, std, std.member, message_id=202)
        one = guard("pardon", option("member", std.member.id, USER), option("reason", "new member", STR), option("strike", first.id, INT))
        reply = await run(fake_discord, std, std.admin, "guard", one)
        assert reply["data"]["flags"] & EPHEMERAL
        assert f"#{first.id}" in content(reply) and "pardoned" in content(reply)

        again = await run(fake_discord, std, std.admin, "guard", one)
        assert "already pardoned" in content(again)

        everything = guard("pardon", option("member", std.member.id, USER), option("reason", "fresh start", STR))
        reply = await run(fake_discord, std, std.admin, "guard", everything)
        assert "1 active strike(s)" in content(reply)
        assert all(s.pardoned for s in await harness.strikes(std.member.id))

        reply = await run(fake_discord, std, std.admin, "guard", everything)
        assert "no active strike" in content(reply)


async def test_moderator_role_may_review_but_not_configure(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild

    async def configure(store) -> None:
        await store.update_guild_config(std.id, moderator_role_id=std.moderator_role.id)

    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3", configure=configure) as harness:
        await record_strike(harness.store, std, std.member, message_id=301)
        reply = await run(fake_discord, std, std.moderator, "guard", guard("strikes", option("member", std.member.id, USER)))
        assert "1 active, 1 in total" in embed_text(reply)
        reply = await run(fake_discord, std, std.moderator, "guard", guard("show", group="ladder"))
        assert "Manage Server" in content(reply)


async def test_setup_saves_and_status_reports_health(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    denied = Permission.EMBED_LINKS | Permission.MANAGE_MESSAGES
    restricted = fake_discord.add_channel(std.guild, "no-embeds", overwrites=[Overwrite(std.bot_role.id, 0, deny=denied)])
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3", report_channel=False) as harness:
        options = guard(
            "setup", option("report_channel", std.reports.id, CHANNEL), option("language", "ja", STR),
            option("mode", "shadow", STR), option("moderator_role", std.moderator_role.id, ROLE),
        )
        reply = await run(fake_discord, std, std.admin, "guard", options)
        assert reply["data"]["flags"] & EPHEMERAL
        assert f"<#{std.reports.id}>" in content(reply) and "Japanese" in content(reply)
        assert f"Members with <@&{std.moderator_role.id}> may review" in content(reply)
        assert "cannot post" not in content(reply)
        config = await harness.store.get_guild_config(std.id)
        assert (config.report_channel_id, config.language, config.mode) == (std.reports.id, "ja", "shadow")
        assert config.moderator_role_id == std.moderator_role.id

        reply = await run(fake_discord, std, std.admin, "guard", guard("status"), locale="ja")
        text = embed_text(reply)
        assert "contact-guard の状態" in text
        assert f"<#{std.reports.id}>" in text and f"<@&{std.moderator_role.id}>" in text
        assert "Message Content インテント\n✅ 有効" in text
        assert text.endswith(f"権限\n<#{restricted.id}>: メッセージの管理"), "only the restricted channel lacks anything"
        assert "**2** ポイント: 最終警告, モデレーターへの報告" in text, "the ladder in words"

        # A channel where the bot may not embed links (nor delete): saved, with a clear warning,
        # and /guard status names the channel and what is missing there.
        reply = await run(fake_discord, std, std.admin, "guard", guard("setup", option("report_channel", restricted.id, CHANNEL)))
        assert f"cannot post in <#{restricted.id}>" in content(reply) and "Embed Links" in content(reply)
        reply = await run(fake_discord, std, std.admin, "guard", guard("status"))
        text = embed_text(reply)
        assert f"<#{restricted.id}>: Manage Messages, Embed Links" in text


async def test_ladder_set_validates_and_leaves_config_unchanged(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        before = (await harness.store.get_guild_config(std.id)).ladder
        impossible = [
            ("1: warn; 1: ban", "listed twice"),
            ("1: warn; 2: timeout 30d", "28-day"),
            ("1: smite", "unknown action"),
        ]
        for steps, reason in impossible:
            reply = await run(fake_discord, std, std.admin, "guard", guard("set", option("steps", steps, STR), group="ladder"))
            assert "was not changed" in content(reply) and reason in content(reply), content(reply)
            assert (await harness.store.get_guild_config(std.id)).ladder == before
        reply = await run(fake_discord, std, std.admin, "guard", guard("set", option("decay_days", 0, INT), group="ladder"))
        assert "was not changed" in content(reply)
        reply = await run(fake_discord, std, std.admin, "guard", guard("set", group="ladder"), locale="ja")
        assert "変更する内容がありません" in content(reply)

        good = guard("set", option("steps", "1: warn; 2: timeout 1h, report; 4: ban", STR), option("decay_days", 30, INT), group="ladder")
        reply = await run(fake_discord, std, std.admin, "guard", good)
        assert "changed" in content(reply) and "timeout for 1h" in embed_text(reply)
        stored = (await harness.store.get_guild_config(std.id)).ladder
        assert stored.to_text() == "1: warn; 2: timeout 1h, report; 4: ban" and stored.decay_days == 30

        reply = await run(fake_discord, std, std.admin, "guard", guard("show", group="ladder"), locale="ja")
        assert "1時間" in embed_text(reply) or "1h のタイムアウト" in embed_text(reply)
        assert "30" in embed_text(reply)


async def test_exempt_and_allow_lists(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        add = guard("add", option("role", std.moderator_role.id, ROLE), option("channel", std.exempt.id, CHANNEL), group="exempt")
        reply = await run(fake_discord, std, std.admin, "guard", add)
        assert "is now exempt" in content(reply)
        reply = await run(fake_discord, std, std.admin, "guard", add)
        assert "already exempt" in content(reply)
        config = await harness.store.get_guild_config(std.id)
        assert config.exempt_role_ids == {std.moderator_role.id} and config.exempt_channel_ids == {std.exempt.id}
        reply = await run(fake_discord, std, std.admin, "guard", guard("list", group="exempt"))
        assert f"<@&{std.moderator_role.id}>" in embed_text(reply) and f"<#{std.exempt.id}>" in embed_text(reply)
        reply = await run(fake_discord, std, std.admin, "guard", guard("remove", option("channel", std.exempt.id, CHANNEL), group="exempt"))
        assert "no longer exempt" in content(reply)
        reply = await run(fake_discord, std, std.admin, "guard", guard("add", group="exempt"))
        assert "choose a role, a channel" in content(reply)

        allow = guard("add", option("kind", "handle", STR), option("value", "@official_jp", STR), group="allow")
        reply = await run(fake_discord, std, std.admin, "guard", allow)
        assert "Allowed handle" in content(reply)
        reply = await run(fake_discord, std, std.admin, "guard", guard("list", group="allow"))
        assert "official_jp" in embed_text(reply)
        bad = guard("add", option("kind", "number", STR), option("value", "not a number at all", STR), group="allow")
        reply = await run(fake_discord, std, std.admin, "guard", bad)
        assert "Nothing was changed" in content(reply)
        assert len((await harness.store.get_guild_config(std.id)).allow_list) == 1


async def test_guard_test_marks_each_span_and_records_nothing(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        counts_before = await harness.store.counts()
        text = "連絡は 090-1234-5678 か kazu.0315@gmail.com へ"
        reply = await run(fake_discord, std, std.admin, "guard", guard("test", option("text", text, STR)))
        shown = embed_text(reply)
        assert "⟦090-1234-5678⟧" in shown
        assert "⟦kazu.0315@gmail.com⟧" in shown
        assert "Phone number" in shown and "E-mail address" in shown
        reply = await run(fake_discord, std, std.admin, "guard", guard("test", option("text", "see you in #general tomorrow", STR)))
        assert "No contact details found" in content(reply)

        # The guild's allow-list applies: the official account is not a finding.
        official = "インスタ @official_jp フォローしてね"
        reply = await run(fake_discord, std, std.admin, "guard", guard("test", option("text", official, STR)))
        assert "⟦インスタ @official_jp⟧" in embed_text(reply)
        await harness.store.add_allow_entry(std.id, "handle", "official_jp")
        reply = await run(fake_discord, std, std.admin, "guard", guard("test", option("text", official, STR)))
        assert "No contact details found" in content(reply)
        assert await harness.store.counts() == counts_before, "nothing was recorded"
        assert await harness.strikes(std.admin.id) == []
        await fake_discord.assert_no_call("POST", f"/channels/{std.reports.id}/messages")


async def test_evidence_is_full_and_export_is_a_json_file(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        strike = (await record_strike(harness.store, std, std.member, message_id=401)).strike
        reply = await run(fake_discord, std, std.admin, "guard", guard("evidence", option("strike", strike.id, INT)))
        assert reply["data"]["flags"] & EPHEMERAL
        assert PHONE_TEXT in embed_text(reply), "administrators see the evidence unmasked"
        reply = await run(fake_discord, std, std.admin, "guard", guard("evidence", option("strike", strike.id + 99, INT)))
        assert "There is no strike" in content(reply)

        reply = await run(fake_discord, std, std.admin, "guard", guard("export", option("member", std.member.id, USER)))
        assert reply["data"]["flags"] & EPHEMERAL
        (exported,) = reply["files"]
        assert exported.filename == f"contact-guard-{std.id}-{std.member.id}.json"
        record = json.loads(exported.data)
        assert record["member_id"] == str(std.member.id)
        assert [s["id"] for s in record["strikes"]] == [strike.id]
        assert record["strikes"][0]["evidence"]["original_text"] == PHONE_TEXT


async def test_an_unexpected_failure_answers_with_a_reference_and_logs_no_content(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        await harness.store.close()  # every ledger call now fails
        options = guard("pardon", option("member", std.member.id, USER), option("reason", "call 090-1234-5678", STR))
        # The admin passes the check and the handler fails; the moderator's check itself needs
        # the ledger (the moderator role) and fails: both are answered, not left hanging.
        for user in (std.admin, std.moderator):
            interaction = await fake_discord.send_slash_command(std.id, std.general.id, user, "guard", options)
            reply = await reply_of(fake_discord, interaction)
            assert reply["data"]["flags"] & EPHEMERAL
            assert f"error reference {interaction.id}" in content(reply)
            assert f"reference {interaction.id}" in caplog.text
        assert "090-1234-5678" not in caplog.text


async def test_commands_are_published_with_japanese_descriptions(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    async with running_bot(fake_discord, standard_guild, tmp_path / "db.sqlite3"):
        call = await fake_discord.wait_for_call("PUT", f"/applications/{fake_discord.application_id}/commands")
        published = {command["name"]: command for command in call.json}
        assert set(published) == {"guard", "mystrikes", "why"}
        assert published["guard"]["default_member_permissions"] == 1 << 5  # Manage Server
        assert published["why"]["description_localizations"]["ja"].startswith("直前のメッセージが削除された理由")


async def test_a_value_of_the_wrong_kind_is_refused_clearly(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        before = await harness.store.get_guild_config(std.id)
        # A voice channel where a text channel is expected (a stale client could send one).
        reply = await run(fake_discord, std, std.admin, "guard", guard("setup", option("report_channel", std.voice.id, CHANNEL)))
        assert "could not be used" in content(reply)
        assert await harness.store.get_guild_config(std.id) == before


async def test_evidence_attaches_kept_image_bytes(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    image = b"\x89PNG\r\n\x1a\n not really a picture"
    kept = AttachmentEvidence("9001", "qr.png", len(image), "image/png", data=image)
    dropped = AttachmentEvidence("9002", "huge.png", 50_000_000, "image/png")  # over the cap: no bytes
    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        strike = (await record_strike(harness.store, std, std.member, message_id=901, attachments=(kept, dropped))).strike
        reply = await run(fake_discord, std, std.admin, "guard", guard("evidence", option("strike", strike.id, INT)))
        assert [(f.filename, f.data) for f in reply["files"]] == [("qr.png", image)]
        shown = embed_text(reply)
        assert "qr.png (" in shown and "huge.png (50000000 bytes, not kept)" in shown
