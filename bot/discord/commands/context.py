"""What every slash command and report button needs at run time, and how they reply.

The client owns one :class:`GuardContext` (the ledger store, the detector, a clock), attached by
:func:`bot.discord.commands.setup`. Handlers find it through the interaction's client instead of
a global, so two clients in one process (the restart test) never share state.

Kept free of command definitions so ``bot.discord.reports`` and ``bot.discord.checks`` can
import it without importing every command module.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import language_for_locale

if TYPE_CHECKING:
    from bot.ledger.models import GuildConfig


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class GuardContext:
    """The services behind the commands. ``store`` is a ``bot.ledger.store.LedgerStore``;
    ``detector`` a ``bot.detect.engine.Detector`` (None: ``/guard test`` says it is not ready)."""

    store: Any
    detector: Any | None = None
    clock: Callable[[], datetime] = field(default=utc_now)

    async def config(self, guild_id: int) -> GuildConfig:
        return await self.store.get_guild_config(guild_id)


class NotReady(discord.app_commands.CheckFailure):
    """The client has no context attached yet (setup not run)."""


_CONTEXTS: weakref.WeakKeyDictionary[discord.Client, GuardContext] = weakref.WeakKeyDictionary()


def attach(client: discord.Client, context: GuardContext) -> None:
    _CONTEXTS[client] = context


def context_of(interaction: discord.Interaction) -> GuardContext:
    try:
        return _CONTEXTS[interaction.client]
    except KeyError:
        raise NotReady("contact-guard commands are not set up on this client") from None


def reply_language(interaction: discord.Interaction) -> str:
    """Replies follow the invoking user's Discord language."""
    return language_for_locale(interaction.locale.value if interaction.locale else None)


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:  # guild_only() prevents this; checked for type safety
        raise discord.app_commands.NoPrivateMessage()
    return interaction.guild_id


async def respond(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embeds: Sequence[discord.Embed] = (),
    files: Sequence[discord.File] = (),
) -> None:
    """An ephemeral reply: only the invoking user sees it (they may contain member data)."""
    options: dict[str, Any] = {
        "embeds": list(embeds) or discord.utils.MISSING,
        "files": list(files) or discord.utils.MISSING,
        "ephemeral": True,
        "allowed_mentions": discord.AllowedMentions.none(),  # replies name members; never ping them
    }
    if interaction.response.is_done():
        await interaction.followup.send(content or discord.utils.MISSING, **options)
    else:
        await interaction.response.send_message(content, **options)
