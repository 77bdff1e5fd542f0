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
from bot.detect.windows import (
    _AFTER_NON_LETTER,
    _ANCHOR_STEP,
    _BEFORE_NON_LETTER,
    _EVERYWHERE,
    _clusters,
    _LongTextScan,
    _window_plan,
    _windowed_matches,
    _windows,
    _word_search_source,
)

DETECTOR = load_detector()
WHOLE = load_detector()
WHOLE.windowed_from = 10**9  # (never windowed: the general path)
EVERYWHERE = load_detector()
EVERYWHERE.windowed_from = 0  # (every text windowed, however short)


# (In literals: "<" marks a point with no letter a-z right before it, ">" one with none right
# after it, see windows._marked.)
@pytest.mark.parametrize(
    ("source", "width", "anchors"),
    [
        (r"(?<![a-z])hmu(?![a-z])", 3, [(0, {"hmu"})]),
        (r"line[ \t]{0,3}id[:：][a-z0-9_]{4,20}", 30, [(0, {"line"})]),  # ("id：" mixes scripts)
        (r"line[ \t]{0,3}id:[a-z0-9_]{4,20}", 30, [(0, {"line"}), (7, {"id:"})]),
        (r"(?:snap|kik)chat", 8, [(0, {"snapchat", "kikchat"}), (0, {"snap", "kik"})]),
        (r"add\s{1,2}me(?=[ \t]*on)", 7, [(0, {"add"})]),
        (r"(?<=@)[a-z]{3,10}", 10, None),  # the "@" is outside the match: nothing it consumes
        (r"[a-z]+@gmail", None, None),  # a match may be arbitrarily long
        (r"(?:on|at)\s{1,3}x", None, None),  # two-letter Latin words, inside words too
        (r"(?=.*key)lock", None, None),  # a lookahead that may read the whole text
        (r"(?i)hmu", None, None),  # case-insensitive: its literals do not say what matches
        # standalone words, bounded by the pattern's own lookarounds or what it consumes
        (r"(?<![a-z0-9_])(?:ig|tg)(?![a-z0-9_])[ :]{1,3}[a-z0-9_]{3,20}", 25, [(0, {"<ig>", "<tg>"})]),
        (r"(?:on|at)\s{1,3}x(?![a-z])", 6, [(5, {"<x>"})]),
        (r"^x(?=[でのは])", 1, [(0, {"<x>"})]),
        (r"[ \t]{1,2}x(?![a-z])", 3, [(2, {"<x>"})]),
        (r"(?:the |da )?ig(?![a-z])", 6, None),  # (nothing before "the", "da" or "ig")
        (r"(?:my|ur)\s{1,3}t(?:(?<=on t)|(?<=my t))t(?![a-z0-9_])", 7, [(5, {"<tt>"})]),
        (r"q(?<![a-z0-9_]q)q(?![a-z])", 2, [(0, {"<qq>"})]),
        (r"(?<![a-z])ig(?=[a-z ])", None, None),  # (a letter may follow)
        (r"(?<![a-z])i(?:g|gg)(?![a-z0-9])", None, None),  # (parsed i g (?:|g): "g" may follow "ig")
        (r"(?<![a-z])(?:fb|igg)(?![a-z0-9])", 3, [(0, {"<fb>", "igg"})]),  # ("igg" is rare as it is)
        # a conditional reads what one of its branches reads
        (r"(?P<y>ur )?line(?(y):|=)", 8, [(3, {"line"})]),
        # emoji are rare; a literal mixing scripts is searched alone
        (r"👻[ ]{0,2}[a-z]{3,9}", 12, [(0, {"👻"})]),
        (r"写真sns[ ]?id", 8, [(0, {"写><真<sns id", "写><真<snsid"})]),
    ],
)
def test_window_plan_of_small_patterns(
    source: str, width: int | None, anchors: list[tuple[int, set[str]]] | None
) -> None:
    plan = _window_plan(re.compile(source))
    if anchors is None:
        assert plan is None
        return
    assert plan is not None
    assert plan.width == width
    assert [(anchor.lead, {_shown(literal) for literal in anchor.literals}) for anchor in plan.anchors] == anchors


def _shown(literal: str) -> str:
    return literal.replace(_AFTER_NON_LETTER, "<").replace(_BEFORE_NON_LETTER, ">")


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
    views.words = {"raw": scan.scan_words(text)}
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


@pytest.mark.parametrize("source", ["\x02[a-z]abcd", "[\x01-\x05]qabcd", "abcd\x03x{0,3}z"])
def test_a_pattern_consuming_a_mark_character_runs_whole(source: str) -> None:
    # The characters that mark word edges inside the window code, written in a pattern, were
    # read as zero-width marks: "\x02[a-z]abcd" got a lead of 1, and its windows missed the
    # match at 2,000. Such a pattern is run over the whole view (no plan).
    assert _window_plan(re.compile(source)) is None
    text = "." * 2000 + "\x02qabcd\x03z" + "." * 2000
    assert re.compile(source).search(text) is not None


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


# Patterns anchored on standalone words ("x", "ig"): the pattern itself proves that no letter
# comes right before or after them (windows._marked); their windows start at most a lead
# before an occurrence and reach just past it, so a match of one window may run on into the
# next (the run over the whole text goes on after it, and so must the windowed runs).
WORD_CRAFTED = [
    r"(?<![a-z0-9_])(?:ig|tg)(?![a-z0-9_])[ :]{1,3}[a-z0-9_]{3,20}",
    r"(?<![a-z0-9_])ig(?![a-z0-9_])[^\n]{0,40}?:[a-z]{1,9}",
    r"(?:my|ur)\s{1,3}t(?:(?<=on t)|(?<=my t))t(?![a-z0-9_])",
    r"q(?<![a-z0-9_]q)q(?![a-z])[ ]?[0-9]{3,9}",
    r"(?P<y>ur )?line(?(y):|=)[a-z]{2,5}",
    r"(?<![a-z])x(?=[でのは])[^\n]{0,30}?[a-z]{3,9}$",
    r"[ \t]{1,2}x(?![a-z])(?![ ]*=)",
]
WORD_PIECES = ["ig", "tg", "big", "x", "xx", "q", "qq", "ur ", "my ", "on t", "tt", "で", ":", "=", "line", "\n", " ", "ab"]


@pytest.mark.parametrize("source", WORD_CRAFTED)
def test_word_crafted_patterns_are_windowed(source: str) -> None:
    plan = _window_plan(re.compile(source))
    assert plan is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(WORD_CRAFTED),
    pieces=st.lists(st.sampled_from(WORD_PIECES) | st.text(max_size=12), min_size=1, max_size=60),
    filler=st.integers(min_value=0, max_value=80),
)
def test_word_anchored_runs_find_what_whole_runs_find(source: str, pieces: list[str], filler: int) -> None:
    text = ("." * filler).join(pieces)
    whole, windowed = _whole_and_windowed(source, text)
    assert windowed == whole


def test_a_match_running_into_the_next_window_hides_its_starts() -> None:
    # The second "ig" is 36 characters on (its own window), inside the match of the first.
    text = "." * 900 + "ig" + "." * 34 + "ig" + ".." + ":abc" + "." * 900
    whole, windowed = _whole_and_windowed(r"(?<![a-z0-9_])ig(?![a-z0-9_])[^\n]{0,40}?:[a-z]{1,9}", text)
    assert len(whole) == 1
    assert windowed == whole


def test_every_match_of_a_pack_pattern_holds_its_anchors_within_their_leads() -> None:
    # What windows rely on, checked on the packs' examples and long spliced texts: each match
    # consumes one of every anchor's literals, starting at most its lead after the match.
    texts = ["\n".join((*rule.positive_examples, *rule.negative_examples)) for rule in DETECTOR.rules]
    texts += _spliced_texts(7, 6)
    checked = 0
    for rule in DETECTOR.rules:
        for pattern in rule.patterns:
            plan = _window_plan(pattern)
            if plan is None:
                continue
            scan = _LongTextScan.of((), set().union(*(anchor.literals for anchor in plan.anchors)))
            for text in texts:
                view_text = _Views(text, DETECTOR.normalizer).get(rule.view).text
                matches = list(pattern.finditer(view_text))
                if not matches:
                    continue
                found = {**scan.scan(view_text, set()), **scan.scan_words(view_text)}
                for match in matches:
                    for anchor in plan.anchors:
                        starts = [
                            start
                            for literal in anchor.literals
                            for start in found.get(literal, ())
                            if match.start() <= start <= match.start() + anchor.lead and start < match.end()
                        ]
                        everywhere = any(found.get(literal) is _EVERYWHERE for literal in anchor.literals)
                        assert starts or everywhere, (rule.id, pattern.pattern[:80], match.group(), anchor)
                        checked += 1
    assert checked > 1000


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["ig", "x", "xx", "igg", "fb", "qq", "写真sns", "big", " ", ".", "\n", "_", "A"]), max_size=40))
def test_the_search_for_standalone_words_finds_each_where_its_own_search_does(pieces: list[str]) -> None:
    # (the words of letters alone are found by one trie after a non-letter: _plain_word)
    words = {"\x02ig\x03", "\x02x\x03", "\x02igg\x03", "\x02fb\x03\x03", "\x02qq\x03", "写\x03\x02真\x02sns"}
    scan = _LongTextScan.of((), words)
    text = "".join(pieces) + "." * 400  # (long enough that no word is too frequent to place)
    found = scan.scan_words(text)
    for word in words:
        own = re.compile(_word_search_source(word))
        expected = [start for start in range(len(text)) if own.match(text, start)]
        assert found.get(word, []) == expected, (word, text)


@given(st.lists(st.integers(min_value=0, max_value=3000), max_size=80, unique=True))
def test_clusters_are_the_runs_of_close_positions(positions: list[int]) -> None:
    positions.sort()
    runs: list[tuple[int, int]] = []
    for position in positions:  # (the definition, one position at a time)
        if runs and position - runs[-1][1] < _ANCHOR_STEP:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    assert _clusters(positions) == runs
