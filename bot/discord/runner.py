"""`contact-guard run`: settings -> services -> the bot, until SIGINT/SIGTERM.

Failure modes an admin meets on day one get ONE line on stderr saying what to do, exit status 2
and no traceback: no token, a token Discord rejects, the Message Content intent switched off in
the Developer Portal (gateway close 4014), an unusable setting. Anything unexpected still gets a
traceback in the log (it is a bug worth reporting).

Shutdown order on SIGINT/SIGTERM: stop reading new messages, finish the ones being handled (their
strikes and outbox rows are committed), give running actions a grace period (what does not
finish stays in the outbox and is resumed on the next start), close the gateway, close the
database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from bot.config import ConfigError, Settings, load_settings
from bot.discord.app import BotServices, ContactGuardBot
from bot.discord.endpoints import configure_endpoints

log = logging.getLogger("bot.discord.runner")

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_CONFIG = 2

TOKEN_REJECTED = (
    "contact-guard: Discord rejected DISCORD_TOKEN; copy a fresh token from "
    "https://discord.com/developers/applications -> your app -> Bot -> Reset Token into .env"
)
INTENT_MISSING = (
    "contact-guard: Discord refused the Message Content intent; enable it in the Developer "
    "Portal: your app -> Bot -> Privileged Gateway Intents -> Message Content Intent, then restart"
)


class _RedactToken(logging.Filter):
    """Belt and braces: no log record ever shows the token, whoever logs it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token and self._token in message:
            record.msg = message.replace(self._token, "[token]")
            record.args = None
        return True


class _DropVoiceWarnings(logging.Filter):
    """discord.py warns at start-up that voice libraries are missing; the bot never uses voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "discord.client" and "voice will NOT be supported" in record.getMessage())


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactToken(settings.token))
    handler.addFilter(_DropVoiceWarnings())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level_number)
    # discord.py's INFO lines ("logging in using static token", gateway chatter) are noise for an
    # admin; its warnings and errors still show. LOG_LEVEL=DEBUG shows everything.
    if settings.log_level_number > logging.DEBUG:
        logging.getLogger("discord").setLevel(max(logging.WARNING, settings.log_level_number))


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _unreachable(exc: BaseException) -> int:
    _say(f"contact-guard: cannot reach Discord ({exc.__class__.__name__}); check the network "
         "and DISCORD_API_BASE / DISCORD_GATEWAY_URL")
    return EXIT_FATAL


async def build_services(settings: Settings) -> BotServices:
    """Open the ledger and load the detector (and the optional integrations that exist)."""
    from bot.detect.engine import load_detector
    from bot.discord.pipeline import allowlist_from_config
    from bot.ledger.store import LedgerStore

    extra = (settings.rules_extra_dir,) if settings.rules_extra_dir else ()
    detector = load_detector(extra_rule_dirs=extra, learned_model=settings.learned_model)
    store = await LedgerStore.open(settings.database_path)

    services = BotServices(store=store, detector=detector, allowlist_factory=allowlist_from_config)
    install_integrations(services)
    return services


def install_integrations(services: BotServices) -> None:
    """Slash commands, the moderators' report (with persistent buttons) and image scanning,
    from the modules that own them."""
    from bot.discord import integrations

    integrations.install(services)


async def verify_token(token: str) -> None:
    """``GET /users/@me`` with *token*; raises :class:`discord.LoginFailure` when rejected."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
    finally:
        await http.close()


async def serve(
    settings: Settings,
    *,
    services_factory: Callable[[Settings], Any] = build_services,
    stop: asyncio.Event | None = None,
) -> int:
    """Run the bot until *stop* is set (SIGINT/SIGTERM) or it fails; returns the exit status."""
    try:
        configure_endpoints(settings.api_base, settings.gateway_url)
    except ValueError as exc:
        _say(f"contact-guard: {exc}")
        return EXIT_CONFIG
    # Check the token before touching the database: a typo in .env must not create files, and
    # the admin gets the one-line answer at once.
    try:
        await verify_token(settings.token)
    except discord.LoginFailure:
        _say(TOKEN_REJECTED)
        return EXIT_CONFIG
    except (aiohttp.ClientError, OSError) as exc:
        return _unreachable(exc)
    services: BotServices = await services_factory(settings)
    bot = ContactGuardBot(services)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):  # not the main thread / not POSIX
            pass
    start = asyncio.create_task(bot.start(settings.token), name="discord-client")
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        done, _ = await asyncio.wait({start, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("shutting down (signal received)")
            await bot.shutdown()
            await asyncio.gather(start, return_exceptions=True)
            log.info("stopped cleanly")
            return EXIT_OK
        start.result()  # raises the start failure
        return EXIT_OK
    except discord.LoginFailure:
        _say(TOKEN_REJECTED)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        _say(INTENT_MISSING)
        return EXIT_CONFIG
    except (aiohttp.ClientError, discord.GatewayNotFound) as exc:
        return _unreachable(exc)
    finally:
        stopper.cancel()
        for signum in installed:
            loop.remove_signal_handler(signum)
        if not bot.is_closed():
            await bot.executor.shutdown(0)
            await bot.close()
        await services.store.close()


def run_command(_args: Any = None) -> int:
    """The `contact-guard run` handler."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        _say(f"contact-guard: {exc}")
        return EXIT_CONFIG
    setup_logging(settings)
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 130
