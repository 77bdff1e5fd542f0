"""Who may use which command or button: a Discord-side default AND a runtime check.

``default_member_permissions`` only hides a command from members by default; a server admin can
change it in Server Settings -> Integrations, and Discord delivers the interaction regardless.
So every admin command also checks the invoker's permissions when it runs (the RoboDanny
pattern): the decorators here set both, and the predicates are plain functions the report
buttons reuse.

Policy
------
* configure (``/guard setup``, ``ladder``, ``exempt``, ``allow``, ``status``, ``test``,
  ``evidence``, ``export``): Manage Server.
* review (``/guard strikes``, ``/guard pardon``): Manage Server, or the guild's configured
  moderator role.
* report buttons: Ban needs Ban Members; Pardon and Dismiss need Manage Messages, Manage
  Server or the moderator role.
Administrator implies everything (Discord computes it so; checked explicitly for safety).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.discord.commands.context import context_of

T = TypeVar("T")


class CommandRefused(app_commands.CheckFailure):
    """The invoker lacks a permission; ``message_key`` is the catalogue key of the reply."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


class CheckCrashed(app_commands.AppCommandError):
    """A check could not decide (e.g. the ledger is unavailable). Raised as an AppCommandError
    so the tree's error handler answers the member instead of leaving the interaction
    unanswered; ``original`` is logged as a bug."""

    def __init__(self, original: Exception) -> None:
        super().__init__(f"permission check failed: {original!r}")
        self.original = original


def can_configure(permissions: discord.Permissions) -> bool:
    return permissions.administrator or permissions.manage_guild


def can_review(permissions: discord.Permissions, *, has_moderator_role: bool) -> bool:
    return can_configure(permissions) or has_moderator_role


def can_review_report(permissions: discord.Permissions, *, has_moderator_role: bool) -> bool:
    return can_review(permissions, has_moderator_role=has_moderator_role) or permissions.manage_messages


def can_ban(permissions: discord.Permissions) -> bool:
    return permissions.administrator or permissions.ban_members


async def has_moderator_role(interaction: discord.Interaction) -> bool:
    """Whether the invoker carries the guild's configured moderator role (if any)."""
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    config = await context_of(interaction).config(interaction.guild_id)
    role_id = config.moderator_role_id
    return role_id is not None and any(role.id == role_id for role in interaction.user.roles)


def _require_guild(interaction: discord.Interaction) -> None:
    if interaction.guild_id is None:
        raise CommandRefused("commands.error.guild_only")


async def _check_configure(interaction: discord.Interaction) -> bool:
    _require_guild(interaction)
    if not can_configure(interaction.permissions):
        raise CommandRefused("commands.error.needs_manage_guild")
    return True


async def _check_review(interaction: discord.Interaction) -> bool:
    _require_guild(interaction)
    if can_configure(interaction.permissions):
        return True  # no need to look the moderator role up
    moderator = await has_moderator_role(interaction)
    if not can_review(interaction.permissions, has_moderator_role=moderator):
        raise CommandRefused("commands.error.needs_reviewer")
    return True


def _guarded(check: Callable[[discord.Interaction], Awaitable[bool]]) -> Callable[[T], T]:
    async def safe_check(interaction: discord.Interaction) -> bool:
        try:
            return await check(interaction)
        except app_commands.AppCommandError:
            raise
        except Exception as error:
            raise CheckCrashed(error) from error

    def decorator(func: T) -> T:
        # The hint Discord uses to hide the command (only honoured on top-level commands and
        # groups; harmless on subcommands, where it documents the intent)...
        app_commands.default_permissions(manage_guild=True)(func)
        # ...and the check that actually protects it.
        return app_commands.check(safe_check)(func)  # type: ignore[arg-type]

    return decorator


def admin_only() -> Callable[[T], T]:
    """Manage Server: the Discord-side default and a runtime check."""
    return _guarded(_check_configure)


def reviewer_only() -> Callable[[T], T]:
    """Manage Server or the moderator role: Manage Server as the Discord-side default (admins
    may grant the command to the moderator role in Integrations), the role at run time."""
    return _guarded(_check_review)
