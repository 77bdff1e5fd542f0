"""The escalation policy is a pure function over a validated ladder: table-driven checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ledger.policy import (
    ACTION_KINDS,
    MAX_TIMEOUT_S,
    Action,
    Ladder,
    LadderError,
    LadderStep,
    StrikeRecord,
    Violation,
    decide,
    default_ladder,
    format_duration,
    parse_duration,
    standing,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PHONE = Violation("phone", "contact", 1)


def strike(
    age_days: float,
    *,
    points: int = 1,
    pardoned: bool = False,
    strike_id: int = 1,
    decay_days: int = 90,
) -> StrikeRecord:
    created = NOW - timedelta(days=age_days)
    return StrikeRecord(
        id=strike_id,
        guild_id=1,
        member_id=2,
        channel_id=3,
        message_ids=(str(strike_id),),
        kind="phone",
        category="contact",
        points=points,
        created=created,
        expires=created + timedelta(days=decay_days),
        pardoned_at=created + timedelta(hours=1) if pardoned else None,
        pardoned_by=99 if pardoned else None,
        pardon_reason="mistake" if pardoned else None,
    )


def history(*ages: float) -> list[StrikeRecord]:
    return [strike(age, strike_id=i + 1) for i, age in enumerate(ages)]


# --------------------------------------------------------------------------- decide()


@pytest.mark.parametrize(
    ("name", "past", "expected_actions", "expected_step", "active", "next_threshold"),
    [
        ("first strike: delete + warn", [], ("delete", "warn"), 1, 1, 2),
        ("second: final warning + report", history(10), ("delete", "final_warn", "report"), 2, 2, 3),
        ("third: ban + report", history(20, 10), ("delete", "ban", "report"), 3, 3, None),
        ("beyond the top stays on the top step", history(30, 20, 10), ("delete", "ban", "report"), 3, 4, None),
        ("a pardoned strike does not count", [strike(10, pardoned=True)], ("delete", "warn"), 1, 1, 2),
        ("pardoned among active ones", [strike(10, pardoned=True, strike_id=1), strike(5, strike_id=2)],
         ("delete", "final_warn", "report"), 2, 2, 3),
        ("an expired strike does not count", history(120), ("delete", "warn"), 1, 1, 2),
        ("a zero-point record does not count", [strike(5, points=0)], ("delete", "warn"), 1, 1, 2),
    ],
)
def test_default_ladder_steps(
    name: str,
    past: list[StrikeRecord],
    expected_actions: tuple[str, ...],
    expected_step: int,
    active: int,
    next_threshold: int | None,
) -> None:
    decision = decide(past, PHONE, default_ladder(), NOW)
    assert decision.action_kinds == expected_actions, name
    assert decision.step is not None and decision.step.threshold == expected_step
    assert decision.active_strikes == active
    assert decision.active_points == active
    assert (decision.next_step.threshold if decision.next_step else None) == next_threshold
    assert decision.counted and not decision.shadow


@pytest.mark.parametrize(
    ("age", "counts"),
    [
        (89.999, True),
        (90 - 1 / 86400, True),  # one second before the window closes
        (90, False),  # exactly 90 days old: no longer counts
        (90 + 1 / 86400, False),
        (0, True),
    ],
)
def test_decay_boundary_is_exclusive_at_exactly_the_window(age: float, counts: bool) -> None:
    decision = decide([strike(age)], PHONE, default_ladder(), NOW)
    assert decision.active_points == (2 if counts else 1)
    assert decision.action_kinds == (
        ("delete", "final_warn", "report") if counts else ("delete", "warn")
    )


def test_decay_follows_the_ladder_window_not_the_stored_expiry() -> None:
    short = default_ladder().replace(decay_days=7)
    old = strike(8)  # stored expiry (90 d) says active; the 7-day ladder says expired
    assert decide([old], PHONE, short, NOW).active_points == 1
    assert decide([old], PHONE, default_ladder(), NOW).active_points == 2


def test_shadow_mode_only_reports_but_says_what_enforce_would_do() -> None:
    decision = decide(history(20, 10), PHONE, default_ladder(), NOW, shadow=True)
    assert decision.action_kinds == ("report",)
    assert tuple(a.kind for a in decision.intended_actions) == ("delete", "ban", "report")
    assert decision.shadow and decision.step is not None and decision.step.threshold == 3


def test_points_weigh_categories_and_choose_the_highest_reached_step() -> None:
    ladder = Ladder.parse("1: warn; 3: final_warn, report; 5: ban, report", points={"solicit": 1, "contact": 2})
    # contact (2) -> step 1; another contact (4) -> step 3; a solicit on top (5) -> step 5.
    first = decide([], Violation("phone", "contact", ladder.points["contact"]), ladder, NOW)
    assert first.step is not None and first.step.threshold == 1 and first.points_to_next == 1
    second = decide([strike(1, points=2)], Violation("phone", "contact", 2), ladder, NOW)
    assert second.step is not None and second.step.threshold == 3
    third = decide(
        [strike(2, points=2, strike_id=1), strike(1, points=2, strike_id=2)],
        Violation("solicit", "solicit", 1), ladder, NOW,
    )
    assert third.step is not None and third.step.threshold == 5
    assert third.action_kinds == ("delete", "ban", "report")


def test_below_the_first_threshold_only_deletes() -> None:
    ladder = Ladder.parse("2: warn; 4: ban, report")
    decision = decide([], PHONE, ladder, NOW)
    assert decision.step is None
    assert decision.action_kinds == ("delete",)
    assert decision.next_step is not None and decision.next_step.threshold == 2


def test_zero_point_violation_is_recorded_not_counted() -> None:
    decision = decide(history(20, 10), Violation("location", "location", 0), default_ladder(), NOW)
    assert not decision.counted and decision.step is None
    assert decision.action_kinds == ("delete", "warn")
    assert decision.active_strikes == 2  # the two earlier strikes, not this one


def test_ladder_edit_changes_the_next_decision() -> None:
    past = history(10)
    lenient = Ladder.parse("1: warn; 3: final_warn, report; 5: ban, report")
    strict = Ladder.parse("1: ban, report")
    assert decide(past, PHONE, lenient, NOW).action_kinds == ("delete", "warn")
    assert decide(past, PHONE, strict, NOW).action_kinds == ("delete", "ban", "report")


def test_timeout_step_carries_its_duration() -> None:
    ladder = Ladder.parse("1: warn; 2: timeout 1h, report")
    decision = decide(history(1), PHONE, ladder, NOW)
    assert decision.actions[1] == Action("timeout", 3600)


def test_standing_for_mystrikes() -> None:
    now_standing = standing([strike(100), strike(10, strike_id=2), strike(5, pardoned=True, strike_id=3)],
                            default_ladder(), NOW)
    assert [s.id for s in now_standing.active] == [2]
    assert now_standing.current_step is not None and now_standing.current_step.threshold == 1
    assert now_standing.next_step is not None and now_standing.next_step.threshold == 2


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: warn; 2: explode", "step 2: unknown action 'explode'"),
        ("1: warn; 1: ban", "step 1: threshold listed twice"),
        ("0: warn", "threshold must be between 1"),
        ("-1: warn", "is not a whole number"),
        ("1: timeout", "timeout needs a duration"),
        ("1: timeout -5m", "cannot read duration"),
        ("1: timeout 0s", "at least 1 second"),
        ("1: timeout 29d", "exceeds Discord's 28-day limit"),
        ("2: warn, ban 1d", "step 2: action 'ban' takes no duration"),
        ("1: warn, warn", "step 1: action listed twice"),
        ("1: kick, ban", "kick and ban together"),
        ("1 warn", "expected 'THRESHOLD: action"),
        ("1: ", "empty action"),
        ("", "the ladder is empty"),
    ],
)
def test_bad_ladder_text_is_rejected_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(LadderError) as caught:
        Ladder.parse(text)
    assert message in str(caught.value)


def test_constructed_ladders_are_validated_too() -> None:
    with pytest.raises(LadderError, match="thresholds must increase"):
        Ladder((LadderStep(2, (Action("warn"),)), LadderStep(1, (Action("ban"),))))
    with pytest.raises(LadderError, match="needs at least one step"):
        Ladder(())
    with pytest.raises(LadderError, match="unknown category 'spam'"):
        Ladder(default_ladder().steps, {"spam": 1})
    with pytest.raises(LadderError, match="between 0 and"):
        Ladder(default_ladder().steps, {"contact": -1})
    with pytest.raises(LadderError, match="decay must be between 1"):
        Ladder(default_ladder().steps, decay_days=0)
    with pytest.raises(LadderError, match="unknown action 'mute'"):
        Action("mute")  # type: ignore[arg-type]
    with pytest.raises(LadderError, match="28-day"):
        Action("timeout", MAX_TIMEOUT_S + 1)
    assert Action("timeout", MAX_TIMEOUT_S).duration_s == MAX_TIMEOUT_S


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"steps": [{"threshold": 1, "actions": ["nuke"]}]}', "step 1: unknown action 'nuke'"),
        ('{"steps": [{"threshold": 1, "actions": [{"kind": "timeout", "duration_s": -5}]}]}',
         "step 1: timeout duration must be at least 1 second"),
        ('{"steps": [], "colour": "red"}', "unknown ladder field"),
        ('{"steps": [{"threshold": 1}]}', "needs 'threshold' and 'actions'"),
    ],
)
def test_bad_ladder_json_is_rejected(data: str, message: str) -> None:
    with pytest.raises(LadderError) as caught:
        Ladder.from_json(data)
    assert message in str(caught.value)


# --------------------------------------------------------------------------- text and JSON forms


def test_default_ladder_text() -> None:
    assert default_ladder().to_text() == (
        "1: delete, warn; 2: delete, final_warn, report; 3: delete, ban, report"
    )


def test_parse_accepts_the_admin_form_in_any_order_with_durations() -> None:
    ladder = Ladder.parse("3: ban, report\n1: warn;  2: timeout 1h30m, REPORT")
    assert ladder.to_text() == "1: warn; 2: timeout 1h30m, report; 3: ban, report"
    assert ladder.steps[1].actions[0].duration_s == 5400


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("10m", 600), ("1h30m", 5400), ("7d", 604800), ("2w", 1209600)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


action_strategy = st.one_of(
    st.sampled_from([k for k in ACTION_KINDS if k != "timeout"]).map(lambda k: Action(k)),  # type: ignore[arg-type]
    st.integers(1, MAX_TIMEOUT_S).map(lambda s: Action("timeout", s)),
)


@st.composite
def ladders(draw: st.DrawFn) -> Ladder:
    thresholds = sorted(draw(st.sets(st.integers(1, 50), min_size=1, max_size=6)))
    steps = []
    for threshold in thresholds:
        actions = draw(st.lists(action_strategy, min_size=1, max_size=4, unique_by=lambda a: a.kind))
        if {"kick", "ban"} <= {a.kind for a in actions}:
            actions = [a for a in actions if a.kind != "kick"]
        steps.append(LadderStep(threshold, tuple(actions)))
    points = {"contact": draw(st.integers(0, 5)), "solicit": draw(st.integers(0, 5))}
    return Ladder(tuple(steps), points, draw(st.integers(1, 365)))


@given(ladders())
def test_text_and_json_round_trips(ladder: Ladder) -> None:
    assert Ladder.parse(ladder.to_text(), points=ladder.points, decay_days=ladder.decay_days) == ladder
    assert Ladder.from_json(ladder.dumps()) == ladder


@given(ladders(), st.lists(st.tuples(st.integers(0, 400 * 24), st.integers(0, 3), st.booleans()), max_size=8))
def test_decision_invariants(ladder: Ladder, past: list[tuple[int, int, bool]]) -> None:
    records = [
        strike(hours / 24, points=p, pardoned=pardoned, strike_id=i)
        for i, (hours, p, pardoned) in enumerate(past)
    ]
    decision = decide(records, PHONE, ladder, NOW)
    expected_points = 1 + sum(
        p for hours, p, pardoned in past if not pardoned and p > 0 and hours < ladder.decay_days * 24
    )
    assert decision.active_points == expected_points
    assert decision.action_kinds[0] == "delete"
    if decision.step is not None:
        assert decision.step.threshold <= expected_points
        assert decision.next_step is None or decision.next_step.threshold > expected_points
