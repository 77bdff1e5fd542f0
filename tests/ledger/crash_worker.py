"""A separate process for the crash-safety test (run as ``python -m tests.ledger.crash_worker``).

    record DB READY [--perform-first]
        record one violation (strike + evidence + outbox in one transaction), optionally perform
        and mark its first action, then write READY and hang until killed (SIGKILL) — the bot
        dying between the commit and its Discord calls.
    resume DB PERFORMED
        open the database as the restarted bot does, perform every pending action by appending
        ``<action id> <kind>`` to PERFORMED (flushed to disk), mark it done, and exit.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.ledger.models import FindingRecord, ViolationInput
from bot.ledger.store import LedgerStore

VIOLATION = ViolationInput(
    guild_id=111_111_111_111_111_111,
    channel_id=222_222_222_222_222_222,
    member_id=333_333_333_333_333_333,
    message_ids=("880000000000000001", "880000000000000002"),
    findings=(FindingRecord("phone", "contact", "phone.jp.mobile", 0, 13, "090-****-5678"),),
    original_text="090-1234\n5678",
)


def perform(performed: Path, action_id: int, kind: str) -> None:
    with performed.open("a", encoding="utf-8") as fh:
        fh.write(f"{action_id} {kind}\n")
        fh.flush()
        os.fsync(fh.fileno())


async def record(db: Path, perform_first: bool, performed: Path | None) -> int:
    """Commit one violation (and maybe perform its first action); the store is never closed."""
    store = await LedgerStore.open(db)
    outcome = await store.record_violation(VIOLATION, now=datetime.now(UTC))
    if perform_first and performed is not None:
        first = outcome.actions[0]
        perform(performed, first.id, first.kind)
        await store.mark_action_done(first.id)
    return outcome.strike.id


async def resume(db: Path, performed: Path) -> None:
    store = await LedgerStore.open(db)
    try:
        while batch := await store.pending_actions():
            for action in batch:
                perform(performed, action.id, action.kind)
                await store.mark_action_done(action.id)
    finally:
        await store.close()


def main(argv: list[str]) -> int:
    mode, db = argv[0], Path(argv[1])
    if mode == "record":
        performed = Path(argv[3]) if len(argv) > 3 else None
        strike_id = asyncio.run(record(db, performed is not None, performed))
        Path(argv[2]).write_text(f"{strike_id}\n", encoding="utf-8")
        while True:  # the crash happens here, before the remaining Discord calls
            time.sleep(0.05)
    elif mode == "resume":
        asyncio.run(resume(db, Path(argv[2])))
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
