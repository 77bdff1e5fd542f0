"""Damaged files of every supported format, through the real worker pool: each comes back as an
inspection with a status — never an exception, never a hung or dead pool."""

from __future__ import annotations

import asyncio
import random

from bot.images import ImageInspection, ImageLimits, ImageStatus, ImageWorkerPool
from tests.images import imagegen as gen

FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF")
MUTANTS_PER_FORMAT = 12


def _mutants(seed: int) -> list[bytes]:
    """Bit flips, byte runs, cuts and splices of small valid images carrying a QR and GPS."""
    rng = random.Random(seed)
    picture = gen.paste(gen.photo(160, 120, seed=seed), gen.qr("https://t.me/yuki_tokyo21", scale=2))
    out: list[bytes] = []
    for fmt in FORMATS:
        exif = gen.gps_exif(*gen.TOKYO_TOWER) if fmt in {"JPEG", "PNG", "WEBP", "TIFF", "HEIF"} else None
        original = gen.encode(picture.convert("P") if fmt == "GIF" else picture, fmt, exif=exif)
        for _ in range(MUTANTS_PER_FORMAT):
            data = bytearray(original)
            kind = rng.randrange(4)
            if kind == 0:  # flip bits anywhere, headers included
                for _ in range(rng.randint(1, 20)):
                    position = rng.randrange(len(data))
                    data[position] ^= 1 << rng.randrange(8)
            elif kind == 1:  # overwrite a run with 0x00 or 0xFF (a length field going huge)
                start = rng.randrange(len(data))
                data[start : start + rng.randint(1, 16)] = bytes([rng.choice((0, 255))]) * rng.randint(1, 16)
            elif kind == 2:  # cut anywhere
                del data[rng.randrange(1, len(data)) :]
            else:  # splice a piece of the file into itself (duplicated chunks and segments)
                start = rng.randrange(len(data))
                piece = data[start : start + rng.randint(1, 512)]
                insert_at = rng.randrange(len(data))
                data[insert_at:insert_at] = piece
            out.append(bytes(data))
    return out


async def test_damaged_files_never_break_the_pool() -> None:
    limits = ImageLimits(time_budget_s=1.0, hard_timeout_s=5.0)
    mutants = _mutants(seed=20261129)
    async with ImageWorkerPool(workers=1) as pool:
        results = await asyncio.gather(*(pool.inspect(data, limits) for data in mutants))
        assert all(isinstance(result, ImageInspection) for result in results)
        assert {result.status for result in results} <= set(ImageStatus)
        crashed = [result for result in results if result.status in (ImageStatus.FAILED, ImageStatus.TIMED_OUT)]
        # Pillow, pillow-heif and zxing-cpp survive all of these; a crash would show up here
        # (as FAILED, not as a dead bot) and the pool would still answer below.
        assert crashed == []
        healthy = gen.encode(gen.qr("https://t.me/yuki_tokyo21"), "PNG")
        assert (await pool.inspect(healthy)).codes
