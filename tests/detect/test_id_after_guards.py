"""The lookaheads in front of fragments of ``id_after`` (rules/common.toml) restate them.

``{{id_after_gap_first}}`` stands before ``{{id_after_gap_next}}`` and ``{{id_mark_led_first}}``
before ``{{id_mark_led}}``: each names the characters its fragment can start with, so that `re`
turns away at once the positions of the lazy gap where the fragment cannot match. That changes
no match only while every character the fragment can start with is in the lookahead; these
tests fail as soon as an edit of the fragment (or of a var it uses: id_mark, assign, open ...)
adds one that is not.
"""

from __future__ import annotations

import re
import tomllib
from re import _parser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect.rules import _expand_vars, default_rules_dir, first_character_guard, load_packs

FILES = sorted(default_rules_dir().glob("*.toml"))
VARS = _expand_vars(
    {name: value for file in FILES for name, value in tomllib.loads(file.read_text("utf-8")).get("vars", {}).items()},
    FILES,
)


_SKIPPED_SPACES = "(?=[ \\t\\n]*["


def _lookahead_chars(lookahead: str) -> set[str]:
    """The characters of a ``(?=[...])`` made of single characters only; for the form that
    looks past spaces first, ``(?=[ \\t\\n]*[...])``, the spaces too."""
    spaces: set[str] = set()
    if lookahead.startswith(_SKIPPED_SPACES):
        spaces = {" ", "\t", "\n"}
        lookahead = "(?=[" + lookahead[len(_SKIPPED_SPACES) :]
    assert lookahead.startswith("(?=[") and lookahead.endswith("])")
    ((op, items),) = _parser.parse(lookahead[3:-1])
    assert op is _parser.IN
    chars: set[str] = set(spaces)
    for item_op, value in items:
        if item_op is _parser.LITERAL:
            chars.add(chr(value))
        else:
            assert item_op is _parser.RANGE, f"{lookahead}: {item_op} is not a character"
            chars.update(chr(code) for code in range(value[0], value[1] + 1))
    return chars


@pytest.mark.parametrize(
    ("guard", "fragment"),
    [("id_after_gap_first", "id_after_gap_next"), ("id_mark_led_first", "id_mark_led")],
)
def test_each_lookahead_lists_every_first_character_of_its_fragment(guard: str, fragment: str) -> None:
    needed = first_character_guard(VARS[fragment])
    assert needed is not None, f"{fragment} may match empty or start with any character: drop {guard}"
    missing = _lookahead_chars(needed) - _lookahead_chars(VARS[guard])
    assert not missing, f"{{{{{guard}}}}} lacks {sorted(missing)} that {{{{{fragment}}}}} can start with"


@pytest.mark.parametrize(("guard", "fragment"), [("id_after_gap_first", "id_after_gap_next"), ("id_mark_led_first", "id_mark_led")])
def test_each_lookahead_stands_right_before_its_fragment(guard: str, fragment: str) -> None:
    raw = tomllib.loads((default_rules_dir() / "common.toml").read_text("utf-8"))["vars"]["id_after"]
    assert raw.count("{{" + fragment + "}}") == raw.count("{{" + guard + "}}{{" + fragment + "}}") == 1


def test_the_platform_rules_use_the_guarded_fragments() -> None:
    rule = load_packs().by_id("platform.id")
    assert any(VARS["id_after_gap_first"] + VARS["id_after_gap_next"] in p.pattern for p in rule.patterns)


# A platform name, then the spaces, marks, assignments and brackets that may follow it, handles.
_AFTER_PLATFORM = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["", "x ", "ok\n", "。"]),
        st.sampled_from(["line", "insta", "ライン", "テレグラム", "twitter", "wechat", "カカオ"]),
        st.lists(
            st.sampled_from([
                " ", "  ", "\t", "\n", "\n\n", "　", "id", "user id", "username", "my ", "the ", "no ",
                "アカ", "垢", "アイディー", "名前", "は", "が", "です", "だよ", "これ", "こちら", "書いとくね",
                "is", "it's", "wa ", "=", ":", "：", "→", "->", "~", "!", "、", "「", "\"", "'", "(", "[",
                "||", "**", "`", "@", "@ken_99", "ken_99", "mika.s55", "yuki", "の", "に", "。", "?", "x",
            ]),
            max_size=8,
        ).map("".join),
    ),
)


_GUARDED = VARS["id_after_gap_first"] + VARS["id_after_gap_next"]
_PAIRS = [
    (pattern, re.compile(pattern.pattern.replace(_GUARDED, VARS["id_after_gap_next"])))
    for rule in load_packs()
    for pattern in rule.patterns
    if _GUARDED in pattern.pattern
]


@settings(max_examples=300, deadline=None)
@given(text=_AFTER_PLATFORM)
def test_the_guarded_pattern_finds_what_the_unguarded_one_finds(text: str) -> None:
    assert _PAIRS
    for guarded, unguarded in _PAIRS:
        assert [m.groupdict() | {"": m.span()} for m in guarded.finditer(text)] == [
            m.groupdict() | {"": m.span()} for m in unguarded.finditer(text)
        ]
