"""The `contact-guard` command line: a thin dispatcher.

Each subcommand lives next to the layer it drives; this module only parses arguments and
imports that layer lazily, so `contact-guard scan` never pays for importing discord.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


def _build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with *command* (the first argument), only the subcommands of the
    layer that owns it are registered (see bot.cli_commands), which parses that command's
    arguments exactly as the full parser does: the top-level parser has no option but -h."""
    parser = argparse.ArgumentParser(
        prog="contact-guard",
        description="Keeps Discord conversations on the platform.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from bot import cli_commands

    cli_commands.register(sub, command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = _build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `contact-guard scan | head`): not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
