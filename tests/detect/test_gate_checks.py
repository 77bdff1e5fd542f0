"""The gates of a rule's patterns, unrolled into one function per rule (``_compile_gate_check``).

The function must pick exactly the patterns whose every gate passes (``_gates_pass``, the loop
it replaces), in pattern order: a pattern it wrongly skips loses findings, one it wrongly keeps
only costs time, and both are caught here. Checked on crafted gates (each kind of check, and
the trigger literals that prove a search's requirement without running it), then for every
rule of the packs on the packs' own examples, on texts spliced from them and on arbitrary
text, with the trigger literals the scan found and with none (the all-rules fallback).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.engine import (
    _MAX_LITERALS_BY_IN,
    _compile_gate_check,
    _Gate,
    _gates_pass,
    _PatternPlan,
    _Views,
    load_detector,
)

DETECTOR = load_detector()
RULES = [rule for rule in DETECTOR.rules if rule.detector != "phone"]
EXAMPLES = sorted({example for rule in DETECTOR.rules for example in (*rule.positive_examples, *rule.negative_examples)})


def _plan(*gates: _Gate) -> _PatternPlan:
    return _PatternPlan(re.compile("x"), has_span=False, gates=gates)


def _search(*literals: str) -> _Gate:
    return _Gate(search=re.compile("|".join(map(re.escape, literals))).search)


LINE_ALIASES = ("line", "ライン", "らいん", "ﾗｲﾝ", "l1ne", "lime", "ln", "rain", "レイン", "LINE")
assert len(LINE_ALIASES) > _MAX_LITERALS_BY_IN

CRAFTED = [
    _plan(),  # no gate: always a candidate
    _plan(_Gate(one_of=("dm",))),
    _plan(_Gate(one_of=("add", "follow")), _search("insta", "ig", "snap", "kik")),
    _plan(
        # (more literals than are `in` tests: a search, which a trigger literal found proves)
        _Gate(search=_search(*LINE_ALIASES).search, proven_by=frozenset({"line id"})),
        _Gate(one_of=("id",)),
    ),
    _plan(_search("telegram", "tg", "t.me", "signal"), _Gate(one_of=("@", "＠"))),
]


def test_crafted_gates() -> None:
    check = _compile_gate_check(CRAFTED)
    assert check("", ()) == [0]
    assert check("dm me", ()) == [0, 1]
    assert check("add me on insta", ()) == [0, 2]
    assert check("follow me", ()) == [0]  # the second gate fails
    assert check("my line id", ()) == [0, 3]
    assert check("my id", {"line id"}) == [0, 3]  # proven by the trigger scan: no search
    assert check("my rain id", ()) == [0, 3]
    assert check("my id", ()) == [0]
    assert check("tg @sora", ()) == [0, 4]
    assert check("tg sora", ()) == [0]


@given(text=st.text(st.sampled_from("dm addfollowinstagsnkp lineライン@＠telegram.signalr"), max_size=40))
def test_crafted_gates_as_the_loop(text: str) -> None:
    check = _compile_gate_check(CRAFTED)
    for found in ((), {"line id"}):
        assert check(text, found) == [n for n, plan in enumerate(CRAFTED) if _gates_pass(plan, text, found)]


def _assert_as_the_loop(text: str) -> None:
    views = _Views(text, DETECTOR.normalizer)
    found_by_view: dict[str, set[str]] = {}
    for view_name, (scan, _table) in DETECTOR._trigger_index.items():
        found_by_view[view_name] = set(scan.findall(views.get(view_name).text))
    for rule in RULES:
        view_text = views.get(rule.view).text
        plans = DETECTOR._pattern_plans[rule.id]
        for found in (found_by_view.get(rule.view, set()), ()):
            expected = [n for n, plan in enumerate(plans) if _gates_pass(plan, view_text, found)]
            assert DETECTOR._gate_checks[rule.id](view_text, found) == expected, (rule.id, text)


def test_every_rule_on_the_examples() -> None:
    for example in EXAMPLES:
        _assert_as_the_loop(example)


spliced = st.builds(
    lambda first, second, cut: first[:cut] + second[cut:],
    st.sampled_from(EXAMPLES),
    st.sampled_from(EXAMPLES),
    st.integers(min_value=0, max_value=40),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(spliced, st.text(max_size=60)))
def test_every_rule_on_spliced_and_arbitrary_text(text: str) -> None:
    _assert_as_the_loop(text)
