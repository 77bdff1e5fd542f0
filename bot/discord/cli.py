"""`contact-guard` subcommands of the discord layer (registered by bot.cli_commands)."""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    # Imported here so `contact-guard scan` and friends never pay for importing discord.py.
    from bot.discord.runner import run_command

    return run_command(args)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this layer's subcommands to *sub*. Handlers must import heavy modules lazily."""
    run = sub.add_parser(
        "run",
        help="start the Discord bot (settings from .env and the environment)",
        description=(
            "Start the bot. Reads DISCORD_TOKEN (required), DATABASE_PATH, LOG_LEVEL, "
            "RULES_EXTRA_DIR, DISCORD_API_BASE and DISCORD_GATEWAY_URL from the environment and "
            "from .env in the working directory (see .env.example). Stops gracefully on "
            "SIGINT/SIGTERM."
        ),
    )
    run.set_defaults(handler=_run)
