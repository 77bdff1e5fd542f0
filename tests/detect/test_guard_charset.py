"""Programs led by a first-character guard skip by its class (pattern_cache._guarded_code).

The class goes into the program's info block, a hint the engine reads only to skip positions
whose character is outside it: every pattern must match exactly what ``re.compile`` makes of
the same source, at every position (the packs' patterns, on their examples and on any text).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.engine import load_detector
from bot.detect.pattern_cache import PatternCache, _guarded_code, _sre_compiler, _sre_parser

DETECTOR = load_detector()
SOURCES = sorted(
    {pattern.pattern for rule in DETECTOR.rules for pattern in rule.patterns if isinstance(pattern, re.Pattern)}
)
EXAMPLES = [e for rule in DETECTOR.rules for e in (*rule.positive_examples, *rule.negative_examples)]


@pytest.mark.parametrize(
    ("source", "skips"),
    [
        (r"(?=[xy])x\d+", True),
        (r"(?=x)xy", True),
        (r"(?=[a-zぁ-ん])\w{2}", True),
        (r"(?=[x])(?:x|)", False),  # (may match the empty string: no set, as re's own)
        (r"(?=[^x])\w", False),  # (a negated class: left to re)
        (r"(?=\w)\w", False),
        (r"(?=[xy]z)xz", False),  # (a guard of more than one character)
        (r"(?<=[xy])z", False),
        (r"[xy]z", False),  # (re sets it already: the program is re's own)
        (r"abc", False),
    ],
)
def test_a_leading_one_character_lookahead_becomes_the_first_character_set(source: str, skips: bool) -> None:
    tree = _sre_parser.parse(source, 0)
    standard = _sre_compiler._code(tree, 0)
    guarded = _guarded_code(tree)
    assert (guarded != standard) == skips
    if skips:
        assert guarded[2] == _sre_compiler.SRE_INFO_CHARSET


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(match.span(), match.groups()) for match in pattern.finditer(text)]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    cache = PatternCache(Path(tmp_path_factory.mktemp("cache")) / "regex.marshal")
    pairs = [(cache.compile(source), re.compile(source)) for source in SOURCES]
    assert sum(p.pattern.startswith("(?=[") for p, _ in pairs) > 100  # (the packs' guards)
    # ... and the cache assembled them (had it fallen back to re.compile, the comparisons below
    # would compare re with re)
    assert all(source in cache._used for source in SOURCES)
    return pairs


def test_the_packs_patterns_match_what_re_compile_matches_on_the_examples(
    compiled: list[tuple[re.Pattern[str], re.Pattern[str]]],
) -> None:
    text = "\n".join(EXAMPLES)
    for fast, standard in compiled:
        assert _spans(fast, text) == _spans(standard, text), fast.pattern[:80]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(EXAMPLES) | st.text(max_size=30), min_size=1, max_size=8))
def test_the_packs_patterns_match_what_re_compile_matches_on_any_text(
    compiled: list[tuple[re.Pattern[str], re.Pattern[str]]], pieces: list[str]
) -> None:
    text = " ".join(pieces)
    for fast, standard in compiled:
        assert _spans(fast, text) == _spans(standard, text), fast.pattern[:80]
