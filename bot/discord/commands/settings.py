"""``/guard setup`` and ``/guard status``: where reports go, the language, the mode, what the
learned model's verdicts do, health."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.checks import admin_only
from bot.discord.commands import health
from bot.discord.commands.context import context_of, guild_id_of, reply_language, respond
from bot.discord.commands.render import (
    FIELD_LIMIT,
    clip,
    join_lines,
    ladder_in_words,
    learned_model_loaded,
    learned_model_words,
)
from bot.discord.commands.translator import choice, text
from bot.i18n import language_for_locale, t
from bot.ledger.models import GuildConfig
from bot.ledger.policy import ConfigError

MAX_CHANNEL_GAPS_SHOWN = 10


def permission_names(names: tuple[str, ...], lang: str) -> str:
    return ", ".join(t(f"commands.permission.{name}", lang) for name in names)


def language_words(config: GuildConfig, guild: discord.Guild | None, lang: str) -> str:
    if config.language is not None:
        return t(f"commands.language.{config.language}", lang)
    preferred = language_for_locale(guild.preferred_locale.value if guild else None)
    return t("commands.language.guild_default", lang, language=t(f"commands.language.{preferred}", lang))


def setup_reply(config: GuildConfig, channel: discord.TextChannel, guild: discord.Guild | None, lang: str) -> str:
    """What was saved, and a warning when the bot cannot post reports in *channel*."""
    lines = [
        t(
            "commands.setup.saved",
            lang,
            channel=channel.mention,
            language=language_words(config, guild, lang),
            mode=t(f"commands.mode.{config.mode}", lang),
        )
    ]
    lines.append(t("commands.setup.learned_model", lang, setting=learned_model_words(config.learned_model, lang)))
    if config.moderator_role_id is not None:
        lines.append(t("commands.setup.moderator_role", lang, role=f"<@&{config.moderator_role_id}>"))
    me = guild.me if guild else None
    if me is not None:
        lacking = health.missing(channel.permissions_for(me), health.REPORT_PERMISSIONS)
        if lacking:
            lines.append(t("commands.setup.cannot_post", lang, channel=channel.mention, permissions=permission_names(lacking, lang)))
    return "\n".join(lines)


@admin_only()
@app_commands.describe(
    report_channel=text("commands.tree.setup.report_channel"),
    language=text("commands.tree.setup.language"),
    mode=text("commands.tree.setup.mode"),
    learned_model=text("commands.tree.setup.learned_model"),
    moderator_role=text("commands.tree.setup.moderator_role"),
)
@app_commands.choices(
    language=[choice("commands.choice.language_ja", "ja"), choice("commands.choice.language_en", "en")],
    mode=[choice("commands.choice.mode_enforce", "enforce"), choice("commands.choice.mode_shadow", "shadow")],
    # The default first: it is the one to pick when unsure.
    learned_model=[choice(f"commands.choice.learned_model_{value}", value) for value in ("review", "enforce", "off")],
)
async def setup_command(
    interaction: discord.Interaction,
    report_channel: discord.TextChannel,
    language: str | None = None,
    mode: str | None = None,
    moderator_role: discord.Role | None = None,
    learned_model: str | None = None,
) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    changes: dict[str, object] = {"report_channel_id": report_channel.id}
    optional = {
        "language": language,
        "mode": mode,
        "moderator_role_id": moderator_role.id if moderator_role else None,
        "learned_model": learned_model,
    }
    changes.update({name: value for name, value in optional.items() if value is not None})
    try:
        config = await context.store.update_guild_config(guild_id_of(interaction), **changes)
    except ConfigError as error:
        await respond(interaction, t("commands.setup.invalid", lang, detail=str(error)))
        return
    await respond(interaction, setup_reply(config, report_channel, interaction.guild, lang))


def health_lines(result: health.Health, lang: str) -> list[str]:
    lines: list[str] = []
    if result.guild_missing:
        lines.append(t("commands.status.missing_guild", lang, permissions=permission_names(result.guild_missing, lang)))
    for gap in result.channel_gaps[:MAX_CHANNEL_GAPS_SHOWN]:
        lines.append(
            t("commands.status.missing_channel", lang, channel=gap.channel.mention, permissions=permission_names(gap.missing, lang))
        )
    hidden = len(result.channel_gaps) - MAX_CHANNEL_GAPS_SHOWN
    if hidden > 0:
        lines.append(t("commands.status.more_channels", lang, count=hidden))
    return lines or [t("commands.status.permissions_ok", lang)]


def model_words(config: GuildConfig, lang: str, *, model_loaded: bool) -> str:
    """The guild's setting, and a warning when the operator started the bot without the model
    (LEARNED_MODEL=off): the setting is kept but has nothing to act on."""
    words = learned_model_words(config.learned_model, lang)
    return words if model_loaded else f"{words}\n{t('commands.status.model_not_loaded', lang)}"


def status_embed(
    config: GuildConfig, result: health.Health, guild: discord.Guild | None, lang: str, *, model_loaded: bool = True
) -> discord.Embed:
    none = t("commands.status.none", lang)
    embed = discord.Embed(title=t("commands.status.title", lang))
    report = f"<#{config.report_channel_id}>" if config.report_channel_id else t("commands.status.not_set", lang)
    embed.add_field(name=t("commands.status.report_channel", lang), value=report)
    embed.add_field(name=t("commands.status.language", lang), value=language_words(config, guild, lang))
    embed.add_field(name=t("commands.status.mode", lang), value=t(f"commands.mode.{config.mode}", lang))
    embed.add_field(name=t("commands.status.learned_model", lang), value=model_words(config, lang, model_loaded=model_loaded))
    role = f"<@&{config.moderator_role_id}>" if config.moderator_role_id else none
    embed.add_field(name=t("commands.status.moderator_role", lang), value=role)
    exemptions = t("commands.status.exemptions_value", lang, roles=len(config.exempt_role_ids), channels=len(config.exempt_channel_ids))
    embed.add_field(name=t("commands.status.exemptions", lang), value=exemptions)
    embed.add_field(name=t("commands.status.allow_list", lang), value=str(len(config.allow_list)))
    embed.add_field(name=t("commands.status.ladder", lang), value=clip(ladder_in_words(config.ladder, lang), FIELD_LIMIT), inline=False)
    intent = t("commands.status.intent_ok" if result.message_content else "commands.status.intent_missing", lang)
    embed.add_field(name=t("commands.status.intent", lang), value=intent, inline=False)
    embed.add_field(name=t("commands.status.permissions", lang), value=join_lines(health_lines(result, lang), FIELD_LIMIT), inline=False)
    embed.colour = discord.Colour.green() if result.ok and config.report_channel_id else discord.Colour.orange()
    return embed


@admin_only()
async def status_command(interaction: discord.Interaction) -> None:
    lang = reply_language(interaction)
    context = context_of(interaction)
    config = await context.config(guild_id_of(interaction))
    model_loaded = learned_model_loaded(context.detector)
    if interaction.guild is None:
        result = health.Health((), (), health.message_content_active(interaction.client))
    else:
        result = health.check_guild(
            interaction.client,
            interaction.guild,
            report_channel_id=config.report_channel_id,
            exempt_channel_ids=config.exempt_channel_ids,
        )
    await respond(interaction, embeds=[status_embed(config, result, interaction.guild, lang, model_loaded=model_loaded)])


def register(guard: app_commands.Group) -> None:
    guard.add_command(
        app_commands.Command(name="setup", description=text("commands.tree.setup.description"), callback=setup_command)
    )
    guard.add_command(
        app_commands.Command(name="status", description=text("commands.tree.status.description"), callback=status_command)
    )
