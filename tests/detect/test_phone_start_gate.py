"""What the start gate of ``phone.find_phone_numbers`` relies on.

The search skips a group without a "+" as a possible start unless its first digit is "0", it
begins Japan's country code "81" (possibly read out digit by digit: "8" then "1...") or a British
mobile after its country code "447" (also "44" then "7..."), or it can begin a North American
number (area code 2-9). That is exact only while the checks behind the
gate reject everything else; these properties fail as soon as one of them starts accepting a
number the gate would skip.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect.engine import load_detector
from bot.detect.phone import PhoneTuning, _classify, _nanp, _nanp_dictated

PHONE_PARAMS = [rule.params for rule in load_detector().rules if rule.detector == "phone"]
GROUPS = st.lists(st.text(alphabet="0123456789", min_size=1, max_size=5), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(number=st.text(alphabet="0123456789", min_size=1, max_size=16).filter(
    lambda n: n[0] != "0" and not n.startswith(("81", "447"))
))
def test_a_national_number_not_starting_with_0_81_or_447_is_never_valid(number: str) -> None:
    for params in PHONE_PARAMS:
        assert _classify(number, False, params) is None


@settings(max_examples=400, deadline=None)
@given(groups=GROUPS, tight=st.lists(st.booleans(), min_size=12, max_size=12))
def test_no_north_american_number_starts_with_0_or_1(groups: list[str], tight: list[bool]) -> None:
    tight = tight[: len(groups)]
    for params in PHONE_PARAMS:
        if not PhoneTuning.of(params).nanp_on:
            continue
        for i, group in enumerate(groups):
            if group[0] in "01":
                assert _nanp(groups[i : i + 3], params) is None
                assert _nanp_dictated(groups, tight, i) is None
