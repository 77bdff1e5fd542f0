"""Concurrent deliveries of the same message (message + edit + cross-message re-detection) must
yield exactly one strike, also when they land in one group-commit batch; concurrent presses of
Enforce on one held report must count it and plan its actions exactly once."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path

import pytest

from bot.ledger.models import AttachmentEvidence
from bot.ledger.store import LedgerStore

from .conftest import GUILD, MEMBER, NOW, violation
from .test_learned_model_setting import MODEL, MODEL_TEXT


async def test_same_message_from_many_concurrent_tasks_is_one_strike(store: LedgerStore) -> None:
    deliveries = [violation(8001) for _ in range(40)]  # the message and its edits
    deliveries += [violation(7999, 8000, 8001) for _ in range(10)]  # a split-number re-detection
    random.Random(3).shuffle(deliveries)
    outcomes = await asyncio.gather(*(store.record_violation(v, now=NOW) for v in deliveries))

    created = [o for o in outcomes if o.created]
    assert len(created) == 1
    strike_id = created[0].strike.id
    assert {o.strike.id for o in outcomes} == {strike_id}
    assert all(o.actions == () for o in outcomes if not o.created)
    (stored,) = await store.strikes_for(GUILD, MEMBER)
    assert stored.id == strike_id
    assert len(await store.actions_for_strike(strike_id)) == len(created[0].actions)


async def test_overlapping_groups_chain_to_the_first_strike(store: LedgerStore) -> None:
    # Two re-detections share a part with the first group but not with each other.
    outcomes = await asyncio.gather(
        store.record_violation(violation(1, 2), now=NOW),
        store.record_violation(violation(2, 3), now=NOW),
        store.record_violation(violation(1, 4), now=NOW),
    )
    assert [o.created for o in outcomes] == [True, False, False]
    assert len(await store.strikes_for(GUILD, MEMBER)) == 1


async def test_concurrent_distinct_violations_escalate_in_order(store: LedgerStore) -> None:
    outcomes = await asyncio.gather(*(store.record_violation(violation(), now=NOW) for _ in range(5)))
    # One batch, yet each later strike sees the earlier ones of the same member.
    assert sorted(o.decision.active_strikes for o in outcomes if o.decision) == [1, 2, 3, 4, 5]
    assert [s.step_threshold for s in await store.strikes_for(GUILD, MEMBER)] == [1, 2, 3, 3, 3]


async def test_a_cancelled_caller_does_not_lose_its_strike(store: LedgerStore) -> None:
    task = asyncio.create_task(store.record_violation(violation(9100), now=NOW))
    await asyncio.sleep(0)
    task.cancel()
    again = await store.record_violation(violation(9100), now=NOW)
    # Either the cancelled write landed (and this is the duplicate) or this one is the first:
    # in both cases there is exactly one strike for the message.
    assert len(await store.strikes_for(GUILD, MEMBER)) == 1
    assert (await store.strike_for_message(GUILD, 9100)) == again.strike


async def test_one_failing_item_does_not_sink_its_batch(
    store: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.ledger import store as store_module

    real_row = store_module._attachment_row

    def explode_on_poison(strike_id, position, attachment, config):  # type: ignore[no-untyped-def]
        if attachment.attachment_id == "poison":
            raise RuntimeError("simulated bug while preparing one item")
        return real_row(strike_id, position, attachment, config)

    monkeypatch.setattr(store_module, "_attachment_row", explode_on_poison)
    poison = AttachmentEvidence("poison", "x.png", 1)
    results = await asyncio.gather(
        *(store.record_violation(violation(), now=NOW) for _ in range(5)),
        store.record_violation(violation(6000, attachments=(poison,)), now=NOW),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == ["RecordOutcome"] * 5 + ["RuntimeError"]
    assert len(await store.strikes_for(GUILD, MEMBER)) == 5
    assert await store.strike_for_message(GUILD, 6000) is None  # nothing half-written


@pytest.mark.parametrize("connections", [1, 2], ids=["one-process", "two-processes"])
async def test_enforce_pressed_by_many_moderators_at_once_counts_and_acts_once(
    store: LedgerStore, db_path: Path, connections: int
) -> None:
    """Moderators pressing Enforce on one held report at the same moment: from concurrent tasks
    of the bot (one connection), and from two processes on the same file (a second connection,
    serialised by SQLite's BEGIN IMMEDIATE, not by the store's asyncio lock)."""
    held = await store.record_violation(violation(9300, findings=(MODEL,), text=MODEL_TEXT), now=NOW)
    assert held.strike.review and [a.kind for a in held.actions] == ["report"]
    for action in held.actions:
        await store.mark_action_done(action.id, now=NOW)
    others = [await LedgerStore.open(db_path, recover_claims=False) for _ in range(connections - 1)]
    try:
        stores = [store, *others]
        presses = [
            stores[press % len(stores)].enforce_review(
                held.strike.id, moderator_id=900 + press, reason=f"press {press}", now=NOW + timedelta(minutes=1)
            )
            for press in range(6)
        ]
        outcomes = await asyncio.gather(*presses)
    finally:
        for other in others:
            await other.close()

    (enforced,) = [o for o in outcomes if o is not None]
    assert [a.kind for a in enforced.actions] == ["delete", "warn"]
    (strike,) = await store.strikes_for(GUILD, MEMBER)
    assert strike.points == 1 and not strike.review
    standing = await store.member_standing(GUILD, MEMBER, now=NOW + timedelta(minutes=2))
    assert standing.active_points == 1
    # One delete and one warning in the outbox (besides the report), one case: the winner's.
    kinds = [a.kind for a in await store.actions_for_strike(strike.id)]
    assert sorted(kinds) == ["delete", "report", "warn"]
    (case,) = await store.cases_for(GUILD, strike_id=strike.id)
    assert case.action == "report_enforce" and case.reason == f"press {case.actor_id - 900}"
    # The claimed actions are not handed out a second time while their performer holds them.
    assert await store.pending_actions(now=NOW + timedelta(minutes=1)) == []
