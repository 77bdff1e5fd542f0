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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import regex

_RUN_RE = regex.compile(r"\+?[0-9]+(?:[ \-]\+?[0-9]+)*")
_PIECE_RE = regex.compile(r"\+?[0-9]+")


@dataclass(frozen=True, slots=True)
class PhoneMatch:
    start: int  # in the digits view
    end: int
    digits: str  # national or international digits, with a leading "+" for international
    confidence: float
    shape: str  # mobile | special | landline | international | bridged


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    digits: str
    plus: bool
    tight_before: bool  # joined to the previous group by "-", ".", "(" ...: same written number


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
    if len(digits) < 10 or digits[0] != "0" or digits[1] == "0":
        return None
    for prefix, length in params["special_prefixes"].items():
        if digits.startswith(prefix):
            return ("special", float(params["landline_confidence"])) if len(digits) == length else None
    if digits[:3] in params["mobile_prefixes"]:
        if len(digits) == params["mobile_length"]:
            return "mobile", float(params["mobile_confidence"])
        return None
    if len(digits) == params["landline_length"]:
        return "landline", float(params["landline_confidence"])
    return None


def _nanp(pieces: list[_Piece], params: Mapping[str, Any]) -> tuple[str, float] | None:
    """A North American number written 3-3-4 without "+1" ("(646) 555-0142"): area code and
    exchange start with 2-9. Weak on its own; the pack sets its confidence below the threshold
    so that only a word such as "call"/"cell" nearby reports it."""
    confidence = float(params["nanp_confidence"])
    if confidence <= 0 or [len(p.digits) for p in pieces] != [3, 3, 4]:
        return None
    if pieces[0].digits[0] in "01" or pieces[1].digits[0] in "01":
        return None
    return "nanp", confidence


def find_phone_numbers(view_text: str, params: Mapping[str, Any]) -> Iterator[PhoneMatch]:
    """Yield valid phone numbers found in the text of a ``digits`` view."""
    max_pieces = int(params["max_pieces"])
    max_length = int(params["international_max"])
    runs = list(_RUN_RE.finditer(view_text))
    used_runs: set[int] = set()
    for run_index, run in enumerate(runs):
        pieces = [
            _Piece(
                m.start(), m.end(), m.group().lstrip("+"), m.group().startswith("+"),
                m.start() > run.start() and view_text[m.start() - 1] == "-",
            )
            for m in _PIECE_RE.finditer(view_text, run.start(), run.end())
        ]
        found_any = False
        i = 0
        while i < len(pieces):
            if pieces[i].tight_before:
                # "2024-05-12": a number never starts inside a tightly joined group.
                i += 1
                continue
            accumulated = ""
            best: tuple[int, str, float] | None = None
            for j in range(i, min(len(pieces), i + max_pieces)):
                if j > i and pieces[j].plus:
                    break
                accumulated += pieces[j].digits
                if len(accumulated) > max_length:
                    break
                if j + 1 < len(pieces) and pieces[j + 1].tight_before:
                    continue  # nor ends inside one ("090-1234-5678-99" is not a phone)
                if _is_counting(accumulated):
                    continue
                if sum(len(p.digits) == 2 for p in pieces[i : j + 1]) > int(params["max_two_digit_groups"]):
                    continue  # "01 02 03 04 05": a list of small numbers, not one phone number
                shape = _classify(accumulated, pieces[i].plus, params)
                if shape is None and not pieces[i].plus and j - i == 2:
                    shape = _nanp(pieces[i : j + 1], params)
                if shape is not None:
                    best = (j, shape[0], shape[1])
            if best is None:
                i += 1
                continue
            j, shape_name, confidence = best
            digits = "".join(p.digits for p in pieces[i : j + 1])
            yield PhoneMatch(
                pieces[i].start, pieces[j].end, ("+" if pieces[i].plus else "") + digits,
                confidence, shape_name,
            )
            found_any = True
            i = j + 1
        if found_any:
            used_runs.add(run_index)
    bridge = int(params["bridge_max_chars"])
    if bridge > 0:
        yield from _bridged(view_text, runs, used_runs, params)


def _bridged(
    view_text: str, runs: list[regex.Match[str]], used: set[int], params: Mapping[str, Any]
) -> Iterator[PhoneMatch]:
    """Mobile numbers whose groups are separated by a few words ("090のあとに3317、最後は8820").

    The digits view does not keep how long the text between runs was, so the caller passes
    the view; runs that already produced a number are skipped. Each run must be one group of at
    least ``bridge_min_piece`` digits and the assembled number a mobile number.
    """
    min_piece = int(params["bridge_min_piece"])
    candidates = [
        (index, run) for index, run in enumerate(runs)
        if index not in used and " " not in run.group() and "+" not in run.group()
        and len(run.group()) >= min_piece
    ]
    i = 0
    while i < len(candidates):
        digits = ""
        for j in range(i, min(len(candidates), i + 4)):
            if j > i and candidates[j][0] != candidates[j - 1][0] + 1:
                break
            digits += candidates[j][1].group()
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
