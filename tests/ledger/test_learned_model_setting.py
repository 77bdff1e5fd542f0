"""The per-guild ``learned_model`` setting in the ledger: validation, storage, the migration of
an existing database, and how a verdict of the learned model alone is recorded per setting."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.detect.learned import LEARNED_RULE_IDS as DETECTOR_LEARNED_RULE_IDS
from bot.ledger.models import LEARNED_RULE_IDS, FindingRecord, GuildConfig
from bot.ledger.policy import ConfigError
from bot.ledger.store import LedgerStore, load_migrations, migrate

from .conftest import GUILD, MEMBER, NOW, PHONE, violation

MODEL = FindingRecord("solicit", "solicit", "solicit.model", 0, 20, "somewhere else", 0.93)
MODEL_TEXT = "let's talk somewhere else"
# The contact head's verdict: reviewed like the solicit head's.
CONTACT_MODEL = FindingRecord("line", "contact", "contact.model", 0, 12, "yuki dot kiss", 0.91)


def test_the_ledger_names_the_models_rule_id_as_the_detector_does() -> None:
    assert LEARNED_RULE_IDS == DETECTOR_LEARNED_RULE_IDS


def test_review_is_the_default_and_bad_values_are_refused() -> None:
    assert GuildConfig(GUILD).learned_model == "review"
    for value in ("enforce", "off", "review"):
        assert GuildConfig(GUILD).with_changes(learned_model=value).learned_model == value
    for bad in ("shadow", "ON", "", None, 1):
        with pytest.raises(ConfigError, match="learned_model must be one of off, review, enforce"):
            GuildConfig(GUILD).with_changes(learned_model=bad)


def test_only_the_models_verdict_alone_is_for_review() -> None:
    config = GuildConfig(GUILD)
    assert config.for_review([MODEL])
    assert not config.for_review([MODEL, PHONE]) and not config.for_review([PHONE])
    assert config.for_review([CONTACT_MODEL]) and config.for_review([MODEL, CONTACT_MODEL])
    assert not config.for_review([CONTACT_MODEL, PHONE])
    assert not config.for_review([])
    assert not config.with_changes(learned_model="enforce").for_review([MODEL])


async def test_the_setting_is_stored_and_read_back(db_path: Path) -> None:
    store = await LedgerStore.open(db_path)
    try:
        assert (await store.get_guild_config(GUILD)).learned_model == "review"
        await store.update_guild_config(GUILD, learned_model="off")
        with pytest.raises(ConfigError):
            await store.update_guild_config(GUILD, learned_model="sometimes")
    finally:
        await store.close()
    store = await LedgerStore.open(db_path)  # a fresh process reads it from the file
    try:
        assert (await store.get_guild_config(GUILD)).learned_model == "off"
    finally:
        await store.close()


async def test_a_v4_database_is_upgraded_to_review(db_path: Path) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        assert await migrate(conn, target=4) == 4
    with sqlite3.connect(db_path) as raw:
        raw.execute(
            "INSERT INTO guild_settings (guild_id, mode, updated_us) VALUES (?, 'enforce', 0)", (GUILD,)
        )
        raw.execute(
            "INSERT INTO strikes (id, guild_id, member_id, channel_id, kind, category, points,"
            " created_us, expires_us, shadow) VALUES (3, ?, ?, 1, 'phone', 'contact', 1, 0, 1, 0)",
            (GUILD, MEMBER),
        )
    store = await LedgerStore.open(db_path)
    try:
        assert await store.schema_version() == len(load_migrations()) >= 5
        config = await store.get_guild_config(GUILD)
        assert (config.mode, config.learned_model) == ("enforce", "review")
        old = await store.get_strike(3)
        assert old is not None and not old.review
    finally:
        await store.close()
    with sqlite3.connect(db_path) as raw, pytest.raises(sqlite3.IntegrityError):
        raw.execute("UPDATE guild_settings SET learned_model = 'maybe'")


async def test_review_records_a_shadow_strike_that_does_not_count(store: LedgerStore) -> None:
    first = await store.record_violation(violation(findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    assert first.created and first.strike.review and first.strike.shadow
    assert first.strike.points == 0
    assert [a.kind for a in first.actions] == ["report"]
    assert first.actions[0].params["review"] is True
    # Three more: still nothing counts, nothing escalates (the default ladder bans at 3).
    for minutes in (1, 2, 3):
        more = await store.record_violation(
            violation(findings=(MODEL,), text=MODEL_TEXT), now=NOW + timedelta(minutes=minutes)
        )
        assert [a.kind for a in more.actions] == ["report"]
        assert more.decision is not None and more.decision.active_strikes == 0
    standing = await store.member_standing(GUILD, MEMBER, now=NOW + timedelta(minutes=5))
    assert standing.active == () and standing.active_points == 0
    # A rule's finding afterwards is this member's FIRST counted strike: a warning, not a ban.
    rule = await store.record_violation(violation(), now=NOW + timedelta(minutes=6))
    assert [a.kind for a in rule.actions] == ["delete", "warn"]
    assert rule.decision is not None and rule.decision.active_strikes == 1


async def test_enforce_counts_the_models_verdict_like_a_rule(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, learned_model="enforce")
    outcome = await store.record_violation(violation(findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    assert not outcome.strike.review and not outcome.strike.shadow and outcome.strike.points == 1
    assert [a.kind for a in outcome.actions] == ["delete", "warn"]


async def test_a_rule_finding_with_the_model_is_enforced_in_review(store: LedgerStore) -> None:
    outcome = await store.record_violation(violation(findings=(PHONE, MODEL)), now=NOW)
    assert not outcome.strike.review and [a.kind for a in outcome.actions] == ["delete", "warn"]


async def test_shadow_mode_stays_shadow_for_every_finding(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, mode="shadow", learned_model="enforce")
    outcome = await store.record_violation(violation(findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    assert outcome.strike.shadow and not outcome.strike.review
    assert [a.kind for a in outcome.actions] == ["report"]


async def test_an_enforced_finding_takes_over_a_message_held_for_review(store: LedgerStore) -> None:
    held = await store.record_violation(violation(900, findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    # The same verdict again (an edit that changed nothing that matters): a duplicate.
    again = await store.record_violation(violation(900, findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    assert not again.created and again.strike.id == held.strike.id
    # The member edits a phone number in: that must be enforced, not taken for a duplicate.
    edited = await store.record_violation(violation(900), now=NOW + timedelta(seconds=5))
    assert edited.created and edited.strike.id != held.strike.id
    assert [a.kind for a in edited.actions] == ["delete", "warn"]
    assert edited.actions[0].message_ids == ("900",)
    owner = await store.strike_for_message(GUILD, 900)
    assert owner is not None and owner.id == edited.strike.id
    kept = await store.get_strike(held.strike.id)
    assert kept is not None and kept.review and kept.message_ids == ()
    evidence = await store.get_evidence(held.strike.id)
    assert evidence is not None and evidence.original_text == MODEL_TEXT
    # And the enforced strike is never given up to a later review verdict.
    later = await store.record_violation(violation(900, findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    assert not later.created and later.strike.id == edited.strike.id


async def test_takeover_within_one_batch(store: LedgerStore) -> None:
    held, enforced = await asyncio.gather(
        store.record_violation(violation(910, findings=(MODEL,), text=MODEL_TEXT), now=NOW),
        store.record_violation(violation(910, 911), now=NOW),
    )
    assert held.created and held.strike.review and enforced.created
    assert enforced.actions[0].message_ids == ("910", "911")
    owner = await store.strike_for_message(GUILD, 910)
    assert owner is not None and owner.id == enforced.strike.id


async def test_a_moderator_enforces_a_strike_held_for_review(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, ladder="1: warn; 2: timeout 1h, report; 3: ban")
    await store.record_violation(violation(), now=NOW)  # one counted strike already
    held = await store.record_violation(violation(920, findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    later = NOW + timedelta(hours=2)
    outcome = await store.enforce_review(held.strike.id, moderator_id=5, reason="agreed", now=later)
    assert outcome is not None and outcome.decision is not None
    assert outcome.strike.points == 1 and not outcome.strike.review and not outcome.strike.shadow
    # Step 2 of the ladder, without the report the moderators are already reading.
    assert [a.kind for a in outcome.actions] == ["delete", "timeout"]
    assert all(a.status == "in_progress" and a.message_ids == ("920",) for a in outcome.actions)
    assert outcome.actions[1].params["until"] == (later + timedelta(hours=1)).isoformat()
    stored = await store.get_strike(held.strike.id)
    assert stored is not None and stored.points == 1 and not stored.review and stored.step_threshold == 2
    standing = await store.member_standing(GUILD, MEMBER, now=later)
    assert standing.active_points == 2
    (case,) = await store.cases_for(GUILD, strike_id=held.strike.id)
    assert (case.action, case.actor_id, case.reason) == ("report_enforce", 5, "agreed")
    # Only once, and never for a strike that was not held for review.
    assert await store.enforce_review(held.strike.id, moderator_id=5, reason="again", now=later) is None
    rule = await store.record_violation(violation(), now=NOW)
    assert await store.enforce_review(rule.strike.id, moderator_id=5, reason="x", now=later) is None


async def test_shadow_mode_enforces_nothing_but_counts(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, mode="shadow")
    held = await store.record_violation(violation(findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    outcome = await store.enforce_review(held.strike.id, moderator_id=5, reason="ok", now=NOW)
    assert outcome is not None and outcome.actions == () and outcome.strike.shadow
    assert outcome.strike.points == 1
