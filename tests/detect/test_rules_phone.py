"""Structural phone-number validation (bot/detect/phone.py) with the phone pack's tuning."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect.engine import _PhonePass, load_detector
from bot.detect.normalize import digit_view, fold
from bot.detect.phone import _RUN_RE, PhoneTuning, _bridged, find_phone_numbers

PARAMS = load_detector().rules.by_id("phone.number").params


def _numbers(text: str) -> list[tuple[str, str]]:
    view = digit_view(fold(text))
    return [(m.digits, m.shape) for m in find_phone_numbers(view.text, PARAMS)]


@pytest.mark.parametrize(
    ("text", "digits", "shape"),
    [
        ("090-1234-5678", "09012345678", "mobile"),
        ("080 1234 5678", "08012345678", "mobile"),
        ("070.1234.5678", "07012345678", "mobile"),
        ("050-1234-5678", "05012345678", "mobile"),
        ("03-1234-5678", "0312345678", "landline"),
        ("011-722-4583", "0117224583", "landline"),
        ("0467-12-3456", "0467123456", "landline"),
        ("0120-123-456", "0120123456", "special"),
        ("0800-123-4567", "08001234567", "special"),
        ("+81 90 1234 5678", "+819012345678", "international"),
        ("+81-3-1234-5678", "+81312345678", "international"),
        ("+81 (0)90-1234-5678", "+8109012345678", "international"),
        ("+44 20 7946 0958", "+442079460958", "international"),
        ("+1 (212) 555-0187", "+12125550187", "international"),
        ("+33 6 12 34 56 78", "+33612345678", "international"),
        ("(212) 555-0187", "2125550187", "nanp"),
        ("090のあとに1234、最後は5678", "09012345678", "bridged"),
        ("0044 7700 900123", "00447700900123", "idd"),  # the access code for the "+"
        ("0033 6 12 34 56 78", "0033612345678", "idd"),
        ("07700 900123", "07700900123", "uk_mobile"),  # British mobile, national form
        ("plus four four seven seven zero zero nine zero zero one two three", "+447700900123", "international"),
        ("eight one nine zero one two three four five six seven eight", "819012345678", "bare_international"),
    ],
)
def test_valid_shapes(text: str, digits: str, shape: str) -> None:
    assert (digits, shape) in _numbers(text)


@pytest.mark.parametrize(
    "text",
    [
        "1234-5678-9012",  # no leading zero
        "00-1234-5678",  # "00" is an international prefix, not an area code
        "2024-05-12 13:45:22",  # a number never starts inside a tightly joined group
        "090-1234-5678-99",  # ... nor ends inside one
        "01 07 12 25 31 40",  # a list of two-digit numbers
        "0123456789",  # counting
        "+1 +1 +1",
        "+12",
        "090-0000-0000",  # a placeholder: one digit repeated after the prefix
        "0120-000-000",
        "0000 1234 5678",  # "00" then "0": no country code
        "2 plus 3 plus 4 plus 5 plus 6 plus 7 plus 8 plus 9 plus 1",
    ],
)
def test_invalid_shapes(text: str) -> None:
    assert _numbers(text) == []


@pytest.mark.parametrize(
    ("text", "digits", "shape"),
    [
        ("090-1234-567", "0901234567", "mobile_typo"),  # one digit short
        ("080-216-9934", "0802169934", "mobile_typo"),
        ("090-1234-56789", "090123456789", "mobile_typo"),  # one digit long
        ("0901-2345-6789", "090123456789", "mobile_typo"),
        ("139 5814 2273", "13958142273", "cn_mobile"),
        ("15820473361", "15820473361", "cn_mobile"),
        ("下4桁は7104、頭は080-6629", "08066297104", "bridged"),  # the end given first
    ],
)
def test_weak_shapes(text: str, digits: str, shape: str) -> None:
    """Forms that are a phone number only with a phone word nearby: below the threshold alone."""
    matches = [m for m in find_phone_numbers(digit_view(fold(text)).text, PARAMS) if m.shape == shape]
    assert [m.digits for m in matches] == [digits]
    assert matches[0].confidence == PARAMS["bare_country_confidence"] < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "090-12-34-567",  # a mobile a digit short needs groups of three digits or more
        "0901234567-8",
        "090-0000-000",  # a placeholder
        "1395814227",  # ten digits after the 1
        "139-5814-22731",
        "12958142273",  # 12...: no Chinese mobile
        "111 1111 1111",
        "2024-139 5814 2273",  # starting inside a tightly joined group
        "4桁は0000、頭は090-0000",  # a placeholder
        "7104、then 0801-234",  # the prefix and the middle group as one run of 3-4
    ],
)
def test_not_weak_shapes(text: str) -> None:
    shapes = {m.shape for m in find_phone_numbers(digit_view(fold(text)).text, PARAMS)}
    assert not shapes & {"mobile_typo", "cn_mobile", "bridged"}, text


def test_a_number_inside_other_digits_is_found_at_group_boundaries() -> None:
    assert ("09012345678", "mobile") in _numbers("三 090 1234 5678 二")


def test_longest_valid_number_wins() -> None:
    # 0120 + 123 + 456 (free-dial, 10) must not stop before the 11-digit 0800 form
    assert _numbers("0800 123 4567") == [("08001234567", "special")]


def test_two_numbers_in_one_run() -> None:
    assert [d for d, _ in _numbers("03-1234-5678 / 090-1234-5678")] == ["0312345678", "09012345678"]


def test_a_long_run_of_digits_yields_only_valid_numbers() -> None:
    # 4,000 characters of loose single digits: every candidate window is checked (prefix sums
    # keep it linear), none is a valid number because "00..." is not a national number
    assert _numbers("0 " * 2000) == []
    assert {shape for _, shape in _numbers("0 9 0 " * 600)} == {"mobile"}


# ---- the engine's length pre-check (engine._PhonePass.fewest_digits)

_DIGIT_MATERIAL = [
    *"0123456789+-. ",
    "〇", "一", "九", "零", "壱", "⑩", "⑳", "0️⃣", "９",
    "ぜろ", "きゅう", "に", "ご", "ゼロ", "ｷｭｰ",
    "zero", "oh", "o", "nine", "double ", "triple ", "double", " ", "の",
]


# Numbers written as compactly as they can be: at and just above the shortest lengths.
compact_numbers = st.builds(
    lambda prefix, body, tail: prefix + body + tail,
    st.sampled_from(["0", "090", "080", "03", "0120", "+", "+81", "+1", "81", "〇九〇", "⑩", "+4"]),
    st.text("0123456789", min_size=4, max_size=10),
    st.sampled_from(["", "0", "九", "⑳", "double 5", "-1"]),
)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.lists(st.sampled_from(_DIGIT_MATERIAL), max_size=12).map("".join), compact_numbers))
def test_a_folded_text_shorter_than_the_fewest_digits_holds_no_number(text: str) -> None:
    # The engine skips the structural pass on such texts: it must have found nothing.
    fewest = _PhonePass.of(PARAMS).fewest_digits
    base = fold(text)
    view = digit_view(base)
    assert sum(c.isdigit() for c in view.text) <= len(base.text)
    if len(base.text) < fewest:
        assert list(find_phone_numbers(view.text, PARAMS)) == []


def test_fewest_digits_follows_the_params() -> None:
    assert _PhonePass.of(PARAMS).fewest_digits == min(10, PARAMS["international_min"], PARAMS["mobile_length"])
    no_bridge = {**PARAMS, "bridge_max_chars": 0, "international_min": 12}
    assert _PhonePass.of(no_bridge).fewest_digits == 10
    short_mobiles = {**PARAMS, "mobile_length": 7}
    assert _PhonePass.of(short_mobiles).fewest_digits == 7


# ---- shortcuts of the structural search


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.lists(st.sampled_from(_DIGIT_MATERIAL), max_size=16).map("".join), compact_numbers),
    data=st.data(),
)
def test_a_bridge_needs_two_unused_runs(text: str, data: st.DataObject) -> None:
    # find_phone_numbers skips _bridged when fewer than two runs are left unused.
    view = digit_view(fold(text)).text
    runs = list(_RUN_RE.finditer(view))
    if not runs:
        return
    left = data.draw(st.integers(min_value=0, max_value=min(1, len(runs))))
    used = set(data.draw(st.permutations(range(len(runs))))[: len(runs) - left])
    assert list(_bridged(view, runs, used, PARAMS)) == []


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.lists(st.sampled_from(_DIGIT_MATERIAL), max_size=24).map("".join), compact_numbers))
def test_prepared_tuning_finds_what_the_params_find(text: str) -> None:
    view = digit_view(fold(text)).text
    assert list(find_phone_numbers(view, PhoneTuning.of(PARAMS))) == list(find_phone_numbers(view, PARAMS))
