"""A full stop or a comma followed by a space ends a sentence or a clause far more often than it
hides the dot of a handle or a domain: the views join them only before a top-level domain that
is not also an English word, or before any top-level domain with a path after it."""

from __future__ import annotations

import pytest

from bot.detect.engine import load_detector

DETECTOR = load_detector()


@pytest.mark.parametrize(
    "text",
    [
        "my line is busy. call me later",
        "my insta is dead. lol",
        "the snap i sent was blurry. sorry",
        "telegram is slow today. anyone else?",
        "my kakao is broken, me too",
        "wait at the station, me and yui are late",
        "meet at noon, to the left of the gate",
        "her tiktok got banned. wild",
    ],
)
def test_sentence_punctuation_does_not_make_a_handle_or_an_address(text: str) -> None:
    assert [f for f in DETECTOR.scan(text) if f.category == "contact"] == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail me: rio.hanada@gmail. com", "email"),
        ("rio.hanada@yahoo. co. jp", "email"),
        ("line. me/ti/p/~rio_h", "line"),
        ("linktr. ee/rio.draws", "url"),
        ("instagram,com/rio.draws", "instagram"),
        ("t、me/rio_hanada", "telegram"),
        ("rio . hanada @ gmail . com", "email"),
    ],
)
def test_a_spaced_dot_of_a_domain_is_still_joined(text: str, kind: str) -> None:
    assert kind in {f.kind for f in DETECTOR.scan(text)}
