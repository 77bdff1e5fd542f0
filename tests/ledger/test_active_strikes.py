"""One definition of an ACTIVE strike for every path of the store that counts a member's strikes.

The batch write (a rule's finding: the strike and its ladder step in one transaction), Enforce on
a report held for review (``enforce_review``) and "pardon all active" must agree with each other
and with ``policy.decide`` / ``/mystrikes`` (``member_standing``): a strike counts while it is
not pardoned, weighs > 0 points and is younger than the guild's CURRENT decay window.

The stored ``expires_us`` is only a display copy of ``created + decay``. ``modify_guild_config``
keeps it in step, but a ladder can change without it: a settings row restored or edited by hand,
a stored ladder that no longer parses (the store then falls back to the default), or a guild
that never saved settings when the default decay of a new version differs. The tests change the
decay both ways, through the store and behind its back, and compare the paths on the same history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.ledger.models import FindingRecord, RecordOutcome
from bot.ledger.policy import Decision
from bot.ledger.store import LedgerStore

from .conftest import GUILD, NOW, violation

# The learned model's verdict alone, in the contact category: held for review with 0 points,
# and once enforced it weighs what a rule's phone finding weighs (both "contact").
MODEL_CONTACT = FindingRecord("line", "contact", "contact.model", 0, 13, "yuki dot kiss", 0.91)
MODEL_TEXT = "yuki dot kiss"
LADDER = "1: warn; 2: timeout 1h; 3: ban"
ENFORCED_MEMBER = 444_444_444_444_444_444  # whose held strike a moderator enforces
RULE_MEMBER = 555_555_555_555_555_555  # same history, whose next violation a rule finds
DECIDE_AT = NOW + timedelta(days=40)

ChangeDecay = Callable[[LedgerStore, Path, int], Awaitable[None]]


async def through_the_store(store: LedgerStore, db_path: Path, days: int) -> None:
    await store.update_guild_config(GUILD, decay_days=days)


async def behind_the_stores_back(store: LedgerStore, db_path: Path, days: int) -> None:
    """The settings row rewritten by another hand: the strikes keep their old expires_us."""
    ladder = (await store.get_guild_config(GUILD)).ladder.replace(decay_days=days)
    with closing(sqlite3.connect(db_path)) as raw, raw:
        raw.execute("UPDATE guild_settings SET ladder_json = ? WHERE guild_id = ?", (ladder.dumps(), GUILD))


async def prior_history(store: LedgerStore, member: int, at: datetime) -> None:
    """Two counted strikes (one point each) written at *at*."""
    for minutes in (0, 1):
        await store.record_violation(violation(member=member), now=at + timedelta(minutes=minutes))


def summary(decision: Decision | None) -> tuple[int, int, int | None]:
    assert decision is not None
    return decision.active_strikes, decision.active_points, decision.step.threshold if decision.step else None


def step_actions(outcome: RecordOutcome) -> list[str]:
    """The actions of the step reached, without the report (Enforce leaves it out: the
    moderators are reading it already)."""
    return [a.kind for a in outcome.actions if a.kind != "report"]


@pytest.mark.parametrize(
    ("change", "written_days", "current_days", "prior_counts"),
    [
        # The strikes are 40 days old when the third violation is decided.
        pytest.param(None, 90, 90, True, id="unchanged-90-days"),
        pytest.param(None, 30, 30, False, id="unchanged-30-days"),
        pytest.param(through_the_store, 30, 90, True, id="lengthened-through-the-store"),
        pytest.param(through_the_store, 90, 30, False, id="shortened-through-the-store"),
        # The case that differed: enforce_review counted these two strikes (created inside the
        # 90-day window), the batch path did not (their stored expiry, 30 days, had passed).
        pytest.param(behind_the_stores_back, 30, 90, True, id="lengthened-behind-the-store"),
        pytest.param(behind_the_stores_back, 90, 30, False, id="shortened-behind-the-store"),
    ],
)
async def test_enforce_and_the_batch_path_decide_the_same_step(
    store: LedgerStore,
    db_path: Path,
    change: ChangeDecay | None,
    written_days: int,
    current_days: int,
    prior_counts: bool,
) -> None:
    await store.update_guild_config(GUILD, ladder=LADDER, decay_days=written_days)
    for member in (ENFORCED_MEMBER, RULE_MEMBER):
        await prior_history(store, member, NOW)
    if change is not None:
        await change(store, db_path, current_days)
    assert (await store.get_guild_config(GUILD)).ladder.decay_days == current_days

    held = await store.record_violation(
        violation(member=ENFORCED_MEMBER, findings=(MODEL_CONTACT,), text=MODEL_TEXT),
        now=DECIDE_AT - timedelta(minutes=5),
    )
    assert held.strike.review and held.strike.points == 0
    enforced = await store.enforce_review(held.strike.id, moderator_id=7, reason="agreed", now=DECIDE_AT)
    assert enforced is not None
    by_rule = await store.record_violation(violation(member=RULE_MEMBER), now=DECIDE_AT)

    expected = (3, 3, 3) if prior_counts else (1, 1, 1)
    assert summary(enforced.decision) == summary(by_rule.decision) == expected
    assert step_actions(enforced) == step_actions(by_rule) == (["delete", "ban"] if prior_counts else ["delete", "warn"])
    # /mystrikes (policy.standing over the full history) shows the same count afterwards.
    for member in (ENFORCED_MEMBER, RULE_MEMBER):
        standing = await store.member_standing(GUILD, member, now=DECIDE_AT)
        assert standing.active_points == expected[1]


@pytest.mark.parametrize("change", [through_the_store, behind_the_stores_back])
async def test_pardon_all_pardons_exactly_the_strikes_that_count(
    store: LedgerStore, db_path: Path, change: ChangeDecay
) -> None:
    await store.update_guild_config(GUILD, decay_days=30)
    await prior_history(store, RULE_MEMBER, NOW)  # counting while the window is 90 days
    await prior_history(store, RULE_MEMBER, NOW - timedelta(days=60))  # 100 days old: never
    await change(store, db_path, 90)
    standing = await store.member_standing(GUILD, RULE_MEMBER, now=DECIDE_AT)
    assert standing.active_points == 2

    pardoned = await store.pardon(
        GUILD, RULE_MEMBER, strike_id=None, moderator_id=7, reason="clean slate", now=DECIDE_AT
    )
    assert pardoned == [s.id for s in standing.active]
    after = await store.member_standing(GUILD, RULE_MEMBER, now=DECIDE_AT)
    assert after.active == () and after.active_points == 0
    # Nothing that had already stopped counting was pardoned on the way.
    old = [s for s in await store.strikes_for(GUILD, RULE_MEMBER) if s.created < NOW - timedelta(days=1)]
    assert len(old) == 2 and not any(s.pardoned for s in old)
