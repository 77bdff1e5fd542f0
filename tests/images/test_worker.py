"""The off-loop decoder pool: real worker processes, a hard timeout, recovery from a dead worker."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time

import pytest
from PIL import Image

from bot.images import ImageLimits, ImageStatus, ImageWorkerPool
from tests.images import imagegen as gen

LINE = "https://line.me/ti/p/Zx8abcdEF"


@pytest.fixture
async def pool():
    async with ImageWorkerPool(workers=1) as started:
        yield started


def _qr_jpeg() -> bytes:
    return gen.encode(gen.paste(gen.photo(800, 600, seed=1), gen.qr(LINE), width_fraction=0.3), "JPEG")


async def test_decodes_in_a_worker(pool: ImageWorkerPool) -> None:
    inspection = await pool.inspect(_qr_jpeg())
    assert inspection.status == ImageStatus.OK
    assert [code.text for code in inspection.codes] == [LINE]


async def test_bad_input_comes_back_as_a_status(pool: ImageWorkerPool) -> None:
    inspection = await pool.inspect(b"not an image at all")
    assert inspection.status == ImageStatus.NOT_AN_IMAGE


async def test_an_overrunning_image_is_killed_and_the_pool_recovers(pool: ImageWorkerPool) -> None:
    big = gen.encode(gen.photo(2400, 1800, seed=2), "PNG")
    started = time.monotonic()
    inspection = await pool.inspect(big, ImageLimits(time_budget_s=0.01, hard_timeout_s=0.05))
    assert inspection.status == ImageStatus.TIMED_OUT
    assert time.monotonic() - started < 2
    assert pool.restarts == 1
    assert (await pool.inspect(_qr_jpeg())).status == ImageStatus.OK


async def test_a_dead_worker_is_replaced(pool: ImageWorkerPool) -> None:
    workers = multiprocessing.active_children()
    assert workers, "the pool should have started a worker process"
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)  # what a segfault in native decoder code looks like
    for worker in workers:
        worker.join(timeout=5)
    await asyncio.sleep(0.2)  # let the executor notice
    # The image that meets the dead pool is FAILED (never an exception); the next one is fine.
    first = await pool.inspect(_qr_jpeg())
    assert first.status == ImageStatus.FAILED
    assert pool.restarts == 1
    assert (await pool.inspect(_qr_jpeg())).status == ImageStatus.OK


async def test_concurrent_images_are_bounded_by_the_worker_count(pool: ImageWorkerPool) -> None:
    results = await asyncio.gather(*(pool.inspect(_qr_jpeg()) for _ in range(4)))
    assert all(r.status == ImageStatus.OK and r.codes for r in results)


async def test_a_closed_pool_refuses_work() -> None:
    pool = ImageWorkerPool(workers=1)
    await pool.close()
    with pytest.raises(RuntimeError):
        await pool.inspect(b"x")


async def test_close_does_not_wait_for_a_long_decode() -> None:
    pool = ImageWorkerPool(workers=1)
    await pool.start()
    # Uncompressed noise: quick to make, over a second to search (every fallback pass runs).
    big = gen.encode(Image.effect_noise((3000, 3000), 80), "BMP")
    limits = ImageLimits(max_bytes=64 * 1024 * 1024, time_budget_s=30, hard_timeout_s=60)
    decoding = asyncio.create_task(pool.inspect(big, limits))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await pool.close(grace_s=0.2)
    assert time.monotonic() - started < 3
    result = await decoding
    assert result.status == ImageStatus.FAILED  # cut off: its worker was terminated
