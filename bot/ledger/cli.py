"""`contact-guard` subcommands of the ledger layer (registered by bot.cli_commands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this layer's subcommands to *sub*. Handlers must import heavy modules lazily."""
    del sub
