"""Subcommand registration: each layer owns a `cli` module with a `register(sub)` function."""

from __future__ import annotations

import argparse

from bot.detect import cli as detect_cli
from bot.discord import cli as discord_cli
from bot.images import cli as images_cli
from bot.ledger import cli as ledger_cli


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register every layer's subcommands. Each layer imports its heavy modules lazily."""
    detect_cli.register(sub)
    discord_cli.register(sub)
    ledger_cli.register(sub)
    images_cli.register(sub)
