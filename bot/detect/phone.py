"""Structural phone-number detection on the ``digits`` view.

The digits view has already turned every digit family into ASCII digits and reduced what lay
between them to markers: " " between digit groups written apart, "|" where text interrupted the
run, "+" where a plus sign introduced a group. Here we try, inside each run, every stretch of
whole groups (never a part of a group) and keep the longest that is a valid number:
Japanese mobiles/IP phones (070/080/090/050/020 + 8 digits), special prefixes (0120 free-dial
...), 10-digit landlines, or a "+" international number (E.164 length, +81 checked as Japan).
The prefixes, lengths and confidences come from the phone pack's ``[rule.params]``.

Bridging: a pack may allow a mobile number to be assembled across short text in between
("090のあとに3317、最後は8820"), with ``bridge_max_chars`` > 0.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_RUN_RE = re.compile(r"\+?[0-9]+(?:[ \-]\+?[0-9]+)*")
_PIECE_RE = re.compile(r"\+?[0-9]+")
_NANP_LOCAL_RE = re.compile(r"[0-9]{3}[ \-][0-9]{4}")
_DECIMAL_START_RE = re.compile(r"[0-9]-[0-9]{2}(?![0-9])")  # "0.90", "4.25": one digit, a point, two
_PREFIX_AND_MIDDLE_RE = re.compile(r"[0-9]{3}[ \-]?[0-9]{4}")  # "080-6629", "0806629"


@dataclass(frozen=True, slots=True)
class PhoneMatch:
    start: int  # in the digits view
    end: int
    digits: str  # national or international digits, with a leading "+" for international
    confidence: float
    # mobile | special | landline | uk_mobile | international | idd | bare_international | nanp |
    # bridged | mobile_typo | cn_mobile
    shape: str


_COUNTING = "01234567890123456789"


def _is_counting(digits: str) -> bool:
    """"zero one two three ... nine": counting, not a number anybody owns."""
    return len(digits) >= 8 and digits in _COUNTING


def _classify(digits: str, plus: bool, params: Mapping[str, Any]) -> tuple[str, float] | None:
    if plus:
        if digits.startswith("81"):
            national = digits[2:]
            if national.startswith("0"):  # "+81 (0)90-...": the trunk 0 written anyway
                national = national[1:]
            if national[:1] not in ("", "0") and len(national) in (9, 10):
                return "international", float(params["international_confidence"])
            return None
        if digits[0] != "0" and params["international_min"] <= len(digits) <= params["international_max"]:
            return "international", float(params["international_confidence"])
        return None
    if digits[0] != "0":
        # "81 90 1234 5678": Japan's country code without the "+" (weak: needs a phone word)
        confidence = float(params["bare_country_confidence"])
        if confidence > 0 and digits.startswith("81") and len(digits) in (11, 12) and digits[2] != "0":
            return "bare_international", confidence
        # "44 7700 900512": a British mobile after its country code without the "+" (as weak)
        if confidence > 0 and digits.startswith("447") and len(digits) == 12:
            return "bare_international", confidence
        return None
    if len(digits) < 10 or (digits[1] == "0" and digits[:3] not in params["mobile_prefixes"]):
        return None  # "00...": an international access code, unless a listed mobile prefix (Korea's 010)
    for prefix, length in params["special_prefixes"].items():
        if digits.startswith(prefix):
            return ("special", float(params["landline_confidence"])) if len(digits) == length else None
    if digits[:3] in params["mobile_prefixes"]:
        if len(digits) == params["mobile_length"]:
            return "mobile", float(params["mobile_confidence"])
        return None
    if len(digits) == params["landline_length"]:
        return "landline", float(params["landline_confidence"])
    if len(digits) == 11 and digits[1] == "7":
        # "07700 900123": a British mobile in national form (no Japanese number has 11 digits
        # after 07 outside the 070 mobiles above)
        return "uk_mobile", float(params["landline_confidence"])
    return None


def _nanp(digits: Sequence[str], params: Mapping[str, Any]) -> tuple[str, float] | None:
    """A North American number written 3-3-4 without "+1" ("(646) 555-0142"): area code and
    exchange start with 2-9. Weak on its own; the pack sets its confidence below the threshold
    so that only a word such as "call"/"cell" nearby reports it."""
    confidence = float(params["nanp_confidence"])
    if confidence <= 0 or [len(d) for d in digits] != [3, 3, 4]:
        return None
    if digits[0][0] in "01" or digits[1][0] in "01":
        return None
    return "nanp", confidence


def _is_placeholder(digits: str) -> bool:
    """"090-0000-0000", "0120-000-000": a prefix and then one digit repeated, the way forms and
    rules write an example number, not anybody's own."""
    if len(digits) < 9 or digits[0] != "0":
        return False
    rest = digits[4:] if digits[1:4] in ("120", "800", "570", "990") else digits[3:]
    return len(set(rest)) == 1


def _nanp_dictated(digits: Sequence[str], tight: Sequence[bool], i: int) -> int | None:
    """The last group of a North American number read out digit by digit from group *i*
    ("two oh six, five five five, oh one nine two": groups of one or two digits, the area code
    and the exchange ending at group boundaries), or None. Weak like the 3-3-4 form."""
    total = 0
    boundaries = []
    j = i
    for j in range(i, min(len(digits), i + 10)):
        # (a tight mark only where the area code or the exchange ends: "9 1 7-5 5 5-0 1 4 2",
        # or between two single digits: "nine-oh-one")
        if (
            (
                j > i
                and tight[j]
                and total not in (3, 6)
                and not (len(digits[j]) == 1 and len(digits[j - 1]) == 1)
            )
            or len(digits[j]) > 2
            # pairs only in the last four digits ("oh one, forty-seven"): "eight thirty, nine
            # fifteen, ten forty" are times
            or (total < 6 and len(digits[j]) > 1)
        ):
            return None
        total += len(digits[j])
        if total in (3, 6):
            boundaries.append(total)
        if total >= 10:
            break
    if total != 10 or boundaries != [3, 6] or j - i < 3 or (j + 1 < len(digits) and tight[j + 1]):
        return None
    number = "".join(digits[i : j + 1])
    if number[0] in "01" or number[3] in "01" or _is_counting(number):
        return None
    return j


def _prefix_group(digits: Sequence[str], tight: Sequence[bool], prefix: Sequence[int], i: int) -> str:
    """The first three digits from group *i* when groups end right after them ("090", also read
    out digit by digit: "0 nine 0" when a common mobile prefix, not joined tightly: "0.90" is
    a decimal), else ""."""
    if len(digits[i]) == 3:
        return digits[i]
    k = bisect.bisect_left(prefix, prefix[i] + 3)
    if k < len(prefix) and prefix[k] == prefix[i] + 3 and len(digits[i]) < 3 and not any(tight[i + 1 : k]):
        first = "".join(digits[i:k])
        return first if first in _TYPO_PREFIXES else ""  # (070/080/090: not "0 1 0 02 03 ...")
    return ""


# Mobile prefixes a writer types a digit short or long of the 11 ("080-216-9934",
# "090-1234-56789"): still a mobile number to whoever reads it, reported with a phone word only.
_TYPO_PREFIXES = frozenset({"070", "080", "090"})


def _mobile_typo(
    digits: Sequence[str], tight: Sequence[bool], prefix: Sequence[int], two: Sequence[int], i: int,
    params: Mapping[str, Any],
) -> tuple[int, str, float] | None:
    """A Japanese mobile written with 10 or 12 digits from group *i* (a slip of the writer), in
    at least two groups of three digits or more, or None. Weak: needs a phone word nearby."""
    count = len(digits)
    for length in (10, 12):
        j = bisect.bisect_left(prefix, prefix[i] + length) - 1
        if j <= i or j >= count or prefix[j + 1] - prefix[i] != length or j - i >= 4:
            continue
        if (j + 1 < count and tight[j + 1]) or two[j + 1] - two[i] or any(len(d) < 3 for d in digits[i : j + 1]):
            continue  # (groups of 3-4-3, 3-3-4, 4-4-4 ...: not a list of small numbers)
        number = "".join(digits[i : j + 1])
        if _is_placeholder(number) or _is_counting(number):
            continue
        return j, "mobile_typo", float(params["bare_country_confidence"])
    return None


# A Chinese mobile: 1, then 3-9, then nine digits ("139 5814 2273", "15820473361").
_CN_SECOND_DIGITS = frozenset("3456789")


def _cn_mobile(
    digits: Sequence[str], tight: Sequence[bool], i: int, params: Mapping[str, Any]
) -> tuple[int, str, float] | None:
    """A Chinese mobile from group *i*, written as one group of 11 or as 3-4-4, or None. Weak
    (a phone word nearby reports it): eleven digits starting with 1 are also counts and ids."""
    count = len(digits)
    if len(digits[i]) == 11:
        j = i
    elif i + 2 < count and [len(d) for d in digits[i : i + 3]] == [3, 4, 4]:
        j = i + 2
    else:
        return None
    if (j + 1 < count and tight[j + 1]) or len(set("".join(digits[i : j + 1]))) <= 2:
        return None
    return j, "cn_mobile", float(params["bare_country_confidence"])


@dataclass(frozen=True, slots=True)
class PhoneTuning:
    """A phone rule's params in the form the search reads them, derived once per rule rather
    than at every message (``find_phone_numbers`` accepts either)."""

    params: Mapping[str, Any]
    max_pieces: int
    intl_min: int
    min_length: int  # fewer digits in a run: no number starts in it
    national_targets: tuple[int, ...]  # digit counts of national numbers, longest first
    intl_targets: tuple[int, ...]  # ... of "+" numbers
    max_two_digit: int
    # "080 44 55 66 77": pairs read out after a written mobile prefix are still one number
    max_two_digit_mobile: int
    mobile_prefixes: frozenset[str]
    mobile_length: int
    nanp_on: bool
    # weak national forms too: a bare country code, "00" for the "+", a Japanese mobile a
    # digit short or long (_mobile_typo), a Chinese mobile without "+86" (_cn_mobile)
    bare_on: bool
    bridge: bool

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> PhoneTuning:
        intl_min, intl_max = int(params["international_min"]), int(params["international_max"])
        national_lengths = {int(params["landline_length"]), int(params["mobile_length"])}
        national_lengths.update(int(n) for n in params["special_prefixes"].values())
        bare_on = float(params["bare_country_confidence"]) > 0
        if bare_on:
            national_lengths.update((11, 12))
        return cls(
            params=params,
            max_pieces=int(params["max_pieces"]),
            intl_min=intl_min,
            min_length=min(intl_min, int(params["landline_length"]), 10),
            national_targets=tuple(sorted(national_lengths, reverse=True)),
            intl_targets=tuple(range(intl_max, intl_min - 1, -1)),
            max_two_digit=int(params["max_two_digit_groups"]),
            max_two_digit_mobile=int(params["max_two_digit_groups_after_mobile_prefix"]),
            mobile_prefixes=frozenset(params["mobile_prefixes"]),
            mobile_length=int(params["mobile_length"]),
            nanp_on=float(params["nanp_confidence"]) > 0,
            bare_on=bare_on,
            bridge=int(params["bridge_max_chars"]) > 0,
        )


def find_phone_numbers(view_text: str, params: Mapping[str, Any] | PhoneTuning) -> Iterator[PhoneMatch]:
    """Yield valid phone numbers found in the text of a ``digits`` view.

    Linear in the length of the view: for each group that may start a number, prefix sums give
    the few groups where a valid length could end (10 or 11 digits nationally, an E.164 range
    after "+"), so long runs of digits cost a constant per group.
    """
    tuning = params if isinstance(params, PhoneTuning) else PhoneTuning.of(params)
    params = tuning.params
    max_pieces = tuning.max_pieces
    intl_min = tuning.intl_min
    min_length = tuning.min_length
    national_targets = tuning.national_targets
    intl_targets = tuning.intl_targets
    max_two_digit = tuning.max_two_digit
    max_two_digit_mobile = tuning.max_two_digit_mobile
    mobile_prefixes = tuning.mobile_prefixes
    mobile_length = tuning.mobile_length
    nanp_on = tuning.nanp_on
    bare_on = tuning.bare_on
    runs = list(_RUN_RE.finditer(view_text))
    used_runs: set[int] = set()
    for run_index, run in enumerate(runs):
        run_text = run.group()
        if len(run_text) - run_text.count(" ") - run_text.count("-") - run_text.count("+") < min_length:
            continue  # too few digits for any number (the common case: "3", "2024")
        offset = run.start()
        starts: list[int] = []
        ends: list[int] = []
        digits: list[str] = []
        plus: list[bool] = []
        tight: list[bool] = []  # joined to the previous group by "-", ".", "(" ...
        prefix = [0]  # digits before group k
        two = [0]  # two-digit groups before group k
        pluses = [0]  # "+" groups before group k
        # (running totals kept in locals: this loop visits every digit group of long runs)
        digits_before = two_before = plus_before = 0
        for match in _PIECE_RE.finditer(run_text):
            group = match.group()
            piece_start, piece_end = match.span()
            has_plus = group[0] == "+"
            number = group[1:] if has_plus else group
            starts.append(offset + piece_start)
            ends.append(offset + piece_end)
            digits.append(number)
            plus.append(has_plus)
            tight.append(piece_start > 0 and run_text[piece_start - 1] == "-")
            digits_before += len(number)
            two_before += len(number) == 2
            plus_before += has_plus
            prefix.append(digits_before)
            two.append(two_before)
            pluses.append(plus_before)
        count = len(digits)
        found_any = False
        i = 0
        while i < count:
            if tight[i]:
                i += 1  # "2024-05-12": a number never starts inside a tightly joined group
                continue
            starts_plus = plus[i]
            first_digit = digits[i][0]
            # Without a "+", _classify accepts a number whose first digit is not "0" only as
            # Japan's bare country code ("81 90 ..."), so the national search below can only
            # succeed from a group starting with "0" or with "81" (also read out digit by
            # digit: "8" then "1..."). The North American forms need an area code starting
            # with 2-9 (see below). A group that fits none of these starts no number.
            national_possible = (
                starts_plus
                or first_digit == "0"
                or (
                    bare_on
                    and (
                        digits[i].startswith(("81", "447"))
                        or (digits[i] == "44" and i + 1 < count and digits[i + 1][:1] == "7")
                        # "eight one nine zero ...": the code read out digit by digit
                        or (digits[i] == "8" and i + 1 < count and digits[i + 1][:1] == "1")
                    )
                )
            )
            if not national_possible and not (
                (nanp_on and len(digits[i]) <= 3 and first_digit > "1")
                or (bare_on and first_digit == "1")
            ):
                i += 1
                continue
            best: tuple[int, str, float] | None = None
            if starts_plus:
                # an international number runs at most to the next "+"
                limit = bisect.bisect_right(pluses, pluses[i + 1]) - 1
                if prefix[min(limit, count)] - prefix[i] < intl_min:
                    i += 1
                    continue
            for length in (intl_targets if starts_plus else national_targets) if national_possible else ():
                j = bisect.bisect_left(prefix, prefix[i] + length) - 1
                if j < i or j >= count or prefix[j + 1] - prefix[i] != length or j - i >= max_pieces:
                    continue
                if pluses[j + 1] - pluses[i + 1] or (j + 1 < count and tight[j + 1]):
                    continue  # another "+" inside, or it ends inside a tightly joined group
                pairs = two[j + 1] - two[i]
                if not starts_plus and pairs > max_two_digit and not (
                    pairs <= max_two_digit_mobile
                    and length == mobile_length
                    and _prefix_group(digits, tight, prefix, i) in mobile_prefixes
                ):
                    continue  # "01 02 03 04 05": a list of small numbers (after "+": "+33 6 12 34 56 78")
                number = "".join(digits[i : j + 1])
                if _is_counting(number):
                    continue
                shape = _classify(number, starts_plus, params)
                if (
                    shape is not None
                    and shape[0] == "landline"
                    and j > i
                    and len(digits[j]) <= 2 < len(digits[j - 1])
                ):
                    # "0123 4567 84": a landline's subscriber number is never cut to a last
                    # group of one or two digits after a longer one (a tracking or serial number)
                    continue
                if shape is not None and not _is_placeholder(number):
                    best = (j, shape[0], shape[1])
                    break
            if (
                best is None
                and bare_on
                and not starts_plus
                and len(digits[i]) > 2
                and digits[i][:2] == "00"
                and digits[i][2] != "0"
            ):
                # "0044 7700 900123": the international access code 00 written for the "+"
                # (weak like a bare "81 90 ...": the country code is not marked by a "+")
                for length in intl_targets:
                    j = bisect.bisect_left(prefix, prefix[i] + length + 2) - 1
                    if j < i or j >= count or prefix[j + 1] - prefix[i] != length + 2 or j - i >= max_pieces:
                        continue
                    if pluses[j + 1] - pluses[i] or (j + 1 < count and tight[j + 1]):
                        continue
                    number = "".join(digits[i : j + 1])[2:]
                    if _classify(number, True, params) is not None:
                        best = (j, "idd", float(params["bare_country_confidence"]))
                        break
            if best is None and bare_on and not starts_plus and digits[i][:3] in _TYPO_PREFIXES:
                best = _mobile_typo(digits, tight, prefix, two, i, params)
            if (
                best is None
                and bare_on
                and not starts_plus
                and first_digit == "1"
                and digits[i][1:2] in _CN_SECOND_DIGITS
            ):
                best = _cn_mobile(digits, tight, i, params)
            # Both North American forms start with an area code whose first digit is 2-9:
            # _nanp and _nanp_dictated return None whenever digits[i][0] is "0" or "1" (it is
            # the first digit of the number they check), so that test, made here first, only
            # saves their calls (most groups of a Japanese text start with "0").
            if (
                best is None
                and nanp_on
                and not starts_plus
                and first_digit > "1"
                and i + 2 < count
                and (i + 3 >= count or not tight[i + 3])
            ):
                shape = _nanp(digits[i : i + 3], params)
                if shape is not None:
                    best = (i + 2, shape[0], shape[1])
            if best is None and nanp_on and not starts_plus and len(digits[i]) <= 2 and first_digit > "1":
                end = _nanp_dictated(digits, tight, i)
                if end is not None:
                    best = (end, "nanp", float(params["nanp_confidence"]))
            if best is None:
                i += 1
                continue
            j, shape_name, confidence = best
            yield PhoneMatch(
                starts[i], ends[j],
                ("+" if starts_plus else "") + "".join(digits[i : j + 1]), confidence, shape_name,
            )
            found_any = True
            i = j + 1
        if found_any:
            used_runs.add(run_index)
    if tuning.bridge and len(runs) - len(used_runs) >= 2:  # (a bridge joins two unused runs or more)
        yield from _bridged(view_text, runs, used_runs, params)


def _bridged(
    view_text: str, runs: list[re.Match[str]], used: set[int], params: Mapping[str, Any]
) -> Iterator[PhoneMatch]:
    """Mobile numbers whose groups are separated by a few words ("090のあとに3317、最後は8820").

    The digits view does not keep how long the text between runs was, so the caller passes
    the view; runs that already produced a number are skipped. Each run must be one group of at
    least ``bridge_min_piece`` digits (groups written apart inside a run count together:
    "090 から始まって 1234 5678") and the assembled number a mobile number.
    """
    min_piece = int(params["bridge_min_piece"])
    candidates = [
        (index, run, run.group().replace(" ", "").replace("-", ""))
        for index, run in enumerate(runs)
        if index not in used and "+" not in run.group()
    ]
    # (not a decimal either: "$0.90 -> $44.12 -> $77.03" holds no mobile)
    candidates = [c for c in candidates if len(c[2]) >= min_piece and _DECIMAL_START_RE.match(c[1].group()) is None]
    # (two runs one right after the other)
    neighbours = [(first, second) for first, second in itertools.pairwise(candidates) if second[0] == first[0] + 1]
    nanp_confidence = float(params["nanp_confidence"])
    if nanp_confidence > 0:
        # "area code 206, then 555-0148": a North American area code, then the exchange and
        # the line number written as one 3-4 run (weak like the 3-3-4 form)
        for (_, run, digits), (_, next_run, next_digits) in neighbours:
            if (
                len(digits) == 3
                and digits[0] > "1"
                and _NANP_LOCAL_RE.fullmatch(next_run.group()) is not None
                and next_digits[0] > "1"
            ):
                yield PhoneMatch(run.start(), next_run.end(), digits + next_digits, nanp_confidence, "bridged")
        # "area code 602, then 441, then 7308": the three groups each in a run of their own
        for (i, run, digits), (j, _, middle), (k, last_run, last) in zip(
            candidates, candidates[1:], candidates[2:], strict=False
        ):
            if (
                j == i + 1
                and k == j + 1
                and len(digits) == 3
                and len(middle) == 3
                and len(last) == 4
                and digits[0] > "1"
                and middle[0] > "1"
                and " " not in run.group() + last_run.group()
            ):
                yield PhoneMatch(run.start(), last_run.end(), digits + middle + last, nanp_confidence, "bridged")
    reverse_confidence = float(params["bare_country_confidence"])
    if reverse_confidence > 0:
        # "the last four are 7104, it starts 080-6629": the end of a mobile given before its
        # start (a run of four digits, then the prefix and the middle group); weak
        for (_, run, digits), (_, next_run, next_digits) in neighbours:
            if (
                len(digits) == 4
                and next_digits[:3] in params["mobile_prefixes"]
                and _PREFIX_AND_MIDDLE_RE.fullmatch(next_run.group()) is not None
                and not _is_placeholder(next_digits + digits)
            ):
                yield PhoneMatch(run.start(), next_run.end(), next_digits + digits, reverse_confidence, "bridged")
    i = 0
    while i < len(candidates):
        digits = ""
        for j in range(i, min(len(candidates), i + 4)):
            if j > i and candidates[j][0] != candidates[j - 1][0] + 1:
                break
            digits += candidates[j][2]
            if len(digits) > int(params["mobile_length"]):
                break
            if (
                j > i
                and len(digits) == int(params["mobile_length"])
                and digits[:3] in params["mobile_prefixes"]
            ):
                yield PhoneMatch(
                    candidates[i][1].start(), candidates[j][1].end(), digits,
                    float(params["bridge_confidence"]), "bridged",
                )
                i = j
                break
        i += 1
