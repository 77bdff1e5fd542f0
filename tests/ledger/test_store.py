"""The store against a real SQLite file: recording, idempotence, configuration, pardons, the
outbox, the case log, export, retention and deletion."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.ledger.models import AllowEntry, AttachmentEvidence
from bot.ledger.policy import ConfigError, Ladder, LadderError, default_ladder
from bot.ledger.store import MAX_ATTEMPTS, LedgerStore, load_migrations

from .conftest import GUILD, LOCATION, MEMBER, NOW, PHONE, SOLICIT, violation

OTHER_GUILD = 444_444_444_444_444_444
OTHER_MEMBER = 555_555_555_555_555_555


# --------------------------------------------------------------------------- recording


async def test_first_violation_commits_strike_evidence_and_claimed_actions(store: LedgerStore) -> None:
    outcome = await store.record_violation(violation(101), now=NOW)
    assert outcome.created
    assert outcome.strike.message_ids == ("101",)
    assert outcome.strike.kind == "phone" and outcome.strike.points == 1
    assert outcome.strike.expires == NOW + timedelta(days=90)
    assert outcome.decision is not None and outcome.decision.active_strikes == 1
    assert [a.kind for a in outcome.actions] == ["delete", "warn"]
    assert all(a.status == "in_progress" for a in outcome.actions)
    assert outcome.actions[1].params["next_actions"] == ["delete", "final_warn", "report"]

    stored = await store.actions_for_strike(outcome.strike.id)
    assert [(a.id, a.kind, a.status) for a in stored] == [
        (a.id, a.kind, "in_progress") for a in outcome.actions
    ]
    evidence = await store.get_evidence(outcome.strike.id)
    assert evidence is not None
    assert evidence.original_text == "電話は 090-1234-5678 です"
    assert evidence.findings == (PHONE,)
    assert evidence.rule_ids == ("phone.jp.mobile",)
    assert await store.get_strike(outcome.strike.id) == outcome.strike


async def test_three_violations_walk_the_default_ladder(store: LedgerStore) -> None:
    kinds = []
    for day in range(4):
        outcome = await store.record_violation(violation(), now=NOW + timedelta(days=day))
        kinds.append(tuple(a.kind for a in outcome.actions))
    assert kinds == [
        ("delete", "warn"),
        ("delete", "final_warn", "report"),
        ("delete", "ban", "report"),
        ("delete", "ban", "report"),
    ]
    assert [s.step_threshold for s in await store.strikes_for(GUILD, MEMBER)] == [1, 2, 3, 3]


async def test_same_message_again_returns_the_existing_strike_and_writes_nothing(store: LedgerStore) -> None:
    first = await store.record_violation(violation(202), now=NOW)
    before = await store.counts()
    again = await store.record_violation(violation(202, text="edited: 090 1234 5678"), now=NOW)
    assert not again.created and again.decision is None and again.actions == ()
    assert again.strike == first.strike
    assert await store.counts() == before


async def test_a_finding_spanning_messages_is_one_strike(store: LedgerStore) -> None:
    split = await store.record_violation(violation(301, 302, 303, text="090\n1234\n5678"), now=NOW)
    assert split.created and split.strike.message_ids == ("301", "302", "303")
    # A later detection that overlaps any of the parts is the same strike.
    overlap = await store.record_violation(violation(303, 304), now=NOW)
    assert not overlap.created and overlap.strike.id == split.strike.id
    assert len(await store.strikes_for(GUILD, MEMBER)) == 1
    assert (await store.strike_for_message(GUILD, 302)) == split.strike
    assert await store.strike_for_message(GUILD, 304) is None


async def test_message_ids_are_scoped_per_guild(store: LedgerStore) -> None:
    first = await store.record_violation(violation(401), now=NOW)
    other = await store.record_violation(violation(401, guild=OTHER_GUILD), now=NOW)
    assert first.created and other.created and first.strike.id != other.strike.id


async def test_gravest_finding_names_the_strike(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, ladder=default_ladder().replace(points={"contact": 3, "solicit": 1}))
    outcome = await store.record_violation(violation(findings=(SOLICIT, PHONE)), now=NOW)
    assert (outcome.strike.kind, outcome.strike.category, outcome.strike.points) == ("phone", "contact", 3)
    assert outcome.actions[0].params["kinds"] == ["solicit", "phone"]


async def test_naive_time_is_rejected(store: LedgerStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.record_violation(violation(), now=datetime(2026, 1, 1))


async def test_strikes_survive_reopening(db_path: Path) -> None:
    first = await LedgerStore.open(db_path)
    outcome = await first.record_violation(violation(501), now=NOW)
    await first.close()
    second = await LedgerStore.open(db_path)
    try:
        assert await second.get_strike(outcome.strike.id) == outcome.strike
        assert await second.schema_version() == len(load_migrations())
    finally:
        await second.close()


# --------------------------------------------------------------------------- images and shadow


async def test_photo_location_is_recorded_but_not_counted_by_default(store: LedgerStore) -> None:
    photo = await store.record_violation(violation(findings=(LOCATION,)), now=NOW)
    assert photo.created and photo.strike.points == 0
    assert photo.decision is not None and not photo.decision.counted
    assert [a.kind for a in photo.actions] == ["delete", "warn"]
    assert photo.actions[1].params["category"] == "location"
    # The next real violation is still a first strike.
    first = await store.record_violation(violation(), now=NOW)
    assert [a.kind for a in first.actions] == ["delete", "warn"]

    await store.update_guild_config(GUILD, location_strike=True)
    counted = await store.record_violation(violation(findings=(LOCATION,)), now=NOW)
    assert counted.strike.points == 1
    assert [a.kind for a in counted.actions] == ["delete", "final_warn", "report"]


async def test_points_override_wins(store: LedgerStore) -> None:
    outcome = await store.record_violation(violation(points_override=0), now=NOW)
    assert outcome.strike.points == 0 and not outcome.decision.counted  # type: ignore[union-attr]


async def test_attachment_bytes_are_kept_within_the_cap(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, max_image_bytes=4096)
    small = AttachmentEvidence("9001", "qr.png", 5, "image/png", "https://cdn/qr.png", data=b"\x89PNG!")
    large = AttachmentEvidence("9002", "big.jpg", 5000, "image/jpeg", data=b"x" * 5000)
    outcome = await store.record_violation(violation(attachments=(small, large)), now=NOW)
    evidence = await store.get_evidence(outcome.strike.id)
    assert evidence is not None
    kept, dropped = evidence.attachments
    assert (kept.attachment_id, kept.data, kept.content_type) == ("9001", b"\x89PNG!", "image/png")
    assert dropped.data is None and dropped.size == 5000 and dropped.sha256 is not None


async def test_shadow_mode_records_and_only_reports(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, mode="shadow")
    outcomes = [await store.record_violation(violation(), now=NOW) for _ in range(3)]
    assert [[a.kind for a in o.actions] for o in outcomes] == [["report"]] * 3
    assert outcomes[2].actions[0].params["intended_actions"] == ["delete", "ban", "report"]
    assert all(o.strike.shadow for o in outcomes)


# --------------------------------------------------------------------------- configuration


async def test_defaults_when_unset(store: LedgerStore) -> None:
    config = await store.get_guild_config(GUILD)
    assert config.mode == "enforce" and config.language is None
    assert config.ladder == default_ladder()
    assert config.evidence_retention_days == 180
    assert config.max_image_bytes == 10 * 1024 * 1024 and not config.location_strike


async def test_settings_round_trip(db_path: Path) -> None:
    first = await LedgerStore.open(db_path)
    await first.update_guild_config(
        GUILD, report_channel_id=42, language="ja", mode="shadow", ladder="1: warn; 2: timeout 1d, report",
        evidence_retention_days=30, moderator_role_id=77,
    )
    await first.add_exemption(GUILD, role_id=5)
    await first.add_exemption(GUILD, channel_id=6)
    await first.add_allow_entry(GUILD, "domain", "Example.COM.")
    await first.add_allow_entry(GUILD, "handle", "@official")
    await first.remove_allow_entry(GUILD, "handle", "@official")
    await first.close()
    second = await LedgerStore.open(db_path)
    try:
        config = await second.get_guild_config(GUILD)
    finally:
        await second.close()
    assert (config.report_channel_id, config.language, config.mode) == (42, "ja", "shadow")
    assert config.ladder.to_text() == "1: warn; 2: timeout 1d, report"
    assert config.evidence_retention_days == 30 and config.moderator_role_id == 77
    assert config.exempt_role_ids == {5} and config.exempt_channel_ids == {6}
    assert config.allow_list == (AllowEntry("domain", "example.com"),)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"ladder": "1: warn; 2: yeet"}, LadderError, "unknown action 'yeet'"),
        ({"ladder": "1: timeout -1h"}, LadderError, "cannot read duration"),
        ({"ladder": "1: warn; 2: timeout 30d"}, LadderError, "28-day limit"),
        ({"ladder": "1: warn; 1: ban"}, LadderError, "threshold listed twice"),
        ({"language": "fr"}, ConfigError, "language must be"),
        ({"mode": "chaos"}, ConfigError, "mode must be"),
        ({"evidence_retention_days": -1}, ConfigError, "evidence_retention_days"),
        ({"max_image_bytes": 0}, ConfigError, "max_image_bytes"),
        ({"report_channel_id": -5}, ConfigError, "report_channel_id"),
        ({"colour": "red"}, ConfigError, "unknown setting"),
        ({"mode": "shadow", "ladder": "1: nope"}, LadderError, "unknown action 'nope'"),
    ],
)
async def test_invalid_settings_are_rejected_and_nothing_changes(
    db_path: Path, changes: dict[str, object], error: type[Exception], message: str
) -> None:
    store = await LedgerStore.open(db_path)
    good = await store.update_guild_config(GUILD, ladder="1: warn; 2: ban, report", report_channel_id=42)
    with pytest.raises(error) as caught:
        await store.update_guild_config(GUILD, **changes)
    assert message in str(caught.value)
    assert await store.get_guild_config(GUILD) == good
    await store.close()
    reopened = await LedgerStore.open(db_path)  # and nothing reached the file either
    try:
        assert await reopened.get_guild_config(GUILD) == good
    finally:
        await reopened.close()


async def test_changing_the_decay_window_moves_expiries_and_counting(store: LedgerStore) -> None:
    await store.record_violation(violation(), now=NOW)
    later = NOW + timedelta(days=10)
    await store.update_guild_config(GUILD, ladder=default_ladder().replace(decay_days=7))
    (old,) = await store.strikes_for(GUILD, MEMBER)
    assert old.expires == NOW + timedelta(days=7)
    outcome = await store.record_violation(violation(), now=later)
    assert [a.kind for a in outcome.actions] == ["delete", "warn"]  # the old one expired


async def test_ladder_edit_applies_to_the_next_violation(store: LedgerStore) -> None:
    await store.record_violation(violation(), now=NOW)
    await store.update_guild_config(GUILD, ladder=Ladder.parse("1: warn; 2: timeout 10m, report"))
    outcome = await store.record_violation(violation(), now=NOW)
    assert [a.kind for a in outcome.actions] == ["delete", "timeout", "report"]
    assert outcome.actions[1].params["duration_s"] == 600
    assert outcome.actions[1].params["until"] == (NOW + timedelta(minutes=10)).isoformat()


# --------------------------------------------------------------------------- pardons and cases


async def test_pardon_one_strike_then_all(store: LedgerStore) -> None:
    ids = [(await store.record_violation(violation(), now=NOW)).strike.id for _ in range(3)]
    assert await store.pardon(GUILD, MEMBER, strike_id=ids[0], moderator_id=9, reason="typo", now=NOW) == [ids[0]]
    assert await store.pardon(GUILD, MEMBER, strike_id=ids[0], moderator_id=9, reason="again", now=NOW) == []
    assert await store.pardon(GUILD, OTHER_MEMBER, strike_id=ids[1], moderator_id=9, reason="x", now=NOW) == []
    assert await store.pardon(GUILD, MEMBER, strike_id=None, moderator_id=9, reason="fresh start", now=NOW) == ids[1:]

    history = await store.strikes_for(GUILD, MEMBER)
    assert [s.pardoned for s in history] == [True, True, True]  # still visible
    assert history[0].pardon_reason == "typo" and history[0].pardoned_by == 9
    assert await store.strikes_for(GUILD, MEMBER, include_pardoned=False) == []
    fresh = await store.record_violation(violation(), now=NOW)
    assert [a.kind for a in fresh.actions] == ["delete", "warn"]
    cases = await store.cases_for(GUILD, MEMBER)
    assert [(c.action, c.actor_id, c.reason) for c in cases] == [
        ("pardon", 9, "fresh start"),
        ("pardon", 9, "typo"),
    ]
    with pytest.raises(ValueError, match="reason"):
        await store.pardon(GUILD, MEMBER, strike_id=None, moderator_id=9, reason="  ", now=NOW)


async def test_case_log(store: LedgerStore) -> None:
    outcome = await store.record_violation(violation(), now=NOW)
    case = await store.log_case(
        GUILD, actor_id=9, action="ban", target_id=MEMBER, reason="report button", strike_id=outcome.strike.id, now=NOW
    )
    await store.log_case(GUILD, actor_id=9, action="dismiss", target_id=OTHER_MEMBER, reason="ok", now=NOW)
    assert await store.cases_for(GUILD, MEMBER) == [case]
    assert await store.cases_for(GUILD, strike_id=outcome.strike.id) == [case]
    assert len(await store.cases_for(GUILD)) == 2


async def test_standing_and_last_strike(store: LedgerStore) -> None:
    await store.record_violation(violation(), now=NOW - timedelta(days=100))
    latest = await store.record_violation(violation(), now=NOW)
    now_standing = await store.member_standing(GUILD, MEMBER, now=NOW)
    assert [s.id for s in now_standing.active] == [latest.strike.id]
    assert now_standing.next_step is not None and now_standing.next_step.threshold == 2
    assert await store.last_strike_for(GUILD, MEMBER) == latest.strike
    assert await store.last_strike_for(GUILD, OTHER_MEMBER) is None


# --------------------------------------------------------------------------- the outbox


async def test_done_and_failed_actions(store: LedgerStore) -> None:
    outcome = await store.record_violation(violation(), now=NOW)
    delete, warn = outcome.actions
    await store.mark_action_done(delete.id, now=NOW)
    await store.mark_action_failed(warn.id, "DM not delivered (50007)", retry=False, now=NOW)
    await store.mark_action_done(delete.id, now=NOW)  # a repeat changes nothing
    rows = {a.kind: a for a in await store.actions_for_strike(outcome.strike.id)}
    assert rows["delete"].status == "done" and rows["delete"].attempts == 1
    assert rows["warn"].status == "failed" and rows["warn"].last_error == "DM not delivered (50007)"
    # The failed side effect never touches the strike.
    assert await store.get_strike(outcome.strike.id) == outcome.strike
    assert await store.pending_actions(now=NOW + timedelta(days=1)) == []
    with pytest.raises(LookupError):
        await store.mark_action_done(999_999)


async def test_done_moderation_actions_enter_the_case_log(store: LedgerStore) -> None:
    for _ in range(3):
        outcome = await store.record_violation(violation(), now=NOW)
    for action in outcome.actions:
        await store.mark_action_done(action.id, now=NOW)
    cases = await store.cases_for(GUILD, MEMBER)
    assert [(c.action, c.actor_id, c.strike_id) for c in cases] == [("ban", None, outcome.strike.id)]


async def test_retry_backs_off_and_gives_up(store: LedgerStore) -> None:
    outcome = await store.record_violation(violation(), now=NOW)
    report_id = outcome.actions[0].id
    clock = NOW
    for attempt in range(1, MAX_ATTEMPTS):
        await store.mark_action_failed(report_id, "HTTP 503", retry=True, now=clock)
        due_ids = [a.id for a in await store.pending_actions(now=clock)]
        assert report_id not in due_ids  # not before its back-off
        clock += timedelta(hours=2)
        due = [a for a in await store.pending_actions(now=clock) if a.id == report_id]
        assert len(due) == 1 and due[0].attempts == attempt and due[0].last_error == "HTTP 503"
    await store.mark_action_failed(report_id, "HTTP 503", retry=True, now=clock)
    (row,) = [a for a in await store.actions_for_strike(outcome.strike.id) if a.id == report_id]
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS


async def test_pending_actions_are_claimed_once_until_the_lease_runs_out(db_path: Path) -> None:
    store = await LedgerStore.open(db_path, lease=timedelta(seconds=60))
    try:
        outcome = await store.record_violation(violation(), now=NOW)
        for action in outcome.actions:
            await store.mark_action_failed(action.id, "HTTP 500", retry=True, now=NOW)
        later = NOW + timedelta(minutes=5)
        first = await store.pending_actions(now=later)
        assert {a.id for a in first} == {a.id for a in outcome.actions}
        assert await store.pending_actions(now=later) == []  # claimed
        # A performer that died without reporting: after the lease the rows come back.
        far_later = datetime.now(later.tzinfo) + timedelta(minutes=2)
        assert {a.id for a in await store.pending_actions(now=far_later)} == {a.id for a in first}
    finally:
        await store.close()


async def test_reopening_returns_claimed_actions_to_pending(db_path: Path) -> None:
    first = await LedgerStore.open(db_path)
    outcome = await first.record_violation(violation(), now=NOW)
    await first.close()  # closed while its actions were claimed (as if it had crashed)
    tool = await LedgerStore.open(db_path, recover_claims=False)
    assert await tool.pending_actions(now=NOW) == []  # a tool never takes the bot's claims
    await tool.close()
    bot = await LedgerStore.open(db_path)
    try:
        resumed = await bot.pending_actions()
        assert [a.id for a in resumed] == [a.id for a in outcome.actions]
        assert resumed[0].message_ids == outcome.strike.message_ids
    finally:
        await bot.close()


# --------------------------------------------------------------------------- export, retention, deletion


async def test_export_member_is_json_with_evidence_and_bytes(store: LedgerStore) -> None:
    picture = AttachmentEvidence("9100", "line_qr.png", 4, "image/png", data=b"\x00\x01QR")
    outcome = await store.record_violation(violation(601, attachments=(picture,)), now=NOW)
    await store.pardon(GUILD, MEMBER, strike_id=outcome.strike.id, moderator_id=9, reason="ok", now=NOW)
    await store.record_violation(violation(member=OTHER_MEMBER), now=NOW)

    exported = json.loads(json.dumps(await store.export_member(GUILD, MEMBER)))
    assert exported["member_id"] == str(MEMBER) and len(exported["strikes"]) == 1
    (entry,) = exported["strikes"]
    assert entry["message_ids"] == ["601"] and entry["pardon_reason"] == "ok"
    assert entry["evidence"]["original_text"] == "電話は 090-1234-5678 です"
    assert entry["evidence"]["findings"][0]["masked"] == "090-****-5678"
    (attachment,) = entry["evidence"]["attachments"]
    assert base64.b64decode(attachment["data_base64"]) == b"\x00\x01QR"
    assert [a["kind"] for a in entry["actions"]] == ["delete", "warn"]
    assert [c["action"] for c in exported["cases"]] == ["pardon"]


async def test_purge_deletes_old_evidence_by_each_guilds_retention(store: LedgerStore) -> None:
    await store.update_guild_config(OTHER_GUILD, evidence_retention_days=30)
    old = await store.record_violation(violation(), now=NOW - timedelta(days=181))
    edge = await store.record_violation(violation(), now=NOW - timedelta(days=179))
    short = await store.record_violation(violation(guild=OTHER_GUILD), now=NOW - timedelta(days=31))
    fresh = await store.record_violation(violation(guild=OTHER_GUILD), now=NOW - timedelta(days=29))

    assert await store.purge_expired_evidence(NOW) == 2
    assert await store.get_evidence(old.strike.id) is None
    assert await store.get_evidence(short.strike.id) is None
    assert await store.get_evidence(edge.strike.id) is not None
    assert await store.get_evidence(fresh.strike.id) is not None
    assert await store.get_strike(old.strike.id) == old.strike  # the history stays
    assert await store.purge_expired_evidence(NOW) == 0


async def test_delete_member_and_guild_data(store: LedgerStore) -> None:
    mine = await store.record_violation(violation(), now=NOW)
    kept = await store.record_violation(violation(member=OTHER_MEMBER), now=NOW)
    elsewhere = await store.record_violation(violation(guild=OTHER_GUILD), now=NOW)
    await store.update_guild_config(GUILD, report_channel_id=42)
    await store.log_case(GUILD, actor_id=9, action="note", target_id=MEMBER, reason="x", now=NOW)

    await store.delete_member_data(GUILD, MEMBER)
    assert await store.strikes_for(GUILD, MEMBER) == []
    assert await store.get_evidence(mine.strike.id) is None
    assert await store.actions_for_strike(mine.strike.id) == []
    assert await store.cases_for(GUILD, MEMBER) == []
    assert await store.get_strike(kept.strike.id) == kept.strike

    await store.delete_guild_data(GUILD)
    assert await store.strikes_for(GUILD, OTHER_MEMBER) == []
    assert (await store.get_guild_config(GUILD)).report_channel_id is None
    assert await store.get_strike(elsewhere.strike.id) == elsewhere.strike
    # Ids are never reused after deletions (reports and cases name strikes by id).
    newer = await store.record_violation(violation(), now=NOW)
    assert newer.strike.id > elsewhere.strike.id


async def test_departed_guild_is_forgotten_after_the_grace_period(store: LedgerStore) -> None:
    await store.record_violation(violation(), now=NOW)
    await store.record_violation(violation(guild=OTHER_GUILD), now=NOW)
    await store.guild_left(GUILD, now=NOW)
    await store.guild_left(OTHER_GUILD, now=NOW)
    await store.guild_left(OTHER_GUILD, now=NOW + timedelta(days=20))  # the first departure counts
    await store.guild_joined(OTHER_GUILD)  # came back: nothing is deleted

    assert await store.purge_departed_guilds(NOW + timedelta(days=29)) == []
    assert await store.purge_departed_guilds(NOW + timedelta(days=30)) == [GUILD]
    assert await store.strikes_for(GUILD, MEMBER) == []
    assert len(await store.strikes_for(OTHER_GUILD, MEMBER)) == 1
    assert await store.purge_departed_guilds(NOW + timedelta(days=90)) == []


async def test_awkward_evidence_is_stored_not_refused(store: LedgerStore) -> None:
    text = "lone \ud800 surrogate 090-1234-5678"
    duplicate_meta = AttachmentEvidence("77", "qr.png", 3, "image/png")
    duplicate_bytes = AttachmentEvidence("77", "qr.png", 3, "image/png", data=b"abc")
    outcome = await store.record_violation(
        violation(text=text, attachments=(duplicate_meta, duplicate_bytes)), now=NOW
    )
    evidence = await store.get_evidence(outcome.strike.id)
    assert evidence is not None
    assert evidence.original_text == "lone \ufffd surrogate 090-1234-5678"
    assert len(evidence.original_text) == len(text)  # spans still line up
    (attachment,) = evidence.attachments
    assert attachment.data == b"abc"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: violation(findings=()), "at least one finding"),
        (lambda: violation(""), "at least one message id"),
        (lambda: violation(member=0), "member_id"),
        (lambda: violation(points_override=-1), "points_override"),
        (lambda: violation(attachments=(AttachmentEvidence("1", "a", -3),)), "byte count"),
    ],
)
def test_impossible_violations_are_refused_before_the_database(build, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        build()


async def test_maintenance_purges_evidence_and_departed_guilds(store: LedgerStore) -> None:
    from bot.ledger.maintenance import run_maintenance

    old = await store.record_violation(violation(), now=NOW - timedelta(days=200))
    await store.record_violation(violation(guild=OTHER_GUILD), now=NOW)
    await store.guild_left(OTHER_GUILD, now=NOW - timedelta(days=31))
    report = await run_maintenance(store, now=NOW)
    assert report.evidence_purged == 1 and report.guilds_forgotten == (OTHER_GUILD,)
    assert await store.get_evidence(old.strike.id) is None


async def test_ladder_text_keeps_points_and_decay_which_have_their_own_settings(store: LedgerStore) -> None:
    await store.update_guild_config(GUILD, decay_days=30, points={"solicit": 0})
    config = await store.update_guild_config(GUILD, ladder="1: warn; 2: ban, report")
    assert config.ladder.decay_days == 30 and config.ladder.points["solicit"] == 0
    assert config.ladder.to_text() == "1: warn; 2: ban, report"
    for bad, message in (({"decay_days": 0}, "decay must be"), ({"points": {"spam": 2}}, "unknown category")):
        with pytest.raises(LadderError, match=message):
            await store.update_guild_config(GUILD, **bad)
    assert await store.get_guild_config(GUILD) == config
    # A solicitation weighing 0 points is recorded but does not escalate.
    outcome = await store.record_violation(violation(findings=(SOLICIT,)), now=NOW)
    assert outcome.strike.points == 0 and [a.kind for a in outcome.actions] == ["delete", "warn"]


@pytest.mark.parametrize("seed", range(8))
async def test_store_decisions_agree_with_the_pure_policy(tmp_path: Path, seed: int) -> None:
    """The store counts history from narrow rows; it must decide exactly as decide() does on
    the full records, across decay boundaries, pardons, zero-point records and ladder edits."""
    import random

    from bot.ledger.policy import Violation, decide

    rng = random.Random(seed)
    store = await LedgerStore.open(tmp_path / f"agree-{seed}.sqlite3")
    try:
        clock = NOW
        ladder_texts = ["1: warn; 2: final_warn, report; 3: ban, report", "2: warn; 4: timeout 1h; 5: ban"]
        for _ in range(25):
            roll = rng.random()
            if roll < 0.1:
                await store.update_guild_config(
                    GUILD, ladder=rng.choice(ladder_texts), decay_days=rng.choice([7, 30, 90])
                )
                continue
            if roll < 0.2:
                history = await store.strikes_for(GUILD, MEMBER, include_pardoned=False)
                if history:
                    await store.pardon(GUILD, MEMBER, strike_id=rng.choice(history).id,
                                       moderator_id=9, reason="test", now=clock)
                continue
            # Sometimes land exactly on a decay boundary of an earlier strike.
            history = await store.strikes_for(GUILD, MEMBER)
            if history and rng.random() < 0.3:
                clock = max(clock, rng.choice(history).expires)
            else:
                clock += timedelta(days=rng.choice([0, 1, 6, 29, 45]))
            config = await store.get_guild_config(GUILD)
            findings = rng.choice([(PHONE,), (SOLICIT,), (LOCATION,)])
            expected_points = 0 if findings == (LOCATION,) else 1
            expected = decide(
                history, Violation(findings[0].kind, findings[0].category, expected_points),
                config.ladder, clock,
            )
            outcome = await store.record_violation(violation(findings=findings), now=clock)
            assert outcome.decision == expected
    finally:
        await store.close()
