"""Wiring the parts other modules own into the bot: slash commands, the moderators' report,
image scanning. One place, so the runner, the tests and the benchmark build the same bot.

* Report sender — ``bot.discord.reports.report_sender(bot)``: the report embed with masked
  evidence and the persistent Ban / Pardon / Dismiss buttons (without it, report actions fail
  and stay visible as failed outbox rows).
* Slash commands and persistent views — ``bot.discord.commands.setup(bot, context)`` and
  ``bot.discord.reports.setup(bot)`` when present, run from the bot's ``setup_hook``.
* Content scanners — ``bot.images`` provides ``content_scanner(store)`` returning a
  :data:`bot.discord.pipeline.ContentScanner` when image scanning is wired in.

Each integration is looked up by module and attribute name; a missing module is not an error (the
text moderation works on its own), a module that fails to import is (a bug must not go silent).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from typing import Any

from bot.discord.actions import ReportSender

log = logging.getLogger(__name__)


def _optional(module_name: str) -> Any | None:
    if importlib.util.find_spec(module_name) is None:
        return None
    return importlib.import_module(module_name)


def install(services: Any) -> None:
    """Fill *services* (a :class:`bot.discord.app.BotServices`) with what exists."""
    reports = _optional("bot.discord.reports")
    factory: Callable[[Any], ReportSender] | None = getattr(reports, "report_sender", None)
    if factory is None:
        log.error("bot.discord.reports.report_sender is missing: reports cannot be posted")
    services.report_sender_factory = factory
    if reports is not None and hasattr(reports, "setup"):
        services.setup_hooks.append(reports.setup)

    commands = _optional("bot.discord.commands")
    if commands is not None and hasattr(commands, "setup"):
        from bot.discord.commands.context import GuardContext

        def setup_commands(bot: Any) -> Any:
            return commands.setup(bot, GuardContext(store=services.store, detector=services.detector))

        services.setup_hooks.append(setup_commands)

    images = _optional("bot.images")
    scanner_factory = getattr(images, "content_scanner", None)
    if scanner_factory is not None:
        # The bot's own detector (with the admin's RULES_EXTRA_DIR packs) and allow-list
        # conversion, so a QR payload is judged by exactly the rules that judge text.
        scanner = scanner_factory(
            services.store,
            detector=services.detector,
            allowlist_factory=services.allowlist_factory,
        )
        services.content_scanners = [*services.content_scanners, scanner]
