"""Image benchmarks, run by hand: decode time per photo and event-loop stalls under load.

    .venv/bin/python benchmarks/bench_images.py                  # everything (~1 minute)
    .venv/bin/python benchmarks/bench_images.py --part decode    # only the per-photo timings
    .venv/bin/python benchmarks/bench_images.py --part stall --workers 2

Part 1 (decode) times :func:`bot.images.inspect_image` — open, GPS, every code-search pass —
in this process on generated 1080p (1920x1080) and 12-megapixel (4000x3000) JPEG photos, with
and without a QR code, and prints p50/p99/max per size. A photo without any code is the worst
case: every fallback pass runs.

Part 2 (stall) runs an event loop whose only other job is a 1 ms ticker, and measures how late
the ticker wakes (the longest stall any other coroutine — the gateway heartbeat — would see)
while 20 images (10 at 1080p, 10 at 12 MP) are processed concurrently:

* ``pool``: :class:`bot.images.ImageWorkerPool` (the bot's path), decode only;
* ``pool+download``: the same images streamed from a local aiohttp server with
  :func:`bot.images.fetch_attachment` first, all 20 at once. The server runs in the SAME event
  loop (Discord's CDN does not), so this row over-counts: it also pays for serving 18.6 MB;
* ``content scanner``: the bot's whole path, :class:`bot.images.integration.ImageContentScanner`
  on 20 messages (download, decode, detector over the payloads, hashing the flagged evidence);
* ``threads`` (``--compare-threads``): the same decoding in a thread pool, for comparison —
  why the bot uses processes.

Target: longest stall under 5 ms. Read it against the idle baseline: on a shared 2-core
machine the OS alone makes a 1 ms ticker several ms late now and then. The "longest step /cpu"
column is the CPU time of the longest single event-loop step, i.e. our own code's share.
Images are generated from fixed seeds (tests/images/imagegen).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.detect.engine import load_detector  # noqa: E402
from bot.discord.convert import PlainAttachment, PlainAuthor, PlainMessage  # noqa: E402
from bot.discord.pipeline import allowlist_from_config  # noqa: E402
from bot.images import DEFAULT_LIMITS, ImageWorkerPool, fetch_attachment, inspect_image  # noqa: E402
from bot.images.download import allowed_hosts  # noqa: E402
from bot.images.integration import ImageContentScanner  # noqa: E402
from bot.ledger.models import GuildConfig  # noqa: E402
from tests.images import imagegen as gen  # noqa: E402

SIZES = {"1080p": (1920, 1080), "12MP": (4000, 3000)}
QR_PAYLOAD = "https://line.me/ti/p/Zx8abcdEF"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def make_photos(size: str, count: int, *, with_qr: bool, seed0: int) -> list[bytes]:
    width, height = SIZES[size]
    photos = []
    for index in range(count):
        picture = gen.photo(width, height, seed=seed0 + index)
        if with_qr:
            picture = gen.paste(picture, gen.qr(QR_PAYLOAD), width_fraction=0.12, at=(0.3 + 0.05 * index % 0.4, 0.5))
        photos.append(gen.encode(picture, "JPEG", quality=90, exif=gen.gps_exif(*gen.TOKYO_TOWER)))
    return photos


# --------------------------------------------------------------------------- part 1


def bench_decode(rounds: int) -> None:
    print("== decode time per photo: inspect_image in this process (ms) ==")
    print(f"{'photo':<22}{'n':>4}{'bytes':>10}{'p50':>9}{'p99':>9}{'max':>9}  passes")
    for size, count in (("1080p", 8), ("12MP", 3)):
        for with_qr in (False, True):
            photos = make_photos(size, count, with_qr=with_qr, seed0=100)
            inspect_image(photos[0])  # warm caches, import plugins
            times: list[float] = []
            passes: tuple[str, ...] = ()
            for _ in range(rounds):
                for data in photos:
                    started = time.perf_counter()
                    inspection = inspect_image(data, DEFAULT_LIMITS)
                    times.append((time.perf_counter() - started) * 1000)
                    passes = inspection.passes
                    if with_qr and not inspection.codes:
                        print(f"   warning: QR not found in a {size} photo", file=sys.stderr)
            label = f"{size} {'with QR' if with_qr else 'no code'}"
            average_bytes = sum(map(len, photos)) // len(photos)
            print(f"{label:<22}{len(times):>4}{average_bytes:>10}{percentile(times, 0.5):>9.1f}"
                  f"{percentile(times, 0.99):>9.1f}{max(times):>9.1f}  {','.join(passes)}")


# --------------------------------------------------------------------------- part 2


def _message(index: int, url: str, size: int) -> PlainMessage:
    return PlainMessage(
        id=10_000 + index,
        guild_id=1,
        channel_id=2,
        author=PlainAuthor(id=3, name="member"),
        created_at=datetime.now(UTC),
        attachments=(PlainAttachment(id=20_000 + index, filename="photo.jpg", url=url, size=size,
                                     content_type="image/jpeg"),),
    )


class _StepTimer:
    """Times every callback the event loop runs (``asyncio.Handle._run``): the longest time the
    loop's thread was busy in one go, in wall time and in the thread's own CPU time. The CPU
    figure is our own code's share of a stall; wall minus CPU is time the OS gave the core to
    another process (or another thread held the GIL) in the middle of a step."""

    def __init__(self) -> None:
        self.longest_wall = 0.0
        self.longest_cpu = 0.0
        self.longest_what = ""
        self._original = asyncio.events.Handle._run

    def __enter__(self) -> _StepTimer:
        timer, original = self, self._original
        wall_clock, cpu_clock = time.perf_counter, time.thread_time

        def timed_run(handle: asyncio.Handle) -> None:
            wall, cpu = wall_clock(), cpu_clock()
            original(handle)
            cpu = cpu_clock() - cpu
            wall = wall_clock() - wall
            timer.longest_wall = max(timer.longest_wall, wall)
            if cpu > timer.longest_cpu:
                timer.longest_cpu = cpu
                timer.longest_what = repr(handle)[:160]

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]


@dataclass
class StallResult:
    max_ms: float
    p99_ms: float
    over_5ms: int
    ticks: int
    wall_s: float
    longest_step_wall_ms: float
    longest_step_cpu_ms: float
    longest_callback: str


async def _with_stall_monitor(work: Callable[[], Awaitable[object]], tick_s: float = 0.001) -> StallResult:
    """Run *work* while a ticker sleeps *tick_s* in a loop. A stall is how much later than asked
    the ticker woke up (what the gateway heartbeat would feel, OS scheduling included); the
    longest callback is the longest time the loop's thread itself ran one step (our code)."""
    loop = asyncio.get_running_loop()
    lateness: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            asked = loop.time()
            await asyncio.sleep(tick_s)
            lateness.append(loop.time() - asked - tick_s)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    lateness.clear()
    with _StepTimer() as steps:
        started = time.perf_counter()
        await work()
        wall = time.perf_counter() - started
    done.set()
    await ticking
    return StallResult(
        max_ms=max(lateness) * 1000,
        p99_ms=percentile(lateness, 0.99) * 1000,
        over_5ms=sum(1 for value in lateness if value > 0.005),
        ticks=len(lateness),
        wall_s=wall,
        longest_step_wall_ms=steps.longest_wall * 1000,
        longest_step_cpu_ms=steps.longest_cpu * 1000,
        longest_callback=steps.longest_what,
    )


async def bench_stall(workers: int, compare_threads: bool, niceness: int, verbose: bool) -> None:
    print(f"\n== event-loop stall while 20 images are processed concurrently (workers={workers}, niceness={niceness}) ==")
    images = make_photos("1080p", 10, with_qr=True, seed0=300) + make_photos("12MP", 10, with_qr=False, seed0=400)
    total_mb = sum(map(len, images)) / 1e6
    print(f"images: 10 x 1080p + 10 x 12MP JPEG, {total_mb:.1f} MB in all")
    print(f"{'path':<16}{'max stall':>11}{'p99 stall':>11}{'>5ms':>6}{'ticks':>7}{'wall':>8}"
          f"{'longest step wall':>19}{'/cpu':>9}")

    def row(name: str, result: StallResult) -> None:
        verdict = "ok" if result.max_ms < 5 else "OVER 5 ms"
        print(f"{name:<16}{result.max_ms:>9.2f}ms{result.p99_ms:>9.2f}ms{result.over_5ms:>6}{result.ticks:>7}"
              f"{result.wall_s:>7.2f}s{result.longest_step_wall_ms:>17.2f}ms{result.longest_step_cpu_ms:>7.2f}ms  {verdict}")
        if verbose:
            print(f"{'':<16}longest step (cpu): {result.longest_callback}")

    async def idle() -> None:
        await asyncio.sleep(3)

    # What this machine does to a 1 ms ticker with nothing else to do (other processes, timer
    # resolution): the floor under every figure below.
    row("idle (baseline)", await _with_stall_monitor(idle))

    async with ImageWorkerPool(workers=workers, niceness=niceness) as pool:
        async def decode_all() -> None:
            results = await asyncio.gather(*(pool.inspect(data) for data in images))
            assert all(r.status == "ok" for r in results), [r.detail for r in results if r.status != "ok"]

        for attempt in range(2):
            row(f"pool #{attempt + 1}", await _with_stall_monitor(decode_all))

        from aiohttp import ClientSession, web

        async def serve(request: web.Request) -> web.Response:
            return web.Response(body=images[int(request.match_info["index"])], content_type="image/jpeg")

        app = web.Application()
        app.router.add_get("/attachments/{index}/photo.jpg", serve)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        hosts = allowed_hosts([base])
        async with ClientSession() as session:
            async def download_and_decode(index: int) -> None:
                data = await fetch_attachment(session, f"{base}/attachments/{index}/photo.jpg",
                                              max_bytes=DEFAULT_LIMITS.max_bytes, hosts=hosts)
                result = await pool.inspect(data)
                assert result.status == "ok"

            async def full_path() -> None:
                await asyncio.gather(*(download_and_decode(i) for i in range(len(images))))

            row("pool+download", await _with_stall_monitor(full_path))

        # The bot's whole path: the pipeline's content scanner on 20 messages with one picture
        # each (download, decode, detector over the payloads, evidence hashing for the flagged).
        scanner = ImageContentScanner(
            detector=load_detector(), allowlist_factory=allowlist_from_config, pool=pool, extra_hosts=(base,)
        )
        config = GuildConfig(guild_id=1)
        messages = [_message(index, f"{base}/attachments/{index}/photo.jpg", len(data))
                    for index, data in enumerate(images)]

        async def content_scanner() -> None:
            scans = await asyncio.gather(*(scanner(message, config) for message in messages))
            assert sum(1 for scan in scans if scan is not None) == len(images)  # QR or GPS in each

        row("content scanner", await _with_stall_monitor(content_scanner))
        await scanner.close()
        await runner.cleanup()

    if compare_threads:
        executor = ThreadPoolExecutor(max_workers=workers)
        loop = asyncio.get_running_loop()

        async def in_threads() -> None:
            await asyncio.gather(*(loop.run_in_executor(executor, inspect_image, data) for data in images))

        row("threads", await _with_stall_monitor(in_threads))
        executor.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("all", "decode", "stall"), default="all")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the decode photos (default 3)")
    parser.add_argument("--workers", type=int, default=None, help="decoder processes (default: the pool's own choice)")
    parser.add_argument("--compare-threads", action="store_true", help="also measure a thread pool")
    parser.add_argument("--verbose", action="store_true", help="name the longest loop step of each run")
    parser.add_argument("--niceness", type=int, default=None, help="worker CPU niceness (default: the pool's)")
    args = parser.parse_args()
    if args.part in ("all", "decode"):
        bench_decode(args.rounds)
    if args.part in ("all", "stall"):
        workers = args.workers or ImageWorkerPool().workers
        niceness = args.niceness if args.niceness is not None else ImageWorkerPool().niceness
        asyncio.run(bench_stall(workers, args.compare_threads, niceness, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
