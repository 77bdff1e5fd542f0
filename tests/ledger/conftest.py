"""A real SQLite file per test (tmp_path) and a builder for violations."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ledger.models import AttachmentEvidence, FindingRecord, ViolationInput
from bot.ledger.store import LedgerStore

GUILD = 111_111_111_111_111_111
CHANNEL = 222_222_222_222_222_222
MEMBER = 333_333_333_333_333_333
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

_message_ids = itertools.count(700_000_000_000_000_000)

PHONE = FindingRecord("phone", "contact", "phone.jp.mobile", 5, 18, "090-****-5678", 0.97)
SOLICIT = FindingRecord("solicit", "solicit", "solicit.ja.move", 0, 9, "ラインで話そ", 0.8)
LOCATION = FindingRecord("location", "location", "image.exif.gps", attachment_id="555")


def violation(
    *message_ids: str | int,
    guild: int = GUILD,
    member: int = MEMBER,
    findings: tuple[FindingRecord, ...] = (PHONE,),
    text: str = "電話は 090-1234-5678 です",
    attachments: tuple[AttachmentEvidence, ...] = (),
    points_override: int | None = None,
) -> ViolationInput:
    ids = message_ids or (next(_message_ids),)
    return ViolationInput(
        guild_id=guild,
        channel_id=CHANNEL,
        member_id=member,
        message_ids=tuple(str(m) for m in ids),
        findings=findings,
        original_text=text,
        normalised_text=text.replace("-", ""),
        attachments=attachments,
        points_override=points_override,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[LedgerStore]:
    opened = await LedgerStore.open(db_path)
    try:
        yield opened
    finally:
        await opened.close()
