"""``/guard evidence`` (the full, unmasked evidence of one strike) and ``/guard export`` (a JSON
file of a member's strikes and evidence, e.g. for a police report). Administrators only: this
is the one place contact details are shown unmasked.
"""

from __future__ import annotations

import io
import json

import discord
from discord import app_commands

from bot.discord.checks import admin_only
from bot.discord.commands.context import context_of, guild_id_of, reply_language, respond
from bot.discord.commands.render import (
    FIELD_LIMIT,
    clip,
    code_block,
    inline_code,
    join_lines,
    kind_label,
    user_label,
    when,
)
from bot.discord.commands.translator import text
from bot.i18n import t
from bot.ledger.models import Evidence
from bot.ledger.policy import StrikeRecord

# Discord allows 10 files per message; attachment bytes beyond that stay in the export.
MAX_FILES = 10
MAX_FILE_BYTES = 8 * 1024 * 1024


def _block(value: str, lang: str) -> str:
    if not value:
        return t("commands.evidence.empty", lang)
    return code_block(value, FIELD_LIMIT - 8)


def _finding_lines(evidence: Evidence, lang: str) -> list[str]:
    lines = []
    for finding in evidence.findings:
        span = evidence.original_text[finding.start : finding.end] if finding.end <= len(evidence.original_text) else ""
        shown = inline_code(span) if span else "—"
        lines.append(t("commands.evidence.finding", lang, kind=kind_label(finding.kind, lang), rule=finding.rule_id, span=shown))
    return lines


def evidence_embed(strike: StrikeRecord, evidence: Evidence | None, lang: str) -> discord.Embed:
    embed = discord.Embed(title=t("commands.evidence.title", lang, id=strike.id), timestamp=strike.created)
    embed.add_field(name=t("commands.evidence.member", lang), value=f"<@{strike.member_id}> ({strike.member_id})")
    embed.add_field(name=t("commands.evidence.channel", lang), value=f"<#{strike.channel_id}>")
    embed.add_field(name=t("commands.evidence.time", lang), value=when(strike.created))
    embed.add_field(name=t("commands.evidence.messages", lang), value=clip(", ".join(strike.message_ids) or "—", FIELD_LIMIT), inline=False)
    if strike.pardoned:
        pardon = f"<@{strike.pardoned_by}> {when(strike.pardoned_at)}: {discord.utils.escape_markdown(strike.pardon_reason or '')}"
        embed.add_field(name=t("commands.evidence.pardon", lang), value=clip(pardon, FIELD_LIMIT), inline=False)
    if evidence is None:
        embed.description = t("reports.reply.strike_missing", lang)
        return embed
    embed.add_field(name=t("commands.evidence.text", lang), value=_block(evidence.original_text, lang), inline=False)
    if evidence.normalised_text and evidence.normalised_text != evidence.original_text:
        embed.add_field(name=t("commands.evidence.normalised", lang), value=_block(evidence.normalised_text, lang), inline=False)
    embed.add_field(name=t("commands.evidence.findings", lang), value=join_lines(_finding_lines(evidence, lang), FIELD_LIMIT) or "—", inline=False)
    if evidence.attachments:
        lines = [
            t("commands.evidence.attachment" if a.data is not None else "commands.evidence.attachment_not_kept", lang, filename=discord.utils.escape_markdown(a.filename), size=a.size)
            for a in evidence.attachments
        ]
        embed.add_field(name=t("commands.evidence.attachments", lang), value=join_lines(lines, FIELD_LIMIT), inline=False)
    return embed


def evidence_files(evidence: Evidence | None) -> list[discord.File]:
    """The kept attachment bytes, as files (Discord's limits: 10 files, a few MB each)."""
    if evidence is None:
        return []
    kept = [a for a in evidence.attachments if a.data is not None and len(a.data) <= MAX_FILE_BYTES]
    return [discord.File(io.BytesIO(a.data or b""), filename=a.filename or f"{a.attachment_id}.bin") for a in kept[:MAX_FILES]]


@admin_only()
@app_commands.describe(strike=text("commands.tree.evidence.strike"))
async def evidence_command(interaction: discord.Interaction, strike: app_commands.Range[int, 1]) -> None:
    lang = reply_language(interaction)
    store = context_of(interaction).store
    record = await store.get_strike(strike)
    if record is None or record.guild_id != guild_id_of(interaction):
        await respond(interaction, t("commands.evidence.not_found", lang, id=strike))
        return
    evidence = await store.get_evidence(strike)
    await respond(interaction, embeds=[evidence_embed(record, evidence, lang)], files=evidence_files(evidence))


@admin_only()
@app_commands.describe(member=text("commands.tree.export.member"))
async def export_command(interaction: discord.Interaction, member: discord.User) -> None:
    lang = reply_language(interaction)
    guild_id = guild_id_of(interaction)
    # Exporting a long record takes a moment: acknowledge first (Discord allows 3 s).
    await interaction.response.defer(ephemeral=True, thinking=True)
    record = await context_of(interaction).store.export_member(guild_id, member.id)
    data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    filename = f"contact-guard-{guild_id}-{member.id}.json"
    count = len(record.get("strikes", []))
    key = "commands.export.done" if count else "commands.export.none"
    await respond(interaction, t(key, lang, member=user_label(member), count=count), files=[discord.File(io.BytesIO(data), filename=filename)])


def register(guard: app_commands.Group) -> None:
    guard.add_command(
        app_commands.Command(name="evidence", description=text("commands.tree.evidence.description"), callback=evidence_command)
    )
    guard.add_command(
        app_commands.Command(name="export", description=text("commands.tree.export.description"), callback=export_command)
    )
