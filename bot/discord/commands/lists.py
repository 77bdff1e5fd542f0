"""``/guard exempt add|remove|list`` (roles, channels) and ``/guard allow add|remove|list``
(domains, handles, numbers such as the community's official account)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.checks import admin_only
from bot.discord.commands.context import context_of, guild_id_of, reply_language, respond
from bot.discord.commands.render import DESCRIPTION_LIMIT, FIELD_LIMIT, join_lines
from bot.discord.commands.translator import choice, text
from bot.i18n import t
from bot.ledger.models import AllowEntry, GuildConfig
from bot.ledger.policy import ConfigError

Target = discord.Role | app_commands.AppCommandChannel | app_commands.AppCommandThread


def _exempt_outcome(before: GuildConfig, target: Target, adding: bool, lang: str) -> str:
    """The reply line for one role or channel, judged against the config before the change."""
    is_role = isinstance(target, discord.Role)
    present = target.id in (before.exempt_role_ids if is_role else before.exempt_channel_ids)
    noun = "role" if is_role else "channel"
    if adding:
        key = f"already_{noun}" if present else f"added_{noun}"
    else:
        key = f"removed_{noun}" if present else f"not_{noun}"
    return t(f"commands.exempt.{key}", lang, **{noun: target.mention})


async def _change_exemption(
    interaction: discord.Interaction, role: discord.Role | None, channel: Target | None, *, adding: bool
) -> None:
    lang = reply_language(interaction)
    targets = [target for target in (role, channel) if target is not None]
    if not targets:
        await respond(interaction, t("commands.exempt.need_target", lang))
        return
    store = context_of(interaction).store
    guild_id = guild_id_of(interaction)
    before = await store.get_guild_config(guild_id)
    change = store.add_exemption if adding else store.remove_exemption
    try:
        await change(guild_id, role_id=role.id if role else None, channel_id=channel.id if channel else None)
    except ConfigError as error:
        await respond(interaction, t("commands.exempt.invalid", lang, detail=str(error)))
        return
    await respond(interaction, "\n".join(_exempt_outcome(before, target, adding, lang) for target in targets))


_EXEMPT_DESCRIPTIONS = {
    "role": text("commands.tree.exempt.role"),
    "channel": text("commands.tree.exempt.channel"),
}


@admin_only()
@app_commands.describe(**_EXEMPT_DESCRIPTIONS)
async def exempt_add(
    interaction: discord.Interaction,
    role: discord.Role | None = None,
    channel: app_commands.AppCommandChannel | app_commands.AppCommandThread | None = None,
) -> None:
    await _change_exemption(interaction, role, channel, adding=True)


@admin_only()
@app_commands.describe(**_EXEMPT_DESCRIPTIONS)
async def exempt_remove(
    interaction: discord.Interaction,
    role: discord.Role | None = None,
    channel: app_commands.AppCommandChannel | app_commands.AppCommandThread | None = None,
) -> None:
    await _change_exemption(interaction, role, channel, adding=False)


@admin_only()
async def exempt_list(interaction: discord.Interaction) -> None:
    lang = reply_language(interaction)
    config = await context_of(interaction).config(guild_id_of(interaction))
    empty = t("commands.exempt.empty", lang)
    roles = [f"<@&{role_id}>" for role_id in sorted(config.exempt_role_ids)]
    channels = [f"<#{channel_id}>" for channel_id in sorted(config.exempt_channel_ids)]
    embed = discord.Embed(title=t("commands.exempt.list_title", lang))
    embed.add_field(name=t("commands.exempt.roles", lang), value=join_lines(roles, FIELD_LIMIT) or empty, inline=False)
    embed.add_field(name=t("commands.exempt.channels", lang), value=join_lines(channels, FIELD_LIMIT) or empty, inline=False)
    await respond(interaction, embeds=[embed])


_ALLOW_CHOICES = [choice(f"commands.choice.allow_{kind}", kind) for kind in ("domain", "handle", "number")]
_ALLOW_DESCRIPTIONS = {"kind": text("commands.tree.allow.kind"), "value": text("commands.tree.allow.value")}


def _entry_words(entry: AllowEntry, lang: str) -> dict[str, str]:
    return {"kind": t(f"commands.allow.kind_{entry.kind}", lang), "value": discord.utils.escape_markdown(entry.value)}


_ALLOWLIST_SETS = {"domain": "domains", "handle": "handles", "number": "numbers"}


def detector_reading(entry: AllowEntry) -> None:
    """Raise ConfigError unless the detector reads *entry* as the kind the admin chose (an
    entry it cannot read would be stored but never match, silently)."""
    from bot.detect.allowlist import Allowlist

    raw = f"@{entry.value.lstrip('@')}" if entry.kind == "handle" else entry.value
    try:
        parsed = Allowlist.from_entries([raw])
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if not getattr(parsed, _ALLOWLIST_SETS[entry.kind]):
        raise ConfigError(f"{entry.value!r} is not a {entry.kind}")


async def _change_allow(interaction: discord.Interaction, kind: str, value: str, *, adding: bool) -> None:
    lang = reply_language(interaction)
    store = context_of(interaction).store
    guild_id = guild_id_of(interaction)
    try:
        entry = AllowEntry(kind, value)  # type: ignore[arg-type]  # validated by AllowEntry
        if adding:
            detector_reading(entry)
        before = await store.get_guild_config(guild_id)
        if adding:
            await store.add_allow_entry(guild_id, kind, value)
        else:
            await store.remove_allow_entry(guild_id, kind, value)
    except ConfigError as error:
        await respond(interaction, t("commands.allow.invalid", lang, detail=str(error)))
        return
    present = entry in before.allow_list
    key = ("already" if present else "added") if adding else ("removed" if present else "missing")
    await respond(interaction, t(f"commands.allow.{key}", lang, **_entry_words(entry, lang)))


@admin_only()
@app_commands.describe(**_ALLOW_DESCRIPTIONS)
@app_commands.choices(kind=_ALLOW_CHOICES)
async def allow_add(interaction: discord.Interaction, kind: str, value: app_commands.Range[str, 1, 200]) -> None:
    await _change_allow(interaction, kind, value, adding=True)


@admin_only()
@app_commands.describe(**_ALLOW_DESCRIPTIONS)
@app_commands.choices(kind=_ALLOW_CHOICES)
async def allow_remove(interaction: discord.Interaction, kind: str, value: app_commands.Range[str, 1, 200]) -> None:
    await _change_allow(interaction, kind, value, adding=False)


@admin_only()
async def allow_list(interaction: discord.Interaction) -> None:
    lang = reply_language(interaction)
    config = await context_of(interaction).config(guild_id_of(interaction))
    if not config.allow_list:
        await respond(interaction, t("commands.allow.empty", lang))
        return
    lines = [f"• {t(f'commands.allow.kind_{e.kind}', lang)}: `{e.value}`" for e in config.allow_list]
    embed = discord.Embed(title=t("commands.allow.list_title", lang), description=join_lines(lines, DESCRIPTION_LIMIT))
    await respond(interaction, embeds=[embed])


def _subgroup(guard: app_commands.Group, name: str, commands: dict[str, object]) -> None:
    group = app_commands.Group(name=name, description=text(f"commands.tree.{name}.description"))
    for command_name, callback in commands.items():
        group.add_command(
            app_commands.Command(
                name=command_name,
                description=text(f"commands.tree.{name}.{command_name}"),
                callback=callback,  # type: ignore[arg-type]
            )
        )
    guard.add_command(group)


def register(guard: app_commands.Group) -> None:
    _subgroup(guard, "exempt", {"add": exempt_add, "remove": exempt_remove, "list": exempt_list})
    _subgroup(guard, "allow", {"add": allow_add, "remove": allow_remove, "list": allow_list})
