"""The fast paths of the normalised views agree with the general paths they shortcut.

Each fast path claims to be exact (a gate may answer "maybe" more often than needed, never "no"
wrongly). These properties compare it with the general path, or with the formulation it
replaced, on arbitrary Unicode and on text made of the material disguises are made of, where
the gates are the most likely to be wrong.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.detect.engine import load_detector
from bot.detect.normalize import (
    _ANY_DIGIT_CHAR_RE,
    _ANY_READING_RE,
    _DIGIT_LED_TOKENS,
    _DIGIT_TOKEN_RE,
    _KANA_READINGS,
    _KANJI_DIGITS,
    _LATIN_READINGS,
    _READING_TOKENS,
    View,
    _katakana,
    _mark_invisible_digit_gaps,
    _tokens,
    _weak_kept,
    _weak_to_keep,
    estimate_digit_count,
    fold,
    fold_char,
    literal_alternation,
)

_NORMALIZER = load_detector().normalizer

PROPERTY = settings(max_examples=400, deadline=None)

# Pieces of disguises for every pass of the text and words views (spelled, punctuation and
# plain at/dot words, spaced letters, markdown, defanged URLs, CJK stops, URL punctuation with
# spaces, kanji look-alikes, leetspeak, dotted letters) and of the digit view.
_FRAGMENTS = [
    *"abcdegilmnorstxyz0123456789",
    *" \t\n\u3000.,、。｡・･-*_|~`%[]():/@＠>=→",
    "at", " at ", "dot", " dot ", "period", "てん", "あっと", "アット", "アットマーク", "(at)", "[dot]",
    "[.]", "(.)", "【at】", "ドット", "どっと", "slash", "スラッシュ", "ジーメール", "gメール", "ドットコム",
    "ドット コム", "シーオー", "**", "||", "~~", "``", "__", "hxxp", "%2e", "%2F", "%3a", "%40", "%7e",
    "[:]", "gmail", "yahoo", ".com", "com", "co.jp", "example", "l1ne", "L1NE", "1nsta", "d1sc0rd",
    "te1egram", "5nap", "ca11", "add5", "numb3r", "taiga55", "l.i.n.e", "L・I・N・E", "s o r a",
    "力", "カ", "オ", "一", "ー", "ラ", "ン", "厶", "二", "人", "テレグラ",
    "ぜろ", "いち", "に", "にい", "し", "ご", "く", "よん", "きゅう", "まる", "の", "ハイフン",
    "zero", "one", "oh", "o", "go", "ni", "san", "double", "triple", "nine", "dash",
    "〇", "九", "壱", "０", "９", "①", "\u200b", "\u2060", "ﾃﾞ", "ｶﾞ", "ﬁ", "İ", "а", "о",
    "@ ", "~ ", "a_1", "з", "桁", "digits", "—", "L I N E:",
]
_disguises = st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join)
_spaced_words = st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map(" ".join)
# Written-out addresses, where the plain at/dot words and the URL punctuation passes apply.
_addresses = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["", "mail: ", "meet ", "id is ", "\n", "「", "__"]),
    st.sampled_from(["ken", "ken_1", "a.b", "yamada", "x", "__sora"]),
    st.sampled_from([" at ", " あっと ", "アット", "(at)", " @ ", "@", " at  ", "\tat\t"]),
    st.sampled_from(["gmail", "example", "icloud", "e x a m p l e", "ジーメール", "docomo"]),
    st.sampled_from([".", ".", " dot ", " . ", "。", ",", "(dot)"]),
    st.sampled_from(["com", "co.jp", "ne.jp", "me", "gg", "x"]),
    st.sampled_from(["", " ", " at x.com", "__", " / p", "/ abc", " slash x"]),
)
_unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
texts = st.one_of(_disguises, _spaced_words, _unicode)


def _same(fast: View, general: View) -> None:
    assert fast.name == general.name
    assert fast.text == general.text
    assert fast.starts == general.starts
    assert fast.ends == general.ends


# Short strings over the characters the text view's patterns turn on, densely.
_text_material = st.text(st.sampled_from("ab1 \t\n.,、。·•・/@*|~`_%2e[:]()hxpイは〇五壱一つ"), max_size=12)


@PROPERTY
@given(text=st.one_of(texts, _addresses, _text_material))
@example(text="0,NE")  # a top-level domain after a comma that the gate did not list
def test_text_view_gate_never_skips_a_change(text: str) -> None:
    base = fold(text)
    _same(_NORMALIZER.text_view(base), _NORMALIZER._text_passes(base))


# Every sequence of three of these pieces: each pass of the text view applies to some of them.
_TEXT_PIECES = [
    "a", "1", " ", "\t", "\n", ".", ",", "、", "。", "/", "@", "**", "||", "~~", "``", "__", "%2e",
    "hxxp", "[:]", "(at)", "[.]", " at ", " dot ", " @ ", "あっと", "com", "ジーメール", "ドット コム", "x.jp",
    "·", "•", "・", "me", "(slash)", "||||", "は", "〇五", "一", "つ",
    "@ ", "~ ", "/~ ", "a_1", "b:", "—", "- ", " _ ", "_",
]


def test_text_view_gate_on_every_three_pieces() -> None:
    for parts in itertools.product(_TEXT_PIECES, repeat=3):
        base = fold("".join(parts))
        _same(_NORMALIZER.text_view(base), _NORMALIZER._text_passes(base))


# Kanji look-alikes among katakana, leet and dotted letters, densely.
_words_material = st.text(
    st.sampled_from("ァカラテレグムンーオ口力工二夕卜八一厶丿乂于千人本 l1i3n0e.・_-,、，らいんイスタ$snapハガヲ"), max_size=12
)


@PROPERTY
@given(text=st.one_of(texts, _words_material))
def test_words_view_gate_never_skips_a_change(text: str) -> None:
    text_view = _NORMALIZER.text_view(fold(text))
    _same(_NORMALIZER.words_view(text_view), _NORMALIZER._words_passes(text_view))


_WORDS_PIECES = [
    "l", "1", "ne", "i", ".", "・", "_", "-", "*", "カ", "力", "ラ", "一", "ー", " ", "d1sc0rd", "5",
    ", ", "、", " - ", "ら", "い", "ん", "$", "$nap", "na", "ハ", "ガ", "ヲ",
]


def test_words_view_gate_on_every_three_pieces() -> None:
    for parts in itertools.product(_WORDS_PIECES, repeat=3):
        text_view = _NORMALIZER.text_view(fold("".join(parts)))
        _same(_NORMALIZER.words_view(text_view), _NORMALIZER._words_passes(text_view))


# The digit tokens as one plain alternation, the formulation the guarded token pattern and the
# counting pattern were derived from.
_PLAIN_DIGIT_TOKEN_RE = re.compile("(?=[0-9oils])" + _DIGIT_LED_TOKENS + "|" + _READING_TOKENS)
_digit_material = st.one_of(
    texts, st.text(st.sampled_from("0123456789oilsOILSxyz一二〇にごしくよいちさんーの -.,+"), max_size=20)
)


@PROPERTY
@given(text=_digit_material)
def test_digit_tokens_are_those_of_the_plain_alternation(text: str) -> None:
    folded = fold(text).text
    assert [(m.span(), m.lastgroup) for m in _DIGIT_TOKEN_RE.finditer(folded)] == [
        (m.span(), m.lastgroup) for m in _PLAIN_DIGIT_TOKEN_RE.finditer(folded)
    ]


@PROPERTY
@given(text=_digit_material)
def test_digit_estimate_is_the_plain_token_count(text: str) -> None:
    folded = fold(text).text
    tokens = [m.group() for m in _PLAIN_DIGIT_TOKEN_RE.finditer(folded)]
    repeated = folded.count("double") + 2 * folded.count("triple")  # each adds digits
    # a tens or teens word stands for two digits ("forty-seven"): counted wherever its ending is
    repeated += sum(folded.count(ending) for ending in ("ty", "teen", "ten", "eleven", "twelve"))
    assert estimate_digit_count(folded) == repeated + sum(
        len(token) if token[0] in "0123456789oils" else 1 for token in tokens
    )


def test_view_is_frozen_and_compares_by_fields() -> None:
    view = View("text", "abc", [0, 1, 2], [1, 2, 3])
    assert view == View(name="text", text="abc", starts=[0, 1, 2], ends=[1, 2, 3])
    assert view != View("words", "abc", [0, 1, 2], [1, 2, 3])
    assert View("raw", "abc") == View("raw", "abc", None, None)
    assert repr(View("raw", "x")) == "View(name='raw', text='x', starts=None, ends=None)"
    with pytest.raises(AttributeError):
        view.text = "changed"  # type: ignore[misc]
    assert view.text == "abc"


# Spoken digits, weak and firm, Latin and kana.
_readings = st.lists(
    st.sampled_from(
        ["go", "one", "oh", "o", "ni", "san", "zero", "ku", "-", ",", "に", "いち", "し", "かけて", "4", "ゼロ", "ｷｭｰ"]
    ),
    max_size=6,
).map(" ".join)


@PROPERTY
@given(text=st.one_of(_digit_material, _readings))
def test_weak_readings_kept_as_the_chains_say(text: str) -> None:
    folded = fold(text).text
    tokens = _tokens(folded)
    assert _weak_kept(tokens, folded) == _weak_to_keep(tokens, folded)


def _fold_one_by_one(text: str) -> tuple[str, list[int], list[int]]:
    """The folded text and its maps, one character at a time (what ``fold`` does in C for the
    stretches of one-to-one characters, and for the identity and ASCII fast paths)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        for out in fold_char(char):
            if out in "\u3099\u309a" and chars:
                composed = unicodedata.normalize("NFC", chars[-1] + out)
                if len(composed) == 1:  # a voicing mark joins the previous character
                    chars[-1] = composed
                    ends[-1] = index + 1
                    continue
            chars.append(out)
            starts.append(index)
            ends.append(index + 1)
    return "".join(chars), starts, ends


@PROPERTY
@given(text=st.one_of(texts, st.text(st.sampled_from("ﾃﾞｶﾞﾊﾟ\u3099\u309a\u200bﬁßİＡａ０①Ⅻ㈱"), max_size=12)))
def test_fold_agrees_with_folding_one_character_at_a_time(text: str) -> None:
    view = fold(text)
    folded, starts, ends = _fold_one_by_one(text)
    assert view.text == folded
    if view.starts is None or view.ends is None:
        assert starts == list(range(len(text))) and ends == list(range(1, len(text) + 1))
    else:
        assert list(view.starts) == starts and list(view.ends) == ends


# "Anything that could become a digit", as the class and alternation it was first written as.
_PLAIN_ANY_DIGIT_RE = re.compile(
    "[0-9" + "".join(_KANJI_DIGITS) + "]|"
    + literal_alternation([*_KANA_READINGS, *(_katakana(k) for k in _KANA_READINGS), *_LATIN_READINGS])
)


@PROPERTY
@given(text=st.one_of(_digit_material, _readings, texts))
def test_any_digit_tests_as_their_plain_formulation(text: str) -> None:
    folded = fold(text).text
    found = _ANY_DIGIT_CHAR_RE.search(folded) is not None or _ANY_READING_RE.search(folded) is not None
    assert found == (_PLAIN_ANY_DIGIT_RE.search(folded) is not None)


_GROUP_SEPARATOR = "[ \\-‐‑‒–—―ー－~〜～.・･()（）/_*]"


def _invisible_gaps_along_the_whole_text(base: View) -> list[int]:
    """The digit gaps ``_mark_invisible_digit_gaps`` marks, as first written: every gap of
    the maps between two digits of the whole text, then those of the runs that also hold
    digits written side by side."""
    assert base.starts is not None and base.ends is not None
    text, starts, ends = base.text, base.starts, base.ends
    gaps = [
        k
        for k in itertools.compress(range(1, len(text)), map(operator.gt, starts[1:], ends[:-1]))
        if text[k] in "0123456789" and text[k - 1] in "0123456789"
    ]
    kept: list[int] = []
    for run in re.finditer("[0-9]{2,}", text):
        # a run of up to four digits joined to other digits by visible separators is a group
        # of a number whose groups are already drawn: its invisibles mark nothing
        if len(run.group()) <= 4 and (
            re.search("[0-9]" + _GROUP_SEPARATOR + "{1,3}$", text[: run.start()])
            or re.match(_GROUP_SEPARATOR + "{1,3}[0-9]", text[run.end() :])
        ):
            continue
        inside = gaps[bisect.bisect_right(gaps, run.start()) : bisect.bisect_left(gaps, run.end())]
        if inside and len(inside) < run.end() - run.start() - 1:
            kept.extend(inside)
    return kept


# Digits decorated or split by what folding removes (zero-width characters, keycaps, variation
# selectors) and by what it expands ("①", "⑩", "ﬁ").
_decorated_digits = st.text(
    st.sampled_from("0123456789 -a\u200b\u200c\u200d\u2060\ufe0f\u20e3①⑩０ﬁ"), max_size=30
)


@PROPERTY
@given(text=st.one_of(_decorated_digits, _digit_material, texts))
def test_invisible_digit_gaps_are_those_of_the_whole_text_scan(text: str) -> None:
    base = fold(text)
    marked = _mark_invisible_digit_gaps(base)
    if base.starts is None or base.ends is None:
        assert marked is base
        return
    gaps = _invisible_gaps_along_the_whole_text(base)
    if not gaps:
        assert marked is base
        return
    expected = list(base.text)
    for k in reversed(gaps):
        expected.insert(k, "-")
    assert marked.text == "".join(expected)


# Spaces before the at/dot/slash words and the words themselves, densely.
_punct_word_material = st.lists(
    st.sampled_from([" ", "  ", "\t", "\n", "\u3000", "a", "x", "(", ")", "[", "]", "<", ">", "{", "}",
                     "【", "】", "dot", "at", "slash", "ドット", "どっと", "あっと", "アットマーク", "スラッシュ",
                     "(dot)", "[at]", "【@】", "<.>", "(/)", ".", "@", "/", "s", "ken", "com"]),
    max_size=30,
).map("".join)


@PROPERTY
@given(text=st.one_of(_punct_word_material, texts, _addresses))
def test_punct_words_lookahead_finds_what_the_looser_one_finds(text: str) -> None:
    # The pass's leading lookahead asks for at most four spaces and then a word's first
    # character; it was first written as "a space or a first character".
    tight = _NORMALIZER._punct_words_re
    assert tight.pattern.startswith("(?=\\s{0,4}[")
    loose = re.compile(tight.pattern.replace("(?=\\s{0,4}[", "(?=\\s|[", 1))
    folded = fold(text).text
    assert [(m.span(), m.lastgroup) for m in tight.finditer(folded)] == [
        (m.span(), m.lastgroup) for m in loose.finditer(folded)
    ]
