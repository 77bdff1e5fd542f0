"""Evidence shown to moderators is masked: enough to recognise the kind, not enough to reach out."""

from __future__ import annotations

import pytest

from bot.discord.masking import Span, mask, mask_message, mask_middle


@pytest.mark.parametrize(
    ("kind", "text", "masked"),
    [
        # Phones keep their layout: 3 leading and 4 trailing digits, separators in place.
        ("phone", "090-1234-5678", "090-****-5678"),
        ("phone", "09012345678", "090****5678"),
        ("phone", "+81 90 1234 5678", "+81 9* **** 5678"),
        ("phone", "〇九〇ー一二三四ー五六七八", "〇九〇******五六七八"),
        ("phone", "TEL: 090 1234 5678", "TEL: 090 **** 5678"),
        # E-mail: at most two characters of the local part, a fixed-width mask, the domain kept.
        ("email", "kazu.0315@gmail.com", "ka***@gmail.com"),
        ("email", "kazu＠gmail.com", "ka***＠gmail.com"),
        ("email", "k@x.jp", "***@x.jp"),
        # Handles: the label survives, the identifier keeps two characters at each end.
        ("line", "LINE ID: yuki_0321", "LINE ID: yu*****21"),
        ("line", "yuki_0321", "yu*****21"),
        ("x", "@yuki_s", "@yu**_s"),
        ("line", "abcd", "a**d"),
        # Links keep the host (it says which service), the first path segment is masked.
        ("instagram", "https://www.instagram.com/yuki.s/?igsh=abc", "https://www.instagram.com/yu**.*"),
        ("discord_invite", "discord.gg/abc123", "discord.gg/ab****"),
        ("url", "https://example.com/ab", "https://example.com/***"),
        # A solicitation has no identifier to hide.
        ("solicit", "LINEで話そう", "LINEで話そう"),
        ("phone", "", ""),
    ],
)
def test_mask(kind: str, text: str, masked: str) -> None:
    assert mask(kind, text) == masked


@pytest.mark.parametrize(
    "text",
    ["090-1234-5678", "yuki_0321", "abcd", "ab", "x", "ぜろきゅうぜろ", "k a z u _ 0 3 1 5"],
)
def test_at_least_a_third_is_always_hidden(text: str) -> None:
    masked = mask_middle(text, keep_head=10, keep_tail=10)
    significant = [char for char in text if char.isalnum() or char == "_"]
    hidden = masked.count("*")
    assert hidden >= max(1, -(-len(significant) // 3))
    assert len(masked) == len(text), "one-for-one masking keeps the layout"


def test_separators_only_text_is_left_alone() -> None:
    assert mask_middle("--- ...", 3, 4) == "--- ..."


def test_mask_message_masks_each_span_and_keeps_the_words_around() -> None:
    text = "call me 090-1234-5678 or mail kazu@gmail.com thx"
    spans = [Span("email", 30, 44), Span("phone", 8, 21)]
    assert mask_message(text, spans) == "call me 090-****-5678 or mail ka***@gmail.com thx"


def test_mask_message_merges_overlaps_and_ignores_bad_spans() -> None:
    text = "LINE: yuki_0321"
    spans = [Span("line", 0, 15), Span("line", 6, 15), Span("phone", 10, 99)]
    assert mask_message(text, spans) == "LINE: yu*****21"


def test_masked_text_never_contains_the_middle_of_the_identifier() -> None:
    secret = "kazuhiro_secret_0315"
    assert "secret" not in mask("line", secret)
    assert "1234" not in mask("phone", "090-1234-5678")
