"""platform.id-described's lookahead after the platform name changes no match.

The rule's first pattern (rules/messengers.toml) goes on from a platform name by a lazy gap, an
optional id_mark and three ways on, each with gaps of its own. On a long text full of platform
names `re` tried every way at every gap position after every name; the lookahead right after the
name asks once whether one of the words each way needs is within its reach, and turns the name
away if none is. A lookahead that only restates a condition the rest already needs cannot change
a match; these tests check both halves of that: the reach it allows covers the longest way
(structurally, from the vars) and the pattern with it finds exactly what the pattern without it
finds (on random strings built from the pieces the pattern reads).
"""

from __future__ import annotations

import re
import tomllib
from re import _parser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect.rules import _expand_vars, default_rules_dir, load_packs

_FILES = sorted(default_rules_dir().glob("*.toml"))
_RAW_VARS: dict[str, str] = {}
for _file in _FILES:
    _RAW_VARS.update(tomllib.loads(_file.read_text(encoding="utf-8")).get("vars", {}))
VARS = _expand_vars(_RAW_VARS, _FILES)

LOOKAHEAD = (
    "(?=[^\\n]{0,39}?(?:ローマ字|英語|英字|アルファベット|小文字|区切り)|[^\\n]{0,17}?[は:：→=➡⇒])"
)


DESCRIBED = load_packs().by_id("platform.id-described").patterns[0].pattern
GUARDED = re.compile(DESCRIBED)
PLAIN = re.compile(DESCRIBED.replace(LOOKAHEAD, "", 1))


def test_the_rule_carries_the_lookahead_once() -> None:
    assert DESCRIBED.count(LOOKAHEAD) == 1


def test_the_reach_covers_every_way_on() -> None:
    # the gap after the name ([^\n]{0,6}?) and the longest id_mark stand before every way on
    longest_id_mark = _parser.parse(VARS["id_mark"]).getwidth()[1]
    source = DESCRIBED
    assert "[^\\n]{0,6}?(?:" + VARS["id_mark"] + ")?(?:[^\\n0-9]{0,24}?(?:ローマ字" in source
    assert "|[^\\n]{0,8}?(?:アンダーバー|アンダースコア|ハイフン|\\.|点)区切り" in source
    assert "|[ \\t]{0,2}(?:は|:|：|→|=|➡|⇒)" in source
    assert 6 + longest_id_mark + 24 <= 39  # the romaji word
    assert 6 + longest_id_mark + 8 + len("アンダースコア") <= 39  # 区切り
    assert 6 + longest_id_mark + 2 <= 17  # the assignment mark


_PIECES = [
    "ライン", "line", "インスタ", "テレグラム", "twitter", "カカオ", "微信", "の", "id", "user name", "ユーザーネーム",
    "、", " ", "  ", "\t", "\n", "ローマ字で", "英語", "小文字", "haruka", "に", "0726", "0315", "12", "を", "最後に",
    "くっつけ", "つけた", "アンダーバー", "ハイフン", ".", "点", "区切りで", "「ren」", "「0409」", "「sho」", "は", ":",
    "→", "=", "ユズ", "ニーサンイチ", "_", "-", "a", "x", "ー", "http://", "ドット", "@",
]


# A platform name, a stretch of filler (the reach is what is tested), an ID word, more filler and
# the start of one of the three ways on: many of these texts match near a reach's edge.
_FILLER = st.lists(st.sampled_from(["a", " ", "、", "xyz", "ー", "0", "\n", "あいう", "12345", "の"]), max_size=12)
_SHAPED = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["ライン", "line", "インスタ", "twitter", "微信"]),
        _FILLER.map("".join),
        st.sampled_from(["", "id", "user name", "ユーザーネーム", "のid"]),
        _FILLER.map("".join),
        st.sampled_from(
            [
                "ローマ字で mizuki に 1108 くっつけた",
                "英語 12 つけた",
                "アンダーバー区切りで「ren」「sho」「0409」",
                ".区切り「a1」「b2」",
                "は ミオ アンダーバー ゴー",
                "→ ユズ _ ニー",
                ": ハル - ab",
            ]
        ),
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join), _SHAPED),
    st.text(alphabet="aiーンは:\n0 区", max_size=8),
)
def test_the_lookahead_changes_no_match(start: str, noise: str) -> None:
    text = start + noise
    found = [(m.span(), m.groupdict()) for m in GUARDED.finditer(text)]
    assert found == [(m.span(), m.groupdict()) for m in PLAIN.finditer(text)]


def test_the_examples_still_match_with_and_without() -> None:
    for text in [
        "lineのidはローマ字で mizuki に 1108 くっつけたやつ",
        "インスタはローマ字で「ゆな」、最後に 0315 つけたもの",
        "ラインid→ ミオ アンダーバー ゴーニーハチ",
        "lineのid、アンダーバー区切りで「ren」「sho」「0409」",
        "line user name は ユズ _ ニー",
    ]:
        assert GUARDED.search(text) is not None, text
        assert [m.span() for m in GUARDED.finditer(text)] == [
            m.span() for m in PLAIN.finditer(text)
        ]
