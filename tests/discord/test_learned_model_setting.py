"""The per-guild ``learned_model`` setting end to end: the real bot against the fake Discord, a
real SQLite file per test, and a detector with the real rules and a tiny learned model of
our own (it flags exactly the texts holding "zqx"), so a model-only verdict is deterministic
whatever the shipped model file says."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.detect.engine import Detector
from bot.detect.learned import FEATURES_VERSION, LEARNED_RULE_IDS, SOLICIT_RULE_ID, LearnedModel
from bot.i18n import t
from bot.ledger.store import LedgerStore
from tests.discord.bot_fixtures import PHONE, BotHarness, running_bot, shared_detector
from tests.discord.commands_helpers import EPHEMERAL, embed_text, guard, option, run
from tests.discord.test_reports_buttons import CHANNEL_MESSAGE, UPDATE_MESSAGE, answer_of, click
from tests.fakediscord.recording import RecordedCall
from tests.fakediscord.server import FakeDiscord, StandardGuild

STR, USER, CHANNEL = 3, 6, 7
MODEL_ONLY = "shall we carry on over at zqxland later"
DELETE_ONE = "/channels/{channel_id}/messages/{message_id}"
BAN = "/guilds/{guild_id}/bans/{user_id}"


@cache
def model_detector() -> Detector:
    model = LearnedModel.from_dict(
        {
            "features_version": FEATURES_VERSION,
            "heads": {"solicit": {"bias": -6.0, "threshold": 0.5, "weights": {"zqx": 1000.0}}},
        }
    )
    return Detector(shared_detector().rules, model)


def test_the_test_texts_do_what_the_tests_need() -> None:
    (finding,) = model_detector().scan(MODEL_ONLY)
    assert finding.rule_id == SOLICIT_RULE_ID
    assert model_detector().scan(MODEL_ONLY, model=False) == []
    # The text of the "rule finding in every setting" test holds what the model flags AND a
    # phone number: a rule finds the number (with or without the model), so the model is not
    # asked and no finding of it comes out: the ledger must enforce it, never hold it.
    with_number = f"call me {PHONE} at zqxland"
    found = model_detector().scan(with_number)
    assert [(f.kind, f.category) for f in found] == [("phone", "contact")]
    assert found[0].rule_id not in LEARNED_RULE_IDS
    assert found == model_detector().scan(with_number, model=False)


def configured(std: StandardGuild, value: str) -> Callable[[LedgerStore], Awaitable[None]]:
    """running_bot's configure hook: the guild's learned_model set before the bot starts."""

    async def configure(store: LedgerStore) -> None:
        await store.update_guild_config(std.id, learned_model=value)

    return configure


def model_bot(
    fake: FakeDiscord, std: StandardGuild, tmp_path: Path, learned_model: str | None = None
) -> AbstractAsyncContextManager[BotHarness]:
    """The bot with model_detector(), the guild's learned_model set first when one is given."""
    configure = configured(std, learned_model) if learned_model is not None else None
    return running_bot(fake, std, tmp_path / "ledger.sqlite3", detector=model_detector(), configure=configure)


async def wait_deleted(h: BotHarness, message_id: int) -> None:
    """Wait until the bot deleted *message_id* in #general, then for all it does next."""
    await h.fake.wait_for_call("DELETE", f"/channels/{h.std.general.id}/messages/{message_id}")
    await h.settle()


def embed_words(embed: dict[str, Any]) -> str:
    parts = [embed.get("title") or "", embed.get("description") or ""]
    parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def already_enforced_by(moderator_id: int) -> str:
    """The start of the answer to a click on a report a moderator already enforced. (Not just
    "already handled": the answer "Nothing to enforce: the message was already handled by a
    rule" says the ledger had to stop a click the report should have answered itself.)"""
    return f"This report was already handled: 🛡️ Enforced by <@{moderator_id}>"


def report_text(call: RecordedCall) -> str:
    return embed_words(call.json["embeds"][0])


def status_fields(reply: dict[str, Any]) -> dict[str, str]:
    """The fields (name -> value) of a /guard status reply: exactly one embed, the status."""
    (embed,) = reply["data"].get("embeds") or [None]
    assert embed is not None and embed["title"] == t("commands.status.title", "en")
    return {field["name"]: field["value"] for field in embed["fields"]}


async def test_review_by_default_reports_only_and_never_counts(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path) as h:
        assert (await h.store.get_guild_config(std.id)).learned_model == "review"
        first = await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        report = await fake.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        await h.settle()
        text = report_text(report)
        assert "learned model" in text and "Nothing was done automatically" in text
        assert "probability 1.00" in text
        ids = [b["custom_id"] for b in report.json["components"][0]["components"]]
        strike_id = (await h.strikes(std.member.id))[0].id
        assert ids == [f"cg:report:{a}:{strike_id}" for a in ("enforce", "ban", "pardon", "dismiss")]
        assert fake.calls_to("DELETE", f"/channels/{std.general.id}/messages/{first}") == []
        assert fake.calls_to("POST", "/users/@me/channels") == [], "no DM (no DM channel opened)"
        (strike,) = await h.strikes(std.member.id)
        assert strike.shadow and strike.review and strike.points == 0
        assert [a.kind for a in await h.actions(std.member.id)] == ["report"]

        # Three more (the default ladder bans at 3 counted strikes): reports, nothing else.
        for _ in range(3):
            await fake.send_message(std.general.id, std.member, MODEL_ONLY)
            await h.settle()
        assert len(h.posts_in(std.reports.id)) == 4
        assert fake.calls_to("DELETE", DELETE_ONE) == [] and fake.calls_to("PUT", BAN) == []
        assert fake.calls_to("POST", "/users/@me/channels") == [], "the member was never contacted"
        standing = await h.store.member_standing(std.id, std.member.id, now=datetime.now(UTC))
        assert standing.active == () and standing.active_points == 0
        reply = await run(fake, std, std.admin, "guard", guard("strikes", option("member", std.member.id, USER)))
        assert embed_text(reply).count("held for review: only the learned model flagged it") == 4

        # A rule's finding now is the member's FIRST counted strike: a first warning, no ban.
        phone = await fake.send_message(std.general.id, std.member, f"call me {PHONE}")
        await wait_deleted(h, phone)
        (dm,) = h.dms_to(std.member.id)
        assert "strike 1" in dm.json["content"]
        assert fake.calls_to("PUT", BAN) == []


async def test_review_report_in_japanese(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    std = fake_discord.add_standard_guild("日本のサーバー", preferred_locale="ja")
    async with model_bot(fake_discord, std, tmp_path) as h:
        await fake_discord.send_message(std.general.id, std.member, MODEL_ONLY)
        report = await fake_discord.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        await h.settle()
        text = report_text(report)
        assert "学習モデルだけが違反の可能性ありと判定しました" in text and "自動では何もしていません" in text


async def test_enforce_treats_the_model_like_a_rule(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path, "enforce") as h:
        message_id = await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        await wait_deleted(h, message_id)
        (dm,) = h.dms_to(std.member.id)
        assert "strike 1" in dm.json["content"]
        (strike,) = await h.strikes(std.member.id)
        assert not strike.shadow and not strike.review and strike.points == 1


async def test_off_does_not_ask_the_model(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path, "off") as h:
        await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        await h.settle()
        await fake.assert_no_call("DELETE", DELETE_ONE, within=0.1)
        assert h.posts_in(std.reports.id) == []
        assert await h.strikes(std.member.id) == []


@pytest.mark.parametrize("value", ["review", "enforce", "off"])
async def test_a_rule_finding_is_enforced_in_every_setting(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path, value: str
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path, value) as h:
        message_id = await fake.send_message(std.general.id, std.member, f"call me {PHONE} at zqxland")
        await wait_deleted(h, message_id)
        assert len(h.dms_to(std.member.id)) == 1
        (strike,) = await h.strikes(std.member.id)
        assert not strike.shadow and not strike.review and strike.points == 1


async def test_an_edit_that_adds_a_number_to_a_message_held_for_review_is_enforced(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path) as h:
        message_id = await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        await fake.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        await h.settle()
        await fake.edit_message(std.general.id, message_id, f"{MODEL_ONLY}, call {PHONE}")
        await wait_deleted(h, message_id)
        assert len(h.dms_to(std.member.id)) == 1
        held, enforced = await h.strikes(std.member.id)
        assert held.review and held.points == 0
        assert not enforced.review and enforced.points == 1 and enforced.message_ids == (str(message_id),)


async def test_changing_the_setting_takes_effect_without_a_restart(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path, "off") as h:
        await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        await h.settle()
        assert await h.strikes(std.member.id) == []
        reply = await run(fake, std, std.admin, "guard", guard(
            "setup", option("report_channel", std.reports.id, CHANNEL), option("learned_model", "enforce", STR)
        ))
        assert "Learned model: **enforce" in reply["data"]["content"]
        h.bot.pipeline.invalidate_guild(std.id)  # the pipeline re-reads settings every 2 s
        message_id = await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        await wait_deleted(h, message_id)
        assert len(await h.strikes(std.member.id)) == 1


async def test_setup_sets_status_shows_and_bad_values_are_refused(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path) as h:
        reply = await run(fake, std, std.admin, "guard", guard("status"))
        assert "Learned model\nreview (a verdict of the model alone is only reported" in embed_text(reply)

        reply = await run(fake, std, std.admin, "guard", guard(
            "setup", option("report_channel", std.reports.id, CHANNEL), option("learned_model", "off", STR)
        ))
        assert "Learned model: **off (the model is not used)**" in reply["data"]["content"]
        assert (await h.store.get_guild_config(std.id)).learned_model == "off"
        reply = await run(fake, std, std.admin, "guard", guard("status"), locale="ja")
        assert "学習モデルによる検出\noff(学習モデルを使いません)" in embed_text(reply)

        # Discord offers only the three choices; a forged value is refused and nothing changes.
        reply = await run(fake, std, std.admin, "guard", guard(
            "setup", option("report_channel", std.reports.id, CHANNEL), option("learned_model", "sometimes", STR)
        ))
        assert "The settings were not changed" in reply["data"]["content"]
        assert "learned_model must be one of off, review, enforce" in reply["data"]["content"]
        assert (await h.store.get_guild_config(std.id)).learned_model == "off"

        # Setting the mode alone leaves the model setting as it was.
        await run(fake, std, std.admin, "guard", guard(
            "setup", option("report_channel", std.reports.id, CHANNEL), option("mode", "shadow", STR)
        ))
        config = await h.store.get_guild_config(std.id)
        assert (config.mode, config.learned_model) == ("shadow", "off")


async def test_guard_test_follows_the_setting(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path) as h:
        reply = await run(fake, std, std.admin, "guard", guard("test", option("text", MODEL_ONLY, STR)))
        assert "In this server, a verdict of the model alone: review" in reply["data"]["content"]
        assert SOLICIT_RULE_ID in embed_text(reply)
        await h.store.update_guild_config(std.id, learned_model="off")
        reply = await run(fake, std, std.admin, "guard", guard("test", option("text", MODEL_ONLY, STR)))
        assert "a verdict of the model alone: off" in reply["data"]["content"]
        assert "No contact details found" in reply["data"]["content"] and not reply["data"].get("embeds")


async def test_a_moderator_enforces_a_verdict_held_for_review(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    async with model_bot(fake, std, tmp_path) as h:
        message_id = await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        report = await fake.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        await h.settle()
        (held,) = await h.strikes(std.member.id)
        report_id = int(report.response["id"])

        # A member without Manage Messages or the moderator role may not.
        refused = await click(h, std.other_member, report_id, f"cg:report:enforce:{held.id}")
        assert "Manage Messages" in refused["data"]["content"]

        answer = await click(h, std.moderator, report_id, f"cg:report:enforce:{held.id}")
        assert answer["type"] == UPDATE_MESSAGE
        assert "Enforced by" in embed_words(answer["data"]["embeds"][0])
        assert all(b["disabled"] for row in answer["data"]["components"] for b in row["components"])
        await wait_deleted(h, message_id)
        (dm,) = h.dms_to(std.member.id)
        assert "strike 1" in dm.json["content"]
        (enforced,) = await h.strikes(std.member.id)
        assert enforced.points == 1 and not enforced.review and not enforced.shadow
        cases = {c.action: c for c in await h.store.cases_for(std.id, strike_id=enforced.id)}
        assert set(cases) == {"report_enforce", "warn"}
        assert cases["report_enforce"].reason == f"Enforced from the report by {std.moderator.username}"
        assert cases["report_enforce"].actor_id == std.moderator.id
        assert len(h.posts_in(std.reports.id)) == 1, "no second report of the same strike"

        again = await click(h, std.admin, report_id, f"cg:report:enforce:{held.id}")
        assert again["data"]["content"].startswith(already_enforced_by(std.moderator.id))
        await h.settle()
        assert len(h.dms_to(std.member.id)) == 1

        # The enforced strike counts: a rule's finding now is strike 2 (final warning, report),
        # and that report has no Enforce button.
        await fake.send_message(std.general.id, std.member, f"call me {PHONE}")
        await h.settle()
        assert "final warning" in h.dms_to(std.member.id)[-1].json["content"]
        rule_report = h.posts_in(std.reports.id)[-1]
        labels = [b["custom_id"].split(":")[2] for b in rule_report.json["components"][0]["components"]]
        assert labels == ["ban", "pardon", "dismiss"]


async def test_status_warns_when_the_bot_runs_without_the_model(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    rules_only = Detector(shared_detector().rules, None)  # as with LEARNED_MODEL=off
    async with running_bot(fake, std, tmp_path / "ledger.sqlite3", detector=rules_only):
        reply = await run(fake, std, std.admin, "guard", guard("status"))
        setting = status_fields(reply)[t("commands.status.learned_model", "en")]
        assert setting.startswith(t("commands.learned_model.review", "en"))
        assert "runs without the learned model (LEARNED_MODEL=off)" in setting
    async with running_bot(fake, std, tmp_path / "ledger2.sqlite3", detector=model_detector()):
        reply = await run(fake, std, std.admin, "guard", guard("status"))
        fields = status_fields(reply)
        # The setting alone, and no warning anywhere in the status.
        assert fields[t("commands.status.learned_model", "en")] == t("commands.learned_model.review", "en")
        assert t("commands.status.mode", "en") in fields and t("commands.status.ladder", "en") in fields
        assert "LEARNED_MODEL=off" not in embed_text(reply)


async def test_moderators_pressing_enforce_at_once_warn_the_member_once(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    std, fake = standard_guild, fake_discord
    db = tmp_path / "ledger.sqlite3"
    async with running_bot(fake, std, db, detector=model_detector()) as h:
        message_id = await fake.send_message(std.general.id, std.member, MODEL_ONLY)
        report = await fake.wait_for_call("POST", f"/channels/{std.reports.id}/messages")
        await h.settle()
        (held,) = await h.strikes(std.member.id)
        report_id = int(report.response["id"])
        enforce = f"cg:report:enforce:{held.id}"
        interactions = await asyncio.gather(
            *(
                fake.send_component_interaction(std.id, std.reports.id, user, report_id, enforce)
                for user in (std.moderator, std.admin, std.owner)
            )
        )
        answers = [await answer_of(fake, interaction) for interaction in interactions]
        await wait_deleted(h, message_id)

        cases = {c.action: c for c in await h.store.cases_for(std.id, strike_id=held.id)}
        winner = cases["report_enforce"].actor_id
        (won,) = [a for a in answers if a["type"] == UPDATE_MESSAGE]
        assert f"Enforced by <@{winner}>" in embed_words(won["data"]["embeds"][0])
        assert all(b["disabled"] for row in won["data"]["components"] for b in row["components"])
        # The others hear who got there first: the per-report lock made them wait and read the
        # outcome, instead of racing to the ledger and being stopped only there.
        for answer in (a for a in answers if a is not won):
            assert answer["type"] == CHANNEL_MESSAGE and answer["data"]["flags"] & EPHEMERAL
            assert answer["data"]["content"].startswith(already_enforced_by(winner))
        assert len(fake.calls_to("DELETE", f"/channels/{std.general.id}/messages/{message_id}")) == 1
        (dm,) = h.dms_to(std.member.id)
        assert "strike 1" in dm.json["content"]
        (enforced,) = await h.strikes(std.member.id)
        assert enforced.points == 1 and not enforced.review
        actions = [c.action for c in await h.store.cases_for(std.id, strike_id=enforced.id)]
        assert sorted(actions) == ["report_enforce", "warn"]
        assert winner in {std.moderator.id, std.admin.id, std.owner.id}

    # After a restart the report still answers "already handled" and nothing more happens.
    async with running_bot(fake, std, db, detector=model_detector()) as after:
        again = await click(after, std.moderator, report_id, enforce)
        assert again["data"]["content"].startswith(already_enforced_by(winner))
        await after.settle()
        assert len(fake.calls_to("DELETE", DELETE_ONE)) == 1 and len(after.dms_to(std.member.id)) == 1
        assert [s.points for s in await after.strikes(std.member.id)] == [1]
