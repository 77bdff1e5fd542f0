"""End-to-end bot scenarios: the real discord.py client against the fake Discord, a real SQLite
ledger per test. Each scenario asserts on the REST calls the fake recorded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.ledger.store import LedgerStore
from tests.discord.bot_fixtures import PHONE, running_bot
from tests.fakediscord import payloads
from tests.fakediscord.server import FakeDiscord, StandardGuild
from tests.fakediscord.state import FakeAttachment

DELETE_ONE = "/channels/{channel_id}/messages/{message_id}"
BULK = "/channels/{channel_id}/messages/bulk-delete"
BAN = "/guilds/{guild_id}/bans/{user_id}"
MEMBER_PATCH = "/guilds/{guild_id}/members/{user_id}"


def _index(fake: FakeDiscord, call: object) -> int:
    return next(i for i, c in enumerate(fake.calls) if c is call)


async def test_escalation_first_warn_second_final_and_report_third_ban(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        # 1st strike: delete + warning DM (English guild), nothing in the report channel.
        first = await fake.send_message(std.general.id, std.member, f"call me {PHONE}")
        delete = await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{first}")
        assert delete.status == 204
        assert delete.reason and "contact-guard" in delete.reason
        await h.settle()
        dms = h.dms_to(std.member.id)
        assert len(dms) == 1
        text = dms[0].json["content"]
        assert "strike 1" in text and "keep the conversation here" in text and "a phone number" in text
        assert h.posts_in(std.reports.id) == []

        # 2nd: delete + final warning + report to the moderators.
        second = await fake.send_message(std.general.id, std.member, "my mail is kazu.0315@gmail.com")
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{second}")
        await h.settle()
        dms = h.dms_to(std.member.id)
        assert len(dms) == 2 and "final warning" in dms[1].json["content"]
        reports = h.posts_in(std.reports.id)
        assert len(reports) == 1
        assert "kazu.0315@gmail.com" not in repr(reports[0].json)  # evidence is masked

        # 3rd: delete + DM, THEN the ban, with an audit-log reason.
        third = await fake.send_message(std.general.id, std.member, "LINE ID: yuki_0321")
        ban = await fake.wait_for_call("PUT", f"/guilds/{std.id}/bans/{std.member.id}")
        await h.settle()
        assert ban.reason and "strike 3" in ban.reason
        delete_third = fake.calls_to("DELETE", f"/channels/{std.general.id}/messages/{third}")
        assert len(delete_third) == 1
        ban_dm = h.dms_to(std.member.id)[-1]
        assert "banned" in ban_dm.json["content"]
        assert _index(fake, delete_third[0]) < _index(fake, ban_dm) < _index(fake, ban)
        assert len(await h.strikes(std.member.id)) == 3
        assert all(a.status == "done" for a in await h.actions(std.member.id))
        assert fake.unknown_calls() == []


async def test_japanese_guild_is_warned_in_japanese(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    std = fake_discord.add_standard_guild("日本のサーバー", preferred_locale="ja")
    async with running_bot(fake_discord, std, tmp_path / "ledger.sqlite3") as h:
        await fake_discord.send_message(std.general.id, std.member, f"電話して {PHONE}")
        await h.settle()
        (dm,) = h.dms_to(std.member.id)
        assert "電話番号" in dm.json["content"] and "1 回目" in dm.json["content"]


async def test_closed_dms_get_a_short_channel_notice(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    fake.close_dms(std.member)
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3", notice_lifetime_s=0.3) as h:
        await fake.send_message(std.general.id, std.member, f"text me {PHONE}")
        notice = await fake.wait_for_call("POST", f"/channels/{std.general.id}/messages")
        assert f"<@{std.member.id}>" in notice.json["content"]
        assert [str(u) for u in notice.json["allowed_mentions"]["users"]] == [str(std.member.id)]
        notice_id = notice.response["id"]
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{notice_id}", timeout=3)
        await h.settle()
        # The DM was tried exactly once and never retried; the failure is on the outbox row.
        assert len(h.dms_to(std.member.id)) == 1
        warn = next(a for a in await h.actions(std.member.id) if a.kind == "warn")
        assert warn.status == "failed" and warn.last_error and "50007" in warn.last_error
        assert len(await h.strikes(std.member.id)) == 1


async def test_missing_permission_tells_the_moderators_once(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    fake.deny_permission("DELETE", DELETE_ONE, channel_id=std.general.id)
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        await fake.send_message(std.general.id, std.member, f"call {PHONE}")
        await h.settle()
        await fake.send_message(std.general.id, std.other_member, "mail: hana.k@example.org")
        await h.settle()
        notices = [c for c in h.posts_in(std.reports.id) if "Manage Messages" in (c.json.get("content") or "")]
        assert len(notices) == 1
        assert f"<#{std.general.id}>" in notices[0].json["content"]
        # The bot kept running: both members were still warned.
        assert len(h.dms_to(std.member.id)) == 1 and len(h.dms_to(std.other_member.id)) == 1
        deletes = [a for a in await h.actions(std.member.id) if a.kind == "delete"]
        assert deletes[0].status == "failed" and "50013" in (deletes[0].last_error or "")


async def test_exempt_role_and_exempt_channel_are_ignored(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    vip_role = fake.add_role(std.guild, "Verified Seller", 0, position=1)
    vip = fake.add_user("seller")
    fake.add_member(std.guild, vip, [vip_role])

    async def configure(store: LedgerStore) -> None:
        await store.add_exemption(std.id, role_id=vip_role.id)
        await store.add_exemption(std.id, channel_id=std.exempt.id)

    async with running_bot(fake, std, tmp_path / "ledger.sqlite3", configure=configure) as h:
        await fake.send_message(std.general.id, vip, f"call {PHONE}")
        await fake.send_message(std.exempt.id, std.member, f"call {PHONE}")
        await fake.send_message(std.general.id, std.moderator, f"call {PHONE}")  # Manage Messages
        # Hard negative in a watched channel: no contact detail at all.
        await fake.send_message(std.general.id, std.member, "see you at 9, room 1234")
        await h.settle()
        await fake.assert_no_call("DELETE", DELETE_ONE, within=0.2)
        assert fake.calls_to("POST", "/users/@me/channels") == []
        assert await h.strikes(vip.id) == [] and await h.strikes(std.member.id) == []


async def test_edit_that_adds_a_phone_number(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        message_id = await fake.send_message(std.general.id, std.member, "hi everyone")
        await h.settle()
        await fake.assert_no_call("DELETE", DELETE_ONE, within=0.1)
        await fake.edit_message(std.general.id, message_id, f"hi everyone, call me {PHONE}")
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}")
        await h.settle()
        assert len(await h.strikes(std.member.id)) == 1


async def test_uncached_edit_is_checked_too(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        old_id = fake.snowflakes.next()  # a message from before the bot started
        await fake.edit_message(std.general.id, old_id, f"now: {PHONE}", author=std.member)
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{old_id}")
        await h.settle()
        assert len(await h.strikes(std.member.id)) == 1


async def test_number_split_over_three_messages_is_one_strike_and_one_bulk_delete(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        parts = []
        for piece in ("090", "1234", "5678"):
            parts.append(await fake.send_message(std.general.id, std.member, piece))
            await h.settle()
        bulk = await fake.wait_for_call("POST", f"/channels/{std.general.id}/messages/bulk-delete")
        await h.settle()
        assert sorted(bulk.json["messages"]) == sorted(str(p) for p in parts)
        assert bulk.reason and "contact-guard" in bulk.reason
        assert fake.calls_to("DELETE", DELETE_ONE) == []
        assert len(await h.strikes(std.member.id)) == 1
        assert len(h.dms_to(std.member.id)) == 1


async def test_message_and_immediate_edit_make_one_strike(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        message_id = await fake.send_message(std.general.id, std.member, f"call {PHONE}")
        # No waiting: the edit races the handling of the message (the prototype's double strike).
        await fake.edit_message(std.general.id, message_id, f"call {PHONE} or mail kazu@example.com")
        await h.settle()
        assert len(await h.strikes(std.member.id)) == 1
        assert len(h.dms_to(std.member.id)) == 1
        assert len(fake.calls_to("DELETE", f"/channels/{std.general.id}/messages/{message_id}")) == 1


async def test_member_above_the_bot_is_only_reported(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    patron_role = fake.add_role(std.guild, "Patron", 0, position=6)  # above the bot (4)
    patron = fake.add_user("patron")
    fake.add_member(std.guild, patron, [patron_role])
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        await fake.send_message(std.general.id, patron, f"call {PHONE}")
        report = await fake.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        await h.settle()
        assert report.status == 200
        assert fake.calls_to("DELETE", DELETE_ONE) == []
        assert fake.calls_to("POST", "/users/@me/channels") == []
        assert fake.calls_to("PUT", BAN) == [] and fake.calls_to("PATCH", MEMBER_PATCH) == []
        assert len(await h.strikes(patron.id)) == 1


async def test_shadow_mode_records_and_reports_only(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord

    async def configure(store: LedgerStore) -> None:
        await store.update_guild_config(std.id, mode="shadow")

    async with running_bot(fake, std, tmp_path / "ledger.sqlite3", configure=configure) as h:
        for _ in range(3):
            await fake.send_message(std.general.id, std.member, f"call {PHONE}")
            await h.settle()
        assert len(h.posts_in(std.reports.id)) == 3
        assert fake.calls_to("DELETE", DELETE_ONE) == [] and fake.calls_to("POST", BULK) == []
        assert fake.calls_to("POST", "/users/@me/channels") == []
        assert fake.calls_to("PUT", BAN) == []
        assert len(await h.strikes(std.member.id)) == 3


async def test_everything_members_can_post_is_read(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    """Forwarded messages, polls, embeds and attachment descriptions, in threads, forum posts,
    voice text and announcement channels."""
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        sent = {
            std.thread.id: await fake.send_message(
                std.thread.id, std.member, "look", message_snapshots=[payloads.snapshot_payload(f"call {PHONE}")]
            ),
            std.forum_post.id: await fake.send_message(
                std.forum_post.id, std.other_member, "", poll=payloads.poll_payload("LINE ID: yuki_0321 ok?", ["yes", "no"])
            ),
            std.voice.id: await fake.send_message(
                std.voice.id, std.member, "", embeds=[{"type": "rich", "description": f"tel {PHONE}"}]
            ),
            std.general.id: await fake.send_message(
                std.general.id, std.member, "my notes",
                attachments=[FakeAttachment("notes.txt", b"hello", "text/plain", description="LINE ID: yuki_0321")],
            ),
            std.announcements.id: await fake.send_message(
                std.announcements.id, std.other_member, f"<@{fake.bot_user.id}> mail me: hana.k@example.org"
            ),
        }
        for channel_id, message_id in sent.items():
            await fake.wait_for_call("DELETE", f"/channels/{channel_id}/messages/{message_id}")
        await h.settle()
        assert fake.unknown_calls() == []


async def test_gateway_disconnect_and_resume_mid_stream(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        before = await fake.send_message(std.general.id, std.member, f"call {PHONE}")
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{before}")
        await fake.drop_connection()
        # Sent while the client is reconnecting: replayed on RESUME.
        during = await fake.send_message(std.general.id, std.other_member, "mail hana.k@example.org")
        await fake.wait_connected()
        after = await fake.send_message(std.general.id, std.other_member, "LINE ID: hana_0803")
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{during}")
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{after}")
        await h.settle()
        assert fake.resume_count >= 1
        assert h.bot.ready_count == 1  # resumed, not re-identified
        assert len(await h.strikes(std.other_member.id)) == 2


async def test_restart_performs_a_pending_outbox_action_once(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    db = tmp_path / "ledger.sqlite3"
    async with running_bot(fake, std, db, shutdown_grace_s=0.0) as h:
        # Stop the executor first: the strike gets committed but its actions are not performed,
        # as when the process dies between the commit and the Discord calls.
        await h.bot.executor.shutdown(0)
        message_id = await fake.send_message(std.general.id, std.member, f"call {PHONE}")
        for _ in range(50):
            if await h.strikes(std.member.id):
                break
            await asyncio.sleep(0.02)
        assert len(await h.strikes(std.member.id)) == 1
    assert fake.calls_to("DELETE", DELETE_ONE) == []

    async with running_bot(fake, std, db) as h:
        await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}")
        await h.settle()
        await asyncio.sleep(0.2)
        assert len(fake.calls_to("DELETE", DELETE_ONE)) == 1
        assert len(h.dms_to(std.member.id)) == 1
        assert all(a.status == "done" for a in await h.actions(std.member.id))
        assert len(await h.strikes(std.member.id)) == 1


async def test_raid_is_paced_and_batched_without_429(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    """Dozens of members posting contacts within a second: deletes leave as bulk deletes and the
    fake, enforcing Discord-like route limits, never has to answer 429."""
    std, fake = standard_guild, fake_discord
    fake.set_route_limit("DELETE", DELETE_ONE, 5, 1.0)
    fake.set_route_limit("POST", BULK, 2, 1.0)
    raiders = []
    for index in range(30):
        user = fake.add_user(f"raider{index}")
        fake.add_member(std.guild, user, [std.member_role])
        raiders.append(user)
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        ids = await asyncio.gather(
            *(fake.send_message(std.general.id, user, f"call me 090-{1000 + i}-{5000 + i}") for i, user in enumerate(raiders))
        )
        for _ in range(100):
            deleted = {int(m) for c in fake.calls_to("POST", BULK) for m in c.json["messages"]}
            deleted |= {int(c.path.rsplit("/", 1)[1]) for c in fake.calls_to("DELETE", DELETE_ONE)}
            if deleted >= set(ids):
                break
            await asyncio.sleep(0.1)
        assert deleted >= set(ids)
        # Warnings keep going out at the paced DM rate; the deletes were what had to be fast.
        assert [c for c in fake.calls if c.status == 429] == []
        for user in raiders[:3]:
            assert len(await h.strikes(user.id)) == 1
        assert len(fake.calls_to("POST", BULK)) >= 1
        assert len(fake.calls_to("DELETE", DELETE_ONE)) + len(fake.calls_to("POST", BULK)) < len(ids)


async def test_timeout_step_and_a_kick_step_without_kick_permission(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord

    async def configure(store: LedgerStore) -> None:
        await store.update_guild_config(std.id, ladder="1: timeout 1h; 2: kick, report")

    async with running_bot(fake, std, tmp_path / "ledger.sqlite3", configure=configure) as h:
        started = datetime.now(UTC)
        await fake.send_message(std.general.id, std.member, f"call {PHONE}")
        patch = await fake.wait_for_call("PATCH", f"/guilds/{std.id}/members/{std.member.id}")
        until = datetime.fromisoformat(patch.json["communication_disabled_until"])
        assert timedelta(minutes=59) < until - started < timedelta(minutes=61)
        assert patch.reason and "contact-guard" in patch.reason
        await h.settle()
        assert "timed out" in h.dms_to(std.member.id)[-1].json["content"]

        # The invite does not ask for Kick Members: a ladder with "kick" is not attempted, the
        # member is NOT told they were removed, and the moderators hear about it next to the report.
        dms_before = len(h.dms_to(std.member.id))
        await fake.send_message(std.general.id, std.member, "LINE ID: yuki_0321")
        await fake.wait_for_call("POST", f"/channels/{std.reports.id}/messages", count=2)
        await h.settle()
        assert fake.calls_to("DELETE", MEMBER_PATCH) == []
        assert len(h.dms_to(std.member.id)) == dms_before
        posts = [c.json for c in h.posts_in(std.reports.id)]
        assert len(posts) == 2
        assert any("Kick Members" in (p.get("content") or "") for p in posts)
        kick_row = next(a for a in await h.actions(std.member.id) if a.kind == "kick")
        assert kick_row.status == "failed" and "50013" in (kick_row.last_error or "")


async def test_bulk_delete_only_for_messages_younger_than_14_days(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3") as h:
        old_ms = int((datetime.now(UTC) - timedelta(days=20)).timestamp() * 1000) - 1_420_070_400_000
        old_ids = [(old_ms << 22) + n for n in (1, 2)]
        for old_id in old_ids:
            await fake.edit_message(std.general.id, old_id, "hello from last month", author=std.member)
        new_ids = [await fake.send_message(std.general.id, std.member, f"hello {n}") for n in (1, 2)]
        gone = 10**15  # never existed: 10008 Unknown Message counts as done
        await asyncio.gather(
            *(h.bot.executor.deletes.delete(std.general.id, m, reason="test") for m in [*old_ids, *new_ids, gone])
        )
        bulk = fake.calls_to("POST", BULK)
        assert len(bulk) == 1 and sorted(bulk[0].json["messages"]) == sorted(str(m) for m in new_ids)
        singles = {int(c.path.rsplit("/", 1)[1]): c.status for c in fake.calls_to("DELETE", DELETE_ONE)}
        assert singles == {old_ids[0]: 204, old_ids[1]: 204, gone: 404}
