"""Benchmark the running bot end to end: fake Discord gateway -> `contact-guard run` -> REST.

The bot runs as a subprocess through its real entry point (`python -m bot.cli run`, settings from
the environment, default pacing), the fake Discord (tests/fakediscord) runs in this process and
records every REST call with its arrival time. Figures printed:

1. latency from MESSAGE_CREATE (the moment the fake sends it) to the DELETE request (single or
   bulk delete naming the message) at 100 messages/s, 10% violations: p50 / p90 / p99 / max;
2. stepping through ``--rates``: the highest rate (10% violations) at which
   (a) every violating message is still deleted promptly (p99 of the last third of the step
       under 2 s, nothing undeleted 3 s after the step), and
   (b) ALL actions keep up: the open outbox (warning DMs, reports, which the bot paces below
       Discord's limits) does not grow by more than 10% of the step's violations;
3. the bot's resident memory (VmRSS) after ``--memory-messages`` messages in total, sent at
   ``--memory-rate`` (default 100 msg/s: a rate where every action keeps up, so the figure is the
   bot's steady state, not a queue of DMs waiting for Discord).

Violators rotate over ``--members`` members, so with the defaults every violation is a first
strike (delete + warning DM), the common case.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_bot.py
    .venv/bin/python benchmarks/bench_bot.py --latency-seconds 10 --rates 100,400 --memory-messages 20000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.ledger.store import LedgerStore  # noqa: E402
from tests.fakediscord.recording import RecordedCall  # noqa: E402
from tests.fakediscord.server import FakeDiscord  # noqa: E402
from tests.fakediscord.state import FakeChannel, FakeUser  # noqa: E402

BENIGN = (
    "hey, how was your day? {n}",
    "今日はいい天気ですね、また後で話しましょう（{n}）",
    "did anyone finish chapter {n} yet?",
    "the raid starts at 9pm, bring {n} potions",
    "ありがとう！助かりました {n}",
    "lol that clip was great",
    "I scored {n} points in ranked today",
    "meeting moved to room {n}, floor 3",
    "新しいイベント楽しみ！{n}日からだって",
    "gg everyone, see you tomorrow",
)
VIOLATIONS = (
    "call me 090-{a:04d}-{b:04d}",
    "my mail is user{n}@example.com",
    "LINE ID: yuki_{n}",
    "でんわ 080{a:04d}{b:04d} まで",
    "add me on insta @cg_user{n}",
)


@dataclass
class Sent:
    message_id: int
    channel_id: int
    at: float
    violation: bool


@dataclass
class Tracker:
    """Which violating messages were deleted, and when (from the fake's REST log)."""

    deleted_at: dict[int, float] = field(default_factory=dict)

    def on_call(self, call: RecordedCall) -> None:
        if call.status >= 300:
            return
        if call.method == "DELETE" and call.route_template and call.route_template.endswith("{message_id}"):
            self.deleted_at.setdefault(int(call.path.rsplit("/", 1)[1]), call.at)
        elif call.method == "POST" and call.path.endswith("/bulk-delete"):
            for message_id in call.json.get("messages", ()):
                self.deleted_at.setdefault(int(message_id), call.at)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Load:
    def __init__(self, fake: FakeDiscord, channels: list[FakeChannel], members: list[FakeUser], seed: int) -> None:
        self.fake = fake
        self.channels = channels
        self.members = members
        self.random = random.Random(seed)
        self.counter = 0
        self.violator = 0
        self.sent: list[Sent] = []

    def _text(self, violation: bool) -> str:
        self.counter += 1
        n = self.counter
        template = self.random.choice(VIOLATIONS if violation else BENIGN)
        return template.format(n=n, a=1000 + n % 9000, b=self.random.randint(1000, 9999))

    async def send_one(self, violation: bool) -> Sent:
        channel = self.random.choice(self.channels)
        if violation:
            # Violators rotate over the member list: most get one or two strikes, some a third.
            author = self.members[self.violator % len(self.members)]
            self.violator += 1
        else:
            author = self.random.choice(self.members)
        text = self._text(violation)
        at = time.monotonic()
        message_id = await self.fake.send_message(channel.id, author, text)
        record = Sent(message_id, channel.id, at, violation)
        self.sent.append(record)
        return record

    async def run(self, rate: float, seconds: float, violation_share: float = 0.1) -> list[Sent]:
        """Send at *rate* messages/s for *seconds*; returns what was sent. Every 10th message is
        a violation when the share is 0.1 (deterministic, evenly spread)."""
        period = 1 / violation_share
        total = int(rate * seconds)
        start = time.monotonic()
        out: list[Sent] = []
        for index in range(total):
            due = start + index / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            out.append(await self.send_one(violation=(index % period) == period - 1))
        return out


def latencies(sent: Iterable[Sent], tracker: Tracker) -> tuple[list[float], int]:
    values, missing = [], 0
    for record in sent:
        if not record.violation:
            continue
        deleted = tracker.deleted_at.get(record.message_id)
        if deleted is None:
            missing += 1
        else:
            values.append(deleted - record.at)
    return values, missing


async def wait_deleted(sent: list[Sent], tracker: Tracker, limit_s: float) -> int:
    deadline = time.monotonic() + limit_s
    while True:
        _, missing = latencies(sent, tracker)
        if missing == 0 or time.monotonic() > deadline:
            return missing
        await asyncio.sleep(0.1)


def fmt_ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p90 {percentile(values, 0.9) * 1000:.1f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms (n={len(values)})"
    )


async def main(args: argparse.Namespace) -> None:
    fake = FakeDiscord()
    await fake.start()
    std = fake.add_standard_guild("Benchmark Server")
    channels = [std.general] + [fake.add_channel(std.guild, f"chat-{i}") for i in range(args.channels - 1)]
    members = []
    for index in range(args.members):
        user = fake.add_user(f"member{index}")
        fake.add_member(std.guild, user, [std.member_role])
        members.append(user)
    tracker = Tracker()
    fake.call_listeners.append(tracker.on_call)

    workdir = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    db_path = workdir / "bench.sqlite3"
    store = await LedgerStore.open(db_path)
    await store.update_guild_config(std.id, report_channel_id=std.reports.id)

    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        PYTHONPATH=str(REPO),
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DATABASE_PATH=str(db_path),
        LOG_LEVEL="WARNING",
    )
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log_file:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=workdir, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=log_file,
        )
    try:
        await fake.wait_connected(timeout=60)
        await asyncio.sleep(3.0)  # discord.py waits ~2 s for late GUILD_CREATEs before on_ready
        load = Load(fake, channels, members, seed=args.seed)
        print(f"bot pid {bot.pid}; {len(channels)} channels, {len(members)} members; work dir {workdir}")
        print(f"RSS after start: {rss_mib(bot.pid):.1f} MiB")

        # 1. latency at 100 messages/s
        sent = await load.run(100, args.latency_seconds)
        await wait_deleted(sent, tracker, 10)
        values, missing = latencies(sent, tracker)
        print(f"\n[1] MESSAGE_CREATE -> DELETE at 100 msg/s, 10% violations, {args.latency_seconds:.0f} s:")
        print(f"    {fmt_ms(values)}; not deleted: {missing}")

        # 2. highest sustained rate
        print(f"\n[2] rate steps of {args.step_seconds:.0f} s (10% violations):")
        best = best_all = 0.0
        for rate in args.rates:
            open_before = (await store.counts())["open_actions"]
            started = time.monotonic()
            step = await load.run(rate, args.step_seconds)
            achieved = len(step) / (time.monotonic() - started)
            missing_after = await wait_deleted(step, tracker, 3.0)
            tail = [s for s in step if s.at >= started + args.step_seconds * 2 / 3]
            head = [s for s in step if s.at < started + args.step_seconds / 3]
            tail_values, _ = latencies(tail, tracker)
            head_values, _ = latencies(head, tracker)
            open_after = (await store.counts())["open_actions"]
            violations = sum(1 for s in step if s.violation)
            ok = (
                missing_after == 0
                and percentile(tail_values, 0.99) < 2.0
                and achieved >= rate * 0.9
            )
            all_ok = ok and open_after - open_before <= 0.1 * violations
            print(
                f"    {rate:6.0f} msg/s (sent {achieved:6.0f}/s): first third {fmt_ms(head_values)}\n"
                f"    {'':6}        last third {fmt_ms(tail_values)}; undeleted after 3 s: {missing_after}\n"
                f"    {'':6}        open outbox actions {open_before} -> {open_after}; deletes "
                f"{'sustained' if ok else 'NOT sustained'}, all actions {'sustained' if all_ok else 'NOT sustained'}"
            )
            if ok:
                best = max(best, rate)
            if all_ok:
                best_all = max(best_all, rate)
            if not ok:
                break
            # Let the outbox drain before the next step, so each step starts from the same state.
            for _ in range(int(args.drain_seconds * 10)):
                if (await store.counts())["open_actions"] == 0:
                    break
                await asyncio.sleep(0.1)
        print(f"    highest rate with prompt deletes: {best:.0f} msg/s; with every action keeping up: "
              f"{best_all:.0f} msg/s")

        # 3. memory after N messages in total
        remaining = args.memory_messages - len(load.sent)
        memory_rate = args.memory_rate
        if remaining > 0:
            print(f"\n[3] sending {remaining} more messages at {memory_rate:.0f} msg/s ...")
            print(f"    RSS after {len(load.sent)} messages: {rss_mib(bot.pid):.1f} MiB")
            chunk = 10_000
            while remaining > 0:
                count = min(chunk, remaining)
                await load.run(memory_rate, count / memory_rate)
                remaining -= count
                print(f"    RSS after {len(load.sent)} messages: {rss_mib(bot.pid):.1f} MiB")
            await wait_deleted(load.sent[-2000:], tracker, 10)
        counts = await store.counts()
        all_values, all_missing = latencies(load.sent, tracker)
        print(f"\n[3] after {len(load.sent)} messages ({sum(s.violation for s in load.sent)} violations): "
              f"bot RSS {rss_mib(bot.pid):.1f} MiB; strikes {counts['strikes']}, open outbox actions "
              f"{counts['open_actions']}; whole-run delete latency {fmt_ms(all_values)}; undeleted {all_missing}")
        print(f"    429 answers from the fake: {sum(1 for c in fake.calls if c.status == 429)}")
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(bot.wait(), 30)
        except TimeoutError:
            bot.kill()
            code = await bot.wait()
        print(f"bot exited with {code} (log: {log_path})")
        await store.close()
        await fake.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-seconds", type=float, default=30.0)
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",")], default=[100, 200, 400, 800, 1200, 1600, 2000])
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--memory-messages", type=int, default=100_000)
    parser.add_argument("--memory-rate", type=float, default=100.0)
    parser.add_argument("--drain-seconds", type=float, default=60.0,
                        help="wait at most this long for the outbox to drain between steps")
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
