"""Hostile and broken files: every one gets a clear status, none crashes or eats memory."""

from __future__ import annotations

import time

import pytest

from bot.images import (
    DEFAULT_LIMITS,
    ImageLimits,
    ImageRejected,
    ImageStatus,
    decode_codes,
    inspect_image,
)
from tests.images import imagegen as gen

LINE = "https://line.me/ti/p/Zx8abcdEF"


def _qr_png() -> bytes:
    return gen.encode(gen.paste(gen.photo(640, 480, seed=5), gen.qr(LINE), width_fraction=0.4), "PNG")


def _qr_jpeg_with_gps() -> bytes:
    return gen.encode(gen.paste(gen.photo(640, 480, seed=5), gen.qr(LINE), width_fraction=0.4), "JPEG",
                      exif=gen.gps_exif(*gen.TOKYO_TOWER))


CASES = [
    # name, bytes builder, limits, expected status, expected has_location
    ("decompression_bomb_png", lambda: gen.decompression_bomb(40_000, 40_000), DEFAULT_LIMITS, ImageStatus.TOO_MANY_PIXELS, False),
    ("bomb_under_pillows_own_limit", lambda: gen.decompression_bomb(9_000, 9_000), DEFAULT_LIMITS, ImageStatus.TOO_MANY_PIXELS, False),
    ("pixel_cap_is_configurable", _qr_png, ImageLimits(max_pixels=100_000), ImageStatus.TOO_MANY_PIXELS, False),
    ("byte_cap", _qr_png, ImageLimits(max_bytes=10_000), ImageStatus.TOO_LARGE, False),
    ("text_file_named_png", lambda: b"Just some notes, not a picture.\n" * 40, DEFAULT_LIMITS, ImageStatus.NOT_AN_IMAGE, False),
    ("html_named_jpg", lambda: b"<!doctype html><html><body>line.me/ti/p/abc</body></html>", DEFAULT_LIMITS, ImageStatus.NOT_AN_IMAGE, False),
    ("empty_file", lambda: b"", DEFAULT_LIMITS, ImageStatus.NOT_AN_IMAGE, False),
    ("png_signature_then_garbage", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, DEFAULT_LIMITS, ImageStatus.CORRUPT, False),
    ("truncated_png", lambda: _qr_png()[:3_000], DEFAULT_LIMITS, ImageStatus.CORRUPT, False),
    ("truncated_jpeg_keeps_its_location", lambda: _qr_jpeg_with_gps()[:4_000], DEFAULT_LIMITS, ImageStatus.CORRUPT, True),
    # Formats outside the searched set never reach a parser: an icon is "not an image" here.
    ("unsearched_format_ico", lambda: gen.encode(gen.qr(LINE).resize((64, 64)), "ICO"), DEFAULT_LIMITS, ImageStatus.NOT_AN_IMAGE, False),
    ("unsearched_format_eps", lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", DEFAULT_LIMITS, ImageStatus.NOT_AN_IMAGE, False),
]


@pytest.mark.parametrize(("name", "build", "limits", "status", "has_location"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_status(name: str, build, limits: ImageLimits, status: ImageStatus, has_location: bool) -> None:
    data = build()
    started = time.monotonic()
    inspection = inspect_image(data, limits)
    assert inspection.status == status, inspection.detail
    assert inspection.detail  # says why, for the log
    assert inspection.codes == ()
    assert inspection.has_location is has_location
    assert time.monotonic() - started < 5  # refused before decoding, not after
    with pytest.raises(ImageRejected) as caught:
        decode_codes(data, limits)
    assert caught.value.status == status


def test_a_bomb_is_refused_before_any_pixel_is_allocated() -> None:
    import tracemalloc

    data = gen.decompression_bomb(40_000, 40_000)  # 1.6 gigapixels claimed, a few kB on disk
    tracemalloc.start()
    inspection = inspect_image(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert inspection.status == ImageStatus.TOO_MANY_PIXELS
    assert peak < 5 * 1024 * 1024


def test_good_image_is_ok_and_reports_what_ran() -> None:
    inspection = inspect_image(_qr_jpeg_with_gps())
    assert inspection.status == ImageStatus.OK
    assert [code.text for code in inspection.codes] == [LINE]
    assert inspection.has_location and inspection.location_source == "exif"
    assert (inspection.format, inspection.width, inspection.height) == ("JPEG", 640, 480)
    assert inspection.passes[0] == "as_is"


def test_time_budget_stops_the_fallback_passes() -> None:
    data = gen.encode(gen.photo(1600, 1200, seed=9), "PNG")
    full = inspect_image(data)
    rushed = inspect_image(data, ImageLimits(time_budget_s=0.001, hard_timeout_s=1))
    assert len(full.passes) > 1
    assert len(rushed.passes) < len(full.passes)
    assert rushed.status == ImageStatus.OK  # a budget cut is not an error: fewer passes ran


def test_the_inspection_never_holds_coordinates() -> None:
    inspection = inspect_image(_qr_jpeg_with_gps())
    shown = repr(inspection)
    assert "35.6" not in shown and "139.7" not in shown


@pytest.mark.parametrize("bad", [dict(max_bytes=0), dict(time_budget_s=5, hard_timeout_s=1), dict(max_payload_chars=0)])
def test_impossible_limits_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ImageLimits(**bad)  # type: ignore[arg-type]


def test_every_opened_file_is_closed() -> None:
    # Pillow warns (ResourceWarning) about images it had to close itself; we close our own.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        for data in (_qr_png(), _qr_png()[:3000], b"nope" * 10):
            inspect_image(data)


def test_metadata_search_stays_linear_on_hostile_bytes() -> None:
    # Megabytes of letters (and of half-written GPS tags) after a valid image: the raw XMP search
    # must not backtrack over them (it once took seconds per 100 kB).
    picture = gen.encode(gen.photo(64, 48, seed=1), "PNG")
    for filler in (b"a" * 4_000_000, b'exif:GPSLatitude="' * 200_000):
        started = time.monotonic()
        inspection = inspect_image(picture + filler)
        assert time.monotonic() - started < 2
        assert inspection.status == ImageStatus.OK and not inspection.has_location
