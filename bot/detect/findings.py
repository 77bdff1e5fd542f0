"""The value types every layer shares: what the detector found and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# The kinds of the evaluation contract (shared/eval/README.md). Order matters only for display.
KINDS: tuple[str, ...] = (
    "phone",
    "email",
    "line",
    "instagram",
    "x",
    "telegram",
    "whatsapp",
    "kakao",
    "wechat",
    "snapchat",
    "tiktok",
    "facebook",
    "signal",
    "skype",
    "discord_invite",
    "url",
    "solicit",
    # Not a detector kind: the image scanner's "photo carries a GPS position" (bot.images).
    "location",
)


class Category(StrEnum):
    CONTACT = "contact"  # an identifier (or direct pointer to one) was disclosed
    SOLICIT = "solicit"  # asking for / offering a move off-platform without an identifier
    LOCATION = "location"  # a photo's metadata reveals where it was taken (bot.images)


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected contact detail or solicitation.

    ``start``/``end`` index the ORIGINAL text of the message (Python code points), so that
    ``original[start:end] == text`` always holds. For a finding that spans several messages of a
    cross-message window, the span indexes the text of the *last* message and ``message_ids``
    names every message that carries a part of it. Findings from an image carry the attachment
    id and an empty span (start == end == 0, text == "").
    """

    kind: str
    category: Category
    start: int
    end: int
    text: str
    rule_id: str
    confidence: float
    message_ids: tuple[str, ...] = field(default=())
    attachment_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}:{self.end}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence out of range: {self.confidence}")
