"""Ledger write throughput, commit latency and memory (run by hand; prints figures).

Records strikes — each with evidence (text, findings, one attachment's metadata) and its outbox
rows (2-3 actions by the default ladder) — into a real SQLite file from many concurrent tasks,
the way a raid hits the bot: many members, several violations each, some duplicate deliveries
(message + edit) that must collapse into one strike.

    .venv/bin/python benchmarks/bench_ledger.py                 # 100,000 strikes, 64 tasks
    .venv/bin/python benchmarks/bench_ledger.py --strikes 20000 --tasks 16 --synchronous NORMAL

Figures: sustained strikes/s (overall and per 10,000-strike window), commit latency p50/p99/max
(from the call to record_violation until its outcome, i.e. durable commit), resident memory
(RSS) sampled every 10,000 strikes, and the database size.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ledger.models import AttachmentEvidence, FindingRecord, ViolationInput
from bot.ledger.store import LedgerStore

GUILD_ID = 900_000_000_000_000_001
CHANNEL_ID = 900_000_000_000_000_002
TEXT = "連絡はこちら 090-1234-5678 か LINE: kazu_0315 まで、DMでも大丈夫です " * 2


def rss_mib() -> float:
    """Current resident set size (Linux /proc), in MiB."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def violation(n: int, members: int) -> ViolationInput:
    message_id = str(10**17 + n)
    return ViolationInput(
        guild_id=GUILD_ID,
        channel_id=CHANNEL_ID,
        member_id=10**17 + (n % members) + 1,
        message_ids=(message_id,),
        findings=(
            FindingRecord("phone", "contact", "phone.jp.mobile", 7, 20, "090-****-5678",
                          0.98, (message_id,)),
            FindingRecord("line", "contact", "line.id.keyword", 23, 37, "LINE: ka****15",
                          0.9, (message_id,)),
        ),
        original_text=TEXT,
        normalised_text=TEXT.lower(),
        attachments=(
            AttachmentEvidence(str(2 * 10**17 + n), "IMG_0001.jpg", 204_800, "image/jpeg",
                               f"https://cdn.example/attachments/{n}/IMG_0001.jpg"),
        ),
    )


async def run(args: argparse.Namespace, path: Path) -> None:
    store = await LedgerStore.open(path, synchronous=args.synchronous)
    start_time = datetime(2026, 1, 1, tzinfo=UTC)
    # Preallocated, so the benchmark's own bookkeeping does not show up as store memory growth.
    latencies = array.array("d", bytes(8 * args.strikes))
    latency_count = 0
    created = duplicates = 0
    next_n = 0
    window_started = time.perf_counter()
    next_window = 10_000
    windows: list[tuple[int, float, float]] = []  # (strikes so far, strikes/s in window, RSS)
    lock = asyncio.Lock()

    async def worker() -> None:
        nonlocal next_n, created, duplicates, window_started, next_window, latency_count
        while True:
            async with lock:
                if next_n >= args.strikes:
                    return
                n = next_n
                next_n += 1
            v = violation(n, args.members)
            now = start_time + timedelta(seconds=n / 1000)
            began = time.perf_counter()
            outcome = await store.record_violation(v, now=now)
            latencies[latency_count] = time.perf_counter() - began
            latency_count += 1
            if outcome.created:
                created += 1
                for action in outcome.actions:
                    assert action.status == "in_progress"
            if args.duplicate_every and n % args.duplicate_every == 0:
                # The same message again (its edit): must come back as the existing strike.
                again = await store.record_violation(v, now=now)
                assert not again.created and again.strike.id == outcome.strike.id
                duplicates += 1
            if created >= next_window:
                stamp = time.perf_counter()
                windows.append((created, 10_000 / (stamp - window_started), rss_mib()))
                window_started = stamp
                next_window += 10_000

    rss_before = rss_mib()
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.tasks)))
    elapsed = time.perf_counter() - began
    counts = await store.counts()
    await store.close()

    ms = sorted(x * 1000 for x in latencies[:latency_count])
    print(f"database           {path} (synchronous={args.synchronous})")
    print(f"strikes recorded   {created:,} by {args.tasks} concurrent tasks, {args.members:,} members")
    print(f"duplicate records  {duplicates:,} (all returned the existing strike)")
    print(f"rows               {counts}")
    print(f"elapsed            {elapsed:.2f} s")
    print(f"throughput         {created / elapsed:,.0f} strikes/s overall")
    if windows:
        rates = [r for _, r, _ in windows]
        print(f"per 10k window     min {min(rates):,.0f}  median {statistics.median(rates):,.0f}"
              f"  max {max(rates):,.0f} strikes/s")
    print(f"commit latency     p50 {ms[len(ms) // 2]:.2f} ms  p99 {ms[int(len(ms) * 0.99)]:.2f} ms"
          f"  max {ms[-1]:.2f} ms")
    print(f"RSS                start {rss_before:.1f} MiB; per 10k strikes: "
          + ", ".join(f"{rss:.1f}" for _, _, rss in windows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strikes", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=64, help="concurrent writer tasks")
    parser.add_argument("--members", type=int, default=5_000, help="distinct members")
    parser.add_argument("--duplicate-every", type=int, default=10,
                        help="re-record every Nth message (an edit); 0 = never")
    parser.add_argument("--synchronous", default="FULL", choices=["OFF", "NORMAL", "FULL", "EXTRA"])
    parser.add_argument("--dir", help="folder for the database (default: a new temp folder)")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench-ledger-"))
    path = folder / "ledger.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    asyncio.run(run(args, path))
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    print(f"database size      {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
