"""The slash commands: the ``/guard`` admin group and the member commands.

Module map (one topic per module)::

    settings   /guard setup, /guard status          health     the permission check of status
    ladder     /guard ladder show|set               lists      /guard exempt ..., /guard allow ...
    preview    /guard test                          review     /guard strikes, /guard pardon
    evidence   /guard evidence, /guard export       member     /mystrikes, /why
    context    services + reply helpers             translator catalogue-backed descriptions
    render     shared wording                       errors     refusals and unexpected errors

Entry point: :func:`setup` (run from the bot's ``setup_hook``). Command modules are imported
inside it so that ``bot.discord.commands.context`` stays importable on its own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from discord import app_commands
    from discord.ext import commands as ext_commands

    from bot.discord.commands.context import GuardContext

log = logging.getLogger(__name__)


def build_guard_group() -> app_commands.Group:
    """A fresh ``/guard`` group: Manage Server by default, server-only."""
    from discord import app_commands

    from bot.discord.commands import evidence, ladder, lists, preview, review, settings
    from bot.discord.commands.translator import text

    guard = app_commands.Group(
        name="guard",
        description=text("commands.tree.guard"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )
    for module in (settings, ladder, lists, preview, review, evidence):
        module.register(guard)
    return guard


def build_commands() -> list[app_commands.Command | app_commands.Group]:  # type: ignore[type-arg]
    """Every top-level command, freshly built (each client gets its own objects)."""
    from bot.discord.commands import member

    return [build_guard_group(), *member.commands()]


async def install(client: discord.Client, tree: app_commands.CommandTree, context: GuardContext) -> None:
    """Attach *context* to *client*, add the commands to *tree*, route their errors, install
    the catalogue translator and register the report buttons. Does not sync: the bot syncs
    the tree when it decides to (a sync per start is rate limited by Discord)."""
    from bot.discord import reports
    from bot.discord.commands.context import attach
    from bot.discord.commands.errors import on_app_command_error
    from bot.discord.commands.translator import CatalogueTranslator

    attach(client, context)
    for command in build_commands():
        tree.add_command(command, override=True)
    tree.on_error = on_app_command_error  # type: ignore[method-assign]
    await tree.set_translator(CatalogueTranslator())
    reports.register_persistent_views(client)


async def sync(tree: app_commands.CommandTree) -> bool:
    """Publish the commands (with their Japanese translations) to Discord.

    One bulk overwrite per start: Discord keeps unchanged commands as they are (it does not count
    them against the daily creation limit), so a new release's commands appear without a
    separate deployment step. A failure is logged and the previously published commands stay.
    """
    try:
        published = await tree.sync()
    except discord.HTTPException as error:
        log.warning("could not publish the slash commands (%s); the previous ones stay", error)
        return False
    log.info("published %d slash command(s)", len(published))
    return True


async def setup(bot: ext_commands.Bot, context: GuardContext) -> None:
    """The bot's setup hook: :func:`install` on ``bot.tree``, then :func:`sync`. Runs after
    login (the application id is known) and before the gateway connects."""
    await install(bot, bot.tree, context)
    await sync(bot.tree)
