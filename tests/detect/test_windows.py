"""Long texts: a pattern runs only in windows around its anchors (``windows._windows``).

The windows must never change a verdict: every match of a pattern over the whole view is found
in the windows, and nothing else is. The table shows what ``_window_plan`` reads off small
patterns; the properties compare windowed runs with whole-view runs, for crafted patterns whose
lookarounds read past a window's end (where cutting the view would change an answer) and for
the whole detector on long texts spliced from the packs' examples.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.engine import _Views, load_detector
from bot.detect.windows import _LongTextScan, _window_plan, _windowed_matches, _windows

DETECTOR = load_detector()
WHOLE = load_detector()
WHOLE.windowed_from = 10**9  # (never windowed: the general path)
EVERYWHERE = load_detector()
EVERYWHERE.windowed_from = 0  # (every text windowed, however short)


@pytest.mark.parametrize(
    ("source", "width", "anchors"),
    [
        (r"(?<![a-z])hmu(?![a-z])", 3, [{"hmu"}]),
        (r"line[ \t]{0,3}id[:：][a-z0-9_]{4,20}", 30, [{"line"}]),  # ("id：" mixes scripts)
        (r"line[ \t]{0,3}id:[a-z0-9_]{4,20}", 30, [{"line"}, {"id:"}]),
        (r"(?:snap|kik)chat", 8, [{"snapchat", "kikchat"}, {"snap", "kik"}]),
        (r"add\s{1,2}me(?=[ \t]*on)", 7, [{"add"}]),
        (r"(?<=@)[a-z]{3,10}", 10, None),  # the "@" is outside the match: nothing it consumes
        (r"[a-z]+@gmail", None, None),  # a match may be arbitrarily long
        (r"(?:on|at)\s{1,3}x", None, None),  # two-letter Latin words: everywhere in a long text
        (r"(?=.*key)lock", None, None),  # a lookahead that may read the whole text
        (r"(?i)hmu", None, None),  # case-insensitive: its literals do not say what matches
    ],
)
def test_window_plan_of_small_patterns(
    source: str, width: int | None, anchors: list[set[str]] | None
) -> None:
    plan = _window_plan(re.compile(source))
    if anchors is None:
        assert plan is None
        return
    assert plan is not None
    assert plan.width == width
    assert [set(anchor.literals) for anchor in plan.anchors] == anchors


# Patterns whose lookarounds read past their match, some through runs of any length: a view cut
# at the wrong place would answer them differently.
CRAFTED = [
    r"hmu(?![ ]*:)",
    r"hmu(?=[ ]*(?:now|asap))",
    r"(?<![a-z])line[ ]{0,3}[a-z0-9]{2,12}(?![a-z0-9]*@)",
    r"snap\b",
    r"snap$",
    r"(?<=id:)line",
    r"line(?!(?:v|ver)[._\-]?[0-9]+(?:[._\-][0-9]+)*(?![a-z_]))",
    r"(?:hmu|line)[ ]{0,2}(?:hmu|line)",
]
PIECES = ["hmu", "line", "snap", "id:", " ", " ", "  ", ":", "now", "@", "v1.2", "ver", "x", "_", "9", "\n"]


def _whole_and_windowed(source: str, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    pattern = re.compile(source)
    plan = _window_plan(pattern)
    assert plan is not None, source
    scan = _LongTextScan.of((), set().union(*(anchor.literals for anchor in plan.anchors)))
    views = _Views(text, DETECTOR.normalizer)
    views.anchors["raw"] = scan.scan(text, set())
    windows = _windows(text, plan, views, "raw")
    whole = [match.span() for match in pattern.finditer(text)]
    if windows is None:  # (the anchors are everywhere: the pattern runs over the whole view)
        return whole, whole
    return whole, [match.span() for match in _windowed_matches(pattern, text, windows, plan)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(CRAFTED),
    pieces=st.lists(st.sampled_from(PIECES) | st.text(max_size=40), min_size=1, max_size=60),
    filler=st.integers(min_value=0, max_value=600),
)
def test_windowed_runs_find_what_whole_runs_find(source: str, pieces: list[str], filler: int) -> None:
    # (filler: long stretches without an anchor, so that windows are placed at all)
    text = ("." * filler).join(pieces)
    whole, windowed = _whole_and_windowed(source, text)
    assert windowed == whole


def test_a_lookahead_past_the_window_end_is_read_in_full() -> None:
    # The run of spaces after "hmu" ends far beyond the window around "hmu": a view cut at a
    # fixed distance would see no ":" and report the match.
    text = "." * 900 + "hmu" + " " * 700 + ":" + "." * 900
    whole, windowed = _whole_and_windowed(r"hmu(?![ ]*:)", text)
    assert whole == windowed == []


def _spliced_texts(seed: int, count: int) -> list[str]:
    examples = [e for rule in DETECTOR.rules for e in (*rule.positive_examples, *rule.negative_examples)]
    joins = [" ", "\n", "。", " and then ", "、", "\n\n", "    ", "...", "ですね "]
    chooser = random.Random(seed)
    texts = []
    for _ in range(count):
        length = chooser.choice([900, 2000, 4000])
        parts: list[str] = []
        while sum(map(len, parts)) < length:
            parts += [chooser.choice(examples), chooser.choice(joins)]
        texts.append("".join(parts)[:length])
    return texts


@pytest.mark.parametrize("seed", range(2))
def test_long_texts_get_the_verdicts_of_whole_runs(seed: int) -> None:
    for text in _spliced_texts(seed, 15):
        assert DETECTOR.scan(text) == WHOLE.scan(text)


def test_every_pack_example_windowed_from_its_first_character() -> None:
    for rule in DETECTOR.rules:
        for text in (*rule.positive_examples, *rule.negative_examples):
            assert EVERYWHERE.scan(text) == WHOLE.scan(text), (rule.id, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=1500))
def test_any_text_windowed_from_its_first_character(text: str) -> None:
    assert EVERYWHERE.scan(text) == WHOLE.scan(text)
