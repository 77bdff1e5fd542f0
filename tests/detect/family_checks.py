"""The checks the family tables (``tests/detect/test_*_families.py``) run on each row.

A family table lists, per family of disguise or wording, sentences the detector must flag and
the nearest ordinary sentences it must leave alone. One detector serves every table (loading the
packs is most of a table's time).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.detect.engine import load_detector
from bot.detect.findings import Category, Finding

DETECTOR = load_detector()


def scan_checked(text: str) -> list[Finding]:
    """The findings of *text*, each checked to point at its own text in the original."""
    findings = DETECTOR.scan(text)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text, (text, finding)
    return findings


def assert_solicits(text: str, family: str = "") -> None:
    """*text* holds a solicitation, reported with the kind ``solicit``."""
    solicit = [f for f in scan_checked(text) if f.category is Category.SOLICIT]
    assert solicit, f"{family}: no solicit finding in {text!r}"
    assert all(finding.kind == "solicit" for finding in solicit), solicit


def assert_kind_found(text: str, kind: str, family: str = "") -> None:
    """*text* is flagged with a finding of *kind*."""
    findings = scan_checked(text)
    assert kind in {finding.kind for finding in findings}, f"{family}: {text!r} gave {findings}"


def assert_clean(text: str, family: str = "") -> None:
    """*text* is left alone."""
    findings = DETECTOR.scan(text)
    assert findings == [], f"{family}: {text!r} was flagged: {[(f.kind, f.rule_id, f.text) for f in findings]}"


def solicit_table_tests(
    positives: list[tuple[str, str]], negatives: list[tuple[str, str]]
) -> tuple[Callable[[str, str], None], Callable[[str, str], None]]:
    """The two tests of a solicit family table of (family, text) rows: every positive row is
    found as a solicitation, every negative row stays clean. Assign them at module level:
    ``test_solicit_family_is_found, test_hard_negative_stays_clean = solicit_table_tests(...)``.
    """

    @pytest.mark.parametrize(("family", "text"), positives)
    def test_solicit_family_is_found(family: str, text: str) -> None:
        assert_solicits(text, family)

    @pytest.mark.parametrize(("family", "text"), negatives)
    def test_hard_negative_stays_clean(family: str, text: str) -> None:
        assert_clean(text, family)

    return test_solicit_family_is_found, test_hard_negative_stays_clean
