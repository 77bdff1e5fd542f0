"""The moderators' report through the fake Discord: posted with masked evidence, Ban / Pardon /
Dismiss that check permissions, act once, update the report, and work after a restart."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from bot.discord.reports import _lock_for
from bot.ledger.store import LedgerStore
from tests.discord.bot_fixtures import PHONE, BotHarness, running_bot
from tests.discord.commands_helpers import EPHEMERAL
from tests.fakediscord.server import FakeDiscord, StandardGuild

UPDATE_MESSAGE, CHANNEL_MESSAGE, DEFERRED_UPDATE = 7, 4, 6


async def report_first_strike(store: LedgerStore, guild_id: int) -> None:
    await store.update_guild_config(guild_id, ladder="1: warn, report; 3: ban, report")


def reporting_bot(
    fake: FakeDiscord, std: StandardGuild, db_path: Path
) -> AbstractAsyncContextManager[BotHarness]:
    """The bot with a ladder that reports the first strike (so every test gets a report)."""
    return running_bot(fake, std, db_path, configure=lambda s: report_first_strike(s, std.id))


async def post_violation(harness: BotHarness) -> tuple[int, int]:
    """A member shares a phone number; returns (report message id, strike id)."""
    fake, std = harness.fake, harness.std
    await fake.send_message(std.general.id, std.member, f"電話してね {PHONE}")
    call = await fake.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
    (strike,) = await harness.strikes(std.member.id)
    return int(call.response["id"]), strike.id


async def click(harness: BotHarness, user: Any, message_id: int, custom_id: str, locale: str = "en-US") -> dict[str, Any]:
    """Click and return the answer as Discord would show it: an update of the report (type 7)
    or an ephemeral message (type 4), also when the bot deferred first (type 6) and answered
    through the interaction webhook."""
    fake, std = harness.fake, harness.std
    interaction = await fake.send_component_interaction(std.id, std.reports.id, user, message_id, custom_id, locale=locale)
    return await answer_of(fake, interaction)


async def answer_of(fake: FakeDiscord, interaction: Any) -> dict[str, Any]:
    callback = (await fake.wait_for_interaction_response(interaction)).json
    if callback["type"] != DEFERRED_UPDATE:
        return callback
    webhook = f"/webhooks/{fake.application_id}/{interaction.token}"
    edited = asyncio.create_task(fake.wait_for_call("PATCH", f"{webhook}/messages/@original"))
    followup = asyncio.create_task(fake.wait_for_call("POST", webhook))
    done, pending = await asyncio.wait({edited, followup}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    call = done.pop().result()
    return {"type": UPDATE_MESSAGE if call.method == "PATCH" else CHANNEL_MESSAGE, "data": call.json}


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in body.get("components", []) for c in row["components"]]


async def test_report_embed_masks_evidence_and_carries_persistent_buttons(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with reporting_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        await fake_discord.send_message(std.general.id, std.member, f"電話してね {PHONE}")
        call = await fake_discord.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        (strike,) = await harness.strikes(std.member.id)
        (embed,) = call.json["embeds"]
        shown = fields(embed)
        assert embed["title"] == "Contact details removed"
        assert shown["Evidence (masked)"] == "• Phone number: `090-****-5678`"
        assert PHONE not in str(call.json), "the report never shows the raw number"
        assert f"<@{std.member.id}>" in shown["Member"]
        assert shown["Kind"] == "Phone number"
        assert shown["Strikes"].startswith("1 active · step 1: warning, report to the moderators")
        assert shown["Channel"] == f"<#{std.general.id}>"
        assert shown["Time"].startswith("<t:")
        assert f"Strike #{strike.id}" in embed["footer"]["text"]
        assert [b["custom_id"] for b in buttons(call.json)] == [
            f"cg:report:{action}:{strike.id}" for action in ("ban", "pardon", "dismiss")
        ]
        assert call.json["allowed_mentions"] == {"parse": []}, "a report never pings the member"


async def test_report_in_japanese(fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path) -> None:
    std = standard_guild

    async def configure(store: LedgerStore) -> None:
        await report_first_strike(store, std.id)
        await store.update_guild_config(std.id, language="ja")

    async with running_bot(fake_discord, std, tmp_path / "db.sqlite3", configure=configure):
        await fake_discord.send_message(std.general.id, std.member, f"電話してね {PHONE}")
        call = await fake_discord.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        (embed,) = call.json["embeds"]
        assert embed["title"] == "連絡先を含むメッセージを削除しました"
        assert fields(embed)["証拠(マスク済み)"] == "• 電話番号: `090-****-5678`"
        assert [b["label"] for b in buttons(call.json)] == ["BAN", "取り消し", "対応不要"]


async def test_buttons_refuse_members_without_rights(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with reporting_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        message_id, strike_id = await post_violation(harness)
        refused = await click(harness, std.other_member, message_id, f"cg:report:ban:{strike_id}")
        assert refused["type"] == CHANNEL_MESSAGE and refused["data"]["flags"] & EPHEMERAL
        assert "Ban Members" in refused["data"]["content"]
        # The moderator role has Manage Messages but not Ban Members.
        refused = await click(harness, std.moderator, message_id, f"cg:report:ban:{strike_id}", locale="ja")
        assert "メンバーをBAN" in refused["data"]["content"]
        refused = await click(harness, std.other_member, message_id, f"cg:report:pardon:{strike_id}")
        assert "Manage Messages" in refused["data"]["content"]
        await fake_discord.assert_no_call("PUT", f"/guilds/{std.id}/bans/{std.member.id}")
        (strike,) = await harness.strikes(std.member.id)
        assert not strike.pardoned


async def test_ban_button_bans_once_and_updates_the_report(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with reporting_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        message_id, strike_id = await post_violation(harness)
        done = await click(harness, std.admin, message_id, f"cg:report:ban:{strike_id}")
        ban = await fake_discord.wait_for_call("PUT", f"/guilds/{std.id}/bans/{std.member.id}")
        assert ban.reason and f"#{strike_id}" in ban.reason and std.admin.username in ban.reason
        assert done["type"] == UPDATE_MESSAGE
        callbacks = fake_discord.calls_to("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
        assert callbacks[-1].json["type"] == DEFERRED_UPDATE, "acknowledged before the slow part"
        (embed,) = done["data"]["embeds"]
        assert fields(embed)["Outcome"].startswith(f"🔨 Banned by <@{std.admin.id}> <t:")
        assert fields(embed)["Evidence (masked)"] == "• Phone number: `090-****-5678`", "the facts stay"
        assert all(b["disabled"] for b in buttons(done["data"]))

        again = await click(harness, std.owner, message_id, f"cg:report:ban:{strike_id}")
        assert again["type"] == CHANNEL_MESSAGE and again["data"]["flags"] & EPHEMERAL
        assert "already handled" in again["data"]["content"] and f"<@{std.admin.id}>" in again["data"]["content"]
        other = await click(harness, std.admin, message_id, f"cg:report:pardon:{strike_id}")
        assert "already handled" in other["data"]["content"]
        assert len(fake_discord.calls_to("PUT", f"/guilds/{std.id}/bans/{std.member.id}")) == 1
        cases = await harness.store.cases_for(std.id, strike_id=strike_id)
        assert [c.action for c in cases if c.action.startswith("report_")] == ["report_ban"]


async def test_pardon_and_dismiss_buttons(fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path) -> None:
    std = standard_guild
    async with reporting_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        message_id, strike_id = await post_violation(harness)
        done = await click(harness, std.moderator, message_id, f"cg:report:pardon:{strike_id}", locale="ja")
        assert done["type"] == UPDATE_MESSAGE
        (strike,) = await harness.strikes(std.member.id)
        assert strike.pardoned and strike.pardoned_by == std.moderator.id
        (embed,) = done["data"]["embeds"]
        assert fields(embed)["Outcome"].startswith(f"✅ Pardoned by <@{std.moderator.id}>"), "in the guild's language"
        again = await click(harness, std.moderator, message_id, f"cg:report:dismiss:{strike_id}", locale="ja")
        assert "すでに対応済み" in again["data"]["content"]

        await fake_discord.send_message(std.general.id, std.other_member, f"こちらへ {PHONE}")
        call = await fake_discord.wait_for_call("POST", f"/channels/{std.reports.id}/messages", count=2)
        (other,) = await harness.strikes(std.other_member.id)
        done = await click(harness, std.moderator, int(call.response["id"]), f"cg:report:dismiss:{other.id}")
        assert fields(done["data"]["embeds"][0])["Outcome"].startswith("☑️ Dismissed by")
        assert not (await harness.strikes(std.other_member.id))[0].pardoned, "dismiss keeps the strike"


async def test_buttons_survive_a_restart(fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path) -> None:
    std = standard_guild
    db = tmp_path / "db.sqlite3"
    async with reporting_bot(fake_discord, std, db) as first:
        message_id, strike_id = await post_violation(first)
    # A new process: a new client and store on the same database; the old report's buttons work.
    async with running_bot(fake_discord, std, db) as second:
        done = await click(second, std.admin, message_id, f"cg:report:ban:{strike_id}")
        assert done["type"] == UPDATE_MESSAGE
        await fake_discord.wait_for_call("PUT", f"/guilds/{std.id}/bans/{std.member.id}")
    async with running_bot(fake_discord, std, db) as third:
        again = await click(third, std.admin, message_id, f"cg:report:ban:{strike_id}")
        assert "already handled" in again["data"]["content"]
        assert len(fake_discord.calls_to("PUT", f"/guilds/{std.id}/bans/{std.member.id}")) == 1


async def test_a_refused_ban_is_explained_and_leaves_the_report_open(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with reporting_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        message_id, strike_id = await post_violation(harness)
        fake_discord.deny_permission("PUT", "/guilds/{guild_id}/bans/{user_id}", times=1)
        failed = await click(harness, std.admin, message_id, f"cg:report:ban:{strike_id}")
        assert failed["type"] == CHANNEL_MESSAGE and failed["data"]["flags"] & EPHEMERAL
        assert "could not ban" in failed["data"]["content"] and "Ban Members permission" in failed["data"]["content"]
        cases = await harness.store.cases_for(std.id, strike_id=strike_id)
        assert not [c for c in cases if c.action.startswith("report_")], "nothing recorded for the failed ban"
        # Once the permission is fixed, the same button works.
        done = await click(harness, std.admin, message_id, f"cg:report:ban:{strike_id}")
        assert done["type"] == UPDATE_MESSAGE


async def test_a_button_that_fails_unexpectedly_still_answers(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with reporting_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        message_id, strike_id = await post_violation(harness)
        await harness.bot.executor.wait_idle()
        await harness.store.close()
        reply = await click(harness, std.admin, message_id, f"cg:report:dismiss:{strike_id}")
        assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
        assert "Something went wrong" in reply["data"]["content"]


async def test_two_moderators_clicking_at_once_act_once(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std = standard_guild
    async with reporting_bot(fake_discord, std, tmp_path / "db.sqlite3") as harness:
        message_id, strike_id = await post_violation(harness)
        clickers = (std.admin, std.moderator, std.owner)
        interactions = await asyncio.gather(
            *(
                fake_discord.send_component_interaction(std.id, std.reports.id, user, message_id, f"cg:report:pardon:{strike_id}")
                for user in clickers
            )
        )
        replies = [await answer_of(fake_discord, i) for i in interactions]
        assert sorted(r["type"] for r in replies) == [CHANNEL_MESSAGE, CHANNEL_MESSAGE, UPDATE_MESSAGE]
        assert sum("already handled" in (r["data"].get("content") or "") for r in replies) == 2
        cases = await harness.store.cases_for(std.id, target_id=std.member.id)
        assert [c.action for c in cases].count("pardon") == 1


def test_a_report_lock_never_outlives_its_event_loop() -> None:
    """Two moderators on one report make a click wait for the per-report lock, which binds the
    lock to that event loop. A bot started again in the same process (or the next test) runs a
    new loop: its clicks must get locks of their own, not fail with "bound to a different event
    loop" (the moderators would see "Something went wrong" on every contested click)."""

    async def two_clicks_at_once() -> list[str]:
        order: list[str] = []

        async def click(name: str) -> None:
            async with _lock_for(4_242):
                await asyncio.sleep(0)  # the other click arrives meanwhile and has to wait
                order.append(name)

        await asyncio.gather(click("first"), click("second"))
        return order

    assert asyncio.run(two_clicks_at_once()) == ["first", "second"]
    assert asyncio.run(two_clicks_at_once()) == ["first", "second"]
