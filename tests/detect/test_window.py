"""The cross-message window: split identifiers are joined per (channel, author) stream, reported
once with every part's message id, and the window stays bounded.

Most tests drive the window with a tiny regex scanner defined here, so they test the window's own
logic (joining, expiry, reporting once, span mapping) independently of the rule packs. The last
section runs the real detector through the window on split families and hard negatives.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence

import pytest

from bot.detect.engine import Detector, load_detector
from bot.detect.findings import Category, Finding
from bot.detect.window import ConversationWindow, WindowMessage, with_message_ids

# ---------------------------------------------------------------------------- a tiny scanner

# A JP mobile number: reads through spaces, hyphens and line breaks between digits, never starts
# or ends inside a longer digit run.
_PHONE = re.compile(r"(?<![\d])0[5789]0(?:[ \t\n-]*\d){8}(?![ \t\n-]*\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._]+@[A-Za-z0-9-]+(?:\.[A-Za-z]+)+")
# Context rules: a handle counts only with the word "telegram" before or after it.
_HANDLE_AFTER = re.compile(r"telegram\b.{0,40}?\b([a-z][a-z0-9_]{3,}\d)\b", re.DOTALL)
_HANDLE_BEFORE = re.compile(r"\b([a-z][a-z0-9_]{3,}\d)\b.{0,40}?\bmy telegram\b", re.DOTALL)
_SOLICIT = re.compile(r"hit me up on \w+")
_INSTAGRAM = re.compile(r"instagram @([a-z0-9_.]+)")


def tiny_scan(text: str) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, category: Category, start: int, end: int, rule: str) -> None:
        found.append(Finding(kind, category, start, end, text[start:end], rule, 0.9))

    for m in _PHONE.finditer(text):
        add("phone", Category.CONTACT, m.start(), m.end(), "tiny.phone")
    for m in _EMAIL.finditer(text):
        add("email", Category.CONTACT, m.start(), m.end(), "tiny.email")
    for pattern in (_HANDLE_AFTER, _HANDLE_BEFORE):
        for m in pattern.finditer(text):
            add("telegram", Category.CONTACT, m.start(1), m.end(1), "tiny.telegram")
    for m in _INSTAGRAM.finditer(text):
        add("instagram", Category.CONTACT, m.start(1), m.end(1), "tiny.instagram")
    for m in _SOLICIT.finditer(text):
        add("solicit", Category.SOLICIT, m.start(), m.end(), "tiny.solicit")
    return found


class RecordingScanner:
    """Wraps a scanner and remembers every text it was asked to scan."""

    def __init__(self, scan: Callable[[str], list[Finding]] = tiny_scan) -> None:
        self.scan = scan
        self.texts: list[str] = []

    def __call__(self, text: str) -> list[Finding]:
        self.texts.append(text)
        return self.scan(text)


def msg(
    message_id: str, text: str, *, author: str = "a", channel: str = "c", t: float | None = None
) -> WindowMessage:
    timestamp = float(message_id.lstrip("m") or 0) if t is None else t
    return WindowMessage(message_id, channel, author, text, timestamp)


def feed(window: ConversationWindow, texts: Sequence[str]) -> list[list[Finding]]:
    """One author's consecutive messages m1, m2, ... one second apart."""
    return [window.observe(msg(f"m{i}", text)) for i, text in enumerate(texts, 1)]


def cross(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if len(f.message_ids) > 1]


def assert_spans_index(findings: Iterable[Finding], text: str) -> None:
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text)
        assert text[f.start : f.end] == f.text


# ---------------------------------------------------------------------------- split families

SPLITS = [
    # (parts, kind, the text the last part's span must show)
    (["090", "4412", "7789"], "phone", "7789"),
    (["番号言うね", "080", "5521", "4609"], "phone", "4609"),
    (["070-", "8812-", "3345"], "phone", "3345"),
    (["kohei.m88", "@gmail.comの方ね"], "email", "@gmail.com"),
    (["riko_22@", "icloud.com"], "email", "icloud.com"),
    (["hit me up on telegram", "handle is", "nova_trades77"], "telegram", "nova_trades77"),
]


@pytest.mark.parametrize(("parts", "kind", "last_text"), SPLITS)
def test_split_identifier_is_reported_once_with_every_part(
    parts: list[str], kind: str, last_text: str
) -> None:
    window = ConversationWindow(tiny_scan)
    results = feed(window, parts)
    *earlier, last = results
    assert not any(f.kind == kind for r in earlier for f in cross(r))
    joined = [f for f in cross(last) if f.kind == kind]
    assert len(joined) == 1
    finding = joined[0]
    assert finding.text == last_text
    assert_spans_index([finding], parts[-1])
    # Every message from the first part to the last is named, so the bot deletes all of them.
    first_part = next(i for i, p in enumerate(parts) if any(c.isdigit() or c == "@" for c in p))
    if kind == "telegram":
        first_part = 0  # the word "telegram" in the first message is part of the disclosure
    expected_ids = tuple(f"m{i}" for i in range(first_part + 1, len(parts) + 1))
    assert finding.message_ids == expected_ids


CLEAN_SEQUENCES = [
    ["090", "4412"],  # too short to be a number
    ["5/12", "5/19", "5/26 どれがいい？"],
    ["hit me up on telegram", "tomorrow"],
    ["telegram", "is down again"],
]


@pytest.mark.parametrize("parts", CLEAN_SEQUENCES)
def test_clean_sequences_produce_no_cross_message_finding(parts: list[str]) -> None:
    window = ConversationWindow(tiny_scan)
    for result in feed(window, parts):
        assert cross(result) == []


def test_single_message_findings_carry_their_own_id_and_are_not_repeated_joined() -> None:
    window = ConversationWindow(tiny_scan)
    first = window.observe(msg("m1", "call 090-1234-5678"))
    assert [(f.kind, f.message_ids) for f in first] == [("phone", ("m1",))]
    # The joined text still contains the number, but it is not new: nothing more is reported.
    assert window.observe(msg("m2", "ok?")) == []
    assert window.observe(msg("m3", "tonight")) == []


def test_the_fused_reading_only_fills_in_where_the_spaced_reading_found_nothing() -> None:
    window = ConversationWindow(tiny_scan)
    # Fused, "instagram@hana.photo" reads as an e-mail address; spaced, it is a handle.
    _, second = feed(window, ["instagram", "@hana.photo"])
    assert [(f.kind, f.message_ids) for f in second] == [("instagram", ("m1", "m2"))]


# ---------------------------------------------------------------------------- streams


def test_other_members_messages_in_between_do_not_break_a_split() -> None:
    window = ConversationWindow(tiny_scan)
    assert window.observe(msg("m1", "090", author="a")) == []
    assert window.observe(msg("m2", "1234", author="b")) == []
    assert window.observe(msg("m3", "4412", author="a")) == []
    assert window.observe(msg("m4", "5678", author="c")) == []
    last = window.observe(msg("m5", "7789", author="a"))
    assert [(f.kind, f.message_ids, f.text) for f in last] == [
        ("phone", ("m1", "m3", "m5"), "7789")
    ]


def test_digit_groups_from_different_authors_never_join() -> None:
    window = ConversationWindow(tiny_scan)
    for i, author in enumerate(["a", "b", "c", "d"], 1):
        assert (
            window.observe(msg(f"m{i}", ["090", "4412", "7789", "0000"][i - 1], author=author))
            == []
        )


def test_same_author_in_another_channel_is_another_stream() -> None:
    window = ConversationWindow(tiny_scan)
    window.observe(msg("m1", "090", channel="c1"))
    window.observe(msg("m2", "4412", channel="c2"))
    assert window.observe(msg("m3", "7789", channel="c1")) == []
    assert window.message_ids("c1", "a") == ("m1", "m3")


def test_a_reported_split_is_not_reported_again() -> None:
    window = ConversationWindow(tiny_scan)
    results = feed(window, ["090", "4412", "7789"])
    assert len(cross(results[-1])) == 1
    for number, text in enumerate(["ok", "4412", "7789", "thanks"], 4):
        assert window.observe(msg(f"m{number}", text)) == []


def test_a_part_sent_after_the_report_extends_it_and_names_the_new_part() -> None:
    window = ConversationWindow(tiny_scan)
    first, second, third, fourth = feed(window, ["my telegram is", "nova1", "_trades77", "ok"])
    assert first == []
    assert [(f.kind, f.message_ids, f.text) for f in second] == [
        ("telegram", ("m1", "m2"), "nova1")
    ]
    # "_trades77" continues the handle: the last part is named too, so the bot deletes it.
    assert [(f.kind, f.message_ids, f.text) for f in third] == [
        ("telegram", ("m2", "m3"), "_trades77")
    ]
    assert fourth == []


def test_duplicate_delivery_of_a_message_is_not_joined_with_itself() -> None:
    window = ConversationWindow(tiny_scan)
    window.observe(msg("m1", "09044"))
    assert window.observe(msg("m1", "09044")) == []
    assert window.message_ids("c", "a") == ("m1",)


# ---------------------------------------------------------------------------- expiry and bounds


@pytest.mark.parametrize(
    ("times", "max_age_s", "caught"),
    [
        ((0.0, 10.0, 20.0), 120.0, True),
        ((0.0, 10.0, 200.0), 120.0, False),  # the first two parts are too old for the third
        ((0.0, 100.0, 200.0), 120.0, False),  # "090" expired before "7789" arrived
        ((0.0, 100.0, 200.0), 300.0, True),
    ],
)
def test_expiry_by_age(times: tuple[float, ...], max_age_s: float, caught: bool) -> None:
    window = ConversationWindow(tiny_scan, max_age_s=max_age_s)
    results = [
        window.observe(msg(f"m{i}", text, t=t))
        for i, (text, t) in enumerate(zip(["090", "4412", "7789"], times, strict=True), 1)
    ]
    assert bool(cross(results[-1])) is caught


@pytest.mark.parametrize(("max_messages", "caught"), [(2, False), (3, True), (6, True)])
def test_expiry_by_count(max_messages: int, caught: bool) -> None:
    window = ConversationWindow(tiny_scan, max_messages=max_messages)
    results = feed(window, ["090", "4412", "7789"])
    assert bool(cross(results[-1])) is caught
    assert len(window.message_ids("c", "a")) <= max_messages


def test_stream_cap_evicts_the_least_recently_used_stream() -> None:
    window = ConversationWindow(tiny_scan, max_streams=2)
    window.observe(msg("m1", "090", author="a"))
    window.observe(msg("m2", "hi", author="b"))
    window.observe(msg("m3", "080", author="a"))  # a is now the most recently used
    window.observe(msg("m4", "hey", author="c"))  # evicts b, not a
    assert window.stream_count == 2
    assert window.message_ids("c", "b") == ()
    assert window.message_ids("c", "a") == ("m1", "m3")
    window.observe(msg("m5", "yo", author="d"))  # evicts a
    assert window.message_ids("c", "a") == ()
    assert window.observe(msg("m6", "44127789", author="a")) == []
    # Evicted messages are forgotten entirely: editing one starts a fresh stream.
    assert window.edit(msg("m1", "090", author="a", t=7.0)) == []


def test_idle_streams_are_dropped_once_their_messages_expire() -> None:
    window = ConversationWindow(tiny_scan, max_age_s=60.0)
    for number, author in enumerate(["a", "b", "c"]):
        window.observe(msg(f"m{number}", "090", author=author, t=float(number)))
    assert window.stream_count == 3
    window.observe(msg("m9", "hello", author="d", t=500.0))
    assert window.stream_count == 1
    assert window.message_ids("c", "a") == ()
    # Their messages are gone for good: an edit of one is a new message.
    assert window.edit(msg("m0", "4412", author="a", t=501.0)) == []
    assert window.message_ids("c", "a") == ("m0",)


def test_joined_text_is_capped_but_keeps_the_ends_that_meet() -> None:
    scanner = RecordingScanner()
    window = ConversationWindow(scanner, max_chars=200)
    texts = ["blah " * 400 + "call 090", "4412 7789 " + "and more " * 300]
    window.observe(msg("m1", texts[0]))
    last = window.observe(msg("m2", texts[1]))
    assert [(f.kind, f.message_ids, f.text) for f in cross(last)] == [
        ("phone", ("m1", "m2"), "4412 7789")
    ]
    assert_spans_index(last, texts[1])
    joined_scans = [t for t in scanner.texts if t not in texts]
    assert joined_scans
    assert all(len(t) <= 200 for t in joined_scans)


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("riko_22@", "icloud.com", ["riko_22@icloud.com"]),
        # An "@" opening a part may start a handle or continue an address: both readings.
        ("instagram", "@hana", ["instagram @hana", "instagram@hana"]),
        ("kohei.m88", "@gmail.com", ["kohei.m88 @gmail.com", "kohei.m88@gmail.com"]),
        ("ｍ８８", "＠ｇｍａｉｌ", ["ｍ８８ ＠ｇｍａｉｌ", "ｍ８８＠ｇｍａｉｌ"]),
        ("070-", "8812", ["070-8812"]),
        ("discord", ".gg/", ["discord.gg/"]),
        ("line.me/ti/p/", "~haruka", ["line.me/ti/p/~haruka"]),
        ("yuna", "_0830", ["yuna_0830"]),
        ("v2.3", ".1 fixes it", ["v2.3.1 fixes it"]),
        ("snap is", "jess", ["snap is jess"]),
        ("メアドは", "kohei", ["メアドは kohei"]),
        # Two bare Latin tokens may be one word split in two: both readings are scanned.
        ("jess", "ie.w99", ["jess ie.w99", "jessie.w99"]),
        ("yuna", "0830", ["yuna 0830", "yuna0830"]),
        # ... also when the first piece opens with the handle's "@".
        ("@ko", "ta_runs", ["@ko ta_runs", "@kota_runs"]),
        ("＠ko", "ta_runs", ["＠ko ta_runs", "＠kota_runs"]),
        ("@ko!", "ta_runs", ["@ko! ta_runs"]),
        # Digit groups are read through spaces; fusing them would erase their grouping.
        ("090", "4412", ["090 4412"]),
    ],
)
def test_parts_are_glued_at_identifier_punctuation_and_otherwise_spaced(
    left: str, right: str, joined: list[str]
) -> None:
    scanner = RecordingScanner(lambda text: [])
    window = ConversationWindow(scanner)
    window.observe(msg("m1", left))
    before = len(scanner.texts)
    window.observe(msg("m2", right))
    assert scanner.texts[before:] == [right, *joined]


# ---------------------------------------------------------------------------- edit and forget


def test_edit_that_completes_a_number_is_caught() -> None:
    window = ConversationWindow(tiny_scan)
    results = feed(window, ["090", "4412", "778"])
    assert not any(results)
    edited = window.edit(msg("m3", "7789 ok", t=30.0))
    assert [(f.kind, f.message_ids, f.text) for f in edited] == [
        ("phone", ("m1", "m2", "m3"), "7789")
    ]


def test_edit_of_an_earlier_part_anchors_the_span_on_the_edited_message() -> None:
    window = ConversationWindow(tiny_scan)
    feed(window, ["09", "4412", "7789"])
    edited = window.edit(msg("m1", "call 090", t=10.0))
    assert len(edited) == 1
    assert edited[0].message_ids == ("m1", "m2", "m3")
    assert edited[0].text == "090"
    assert_spans_index(edited, "call 090")


def test_edit_that_removes_a_part_no_longer_joins() -> None:
    window = ConversationWindow(tiny_scan)
    feed(window, ["090", "4412"])
    assert window.edit(msg("m1", "hello", t=5.0)) == []
    assert window.observe(msg("m3", "7789")) == []


def test_edit_of_an_expired_message_is_treated_as_new() -> None:
    window = ConversationWindow(tiny_scan, max_age_s=60.0)
    window.observe(msg("m1", "hello", t=0.0))
    found = window.edit(msg("m1", "090-1234-5678", t=500.0))
    assert [(f.kind, f.message_ids) for f in found] == [("phone", ("m1",))]
    assert window.message_ids("c", "a") == ("m1",)


def test_forget_removes_a_deleted_part() -> None:
    window = ConversationWindow(tiny_scan)
    feed(window, ["090", "4412"])
    window.forget("m2")
    window.forget("never-seen")  # unknown ids are ignored
    assert window.message_ids("c", "a") == ("m1",)
    assert window.observe(msg("m3", "7789")) == []
    window.forget("m1")
    window.forget("m3")
    assert window.stream_count == 0


# ---------------------------------------------------------------------------- spans


def test_match_entirely_in_earlier_messages_spans_the_whole_current_text() -> None:
    window = ConversationWindow(tiny_scan)
    assert window.observe(msg("m1", "nova_trades77")) == []
    last = window.observe(msg("m2", "that's my telegram"))
    assert [(f.kind, f.message_ids, f.start, f.end) for f in last] == [
        ("telegram", ("m1", "m2"), 0, len("that's my telegram"))
    ]


def test_many_context_only_findings_cost_a_bounded_number_of_scans() -> None:
    def context_scan(text: str) -> list[Finding]:
        # Every "h<digits>" is a handle, but only when the word CONTEXT is present.
        if "CONTEXT" not in text:
            return []
        return [
            Finding("telegram", Category.CONTACT, m.start(), m.end(), m.group(), "ctx", 0.9)
            for m in re.finditer(r"h\d+", text)
        ]

    scanner = RecordingScanner(context_scan)
    window = ConversationWindow(scanner)
    window.observe(msg("m1", "CONTEXT"))
    before = len(scanner.texts)
    found = window.observe(msg("m2", " ".join(f"h{i}" for i in range(50))))
    assert len(found) == 50
    assert all(f.message_ids == ("m1", "m2") for f in found)
    # The message alone, the join, and each shorter run at most once: not once per finding.
    assert len(scanner.texts) - before <= 2 + 2 * 2


def test_edit_to_an_empty_text_that_closes_a_gap_gives_an_empty_span() -> None:
    window = ConversationWindow(tiny_scan)
    assert not any(feed(window, ["090", "xx", "44127789"]))
    edited = window.edit(msg("m2", "", t=9.0))  # e.g. an edit that leaves only an attachment
    assert [(f.kind, f.message_ids, f.start, f.end, f.text) for f in edited] == [
        ("phone", ("m1", "m2", "m3"), 0, 0, "")
    ]


def test_with_message_ids_keeps_every_other_field() -> None:
    # Guards the fast copy against a field added to Finding later and silently dropped.
    values = {
        "kind": "line",
        "category": Category.CONTACT,
        "start": 1,
        "end": 4,
        "text": "abc",
        "rule_id": "r",
        "confidence": 0.5,
        "message_ids": ("old",),
        "attachment_id": "att",
    }
    assert {f.name for f in dataclasses.fields(Finding)} == set(values)
    original = Finding(**values)
    assert with_message_ids(original, ("m1", "m2")) == dataclasses.replace(
        original, message_ids=("m1", "m2")
    )


def test_invalid_limits_are_rejected() -> None:
    with pytest.raises(ValueError):
        ConversationWindow(tiny_scan, max_messages=0)
    with pytest.raises(ValueError):
        ConversationWindow(tiny_scan, max_age_s=0)


# ---------------------------------------------------------------------------- the real detector


@pytest.fixture(scope="module")
def detector() -> Detector:
    return load_detector()


REAL_SPLITS = [
    # (parts, kind, the first part that carries the identifier, 1-based)
    (["電話番号", "080", "7712", "3390"], "phone", 2),
    (["０８０", "７７１２", "３３９０"], "phone", 1),
    (["〇八〇", "七七一二", "三三九〇"], "phone", 1),
    (["ぜろはちぜろ", "なななないちに", "さんさんきゅうぜろ"], "phone", 1),
    (["090-", "2231-", "8876"], "phone", 1),
    (["mail me", "taro.yamada21", "@yahoo.co.jp"], "email", 2),
    (["aki_99", "あっと", "gmail.com"], "email", 1),
    (["instagram", "@", "hana.photo_22"], "instagram", 1),
    (["LINE ID", "saki", "_0107"], "line", 1),
    (["add me on snap", "ken", "ta.r0"], "snapchat", 1),
    (["join", "discord", ".gg/", "Ab3dEf9"], "discord_invite", 2),
    (["line.me/ti/p/", "~momo_1122"], "line", 1),
    # A handle cut after a few letters of its own, the "@" kept on the first piece: the
    # finding carries on into every piece. (Not yet when a bare Latin word stands right before
    # the "@": the fused reading glues it on too, "my insta@kota_runs".)
    (["insta:", "@ko", "ta_runs", "_07"], "instagram", 1),
    (["ツイッター", "@ha", "ru_draws"], "x", 1),
    (["インスタのアカウント", "@mo", "mo.bakes", "22"], "instagram", 1),
]


@pytest.mark.parametrize(("parts", "kind", "first_part"), REAL_SPLITS)
def test_real_detector_catches_split_families(
    detector: Detector, parts: list[str], kind: str, first_part: int
) -> None:
    window = ConversationWindow(detector.scan)
    results = feed(window, parts)
    last = [f for f in results[-1] if f.kind == kind]
    assert last, results
    finding = last[-1]
    assert finding.message_ids == tuple(f"m{i}" for i in range(first_part, len(parts) + 1))
    assert_spans_index(last, parts[-1])


REAL_CLEAN = [
    ["update to", "v3.4", ".2 please"],
    ["the build", "1.2.3", "is out"],
    ["候補日", "6/3", "6/10", "6/17 どう？"],
    ["注文番号", "112-3345567", "-8890123"],
    ["追跡番号", "4455", "6677", "8899"],
    ["郵便番号", "150-", "0041"],
    ["お会計", "4580", "円+送料550円"],
    ["答え", "2048", "じゃなくて4096"],
    ["3-2", "4-2", "6-2で勝ち"],
    ["集合 18:30", "解散 20:00", "会費 3000円"],
    ["room 12C", "floor 7", "at 14:45"],
    ["当選番号", "03", "11", "24", "31", "38", "42"],
    ["0", "1", "2", "3", "4", "5"],
    ["snap", "shot", "of the", "game"],
    ["I hate telegram", "so much", "lol"],
    ["LINEの", "着せかえ", "かわいい"],
    ["deadline", "is", "monday 9am"],
]


@pytest.mark.parametrize("parts", REAL_CLEAN)
def test_real_detector_leaves_split_hard_negatives_alone(
    detector: Detector, parts: list[str]
) -> None:
    window = ConversationWindow(detector.scan)
    assert feed(window, parts) == [[] for _ in parts]


def test_real_detector_digit_groups_of_different_authors_stay_apart(detector: Detector) -> None:
    window = ConversationWindow(detector.scan)
    for number, (author, text) in enumerate(
        [("a", "080"), ("b", "7712"), ("c", "3390"), ("a", "番"), ("b", "便")], 1
    ):
        assert window.observe(msg(f"m{number}", text, author=author)) == []
