"""`contact-guard`'s dispatcher registers only the layer that owns the command being run.

That is a start-up saving only if it changes nothing: the table of commands must match what
the layers really register, and a command must parse (and fail to parse) exactly as it does
with every layer registered.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli, cli_commands


def _registered_by(module: str) -> set[str]:
    parser = argparse.ArgumentParser(prog="contact-guard")
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(module).register(sub)
    return set(sub.choices)


@pytest.mark.parametrize("module", sorted(cli_commands.COMMANDS))
def test_the_command_table_names_what_each_layer_registers(module: str) -> None:
    assert _registered_by(module) == set(cli_commands.COMMANDS[module])


def test_the_full_parser_lists_every_command_in_the_table_order() -> None:
    parser = cli._build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == [c for commands in cli_commands.COMMANDS.values() for c in commands]


ARGVS = [
    ["scan"],
    ["scan", "--allow", "example.jp", "--rules-dir", "extra", "--rules-dir", "more"],
    ["check", "LINE id: yuki"],
    ["check"],
    ["run"],
    ["db", "status"],
    ["image-check", "a.png", "--json"],
]


def _parsed(parser: argparse.ArgumentParser, argv: list[str]) -> dict[str, object]:
    values = vars(parser.parse_args(argv))
    # (some layers make a handler closure per registration: compare what it is, not its id)
    handler = values.pop("handler")
    return {**values, "handler": (handler.__module__, handler.__qualname__)}


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_a_command_parses_as_with_every_layer_registered(argv: list[str]) -> None:
    assert _parsed(cli._build_parser(argv[0]), argv) == _parsed(cli._build_parser(), argv)


BAD_ARGVS = [
    ["scan", "--bogus"],
    ["scan", "extra"],
    ["check", "a", "b"],
    ["db"],
    ["image-check"],
    ["scan", "--help"],
    ["nope"],
    ["--help"],
    [],
]


@pytest.mark.parametrize("argv", BAD_ARGVS, ids=lambda argv: " ".join(argv) or "(none)")
def test_help_and_errors_are_those_of_the_full_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    def outcome(parser: argparse.ArgumentParser) -> tuple[object, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(argv)
        captured = capsys.readouterr()
        return exit_info.value.code, captured.out, captured.err

    assert outcome(cli._build_parser(argv[0] if argv else None)) == outcome(cli._build_parser())


def test_scan_imports_no_other_layer() -> None:
    code = (
        "import sys; from bot import cli; cli._build_parser('scan'); "
        "print(sorted(m for m in sys.modules if m.startswith(('bot.ledger', 'bot.discord', "
        "'bot.images', 'asyncio', 'discord'))))"
    )
    repository = Path(__file__).resolve().parents[1]  # (so that `-c` imports this checkout's bot)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repository
    )
    assert result.stdout.strip() == "[]"
