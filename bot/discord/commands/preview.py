"""``/guard test text:<text>``: run the guild's detector (with its allow-list) on a text and show
each finding — kind, rule, the span marked in the text — plus the normalised views the rules
saw. Nothing is recorded: no strike, no evidence, no action."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.detect.engine import Explanation
from bot.discord.checks import admin_only
from bot.discord.commands.context import context_of, guild_id_of, reply_language, respond
from bot.discord.commands.render import (
    DESCRIPTION_LIMIT,
    FIELD_LIMIT,
    clip,
    code_block,
    join_lines,
    kind_label,
    learned_model_loaded,
    learned_model_words,
)
from bot.discord.commands.translator import text as describe
from bot.discord.pipeline import allowlist_from_config
from bot.i18n import t
from bot.ledger.models import GuildConfig

MAX_TEXT = 1500  # a Discord message is at most 2000 characters; room for the markers


def model_notes(explanation: Explanation, config: GuildConfig, model_loaded: bool, lang: str) -> list[str]:
    """The learned model's probabilities for the text, and what its verdict does in this guild."""
    notes = [
        t("commands.test.model", lang, rule=f"{head}.model", probability=f"{probability:.2f}", threshold=f"{threshold:.2f}")
        for head, (probability, threshold) in (explanation.model or {}).items()
    ]
    if model_loaded:
        notes.append(t("commands.test.model_setting", lang, setting=learned_model_words(config.learned_model, lang)))
    return notes


def findings_embed(explanation: Explanation, lang: str) -> discord.Embed:
    findings = explanation.findings
    lines = [t("commands.test.header", lang, count=len(findings))]
    for index, finding in enumerate(findings, start=1):
        lines.append(
            t("commands.test.finding", lang, index=index, kind=kind_label(finding.kind, lang), rule=finding.rule_id, confidence=f"{finding.confidence:.2f}")
        )
        lines.append(code_block(clip(explanation.marked(finding), 600)))
    embed = discord.Embed(description=join_lines(lines, DESCRIPTION_LIMIT), colour=discord.Colour.orange())
    views = {name: view for name, view in explanation.views.items() if view and view != explanation.text}
    if views:
        body = "\n".join(f"{name}: {view}" for name, view in views.items())
        embed.add_field(name=t("commands.test.normalised", lang), value=code_block(clip(body, FIELD_LIMIT - 10)), inline=False)
    return embed


@admin_only()
@app_commands.describe(text=describe("commands.tree.test.text"))
async def test_command(interaction: discord.Interaction, text: app_commands.Range[str, 1, 2000]) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    if context.detector is None:
        await respond(interaction, t("commands.error.not_ready", lang))
        return
    config = await context.config(guild_id_of(interaction))
    notes: list[str] = []
    if len(text) > MAX_TEXT:
        notes.append(t("commands.test.too_long", lang, limit=MAX_TEXT))
        text = text[:MAX_TEXT]
    # What the bot would find in this guild: the model is asked only where the guild has it on.
    explanation = context.detector.explain(text, allowlist=allowlist_from_config(config), model=config.asks_model)
    notes.extend(model_notes(explanation, config, learned_model_loaded(context.detector), lang))
    if not explanation.findings:
        await respond(interaction, "\n".join([*notes, t("commands.test.none", lang)]))
        return
    await respond(interaction, "\n".join(notes) or None, embeds=[findings_embed(explanation, lang)])


def register(guard: app_commands.Group) -> None:
    guard.add_command(
        app_commands.Command(name="test", description=describe("commands.tree.test.description"), callback=test_command)
    )
