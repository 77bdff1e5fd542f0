"""Decode images off the event loop, in a small pool of worker processes.

Why processes and not threads: zxing-cpp and Pillow release the GIL only in parts of their
work (measured: a thread pool decoding 12 MP photos stalled the event loop by 11-13 ms, mostly
zxing-cpp converting an RGB image while holding the GIL), and a thread cannot be stopped. A
process can: an image that overruns ``ImageLimits.hard_timeout_s`` gets its worker killed and
the pool replaced, and a crash in native decoder code on a hostile file (a segfault) loses one
worker, not the bot. Workers are started with ``spawn`` because forking a process that runs an
event loop and its helper threads is unsafe.

The event loop's own cost per image is handing the bytes to the executor (pickled by the
executor's feeder thread) and unpickling the small :class:`ImageInspection` that comes back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import multiprocessing
import os
import warnings
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.images.analyze import ScanFunction, inspect_image, inspect_metadata, judge_inspection
from bot.images.sanitize import strip_location
from bot.images.types import DEFAULT_LIMITS, ImageInspection, ImageLimits, ImageReport, ImageStatus

log = logging.getLogger(__name__)


# Decoding is background work: the worker processes run at a lower CPU priority so that, on a
# small machine where they keep every core busy, the bot's event loop still gets a core the
# moment it wakes up (measured: fewer and shorter stalls of the 1 ms ticker in the benchmark).
WORKER_NICENESS = 10


def _init_worker(niceness: int) -> None:
    # Not on this platform, or not permitted: run at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.nice(niceness)
    # Pillow warns about every malformed tag of a damaged file ("Tag data larger than file");
    # strangers' uploads make that routine, and the status of the inspection already says it.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"PIL\.")


T = TypeVar("T")


def _failed_inspection(status: ImageStatus, detail: str) -> ImageInspection:
    return ImageInspection(status=status, detail=detail)


def _warm_up() -> int:
    """Import the decoders in the worker before the first real image arrives."""
    import zxingcpp  # noqa: F401  (imported for its start-up cost)

    import bot.images.analyze  # noqa: F401

    return os.getpid()


class ImageWorkerPool:
    """A bounded pool of decoder processes with a per-image hard timeout.

    ``inspect()`` waits for a free worker (at most ``workers`` images decode at once; the rest
    wait here, holding only their bytes), so a burst of uploads cannot fill memory with queued
    work. Use as an async context manager or call :meth:`start` / :meth:`close`.
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        limits: ImageLimits = DEFAULT_LIMITS,
        niceness: int = WORKER_NICENESS,
    ) -> None:
        cpu = os.cpu_count() or 1
        # Leave a core to the event loop on small machines; never more than 4 decoders.
        self.workers = workers if workers is not None else max(1, min(4, cpu - 1))
        if self.workers < 1:
            raise ValueError("an image worker pool needs at least one worker")
        self.limits = limits
        self.niceness = niceness
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(self.workers)
        self._starting = asyncio.Lock()
        self._closed = False
        self.restarts = 0  # pools replaced after a timeout or a crash (for metrics and tests)

    # ---- life cycle

    def _new_executor(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.niceness,),
        )

    async def start(self) -> None:
        """Start the worker processes and load the decoders in each (about a second of CPU,
        spent in a helper thread: spawning a process from the event loop would stall it)."""
        if self._closed:
            raise RuntimeError("image worker pool is closed")
        async with self._starting:
            if self._executor is not None:
                return
            executor = self._new_executor()

            def spawn_all() -> None:
                # One warm-up task per worker: the executor spawns a process for each.
                for future in [executor.submit(_warm_up) for _ in range(self.workers)]:
                    future.result()

            await asyncio.to_thread(spawn_all)
            self._executor = executor

    async def close(self, grace_s: float = 2.0) -> None:
        """Stop the workers: queued images are cancelled, a decode in progress gets *grace_s*
        to finish, then its process is terminated (shutdown must not wait for a hostile image's
        full hard timeout)."""
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list(getattr(executor, "_processes", {}).values())

        def stop() -> None:
            executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.join(timeout=grace_s)
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=grace_s)

        await asyncio.to_thread(stop)

    async def __aenter__(self) -> ImageWorkerPool:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _replace_executor(self, reason: str) -> None:
        """Kill the current workers (one of them is stuck or dead) and start afresh lazily."""
        executor, self._executor = self._executor, None
        self.restarts += 1
        log.warning("image worker pool replaced: %s", reason)
        if executor is None:
            return
        # The executor API cannot stop a running task; terminating its processes can. Other
        # images in flight on the same pool fail with BrokenProcessPool and report FAILED.
        processes = list(getattr(executor, "_processes", {}).values())
        for process in processes:
            if process.is_alive():
                process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)

    # ---- work

    async def inspect(self, data: bytes, limits: ImageLimits | None = None) -> ImageInspection:
        """Decode *data* in a worker. Never raises for bad input, timeouts or crashed workers:
        those come back as an inspection with status TIMED_OUT or FAILED."""
        limits = limits or self.limits
        return await self._run(limits, _failed_inspection, inspect_image, data, limits)

    async def inspect_metadata(self, prefix: bytes, *, status: ImageStatus, detail: str) -> ImageInspection:
        """:func:`bot.images.analyze.inspect_metadata` (location only, from the first bytes of
        an image too large to search) in a worker."""
        job = functools.partial(inspect_metadata, status=status, detail=detail)
        return await self._run(self.limits, _failed_inspection, job, prefix)

    async def strip_location(self, data: bytes, limits: ImageLimits | None = None) -> tuple[bytes, str | None] | None:
        """:func:`bot.images.sanitize.strip_location` in a worker (None when it fails)."""
        limits = limits or self.limits
        return await self._run(limits, lambda status, detail: None, strip_location, data, limits)

    async def _run(
        self,
        limits: ImageLimits,
        on_failure: Callable[[ImageStatus, str], T],
        function: Callable[..., T],
        *args: Any,
    ) -> T:
        if self._closed:
            raise RuntimeError("image worker pool is closed")
        async with self._slots:
            if self._executor is None:
                await self.start()
            executor = self._executor
            assert executor is not None
            loop = asyncio.get_running_loop()
            try:
                # Inside the try: submitting to a pool whose idle worker died raises at once.
                future = loop.run_in_executor(executor, function, *args)
                return await asyncio.wait_for(future, timeout=limits.hard_timeout_s)
            except TimeoutError:
                if self._executor is executor:
                    self._replace_executor(f"an image overran {limits.hard_timeout_s:g} s")
                return on_failure(ImageStatus.TIMED_OUT, f"no result within {limits.hard_timeout_s:g} s")
            except BrokenProcessPool:
                if self._executor is executor:
                    self._replace_executor("a worker process died")
                return on_failure(ImageStatus.FAILED, "decoder process died")

    async def analyze(
        self,
        data: bytes,
        *,
        scan: ScanFunction,
        allowlist: Any = None,
        attachment_id: str | None = None,
        limits: ImageLimits | None = None,
    ) -> ImageReport:
        """:func:`bot.images.analyze.analyze_image`, with the decoding off the event loop."""
        inspection = await self.inspect(data, limits)
        return judge_inspection(inspection, attachment_id=attachment_id, scan=scan, allowlist=allowlist)
