"""Normalisation views: each disguise family is undone, and every view maps back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.detect.engine import load_detector
from bot.detect.normalize import View, digit_view, estimate_digit_count, fold

_NORMALIZER = load_detector().normalizer


def _digits(text: str) -> str:
    return digit_view(fold(text)).text.replace(" ", "").replace("-", "").replace("|", "/")


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("０８０", "080"),  # fullwidth
        ("〇七〇", "070"),  # kanji
        ("零壱弐参肆伍陸漆捌玖", "0123456789"),  # daiji
        ("ぜろいちにーさんよんごーろくななはちきゅう", "0123456789"),  # hiragana readings
        ("ゼロイチニーサンヨンゴーロクナナハチキュー", "0123456789"),  # katakana readings
        ("ｾﾞﾛｲﾁﾆｰｻﾝﾖﾝｺﾞｰﾛｸﾅﾅﾊﾁｷｭｰ", "0123456789"),  # half-width katakana
        ("まるれいしちきゅう", "0079"),  # alternative readings
        ("zero ichi ni san yon go roku nana hachi kyuu", "0123456789"),  # romaji
        ("zero one two three four five six seven eight nine", "0123456789"),  # English
        ("oh-eight-oh", "080"),  # "oh" next to a number word
        ("⓪①②③④⑤⑥⑦⑧⑨", "0123456789"),  # circled
        ("⁰¹²³", "0123"),  # superscript
        ("𝟎𝟏𝟐𝟑", "0123"),  # mathematical
        ("0️⃣1️⃣2️⃣", "012"),  # keycap emoji
        ("O8O-l2I4", "0801214"),  # look-alike letters inside a digit token
        ("0\u200b9\u200d0", "090"),  # zero-width between digits
        ("0🍓9🍓0", "090"),  # emoji separators
        ("〇九〇の四四一二", "0904412"),  # "の" between groups
        ("0nine0-22seven4", "090227 4".replace(" ", "")),  # words glued to digits
        ("➀❷➌⓿⓹", "12305"),  # dingbat, negative and double circled digits
    ],
)
def test_digit_view_reads_every_digit_family(text: str, digits: str) -> None:
    assert _digits(text) == digits


@pytest.mark.parametrize(
    "text",
    [
        "に電話して",  # the particle に is not 2 on its own
        "go to the shop",  # "go" is not 5 on its own
        "oh no",  # "oh" alone is not 0
        "午後ごご",
    ],
)
def test_weak_readings_alone_are_not_digits(text: str) -> None:
    assert _digits(text) == ""


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("四四一二（ワンコで", "4412"),  # a reading that starts a word is the word
        ("7783 ワン切りして", "7783"),
        ("いちばん", ""),
        ("ぜろきゅうぜろ", "090"),  # readings glued together stay digits
        ("いち・に・さんで", "123"),  # the end of a chain stays a digit
        ("わん2", "12"),  # glued to a digit
    ],
)
def test_kana_reading_running_into_a_word_is_no_digit(text: str, digits: str) -> None:
    assert _digits(text) == digits


def test_weak_reading_counts_only_next_to_a_firm_one() -> None:
    assert _digits("ろくにいち") == "621"
    assert _digits("よんいちはちろく に電話") == "4186"


def test_text_between_digits_breaks_the_run_and_plus_is_kept() -> None:
    assert digit_view(fold("090 1234")).text == "090 1234"
    assert digit_view(fold("090-1234")).text == "090-1234"  # tightly joined groups
    assert digit_view(fold("3勝4敗")).text == "3|4"
    assert digit_view(fold("call +44 20")).text == "+44 20"
    # the plus said as a word, not after a number ("2 plus 3" is arithmetic)
    assert digit_view(fold("plus four four")).text == "+4 4"
    assert digit_view(fold("プラス81 3")).text == "+81 3"
    assert "+" not in digit_view(fold("2 plus 3")).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｍｉｋｕ＿ｆａｎ０３＠ｇｍａｉｌ．ｃｏｍ", "miku_fan03@gmail.com"),
        ("ken(at)example(dot)com", "ken@example.com"),
        ("ken [at] example [dot] co [dot] uk", "ken@example.co.uk"),
        ("ken あっと example ドット com", "ken@example.com"),
        ("ken アットマーク example.com", "ken@example.com"),
        ("amy dot lee at example dot org", "amy.lee@example.org"),
        ("s a k i 2 @ e x a m p l e . c o m", "saki2@example.com"),
        ("hxxps://t[.]me/abc_def", "https://t.me/abc_def"),
        ("t . me / night_owl", "t.me/night_owl"),
        ("x.com%2Fkei_99", "x.com/kei_99"),
        ("instagram dot com slash mai.bakes", "instagram.com/mai.bakes"),
        ("раul@gmаil.com", "paul@gmail.com"),  # Cyrillic р, а
        ("LΙΝΕ ΗΥΜΖ", "line hymz"),  # Greek capitals (Nu and Eta casefold to letters drawn as v, n)
        ("νικη", "vikn"),  # ... and their small letters are still read as drawn
        ("𝐤𝐞𝐧@𝐞𝐱𝐚𝐦𝐩𝐥𝐞.𝐜𝐨𝐦", "ken@example.com"),  # mathematical bold
        ("k\u200be\u200bn", "ken"),  # zero-width
        ("instagram,com/kei_22", "instagram.com/kei_22"),  # comma for the dot before a TLD
        ("discord。gg/abc", "discord.gg/abc"),  # Japanese full stop for the dot
        ("tokyo,japan", "tokyo,japan"),
        ("l**i**ne", "line"),  # markdown inside a word
        ("||l||ine", "||line"),
        ("2*3", "2*3"),  # a single star stays (it may stand for the @)
        # a spaced Latin run glued to Japanese text on either side
        ("IDはk e n _ 2 2です", "idはken_22です"),
        ("→s o r a . m 5", "→sora.m5"),
        ("a b cde", "a b cde"),
        ("snap @k e n _ 2", "snap @ken_2"),
        # a middle dot or bullet before a TLD, a bracketed slash word
        ("t·me/kei_99", "t.me/kei_99"),
        ("discord•gg/abc", "discord.gg/abc"),
        ("東京・大阪", "東京・大阪"),
        ("t.me (slash) kei_99", "t.me/kei_99"),
        ("ʟɪɴᴇ", "line"),  # small capitals
        ("||k||||e||||n||_2", "||ken_2"),  # one spoiler per letter  # not a run: the last letter runs on into a Latin word
        # a kana-spelled provider keeps the spaces before it: the spaced "@" is still joined
        ("kei.m7 ＠ じーめーる どっと こむ", "kei.m7@gmail.com"),
        ("kei.m7 ジーメール", "kei.m7 gmail"),
    ],
)
def test_text_view_undoes_disguises(text: str, expected: str) -> None:
    assert _NORMALIZER.text_view(fold(text)).text == expected


@pytest.mark.parametrize(
    "text",
    ["meet at the pier", "the red dot on the map", "stand in line at 7am", "ドット絵とアットホーム"],
)
def test_plain_at_and_dot_words_stay_words_outside_addresses(text: str) -> None:
    assert "@" not in _NORMALIZER.text_view(fold(text)).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L1NE", "line"),
        ("disc0rd", "discord"),
        ("1nsta", "insta"),
        ("te1egram", "telegram"),
        ("L.I.N.E", "line"),
        ("taiga55", "taiga55"),  # a handle keeps its digits
        ("w1nn3r", "w1nn3r"),  # leet outside the vocabulary is left alone
        ("09012345678", "09012345678"),  # digit runs are never folded
        ("力カオ", "カカオ"),  # kanji look-alikes inside katakana
        ("テレグラ厶", "テレグラム"),
        ("ス一パー", "スーパー"),
        ("ライン一本", "ライン一本"),  # 一 stays kanji unless between katakana
        ("二人で", "二人で"),
    ],
)
def test_words_view_folds_leet_only_towards_known_words(text: str, expected: str) -> None:
    words = _NORMALIZER.words_view(_NORMALIZER.text_view(fold(text)))
    assert words.text == expected


_MAP_SAMPLES = [
    "ｍｉｋｕ＿ｆａｎ０３＠ｇｍａｉｌ．ｃｏｍ まで",
    "ｾﾞﾛｷｭｰｾﾞﾛ ｲﾁﾆｰ",
    "L\u200bI\u200bN\u200bE の ID は ha\u200bru",
    "0️⃣7️⃣0️⃣ 5️⃣2️⃣",
    "jess dot parker at outlook dot com",
    "ﬁle ㈱ ½ ß İ",  # characters that expand under NFKC/casefold
    "s o r a 2 2 @ i c l o u d . c o m",
    "",
]


@pytest.mark.parametrize("text", _MAP_SAMPLES)
def test_every_view_character_maps_into_the_original(text: str) -> None:
    views = _NORMALIZER.views(text)
    for name, view in views.items():
        assert isinstance(view, View)
        for index in range(len(view.text)):
            start, end = view.original_span(index, index + 1)
            assert 0 <= start < end <= len(text), (name, index, start, end)
        if view.starts is not None:
            assert list(view.starts) == sorted(view.starts), name


def test_digit_estimate_is_an_upper_bound() -> None:
    for text in [
        "090-1234-5678", "ぜろはちぜろ", "O8O-l9l2", "zero one two", "abc",
        # every repeated reading is two or three digits
        "zero nine zero double one double two double three double four",
        "oh eight oh triple five, triple six, double seven",
    ]:
        folded = fold(text)
        digits = [c for c in digit_view(folded).text if c.isdigit()]
        assert estimate_digit_count(folded.text) >= len(digits), text


_DICTATION_WORDS = ["zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight",
                    "nine", "double", "triple", "-", ","]


@given(st.lists(st.sampled_from(_DICTATION_WORDS), max_size=30))
def test_digit_estimate_bounds_any_english_dictation(words: list[str]) -> None:
    folded = fold(" ".join(words))
    digits = [c for c in digit_view(folded).text if c.isdigit()]
    assert estimate_digit_count(folded.text) >= len(digits)
