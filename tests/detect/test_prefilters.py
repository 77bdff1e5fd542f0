"""The engine's pre-filters, each against what it stands for.

- The literals a pattern cannot match without (``literals._required_literals``): the detector
  skips a rule's pattern when none of the literals of one of its requirements is in the view,
  so the analysis must never name a requirement that some match can do without. The table
  shows what it reads off small patterns; properties check every requirement of every pack
  pattern on the packs' own examples and on texts spliced from them.
- The trigger scan (``engine._TriggerScan``): one findall per group of literals sharing no
  character must find what one findall of all of them finds, and every literal that occurs in
  the text must switch its rules on, also where it overlaps another.

(tests/detect/test_properties.py compares the whole detector with its general path.)
"""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.engine import _required_literals, _Views, load_detector
from bot.detect.literals import _literal_groups
from bot.detect.normalize import View, literal_alternation

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
def test_most_selective_requirement(source: str, expected: set[str] | None) -> None:
    requirements = _required_literals(re.compile(source))
    assert (set(requirements[0]) if requirements else None) == expected
    for literals in requirements:  # (each holds in a text the pattern matches)
        assert literals


def test_every_requirement_is_kept_most_selective_first() -> None:
    requirements = _required_literals(re.compile(r"(?<![a-z])(?:add|follow)\s(?:me|us) on (?:x|ig)"))
    assert [set(r) for r in requirements] == [
        {"me on x", "me on ig", "us on x", "us on ig"},
        {"add", "follow"},
        {"me", "us"},
        {"x", "ig"},
    ]


def test_patterns_outside_the_standard_engine_are_not_analysed() -> None:
    assert _required_literals(regex.compile("hmu")) == ()
    assert _required_literals(re.compile("hmu", re.IGNORECASE)) == ()
    assert _required_literals(re.compile("h m u # spoken", re.VERBOSE)) == (frozenset({"hmu"}),)


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


def _holds_every_requirement(pattern: re.Pattern[str], text: str) -> bool:
    return all(
        any(literal in text for literal in literals) for literals in _required_literals(pattern)
    )


@pytest.mark.parametrize(("rule_id", "index", "pattern"), GATED, ids=[f"{r}[{i}]" for r, i, _ in GATED])
def test_every_example_match_holds_every_requirement(rule_id: str, index: int, pattern: re.Pattern[str]) -> None:
    for text in EXAMPLE_VIEWS:
        if pattern.search(text) is not None:
            assert _holds_every_requirement(pattern, text), (rule_id, index, text)


_MATERIAL = sorted(
    {literal for _, _, pattern in GATED for literals in _required_literals(pattern) for literal in literals}
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
            assert _holds_every_requirement(pattern, text), (rule_id, index, text)


# ---- trigger literals: one findall per group of literals that share no character


def test_literal_groups_share_no_character_and_keep_every_literal() -> None:
    literals = ["line", "insta", "?", "ライン", "緑の", "の", *"abcdefghijklmnopqrstuvwxyz", *"あいうえおかきくけこさしすせそたちつてと"]
    groups = _literal_groups(literals)
    assert sorted(literal for group in groups for literal in group) == sorted(literals)
    assert len(groups) == 2
    assert not set("".join(groups[0])) & set("".join(groups[1]))
    assert "?" in groups[0]  # ASCII with ASCII


def test_a_small_group_is_not_split_off() -> None:
    assert len(_literal_groups(["line", "insta", "ライン"])) == 1


def test_a_literal_mixing_scripts_keeps_its_characters_together() -> None:
    literals = ["bioに", *"abcdefghijklmnopqrstuvwxyz", *"あいうえおかきくけこさしすせそたちつてとに"]
    groups = _literal_groups(literals)
    assert all(not set("".join(a)) & set("".join(b)) for a in groups for b in groups if a is not b)
    assert any("bioに" in group and "b" in group and "に" in group for group in groups)


_TRIGGER_TABLES = {view: table for view, (_, table) in DETECTOR._trigger_index.items()}
_TRIGGER_MATERIAL = sorted({literal for table in _TRIGGER_TABLES.values() for literal in table})
trigger_texts = st.one_of(
    st.lists(st.sampled_from([*_TRIGGER_MATERIAL, " ", "x", "の", "1"]), max_size=12).map("".join),
    spliced,
    st.text(max_size=60),
)


@settings(max_examples=300, deadline=None)
@given(text=trigger_texts)
def test_trigger_scan_finds_what_one_findall_of_every_literal_finds(text: str) -> None:
    for view, (scan, table) in DETECTOR._trigger_index.items():
        whole = re.compile(f"(?=({literal_alternation(table)}))").findall
        assert set(scan.findall(text)) == set(whole(text)), view


def _switched_on(text: str) -> dict[str, set[int]]:
    """Per view, the rules the trigger scan switches on for *text*."""
    return {
        view: {rule for literal in scan.findall(text) for rule in table[literal]}
        for view, (scan, table) in DETECTOR._trigger_index.items()
    }


def _overlapping_pairs(table: dict[str, frozenset[int]]) -> list[str]:
    """Texts where one trigger literal's end is another's start ("started a" + "another one"
    = "started another one"), neither inside the other: a scan that resumes after the first
    literal never sees the second."""
    texts: list[str] = []
    literals = sorted(table)
    for left in literals:
        for right in literals:
            if left in right or right in left:
                continue
            for overlap in range(min(len(left), len(right)) - 1, 0, -1):
                if left.endswith(right[:overlap]):
                    texts.append(left + right[overlap:])
                    break
    return texts


OVERLAPPING_TRIGGERS = sorted({text for table in _TRIGGER_TABLES.values() for text in _overlapping_pairs(table)})


def _assert_every_occurring_literal_switches_its_rules_on(text: str) -> None:
    switched_on = _switched_on(text)
    for view, (_, table) in DETECTOR._trigger_index.items():
        for literal, rules in table.items():
            if literal in text:
                assert rules <= switched_on[view], (view, literal, text)


def test_overlapping_trigger_literals_switch_on_both_rules() -> None:
    assert len(OVERLAPPING_TRIGGERS) > 100  # (the packs have many such pairs)
    for text in OVERLAPPING_TRIGGERS:
        _assert_every_occurring_literal_switches_its_rules_on(text)


@settings(max_examples=300, deadline=None)
@given(text=trigger_texts)
def test_every_trigger_literal_in_the_text_switches_its_rules_on(text: str) -> None:
    _assert_every_occurring_literal_switches_its_rules_on(text)


@settings(max_examples=300, deadline=None)
@given(text=trigger_texts)
def test_the_shared_trigger_scan_switches_on_what_the_scans_of_each_view_do(text: str) -> None:
    """One scan for every view's literals (the views read alike: see _SharedTriggerScan) must
    switch on the rules the per-view scans do, and give each view the literals its scan finds."""
    shared = DETECTOR._shared_triggers
    assert shared is not None and set(shared.views) == set(DETECTOR._trigger_index)
    views = _Views(text, DETECTOR.normalizer)
    for view in shared.views:  # (the shared scan runs on one text: make every view that text)
        views._built[view] = View(view, text)
    active: set[int] = set()
    assert DETECTOR._shared_trigger_scan(shared, views, active)
    assert active == set().union(*_switched_on(text).values())
    for view, (scan, _table) in DETECTOR._trigger_index.items():
        assert views.triggers[view] == set(scan.findall(text)), view  # (what the gates are given)


def test_the_shared_trigger_scan_is_left_to_the_views_that_differ() -> None:
    views = _Views("L1NE id: sora_22", DETECTOR.normalizer)
    assert views.get("words").text != views.get("text").text
    assert DETECTOR._shared_triggers is not None
    assert not DETECTOR._shared_trigger_scan(DETECTOR._shared_triggers, views, set())
