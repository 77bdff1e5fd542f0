"""The shared value types reject impossible findings instead of carrying them downstream."""

import pytest

from bot.detect.findings import KINDS, Category, Finding


def test_finding_accepts_every_contract_kind() -> None:
    for kind in KINDS:
        finding = Finding(kind, Category.CONTACT, 0, 3, "090", "test.rule", 0.9)
        assert finding.kind == kind


@pytest.mark.parametrize(
    ("kind", "start", "end", "confidence"),
    [("pager", 0, 1, 0.5), ("phone", 3, 1, 0.5), ("phone", -1, 1, 0.5), ("phone", 0, 1, 1.5)],
)
def test_finding_rejects_impossible_values(kind: str, start: int, end: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        Finding(kind, Category.CONTACT, start, end, "x", "test.rule", confidence)
