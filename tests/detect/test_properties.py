"""Properties of the detector and the cross-message window over arbitrary text.

Whatever a member types, scanning never raises, and every finding points at exactly the text it
reports (``text[start:end] == finding.text``), so the bot can always show and mask it. Strategies
mix full Unicode (without surrogates, which a Discord message cannot carry) with the material
disguises are made of: digits of every script, separator runs, zero-width characters, at/dot
words and platform names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.engine import (
    Detector,
    _compile_gate_check,
    _PatternPlan,
    _TriggerScan,
    load_detector,
)
from bot.detect.findings import KINDS, Category, Finding
from bot.detect.window import ConversationWindow, WindowMessage

FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# The window tests scan every message several times (alone and joined): fewer examples.
WINDOW = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

any_unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)

# The raw material of disguises: a text made of these is far likelier to reach deep into the
# rules (digit runs, handles, at/dot words, platform names) than arbitrary Unicode is.
_FRAGMENTS = [
    *"0123456789",
    *"０１２３４５６７８９〇一二三四五六七八九十零壱弐参",
    *"⓪①②③④⑤⑥⑦⑧⑨⁰¹²³",
    "0️⃣",
    "9️⃣",
    "ぜろ",
    "まる",
    "きゅう",
    "よん",
    "なな",
    "zero",
    "nine",
    "oh",
    *" -.・ー—_/()\n\t",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "@",
    "＠",
    "あっと",
    "(at)",
    " dot ",
    "[.]",
    "ドット",
    "LINE",
    "ライン",
    "ﾗｲﾝ",
    "line",
    "online",
    "insta",
    "インスタ",
    "telegram",
    "tg",
    "snap",
    "kakao",
    "카톡",
    "微信",
    "discord.gg/",
    "hxxp://",
    "https://",
    ".com",
    "line.me/ti/p/",
    "t.me/",
    "ID",
    "交換",
    "教えて",
    "||",
    "`",
    "**",
    "<@123456789012345678>",
    "а",
    "о",
    "ο",
    "yuki_0321",
    "gmail",
]
disguise_material = st.lists(st.sampled_from(_FRAGMENTS), max_size=60).map("".join)
separator_runs = st.builds(
    lambda head, separator, count, tail: head + separator * count + tail,
    st.sampled_from(["090", "line", "@", "ぜろ", ""]),
    st.sampled_from(["-", " ", "\n", "\u200b", ".", "ー", "・"]),
    st.integers(min_value=0, max_value=2000),
    st.sampled_from(["1234", "5678", "gmail.com", "id", ""]),
)
texts = st.one_of(any_unicode, disguise_material, separator_runs)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return load_detector()


def assert_findings_index(findings: Sequence[Finding], text: str) -> None:
    for finding in findings:
        assert finding.kind in KINDS
        assert finding.category in (Category.CONTACT, Category.SOLICIT)
        assert 0.0 <= finding.confidence <= 1.0
        assert 0 <= finding.start <= finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text


@FAST
@given(text=texts)
def test_scan_never_raises_and_spans_index_the_original(detector: Detector, text: str) -> None:
    findings = detector.scan(text)
    assert_findings_index(findings, text)
    # A single-message scan reports real spans only: the contract needs start < end.
    assert all(f.start < f.end for f in findings)


@FAST
@given(text=texts)
def test_explain_agrees_with_scan(detector: Detector, text: str) -> None:
    explanation = detector.explain(text)
    assert_findings_index(explanation.findings, text)
    assert [(f.kind, f.start, f.end) for f in explanation.findings] == [
        (f.kind, f.start, f.end) for f in detector.scan(text)
    ]


def _every_literal_in(table: Mapping[str, frozenset[int]]) -> Callable[[str], list[str]]:
    """A trigger scan by substring tests: every literal the text holds, overlapping or not."""
    literals = tuple(table)
    return lambda text: [literal for literal in literals if literal in text]


def general_path(detector: Detector) -> Detector:
    """The same rules without the engine's shortcuts: every trigger literal a view holds found
    by a substring test, every pattern of a triggered rule run whatever literals the view holds, and the
    structural phone pass on texts of any length."""
    general = Detector(detector.rules, detector.learned_model)
    general._phone_passes = {
        rule_id: dataclasses.replace(phone_pass, fewest_digits=0)
        for rule_id, phone_pass in general._phone_passes.items()
    }
    general._pattern_plans = {
        rule_id: tuple(_PatternPlan(plan.pattern, plan.has_span) for plan in plans)
        for rule_id, plans in general._pattern_plans.items()
    }
    general._gate_checks = {
        rule_id: _compile_gate_check(general._pattern_plans[rule_id]) for rule_id in general._gate_checks
    }
    general._trigger_index = {
        view: (_TriggerScan((_every_literal_in(table),)), table)
        for view, (_, table) in general._trigger_index.items()
    }
    general._shared_triggers = None
    return general


_EXAMPLES = sorted(
    {example for rule in load_detector().rules for example in (*rule.positive_examples, *rule.negative_examples)}
)
# A rule example with disguise material spliced in: near-misses of every rule's patterns.
spliced_examples = st.builds(
    lambda example, insert, position, cut: example[:position] + insert + example[position + cut :],
    st.sampled_from(_EXAMPLES),
    disguise_material,
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=8),
)


@pytest.fixture(scope="module")
def general(detector: Detector) -> Detector:
    return general_path(detector)


# Short numbers, at and just above the fewest digits a reported number has.
short_numbers = st.builds(
    lambda prefix, body, tail: prefix + body + tail,
    st.sampled_from(["0", "090", "03", "+", "+81", "+1", "〇九〇", "⑩", "電話 ", "line "]),
    st.text("0123456789", min_size=4, max_size=10),
    st.sampled_from(["", "0", "九", "double 5"]),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(texts, spliced_examples, short_numbers))
def test_the_engine_shortcuts_change_no_finding(
    detector: Detector, general: Detector, text: str
) -> None:
    assert detector.scan(text) == general.scan(text)


def test_every_rule_example_scans_as_on_the_general_path(detector: Detector, general: Detector) -> None:
    for example in _EXAMPLES:
        assert detector.scan(example) == general.scan(example), example


conversation = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.one_of(disguise_material, any_unicode)),
    min_size=1,
    max_size=8,
)


@WINDOW
@given(messages=conversation)
def test_window_never_raises_and_spans_index_the_newest_message(
    detector: Detector, messages: list[tuple[str, str]]
) -> None:
    window = ConversationWindow(detector.scan, max_chars=600)
    sent: dict[str, str] = {}  # message id -> author
    for number, (author, text) in enumerate(messages):
        message_id = f"m{number}"
        sent[message_id] = author
        findings = window.observe(WindowMessage(message_id, "c", author, text, float(number)))
        assert_findings_index(findings, text)
        for finding in findings:
            # Every finding names the new message and only messages of the same author.
            assert message_id in finding.message_ids
            assert all(sent[part] == author for part in finding.message_ids)


@WINDOW
@given(texts=st.lists(disguise_material, min_size=2, max_size=6))
def test_window_never_joins_expired_messages_or_other_authors(
    detector: Detector, texts: list[str]
) -> None:
    # Every message from its own author, or from one author but 200 s apart (the window keeps
    # 120 s): the window must then answer exactly what the detector says of each message alone.
    for spacing, authors in (
        (1.0, [f"u{i}" for i in range(len(texts))]),
        (200.0, ["u"] * len(texts)),
    ):
        window = ConversationWindow(detector.scan)
        for number, (author, text) in enumerate(zip(authors, texts, strict=True)):
            message = WindowMessage(f"m{number}", "c", author, text, number * spacing)
            alone = [(f.kind, f.start, f.end) for f in detector.scan(text)]
            found = window.observe(message)
            assert [(f.kind, f.start, f.end) for f in found] == alone
            assert all(f.message_ids == (f"m{number}",) for f in found)
