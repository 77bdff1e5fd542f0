"""Helpers for the slash-command and report tests: invoke a command, read the reply, record a
strike straight into the ledger (the commands read it; how it got there is the bot's tests'
business)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.discord.masking import mask
from bot.ledger.models import AttachmentEvidence, FindingRecord, RecordOutcome, ViolationInput
from bot.ledger.store import LedgerStore
from tests.fakediscord.server import (
    FakeDiscord,
    FakeInteraction,
    StandardGuild,
    option,
    subcommand,
    subcommand_group,
)
from tests.fakediscord.state import FakeUser

EPHEMERAL = 64
PHONE_TEXT = "電話して 090-1234-5678 まで"
PHONE_SPAN = (5, 18)

__all__ = ["EPHEMERAL", "PHONE_SPAN", "PHONE_TEXT", "embed_text", "guard", "option", "record_strike", "reply_of", "run"]


def guard(name: str, *options: dict[str, Any], group: str | None = None) -> list[dict[str, Any]]:
    """The options of ``/guard [group] name ...``."""
    command = subcommand(name, options)
    return [subcommand_group(group, [command])] if group else [command]


async def run(
    fake: FakeDiscord,
    std: StandardGuild,
    user: FakeUser,
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    locale: str = "en-US",
) -> dict[str, Any]:
    """Invoke ``/name`` as *user* in #general and return the interaction callback body."""
    interaction = await fake.send_slash_command(std.id, std.general.id, user, name, options or [], locale=locale)
    return await reply_of(fake, interaction)


def embed_text(reply: dict[str, Any]) -> str:
    """Every embed of an interaction reply as text: title, description, each field's name and value."""
    parts: list[str] = []
    for embed in reply["data"].get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or []:
            parts += [field["name"], field["value"]]
    return "\n".join(parts)


async def reply_of(fake: FakeDiscord, interaction: FakeInteraction) -> dict[str, Any]:
    call = await fake.wait_for_interaction_response(interaction)
    body = dict(call.json)
    body["files"] = call.files
    if body.get("type") == 5:  # deferred: the answer is the follow-up message
        followup = await fake.wait_for_call("POST", f"/webhooks/{fake.application_id}/{interaction.token}")
        body = {"type": 4, "data": dict(followup.json), "files": followup.files}
    return body


async def record_strike(
    store: LedgerStore,
    std: StandardGuild,
    member: FakeUser,
    *,
    message_id: int,
    text: str = PHONE_TEXT,
    span: tuple[int, int] = PHONE_SPAN,
    now: datetime | None = None,
    attachments: tuple[AttachmentEvidence, ...] = (),
) -> RecordOutcome:
    start, end = span
    finding = FindingRecord(
        kind="phone", category="contact", rule_id="phone.jp_mobile", start=start, end=end,
        masked=mask("phone", text[start:end]), message_ids=(str(message_id),),
    )
    violation = ViolationInput(
        guild_id=std.id, channel_id=std.general.id, member_id=member.id,
        message_ids=(str(message_id),), findings=(finding,), original_text=text, attachments=attachments,
    )
    return await store.record_violation(violation, now=now or datetime.now(UTC))
