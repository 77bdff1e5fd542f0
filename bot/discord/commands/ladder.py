"""``/guard ladder show`` and ``/guard ladder set``: the escalation steps and the decay window.

``set`` parses and validates the whole ladder before storing anything: an impossible ladder
(unknown action, a threshold twice, a timeout beyond 28 days, ...) is answered with the reason
and the stored ladder stays exactly as it was.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.checks import admin_only
from bot.discord.commands.context import context_of, guild_id_of, reply_language, respond
from bot.discord.commands.render import DESCRIPTION_LIMIT, clip, ladder_in_words
from bot.discord.commands.translator import text
from bot.i18n import t
from bot.ledger.policy import ConfigError, Ladder


def ladder_embed(ladder: Ladder, lang: str) -> discord.Embed:
    body = "\n".join(
        [ladder_in_words(ladder, lang), t("commands.ladder.text_form", lang, text=ladder.to_text())]
    )
    return discord.Embed(title=t("commands.ladder.title", lang), description=clip(body, DESCRIPTION_LIMIT))


@admin_only()
async def show_command(interaction: discord.Interaction) -> None:
    config = await context_of(interaction).config(guild_id_of(interaction))
    await respond(interaction, embeds=[ladder_embed(config.ladder, reply_language(interaction))])


def build_ladder(current: Ladder, steps: str | None, decay_days: int | None) -> Ladder:
    """The new ladder from the current one and the changes; LadderError if impossible."""
    if steps is None:
        return current.replace(decay_days=decay_days)
    return Ladder.parse(
        steps,
        points=current.points,
        decay_days=current.decay_days if decay_days is None else decay_days,
    )


@admin_only()
@app_commands.describe(
    steps=text("commands.tree.ladder.steps"),
    decay_days=text("commands.tree.ladder.decay_days"),
)
async def set_command(
    interaction: discord.Interaction,
    steps: app_commands.Range[str, 1, 1000] | None = None,
    decay_days: int | None = None,
) -> None:
    lang = reply_language(interaction)
    if steps is None and decay_days is None:
        await respond(interaction, t("commands.ladder.nothing", lang))
        return
    context = context_of(interaction)
    guild_id = guild_id_of(interaction)
    try:
        current = (await context.config(guild_id)).ladder
        ladder = build_ladder(current, steps, decay_days)
        stored = await context.store.update_guild_config(guild_id, ladder=ladder)
    except ConfigError as error:  # LadderError is one: nothing was stored
        await respond(interaction, t("commands.ladder.invalid", lang, detail=str(error)))
        return
    await respond(interaction, t("commands.ladder.saved", lang), embeds=[ladder_embed(stored.ladder, lang)])


def register(guard: app_commands.Group) -> None:
    group = app_commands.Group(name="ladder", description=text("commands.tree.ladder.description"))
    group.add_command(app_commands.Command(name="show", description=text("commands.tree.ladder.show"), callback=show_command))
    group.add_command(app_commands.Command(name="set", description=text("commands.tree.ladder.set"), callback=set_command))
    guard.add_command(group)
