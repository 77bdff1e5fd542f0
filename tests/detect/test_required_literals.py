"""The literals a pattern cannot match without (``engine._required_literals``).

The detector skips a rule's pattern when none of its required literals is in the view, so the
analysis must never name a literal that some match can do without: every table entry below is
checked against the engine too, and a property runs every pack pattern over texts spliced from
the packs' own examples and literals.
"""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.engine import _required_literals, load_detector

DETECTOR = load_detector()
PACK_PATTERNS = [
    (rule.id, index, pattern)
    for rule in DETECTOR.rules
    for index, pattern in enumerate(rule.patterns)
]
GATED = [(rule_id, index, pattern) for rule_id, index, pattern in PACK_PATTERNS if _required_literals(pattern)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("hmu", {"hmu"}),
        (r"(?<![a-z])hmu\s{1,3}(?:on|at)", {"hmu"}),
        ("(?:add|follow) (?:me|us)", {"add me", "add us", "follow me", "follow us"}),
        (r"(?:add|follow)\s(?:me|us)", {"add", "follow"}),  # the likelier to be absent
        ("lines?", {"line"}),
        ("(?:ab|cd)ef", {"abef", "cdef"}),
        ("[.!?] ok", {". ok", "! ok", "? ok"}),
        ("(?=[xy])(?:x1|y2)", {"x1", "y2"}),
        ("(?=.*needle)[a-z]+", {"needle"}),  # a lookahead's literals are in the text too
        ("(?<=@)[a-z]+", {"@"}),
        ("(?!skip)[a-z]+", None),  # a negative lookaround requires nothing
        (r"(?:ab)*c", {"c"}),
        (r"(?:ab)+c", {"ab"}),
        ("x?", None),
        ("(?:a|)b", {"b"}),
        ("(?:a|b*)", None),
        (r"[a-z]+@[a-z]+", {"@"}),
        (r"\d+", None),
        ("[^a]bc", {"bc"}),
        (".", None),
        (r"(a)\1", {"a"}),
        ("(?i)hmu", None),  # case-insensitive: the literals do not say what matches
        ("(?i:hmu) on", None),
        ("^$", None),
    ],
)
def test_required_literals(source: str, expected: set[str] | None) -> None:
    literals = _required_literals(re.compile(source))
    assert (set(literals) if literals else None) == expected


def test_patterns_outside_the_standard_engine_are_not_analysed() -> None:
    assert _required_literals(regex.compile("hmu")) is None
    assert _required_literals(re.compile("hmu", re.IGNORECASE)) is None
    assert _required_literals(re.compile("h m u # spoken", re.VERBOSE)) == {"hmu"}


def test_most_pack_patterns_have_literals() -> None:
    # (not a guarantee of the analysis: a check that the prefilter still does its job)
    assert len(GATED) >= len(PACK_PATTERNS) // 2


def _view_texts(text: str) -> list[str]:
    return [text, *DETECTOR.explain(text).views.values()]


# What the packs' patterns are made to match: their examples as every view reads them.
EXAMPLE_VIEWS = sorted(
    {
        view
        for rule in DETECTOR.rules
        for example in (*rule.positive_examples, *rule.negative_examples)
        for view in _view_texts(example)
    }
)


@pytest.mark.parametrize(("rule_id", "index", "pattern"), GATED, ids=[f"{r}[{i}]" for r, i, _ in GATED])
def test_every_example_match_holds_a_required_literal(rule_id: str, index: int, pattern: re.Pattern[str]) -> None:
    literals = _required_literals(pattern)
    assert literals
    for text in EXAMPLE_VIEWS:
        if pattern.search(text) is not None:
            assert any(literal in text for literal in literals), (rule_id, index, text)


_MATERIAL = sorted(
    {literal for _, _, pattern in GATED for literal in _required_literals(pattern) or ()}
    | {" ", "  ", ".", "@", ":", "/", "?", "\n", "0", "090", "1234", "_", "-", "x", "on", "me"}
)
spliced = st.builds(
    lambda base, insert, position, cut: (base[:position] + insert + base[position + cut :]),
    st.sampled_from(EXAMPLE_VIEWS),
    st.lists(st.sampled_from(_MATERIAL), max_size=4).map("".join),
    st.integers(min_value=0, max_value=80),
    st.integers(min_value=0, max_value=6),
)
material = st.lists(st.sampled_from([*_MATERIAL, *EXAMPLE_VIEWS[:50]]), max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(spliced, material))
def test_no_pack_pattern_matches_without_its_literals(text: str) -> None:
    for rule_id, index, pattern in GATED:
        if pattern.search(text) is not None:
            literals = _required_literals(pattern) or ()
            assert any(literal in text for literal in literals), (rule_id, index, text)
