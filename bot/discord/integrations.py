"""Wiring the bot's other parts into it: the moderators' report, slash commands, image scanning.

One place, so the runner, the tests and the benchmark build the same bot.

* Report sender — ``bot.discord.reports.report_sender(bot)``: the report embed with masked
  evidence and the persistent Ban / Pardon / Dismiss buttons.
* Slash commands — ``bot.discord.commands.setup(bot, context)`` from the bot's ``setup_hook``;
  it also registers the report buttons (one registration, next to the commands they belong to).
* Content scanners — ``bot.images.content_scanner(...)``: QR codes and photo locations.

The modules are imported here, when the bot is built, not at import time of the pipeline: the
pipeline and its tests stay free of the image libraries.
"""

from __future__ import annotations

from typing import Any


def install(services: Any) -> None:
    """Fill *services* (a :class:`bot.discord.app.BotServices`) with the bot's parts."""
    from bot import images
    from bot.discord import commands, reports
    from bot.discord.commands.context import GuardContext

    services.report_sender_factory = reports.report_sender

    def setup_commands(bot: Any) -> Any:
        return commands.setup(bot, GuardContext(store=services.store, detector=services.detector))

    services.setup_hooks.append(setup_commands)

    # The bot's own detector (with the admin's RULES_EXTRA_DIR packs) and allow-list
    # conversion, so a QR payload is judged by exactly the rules that judge text.
    scanner = images.content_scanner(
        services.store,
        detector=services.detector,
        allowlist_factory=services.allowlist_factory,
    )
    services.content_scanners = [*services.content_scanners, scanner]
