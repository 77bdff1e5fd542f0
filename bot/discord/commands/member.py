"""``/mystrikes`` and ``/why``: every member may see their own record, privately.

The wording explains the rule and what to do instead; it never scolds (the member may simply
not have known). Evidence is shown masked even to its author: the reply could be screenshotted.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.commands.context import context_of, guild_id_of, reply_language, respond
from bot.discord.commands.render import CONTENT_LIMIT, clip, kind_label, step_words, when
from bot.discord.commands.translator import text
from bot.i18n import t
from bot.ledger.models import GuildConfig
from bot.ledger.policy import Ladder, Standing


def standing_text(standing: Standing, ladder: Ladder, ladder_top: str, lang: str) -> str:
    """The member's active strikes, each with the day it stops counting under *ladder*, the
    guild's current one (what the ladder decides with)."""
    if not standing.active:
        return t("commands.mystrikes.none", lang)
    lines = [t("commands.mystrikes.header", lang, count=len(standing.active))]
    for strike in standing.active:
        lines.append(t("commands.mystrikes.line", lang, when=when(strike.created, "d"), kind=kind_label(strike.kind, lang), until=when(strike.expires_by(ladder), "D")))
    if standing.next_step is not None:
        lines.append(t("commands.mystrikes.next", lang, next=step_words(standing.next_step, lang)))
    else:
        lines.append(t("commands.mystrikes.top", lang, next=ladder_top))
    lines.append(t("commands.mystrikes.why_rule", lang))
    return "\n".join(lines)


@app_commands.guild_only()
async def mystrikes_command(interaction: discord.Interaction) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    guild_id = guild_id_of(interaction)
    config = await context.config(guild_id)
    standing = await context.store.member_standing(
        guild_id, interaction.user.id, now=context.clock(), ladder=config.ladder
    )
    top = step_words(config.ladder.steps[-1], lang)
    await respond(interaction, clip(standing_text(standing, config.ladder, top, lang), CONTENT_LIMIT))


def allowed_entries(config: GuildConfig) -> str:
    return ", ".join(f"`{entry.value}`" for entry in config.allow_list[:20])


@app_commands.guild_only()
async def why_command(interaction: discord.Interaction) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    guild_id = guild_id_of(interaction)
    strike = await context.store.last_strike_for(guild_id, interaction.user.id)
    if strike is None or strike.shadow:  # shadow mode removed nothing
        await respond(interaction, t("commands.why.none", lang))
        return
    evidence = await context.store.get_evidence(strike.id)
    kinds = dict.fromkeys(f.kind for f in evidence.findings) if evidence else {strike.kind: None}
    lines = [
        t("commands.why.removed", lang, channel=f"<#{strike.channel_id}>", when=when(strike.created, "f"), kind=", ".join(kind_label(k, lang) for k in kinds)),
    ]
    if strike.pardoned:
        lines.append(t("commands.why.pardoned", lang))
    lines += [t("commands.why.rule", lang), t("commands.why.instead", lang)]
    config = await context.config(guild_id)
    if config.allow_list:
        lines.append(t("commands.why.allowed", lang, entries=allowed_entries(config)))
    await respond(interaction, clip("\n".join(lines), CONTENT_LIMIT))


def commands() -> list[app_commands.Command]:  # type: ignore[type-arg]
    return [
        app_commands.Command(name="mystrikes", description=text("commands.tree.mystrikes"), callback=mystrikes_command),
        app_commands.Command(name="why", description=text("commands.tree.why"), callback=why_command),
    ]
