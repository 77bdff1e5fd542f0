"""How fast the test suite's fake Discord is, run by hand, so bot benchmarks know it is not the
bottleneck.

    .venv/bin/python benchmarks/bench_fakediscord.py                  # 20,000 messages
    .venv/bin/python benchmarks/bench_fakediscord.py --messages 100000 --plain-frames

A real discord.py client (message content intent, no handler work) connects to a fresh fake;
the fake dispatches N MESSAGE_CREATE events as fast as it can. Printed: the fake's dispatch rate,
the rate at which the client's on_message saw them (includes discord.py's zlib-stream
decompression and Message parsing), the REST round trip for N/10 message deletes (with a bucket
large enough that discord.py's limiter never waits), and the
process's peak resident memory (fake and client share the process).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from pathlib import Path

import discord

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakediscord import FakeDiscord  # needs the repository root on sys.path (above)
from tests.fakediscord.fixtures import start_client_against, stop_client


class CountingClient(discord.Client):
    def __init__(self, expected: int) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, max_messages=None)
        self.expected = expected
        self.seen = 0
        self.all_seen = asyncio.Event()

    async def on_message(self, message: discord.Message) -> None:
        self.seen += 1
        if self.seen >= self.expected:
            self.all_seen.set()


async def run(messages: int, compressed: bool) -> None:
    fake = FakeDiscord()
    fake.compress_transport = compressed
    await fake.start()
    std = fake.add_standard_guild()
    client = CountingClient(messages)
    task = await start_client_against(fake, client)
    try:
        ids: list[int] = []
        started = time.perf_counter()
        for index in range(messages):
            ids.append(await fake.send_message(std.general.id, std.member, f"message {index} 090-1234-5678"))
        dispatched = time.perf_counter()
        await asyncio.wait_for(client.all_seen.wait(), timeout=600)
        received = time.perf_counter()
        frames = "zlib-stream" if compressed else "plain text"
        print(f"gateway ({frames} frames): fake dispatched {messages} MESSAGE_CREATE at "
              f"{messages / (dispatched - started):,.0f}/s; client on_message at "
              f"{messages / (received - started):,.0f}/s")

        # Measure the fake, not discord.py's limiter: give the route a bucket it never empties.
        fake.set_route_limit("DELETE", "/channels/{c}/messages/{m}", limit=10**9, window=1.0, enforce=False)
        channel = client.get_partial_messageable(std.general.id)
        round_trips: list[float] = []
        for message_id in ids[-(messages // 10):]:
            before = time.perf_counter()
            await channel.get_partial_message(message_id).delete()
            round_trips.append((time.perf_counter() - before) * 1000)
        round_trips.sort()
        p99 = round_trips[int(len(round_trips) * 0.99) - 1]
        answered = sum(c.status == 204 for c in fake.calls_to("DELETE", "/channels/{c}/messages/{m}"))
        print(f"REST: {len(round_trips)} DELETE round trips ({answered} answered 204), p50 {statistics.median(round_trips):.2f} ms, "
              f"p99 {p99:.2f} ms")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MiB (fake + client); fake keeps {len(fake.messages)} messages, "
              f"{len(fake.gateway.current.history) if fake.gateway.current else 0} frames for RESUME")
    finally:
        await stop_client(client, task)
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--plain-frames", action="store_true", help="send text frames instead of zlib-stream")
    args = parser.parse_args()
    if args.messages < 10:
        parser.error("--messages must be at least 10")
    asyncio.run(run(args.messages, compressed=not args.plain_frames))


if __name__ == "__main__":
    main()
