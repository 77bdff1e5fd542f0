"""Subcommand registration. Each layer adds its own subcommands here, importing lazily."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register every subcommand on *sub*; handlers import their layer only when run."""
    # Filled in by each layer: scan/check (bot.detect), run (bot.discord), db tools (bot.ledger).
    del sub
