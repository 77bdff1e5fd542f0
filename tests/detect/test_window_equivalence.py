"""The window against its reference: the same verdicts on random streams.

``ConversationWindow`` takes shortcuts (parts placed only for a joining that found something,
the joining of every message reused as a run of _context_range, a short single message's own
findings standing for the scan of its run, inline boundary decisions, tuples for what a message
holds). ``window_reference`` is the window as it was before them. Both are driven through the
same random streams of split-friendly parts (interleaved authors and channels, edits, repeated
deliveries, deletions, expiry, eviction, truncation of the joined text) and must answer every
call alike, finding for finding, and hold the same messages afterwards.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.engine import Detector, load_detector
from bot.detect.findings import Category, Finding
from bot.detect.window import ConversationWindow, WindowMessage, _place, _place_whole
from tests.detect import window_reference
from tests.detect.test_window import RecordingScanner, tiny_scan

Scanner = Callable[[str], list[Finding]]

# Parts of split identifiers, their contexts, near misses and noise (several scripts and widths).
_PARTS = [
    "090",
    "4412",
    "7789",
    "0000",
    "070-",
    "8812-",
    "3345",
    "090-1234-5678",
    "kohei.m88",
    "@gmail.com",
    "riko_22@",
    "icloud.com",
    "telegram",
    "my telegram",
    "my telegram is",
    "hit me up on telegram",
    "handle is",
    "nova1",
    "_trades77",
    "nova_trades77",
    "instagram",
    "instagram @",
    "@",
    "@hana.photo",
    "hana.photo_22",
    "jess",
    "ie.w99",
    "yuna",
    "_0830",
    "LINE ID",
    "saki",
    "discord",
    ".gg/",
    "Ab3dEf9",
    "line.me/ti/p/",
    "~momo_1122",
    "mail me",
    "あっと",
    "gmail.com",
    "電話番号",
    "０８０",
    "７７１２",
    "〇八〇",
    "＠",
    "ｍ８８",
    "ok",
    "lol",
    "",
    " ",
    "\u200b",
    "h12",
    "CONTEXT",
]
_texts = st.one_of(
    st.sampled_from(_PARTS),  # mostly one part per message, as splits are sent
    st.sampled_from(_PARTS),
    st.sampled_from(_PARTS),
    st.lists(st.sampled_from(_PARTS), min_size=2, max_size=3).map(" ".join),
    st.lists(st.sampled_from(_PARTS), min_size=2, max_size=2).map("".join),
    st.text(alphabet="09a@._- ＠h", max_size=12),
)
# Seconds between events: mostly within the window's age limit, sometimes past it, sometimes
# back in time (timestamps come from the input and need not be in order).
_steps = st.sampled_from([1.0, 1.0, 1.0, 1.0, 0.0, 3.0, 20.0, 70.0, 130.0, -5.0])
# Mostly one author in one channel (a split), sometimes another one in between.
_channels = st.sampled_from([0, 0, 0, 0, 1])
_authors = st.sampled_from([0, 0, 0, 0, 1, 2])
# Identifiers and contexts split over messages: their parts are sent in order, on one stream.
_SPLITS = [
    ["090", "4412", "7789"],
    ["070-", "8812-", "3345"],
    ["kohei.m88", "@gmail.com"],
    ["riko_22@", "icloud.com"],
    ["hit me up on telegram", "handle is", "nova_trades77"],
    ["my telegram is", "nova1", "_trades77"],
    ["nova_trades77", "that's my telegram"],
    ["instagram", "@hana.photo"],
    ["instagram", "@", "hana.photo_22"],
    ["jess", "ie.w99"],
    ["snap is", "jess"],
    ["CONTEXT", "h1 h22"],
    ["h3", "ok", "CONTEXT"],
    ["LINE ID", "saki", "_0107"],
    ["LINE ID", "yuna", "_0830"],
    ["電話番号", "080", "7712", "3390"],
    ["０８０", "７７１２", "３３９０"],
    ["〇八〇", "七七一二", "三三九〇"],
    ["mail me", "taro.yamada21", "@yahoo.co.jp"],
    ["aki_99", "あっと", "gmail.com"],
    ["add me on snap", "ken", "ta.r0"],
    ["join", "discord", ".gg/", "Ab3dEf9"],
    ["line.me/ti/p/", "~momo_1122"],
    ["当選番号", "03", "11", "24", "31"],
    ["v2.3", ".1 fixes it"],
]
_noise = st.one_of(
    st.tuples(st.just("observe"), _channels, _authors, _texts, _steps),
    st.tuples(st.just("edit"), st.integers(0, 30), st.just(0), _texts, _steps),
    st.tuples(st.just("again"), st.integers(0, 30), st.just(0), _texts, _steps),
    st.tuples(st.just("forget"), st.integers(0, 30), st.just(0), st.just(""), st.just(0.0)),
)
Event = tuple[str, int, int, str, float]


@st.composite
def _events(draw: st.DrawFn) -> list[Event]:
    """A few splits, each sent part by part on one stream, with other events in between."""
    events: list[Event] = []
    for _ in range(draw(st.integers(1, 3))):
        parts = draw(st.sampled_from(_SPLITS))
        channel, author = draw(_channels), draw(_authors)
        for part in parts:
            events.extend(draw(st.lists(_noise, max_size=2)))
            events.append(("observe", channel, author, part, draw(_steps)))
    events.extend(draw(st.lists(_noise, max_size=3)))
    return events


_limits = st.fixed_dictionaries(
    {
        "max_age_s": st.sampled_from([10.0, 60.0, 120.0]),
        "max_messages": st.sampled_from([1, 2, 3, 4, 6, 6, 6]),
        "max_streams": st.sampled_from([1, 2, 4, 10_000]),
        "max_chars": st.sampled_from([2, 3, 8, 20, 40, 2_000, 2_000, 2_000]),
    }
)


def context_scan(text: str) -> list[Finding]:
    """Context-only findings in every message of a run: each "h<digits>" is a handle, but only
    when the word CONTEXT is present (as in test_window), plus the tiny scanner's findings."""
    found = tiny_scan(text)
    if "CONTEXT" in text:
        found += [
            Finding("telegram", Category.CONTACT, m.start(), m.end(), m.group(), "ctx", 0.9)
            for m in re.finditer(r"h\d+", text)
        ]
    return found


def _replay(window: Any, events: list[Event]) -> list[Any]:
    """Every answer and the window's holdings after each event, comparable across both."""
    transcript: list[Any] = []
    sent: list[tuple[str, str, str]] = []  # (message id, channel, author) of every message
    now = 0.0
    for action, a, b, text, step in events:
        now += step
        if action == "observe" or not sent:
            message_id = f"m{len(sent)}"
            channel, author = f"c{a}", f"u{b}"
            sent.append((message_id, channel, author))
            answer = window.observe(WindowMessage(message_id, channel, author, text, now))
        else:
            message_id, channel, author = sent[a % len(sent)]
            message = WindowMessage(message_id, channel, author, text, now)
            if action == "edit":
                answer = window.edit(message)
            elif action == "again":  # a repeated delivery: an edit through observe
                answer = window.observe(message)
            else:
                window.forget(message_id)
                answer = None
        held = {(c, u): window.message_ids(c, u) for c in ("c0", "c1") for u in ("u0", "u1", "u2")}
        transcript.append((action, answer, held, window.stream_count))
    return transcript


def _assert_same_verdicts(
    scan: Scanner, limits: dict[str, Any], events: list[Event], scan_joined: Scanner | None = None
) -> None:
    fast = _replay(ConversationWindow(scan, scan_joined=scan_joined, **limits), events)
    reference = _replay(
        window_reference.ConversationWindow(scan, scan_joined=scan_joined, **limits), events
    )
    assert fast == reference


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limits=_limits, events=_events())
def test_window_answers_as_its_reference_with_a_tiny_scanner(
    limits: dict[str, Any], events: list[Event]
) -> None:
    _assert_same_verdicts(context_scan, limits, events)


@functools.cache
def _detector() -> Detector:
    return load_detector()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limits=_limits, events=_events())
def test_window_answers_as_its_reference_with_the_real_detector(
    limits: dict[str, Any], events: list[Event]
) -> None:
    # As the bot and the CLI run it: the learned model judges single messages, not joined ones.
    detector = _detector()
    _assert_same_verdicts(
        detector.scan, limits, events, lambda text: detector.scan(text, model=False)
    )


def test_a_context_only_finding_costs_no_scan_beyond_the_two_it_always_needs() -> None:
    # "my telegram" / "nova1": the handle is found in the newest message only with the first
    # as context. Its run of messages is found without scanning the newest message again (its
    # own findings stand for it) nor the joining of both (scanned already).
    scanner = RecordingScanner()
    window = ConversationWindow(scanner)
    window.observe(WindowMessage("m1", "c", "a", "my telegram", 1.0))
    before = len(scanner.texts)
    found = window.observe(WindowMessage("m2", "c", "a", "nova1", 2.0))
    assert [(f.kind, f.message_ids, f.text) for f in found] == [("telegram", ("m1", "m2"), "nova1")]
    assert scanner.texts[before:] == ["nova1", "my telegram nova1"]


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(alphabet="ab ", max_size=4), min_size=1, max_size=6),
    data=st.data(),
)
def test_placing_whole_texts_matches_placing_their_spans(texts: list[str], data: Any) -> None:
    gaps = data.draw(
        st.lists(st.sampled_from(["", " "]), min_size=len(texts) - 1, max_size=len(texts) - 1)
    )
    spans = [(index, 0, len(text)) for index, text in enumerate(texts)]
    assert _place_whole(texts, gaps) == _place(spans, texts, gaps)
