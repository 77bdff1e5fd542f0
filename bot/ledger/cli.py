"""`contact-guard db ...`: maintenance of the ledger database (registered by bot.cli_commands).

    contact-guard db migrate                         create / upgrade the schema
    contact-guard db status                          schema version and row counts
    contact-guard db export --guild G --member M     one member's strikes and evidence as JSON
    contact-guard db purge                           delete evidence past its retention and the
                                                     data of guilds the bot left > 30 days ago
    contact-guard db forget-member --guild G --member M --yes
    contact-guard db forget-guild --guild G --yes

The database is ``--db PATH``, else ``DATABASE_PATH`` from the environment or ``.env``, else
``contact-guard.sqlite3`` in the working directory. These tools can run while the bot runs (they
never take over the bot's claimed outbox actions).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import DEFAULT_DATABASE_FILE  # the same default file as the running bot


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this layer's subcommands to *sub*. Handlers must import heavy modules lazily."""
    db = sub.add_parser("db", help="maintain the strike ledger database")
    db.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_PATH or .env)")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")

    migrate = actions.add_parser("migrate", help="create the database or upgrade its schema")
    migrate.set_defaults(handler=_run(_migrate))

    status = actions.add_parser("status", help="schema version and row counts")
    status.set_defaults(handler=_run(_status))

    export = actions.add_parser("export", help="one member's strikes and evidence as JSON")
    export.add_argument("--guild", type=_snowflake, required=True)
    export.add_argument("--member", type=_snowflake, required=True)
    export.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    export.set_defaults(handler=_run(_export))

    purge = actions.add_parser(
        "purge",
        help="delete evidence past each guild's retention, and guilds left over 30 days ago",
    )
    purge.add_argument(
        "--now", type=_aware_time, default=None, help="pretend it is this ISO-8601 time (UTC)"
    )
    purge.set_defaults(handler=_run(_purge))

    forget_member = actions.add_parser("forget-member", help="delete all data of one member")
    forget_member.add_argument("--guild", type=_snowflake, required=True)
    forget_member.add_argument("--member", type=_snowflake, required=True)
    forget_member.add_argument("--yes", action="store_true", help="confirm the deletion")
    forget_member.set_defaults(handler=_run(_forget_member))

    forget_guild = actions.add_parser("forget-guild", help="delete all data of one guild")
    forget_guild.add_argument("--guild", type=_snowflake, required=True)
    forget_guild.add_argument("--yes", action="store_true", help="confirm the deletion")
    forget_guild.set_defaults(handler=_run(_forget_guild))


def _snowflake(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Discord id")
    return int(text)


def _aware_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def database_path(args: argparse.Namespace) -> Path:
    if args.db:
        return Path(args.db).expanduser()
    configured = os.environ.get("DATABASE_PATH", "").strip()
    if not configured:
        env_file = Path.cwd() / ".env"
        if env_file.is_file():
            from dotenv import dotenv_values

            configured = (dotenv_values(env_file).get("DATABASE_PATH") or "").strip()
    return Path(configured or DEFAULT_DATABASE_FILE).expanduser()


def _run(command: Any) -> Any:
    def handler(args: argparse.Namespace) -> int:
        from bot.ledger.policy import ConfigError
        from bot.ledger.store import LedgerError

        try:
            return asyncio.run(command(args))
        except (LedgerError, ConfigError, OSError) as exc:
            print(f"contact-guard db: {exc}", file=sys.stderr)
            return 1

    return handler


async def _open(args: argparse.Namespace, *, must_exist: bool = True) -> Any:
    from bot.ledger.store import LedgerError, LedgerStore

    path = database_path(args)
    if must_exist and not path.is_file():
        raise LedgerError(f"no database at {path} (set --db or DATABASE_PATH)")
    return await LedgerStore.open(path, recover_claims=False)


async def _migrate(args: argparse.Namespace) -> int:
    store = await _open(args, must_exist=False)
    async with store:
        print(f"{store.path}: schema version {await store.schema_version()}")
    return 0


async def _status(args: argparse.Namespace) -> int:
    store = await _open(args)
    async with store:
        print(f"database: {store.path}")
        print(f"schema version: {await store.schema_version()}")
        for table, count in (await store.counts()).items():
            print(f"{table}: {count}")
    return 0


async def _export(args: argparse.Namespace) -> int:
    store = await _open(args)
    async with store:
        data = await store.export_member(args.guild, args.member)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        await asyncio.to_thread(Path(args.out).write_text, text + "\n", encoding="utf-8")
        print(f"wrote {len(data['strikes'])} strike(s) to {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


async def _purge(args: argparse.Namespace) -> int:
    from bot.ledger.maintenance import run_maintenance

    store = await _open(args)
    async with store:
        report = await run_maintenance(store, now=args.now or datetime.now(UTC))
    print(f"purged {report.evidence_purged} evidence record(s)")
    if report.guilds_forgotten:
        print("forgot departed guild(s): " + ", ".join(map(str, report.guilds_forgotten)))
    return 0


async def _forget_member(args: argparse.Namespace) -> int:
    if not args.yes:
        print("contact-guard db: add --yes to delete this member's data for good", file=sys.stderr)
        return 2
    store = await _open(args)
    async with store:
        await store.delete_member_data(args.guild, args.member)
    print(f"deleted the data of member {args.member} in guild {args.guild}")
    return 0


async def _forget_guild(args: argparse.Namespace) -> int:
    if not args.yes:
        print("contact-guard db: add --yes to delete this guild's data for good", file=sys.stderr)
        return 2
    store = await _open(args)
    async with store:
        await store.delete_guild_data(args.guild)
    print(f"deleted all data of guild {args.guild}")
    return 0
