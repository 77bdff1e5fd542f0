"""``/guard strikes`` and ``/guard pardon``: a member's record, and forgiving strikes.

Both are review commands: Manage Server or the guild's moderator role.
"""

from __future__ import annotations

from datetime import datetime

import discord
from discord import app_commands

from bot.discord.checks import reviewer_only
from bot.discord.commands.context import context_of, guild_id_of, reply_language, respond
from bot.discord.commands.render import DESCRIPTION_LIMIT, join_lines, kind_label, user_label, when
from bot.discord.commands.translator import text
from bot.i18n import t
from bot.ledger.policy import Ladder, StrikeRecord

MAX_STRIKES_SHOWN = 25


def strike_line(strike: StrikeRecord, ladder: Ladder, now: datetime, lang: str) -> str:
    step = (
        t("commands.strikes.step", lang, threshold=strike.step_threshold)
        if strike.step_threshold is not None
        else t("commands.strikes.step_none", lang)
    )
    line = t("commands.strikes.line", lang, id=strike.id, when=when(strike.created, "d"), kind=kind_label(strike.kind, lang), step=step)
    if strike.pardoned:
        reason = discord.utils.escape_markdown(strike.pardon_reason or "")
        moderator = f"<@{strike.pardoned_by}>" if strike.pardoned_by else "—"
        status = t("commands.strikes.pardoned", lang, moderator=moderator, when=when(strike.pardoned_at, "d"), reason=reason)
    elif strike.review:  # 0 points: "active" or "expired" would both mislead
        status = t("commands.strikes.review", lang)
    elif strike.is_active(now, ladder):
        status = t("commands.strikes.active_until", lang, until=when(strike.expires_by(ladder), "d"))
    else:
        status = t("commands.strikes.expired", lang, when=when(strike.expires_by(ladder), "R"))
    if strike.shadow_only:
        status += " · " + t("commands.strikes.shadow", lang)
    return f"{line}\n  ↳ {status}"


@reviewer_only()
@app_commands.describe(member=text("commands.tree.strikes.member"))
async def strikes_command(interaction: discord.Interaction, member: discord.User) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    guild_id = guild_id_of(interaction)
    history = await context.store.strikes_for(guild_id, member.id)
    if not history:
        await respond(interaction, t("commands.strikes.none", lang, member=user_label(member)))
        return
    ladder = (await context.config(guild_id)).ladder
    now = context.clock()
    newest = list(reversed(history))[:MAX_STRIKES_SHOWN]
    lines = [t("commands.strikes.summary", lang, active=sum(s.is_active(now, ladder) for s in history), total=len(history))]
    lines += [strike_line(strike, ladder, now, lang) for strike in newest]
    if len(history) > MAX_STRIKES_SHOWN:
        lines.append(t("commands.strikes.more", lang, count=len(history) - MAX_STRIKES_SHOWN))
    embed = discord.Embed(
        title=t("commands.strikes.title", lang, member=member.name),
        description=join_lines(lines, DESCRIPTION_LIMIT),
    )
    await respond(interaction, user_label(member), embeds=[embed])


@reviewer_only()
@app_commands.describe(
    member=text("commands.tree.pardon.member"),
    strike=text("commands.tree.pardon.strike"),
    reason=text("commands.tree.pardon.reason"),
)
async def pardon_command(
    interaction: discord.Interaction,
    member: discord.User,
    reason: app_commands.Range[str, 1, 500],
    strike: app_commands.Range[int, 1] | None = None,
) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    guild_id = guild_id_of(interaction)
    if not reason.strip():
        await respond(interaction, t("commands.pardon.reason_required", lang))
        return
    label = user_label(member)
    if strike is not None:
        record = await context.store.get_strike(strike)
        if record is None or record.guild_id != guild_id or record.member_id != member.id:
            await respond(interaction, t("commands.pardon.not_found", lang, member=label, id=strike))
            return
        if record.pardoned:
            await respond(interaction, t("commands.pardon.already", lang, id=strike))
            return
    pardoned = await context.store.pardon(
        guild_id, member.id, strike_id=strike, moderator_id=interaction.user.id, reason=reason, now=context.clock()
    )
    if not pardoned:
        await respond(interaction, t("commands.pardon.nothing", lang, member=label))
    elif strike is not None:
        await respond(interaction, t("commands.pardon.one", lang, member=label, id=strike))
    else:
        await respond(interaction, t("commands.pardon.all", lang, member=label, count=len(pardoned)))


def register(guard: app_commands.Group) -> None:
    guard.add_command(
        app_commands.Command(name="strikes", description=text("commands.tree.strikes.description"), callback=strikes_command)
    )
    guard.add_command(
        app_commands.Command(name="pardon", description=text("commands.tree.pardon.description"), callback=pardon_command)
    )
