"""The fast paths of the scan command and the window against the general code they stand for.

Each fast path claims to give exactly what the general path gives; these properties compare
both on random and awkward inputs, so a fast path that drifts fails here (not only in a changed
verdict somewhere downstream).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.cli import _ENCODER, _encode, _loads, scan_stream
from bot.detect.window import (
    _GLUE_CHARACTERS,
    ConversationWindow,
    _Entry,
    _glue_character,
    _is_fragment,
    _Joined,
    _Piece,
    _starts_with_at,
    _word_split,
)

# ---------------------------------------------------------------------------- json lines

_JSON_PIECES = [
    "{",
    "}",
    "[",
    "]",
    '"id"',
    '"text"',
    ": ",
    ":",
    ", ",
    ",",
    '"a\\n\\u3042"',
    '"\\ud800"',
    "1e400",
    "-0",
    "12",
    "null",
    "true",
    "NaN",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\ufeff",
    "\u3000",
    "x",
    '"',
    "\\",
    "{}",
    '"日本語"',
]
json_lines = st.one_of(
    st.lists(st.sampled_from(_JSON_PIECES), max_size=25).map("".join),
    st.text(max_size=30),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5) | st.integers(), max_size=4).map(
        lambda d: json.dumps(d, ensure_ascii=False)
    ),
    st.tuples(
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=4),
        st.sampled_from(["", "\n", "\r\n", " \n", "x", "\n\n", "\u3000", " {}", "\t"]),
    ).map(lambda pair: json.dumps(pair[0], ensure_ascii=False) + pair[1]),
)


def _outcome(parse: Any, line: str) -> tuple[str, Any]:
    try:
        value = parse(line)
    except json.JSONDecodeError as exc:
        return "error", (exc.msg, exc.pos)
    except Exception as exc:  # e.g. RecursionError, ValueError
        return "error", type(exc).__name__
    return "value", (type(value).__name__, json.dumps(value, ensure_ascii=False))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_lines)
def test_loads_gives_what_json_loads_gives_values_and_errors(line: str) -> None:
    assert _outcome(_loads, line) == _outcome(json.loads, line)


def test_loads_on_the_usual_and_the_awkward_lines() -> None:
    for line in [
        '{"id": "a", "text": "x"}\n',
        '{"id": "a", "text": "x"}',
        '{"id": "a"} \r\n',
        '{"id": "a"} {"id": "b"}\n',  # extra data
        '{"id": "a"}\u3000\n',  # not JSON whitespace: extra data
        '{"id": "a", "id": "b"}\n',  # the last duplicate wins
        '{"id": 1' + "0" * 5000 + "}\n",  # beyond the digit limit
        '{"id": \n',
        "{",
        "\ufeff{}\n",
        " {}\n",
        "[" * 50_000 + "]" * 50_000,
        "{" + '"a": [' * 50_000,
    ]:
        assert _outcome(_loads, line) == _outcome(json.loads, line), line[:40]


# ---------------------------------------------------------------------------- the window's join


def _nfkc_glue(char: str) -> bool:
    folded = unicodedata.normalize("NFKC", char)
    return len(folded) == 1 and folded in _GLUE_CHARACTERS


def test_glue_and_at_checks_agree_with_nfkc_on_every_ascii_character() -> None:
    for code in range(0x80):
        char = chr(code)
        assert _glue_character(char) == _nfkc_glue(char)
        assert _starts_with_at(char + "x") == (unicodedata.normalize("NFKC", char) == "@")
    for char in "＠﹫．＿－／～。・ａ":
        assert _glue_character(char) == _nfkc_glue(char)
        assert _starts_with_at(char) == (unicodedata.normalize("NFKC", char) == "@")
    assert not _starts_with_at("")


_FRAGMENT = re.compile(r"[A-Za-z0-9_.\-]{1,32}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=40)
    | st.text(alphabet="aZ09_.-", max_size=40)
    | st.text(alphabet="aZ09_.-\u0131\u212a\u0660 @", max_size=34)
)
def test_fragment_check_agrees_with_the_fragment_regex(text: str) -> None:
    # (\u0131, \u212a: letters that case-fold to ASCII ones; \u0660: an Arabic-Indic digit.)
    assert _is_fragment(text) == (_FRAGMENT.fullmatch(text) is not None)


def _reference_join(
    window: ConversationWindow, entries: list[_Entry], focus: int, *, fused: bool
) -> _Joined:
    """The join as first written (budget walk, then one separator decision per boundary)."""

    def separator(left: str, right: str) -> str:
        if not left or not right:
            return " "
        starts_at = unicodedata.normalize("NFKC", right[0]) == "@"
        if _nfkc_glue(left[-1]) or (_nfkc_glue(right[0]) and not starts_at):
            return ""
        if fused and (starts_at or _word_split(left, right)):
            return ""
        return " "

    budget = window._max_chars
    spans: dict[int, tuple[int, int]] = {}
    focus_text = entries[focus].text
    take = min(len(focus_text), max(1, budget // 2))
    spans[focus] = (0, take)
    budget -= take
    order = sorted(
        (i for i in range(len(entries)) if i != focus), key=lambda i: (abs(i - focus), i > focus)
    )
    for i in order:
        if budget <= 1:
            break
        text = entries[i].text
        take = min(len(text), budget - 1)
        spans[i] = (len(text) - take, len(text)) if i < focus else (0, take)
        budget -= take + 1
    parts: list[str] = []
    pieces: list[_Piece] = []
    cursor = 0
    previous = ""
    for i in sorted(spans):
        lo, hi = spans[i]
        text = entries[i].text[lo:hi]
        if pieces:
            sep = separator(previous, text)
            parts.append(sep)
            cursor += len(sep)
        parts.append(text)
        pieces.append(_Piece(i, cursor, cursor + len(text), lo))
        cursor += len(text)
        previous = text
    return _Joined("".join(parts), tuple(pieces))


_PART_ALPHABET = st.sampled_from([*"ab1_.-@ ＠＿．x0９", "jess", "ie.w99", "070-", "\u200b"])
message_texts = st.lists(_PART_ALPHABET, max_size=12).map("".join) | st.integers(0, 40).map(
    lambda n: "a" * n
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(message_texts, min_size=1, max_size=6),
    max_chars=st.integers(min_value=2, max_value=60),
    data=st.data(),
)
def test_join_and_its_fast_paths_match_the_reference(
    texts: list[str], max_chars: int, data: st.DataObject
) -> None:
    window = ConversationWindow(lambda text: [], max_chars=max_chars)
    entries = [_Entry(f"m{i}", text, 0.0, []) for i, text in enumerate(texts)]
    focus = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    # The whole-texts shortcut of _spans against the budget walk it skips.
    assert window._spans(entries, focus) == window._walk_spans(entries, focus)
    for fused in (False, True):
        assert window._join(entries, focus, fused=fused) == _reference_join(
            window, entries, focus, fused=fused
        )


# ---------------------------------------------------------------------------- answers

_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and infinities too: the encoder writes them the same way
    st.text(),
)
answers = st.dictionaries(
    st.text(max_size=8),
    st.one_of(
        _json_scalars,
        st.lists(_json_scalars, max_size=4),
        st.lists(st.dictionaries(st.text(max_size=8), _json_scalars, max_size=6), max_size=3),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_the_answer_encoder_writes_what_the_json_encoder_writes(answer: dict[str, Any]) -> None:
    assert _encode(answer) == _ENCODER.encode(answer)


# ---------------------------------------------------------------------------- line checks


def test_channel_and_author_may_be_absent_but_not_null_or_another_type() -> None:
    def error(line: str) -> str | None:
        out = io.StringIO()
        scan_stream([line.encode() + b"\n"], out, io.StringIO(), lambda text: [])
        return json.loads(out.getvalue()).get("error")

    assert error('{"id": "a", "text": "x"}') is None
    assert error('{"id": "a", "text": "x", "channel": "c"}') is None
    assert error('{"id": "a", "text": "x", "channel": "c", "author": "u"}') is None
    for key in ("channel", "author"):
        for value in ("null", "3", "[]", '{"x": 1}', "false"):
            line = '{"id": "a", "text": "x", "' + key + '": ' + value + "}"
            assert error(line) == f'"{key}" must be a string', line
    # Both wrong: the channel is named, as before.
    assert error('{"id": "a", "text": "x", "author": null, "channel": 1}') == (
        '"channel" must be a string'
    )
