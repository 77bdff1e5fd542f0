"""The digits view for the digit families added in round 5 of acceptance 2: readings (katakana
English "two", the romaji macron, the Chinese dictation 1, English tens and teens) and the
quantities that break a run (a group of ASCII digits a counter or unit follows)."""

from __future__ import annotations

import pytest

from bot.detect.normalize import digit_view, estimate_digit_count, fold


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("トゥー ワン", "2 1"),
        ("ゼロトゥーゼロ", "020"),
        ("kyū ni", "9 2"),
        ("幺三八", "138"),
        ("oh one forty-seven", "0 1 47"),
        ("fifty five twenty one", "55 21"),
        ("seventeen ten twelve", "17 10 12"),
        ("sixty", "60"),
        ("ninetynine", "99"),
        # a quantity breaks the run: the digits count something
        ("4412人 7703票", ""),
        ("090円 / 4412円", ""),
        ("4412 件、7703", "7703"),
        # ... not when the unit starts a longer word, nor for one digit of a chain of readings
        ("5678日中", "5678"),
        ("5678時々", "5678"),
        ("五六七八時に", "5678"),
        ("090 4412 7703人", "090 4412 7703"),
    ],
)
def test_digits_view(written: str, digits: str) -> None:
    assert digit_view(fold(written)).text == digits


@pytest.mark.parametrize(
    "written",
    [
        "oh nine oh, forty-four twelve, seventy-seven oh three",
        "two one two, five five five, oh one forty-seven",
        "fifty-five twenty-one thirty-three",
    ],
)
def test_the_estimate_bounds_the_digits_of_pairs(written: str) -> None:
    view = digit_view(fold(written)).text
    assert estimate_digit_count(fold(written).text) >= sum(c.isdigit() for c in view)
