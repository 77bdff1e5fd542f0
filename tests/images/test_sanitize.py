"""The evidence copy of a photo that carried its position keeps the picture, not the position."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, features

from bot.images import DEFAULT_LIMITS, decode_codes, read_location
from bot.images.location import location_in_raw_bytes
from bot.images.sanitize import strip_location
from tests.images import imagegen as gen

TELEGRAM = "https://t.me/yuki_tokyo21"
LOSSLESS = {"JPEG", "PNG"}  # metadata removed byte-exactly; the others are re-encoded
FORMATS = ["JPEG", "PNG", "WEBP", "TIFF", "HEIF", *(["AVIF"] if features.check("avif") else [])]


def _picture() -> Image.Image:
    return gen.paste(gen.photo(640, 480, seed=21), gen.qr(TELEGRAM), width_fraction=0.4)


def _pixels(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB")


# Pillow does not write XMP into AVIF files, so that one pair is not made.
CASES = [(fmt, metadata) for fmt in FORMATS for metadata in ("exif", "xmp") if (fmt, metadata) != ("AVIF", "xmp")]


@pytest.mark.parametrize(("fmt", "metadata"), CASES)
def test_the_copy_has_no_position_but_the_same_picture(fmt: str, metadata: str) -> None:
    options = {"exif": gen.gps_exif(*gen.TOKYO_TOWER)} if metadata == "exif" else {"xmp": gen.xmp_packet(*gen.TOKYO_TOWER)}
    original = gen.encode(_picture(), fmt, **options)
    assert read_location(original) is not None

    result = strip_location(original)
    assert result is not None
    copy, extension = result
    assert read_location(copy) is None and location_in_raw_bytes(copy) is None
    assert b"GPSLatitude" not in copy
    # The contact in the picture is still there for the moderators to see.
    assert [code.text for code in decode_codes(copy, DEFAULT_LIMITS)] == [TELEGRAM]
    if fmt in LOSSLESS:
        assert extension is None
        assert len(copy) < len(original)
        assert ImageChops.difference(_pixels(copy), _pixels(original)).getbbox() is None  # same pixels
    else:
        assert extension in {"png", "jpg"}


def test_a_large_picture_is_re_encoded_as_jpeg() -> None:
    big = gen.encode(gen.photo(2600, 2000, seed=22), "WEBP", exif=gen.gps_exif(*gen.TOKYO_TOWER))
    result = strip_location(big)
    assert result is not None and result[1] == "jpg"
    assert read_location(result[0]) is None


@pytest.mark.parametrize("data", [b"", b"not an image", b"\xff\xd8\xff\xe1\xff\xff", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_no_copy_of_what_is_not_an_image(data: bytes) -> None:
    assert strip_location(data) is None
