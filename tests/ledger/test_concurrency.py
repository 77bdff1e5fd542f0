"""Concurrent deliveries of the same message (message + edit + cross-message re-detection) must
yield exactly one strike, also when they land in one group-commit batch."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.ledger.models import AttachmentEvidence
from bot.ledger.store import LedgerStore

from .conftest import GUILD, MEMBER, NOW, violation


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
