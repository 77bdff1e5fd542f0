"""Subcommand registration: each layer owns a `cli` module with a `register(sub)` function.

Importing a layer's `cli` module is not free (the ledger's pulls in asyncio, ~20 ms), and
`contact-guard scan` is timed as a whole process, so the dispatcher imports only the layer
that owns the command being run. For that it must know, without importing them, which
commands each layer registers: ``COMMANDS`` says so, and a test checks it against what every
layer really registers.
"""

from __future__ import annotations

import argparse
import importlib

# The layers' cli modules, in the order their commands appear in `contact-guard --help`, with
# the top-level commands each one registers.
COMMANDS: dict[str, tuple[str, ...]] = {
    "bot.detect.cli": ("scan", "check"),
    "bot.discord.cli": ("run",),
    "bot.ledger.cli": ("db",),
    "bot.images.cli": ("image-check",),
}


def register(sub: argparse._SubParsersAction, command: str | None = None) -> None:  # type: ignore[type-arg]
    """Register the subcommands of the layer that owns *command*, or of every layer when
    *command* is None or names no known command (so that help and the "invalid choice" error
    list them all). Each layer imports its heavy modules lazily."""
    owners = [module for module, commands in COMMANDS.items() if command in commands]
    for module in owners or COMMANDS:
        importlib.import_module(module).register(sub)
