"""What a member sees when a command cannot run: a short, translated, ephemeral reason.

Refusals (missing permission, used outside a server) name what is needed. Anything unexpected
is logged with the interaction id as a reference the member can quote, never with the text they
typed (it may hold a contact detail).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord.checks import CommandRefused
from bot.discord.commands.context import NotReady, reply_language, respond
from bot.i18n import t

log = logging.getLogger(__name__)


def refusal_key(error: app_commands.AppCommandError) -> str | None:
    """The catalogue key for an expected refusal, None for a bug."""
    if isinstance(error, CommandRefused):
        return error.message_key
    if isinstance(error, app_commands.NoPrivateMessage):
        return "commands.error.guild_only"
    if isinstance(error, app_commands.MissingPermissions):
        return "commands.error.needs_manage_guild"
    if isinstance(error, NotReady):
        return "commands.error.not_ready"
    if isinstance(error, app_commands.TransformerError):
        return "commands.error.bad_value"
    return None


async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    lang = reply_language(interaction)
    key = refusal_key(error)
    command = interaction.command.qualified_name if interaction.command else "?"
    if key is not None:
        log.info("/%s refused for user %s in guild %s: %s", command, interaction.user.id, interaction.guild_id, key)
        text = t(key, lang)
    else:
        original = getattr(error, "original", error)
        log.error(
            "/%s failed for user %s in guild %s (reference %s)",
            command, interaction.user.id, interaction.guild_id, interaction.id,
            exc_info=(type(original), original, original.__traceback__),
        )
        text = t("commands.error.unexpected", lang, reference=interaction.id)
    try:
        await respond(interaction, text)
    except discord.HTTPException as http_error:  # the interaction expired; nothing else to do
        log.warning("could not answer /%s (interaction %s): %s", command, interaction.id, http_error)
