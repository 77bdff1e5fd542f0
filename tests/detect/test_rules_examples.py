"""Every rule's own examples (``[rule.examples]`` in rules/*.toml), run automatically.

A positive example must make the rule fire on its own; a negative example must not make it
fire. Whole-detector hard negatives are in test_engine.py.
"""

from __future__ import annotations

import pytest

from bot.detect.engine import Detector, load_detector
from bot.detect.rules import Rule, RuleSet

_DETECTOR = load_detector()


def _cases(positive: bool) -> list[object]:
    cases = []
    for rule in _DETECTOR.rules:
        examples = rule.positive_examples if positive else rule.negative_examples
        for example in examples:
            cases.append(pytest.param(rule, example, id=f"{rule.id}:{example[:30]}"))
    return cases


def _solo(rule: Rule) -> Detector:
    return Detector(RuleSet((rule,), _DETECTOR.rules.normalizer, _DETECTOR.rules.files))


def test_every_contact_rule_has_examples() -> None:
    for rule in _DETECTOR.rules:
        assert rule.positive_examples, f"{rule.id} has no positive example"
        assert rule.negative_examples, f"{rule.id} has no negative example"


@pytest.mark.parametrize(("rule", "example"), _cases(positive=True))
def test_rule_fires_on_its_positive_examples(rule: Rule, example: str) -> None:
    findings = _solo(rule).scan(example)
    assert findings, f"{rule.id} ({rule.source.name}) missed its positive example {example!r}"
    for finding in findings:
        assert finding.rule_id == rule.id
        assert finding.kind in rule.kinds
        assert example[finding.start : finding.end] == finding.text


@pytest.mark.parametrize(("rule", "example"), _cases(positive=False))
def test_rule_stays_quiet_on_its_negative_examples(rule: Rule, example: str) -> None:
    findings = _solo(rule).scan(example)
    assert not findings, f"{rule.id} ({rule.source.name}) fired on negative {example!r}: {findings}"
