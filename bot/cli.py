"""The `contact-guard` command line: a thin dispatcher.

Each subcommand lives next to the layer it drives; this module only parses arguments and
imports that layer lazily, so `contact-guard scan` never pays for importing discord.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contact-guard",
        description="Keeps Discord conversations on the platform.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from bot import cli_commands

    cli_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
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
