"""Wiring the parts other modules own into the bot: slash commands, the moderators' report,
image scanning. One place, so the runner, the tests and the benchmark build the same bot.

* Report sender — ``bot.discord.reports`` (the report embed with masked evidence and the
  persistent Ban / Pardon / Dismiss buttons) when that module provides ``report_sender(bot)``;
  otherwise :func:`plain_report_sender`, a text report so the moderators are still told.
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

from bot.discord.actions import ReportRequest, ReportSender, describe_next, kind_label
from bot.i18n import t

log = logging.getLogger(__name__)


def _optional(module_name: str) -> Any | None:
    if importlib.util.find_spec(module_name) is None:
        return None
    return importlib.import_module(module_name)


def plain_report_sender(bot: Any) -> ReportSender:
    """A text report in the guild's report channel (masked evidence, strike, step): used when
    the rich report module is not installed."""

    async def send(request: ReportRequest) -> None:
        action = request.action
        config = await bot.services.store.get_guild_config(action.guild_id)
        if config.report_channel_id is None:
            log.warning("guild %s has no report channel; report of strike %s not posted",
                        action.guild_id, action.strike_id)
            return
        lang = request.language
        evidence = await bot.services.store.get_evidence(action.strike_id)
        masked = ", ".join(f.masked or kind_label(f.kind, lang) for f in evidence.findings) if evidence else ""
        params = action.params
        kinds = params.get("kinds") or [params.get("kind", "")]
        text = t(
            "bot.report_fallback.text",
            lang,
            member=f"<@{action.member_id}>",
            kind=", ".join(kind_label(str(k), lang) for k in kinds),
            evidence=masked or "-",
            strikes=params.get("active_strikes", "?"),
            channel=f"<#{action.channel_id}>",
            actions=", ".join(str(a) for a in params.get("intended_actions") or ()) or "-",
            next_step=describe_next(tuple(params.get("next_actions") or ()), lang),
        )
        if request.note == "member_outranks_bot":
            text += "\n" + t("bot.report_fallback.outranks", lang)
        elif params.get("shadow"):
            text += "\n" + t("bot.report_fallback.shadow", lang)
        await bot.api.send_channel_message(config.report_channel_id, text)

    return send


def install(services: Any) -> None:
    """Fill *services* (a :class:`bot.discord.app.BotServices`) with what exists."""
    reports = _optional("bot.discord.reports")
    factory: Callable[[Any], ReportSender] | None = getattr(reports, "report_sender", None)
    services.report_sender_factory = factory or plain_report_sender
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
        services.content_scanners = [*services.content_scanners, scanner_factory(services.store)]
