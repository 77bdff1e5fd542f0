"""GPS positions in photo metadata: every container we support, and what must NOT count."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from PIL import features
from PIL.ExifTags import GPS

from bot.images import GeoPosition, ImageRejected, read_location
from bot.images.location import parse_xmp_coordinate
from bot.images.opening import HEIF_SUPPORTED
from tests.images import imagegen as gen

# HEIC/HEIF through pillow-heif, AVIF through Pillow's own plugin (in its wheels since 11.3).
FORMATS = [
    "JPEG",
    "PNG",
    "WEBP",
    "TIFF",
    *(["HEIF"] if HEIF_SUPPORTED else []),
    *(["AVIF"] if features.check("avif") else []),
]


def _picture():
    return gen.photo(160, 120, seed=11)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("where", [gen.TOKYO_TOWER, gen.SYDNEY_OPERA_HOUSE], ids=["tokyo", "sydney"])
def test_exif_gps_is_read(fmt: str, where: tuple[float, float]) -> None:
    position = read_location(gen.encode(_picture(), fmt, exif=gen.gps_exif(*where)))
    assert position is not None
    assert position.source == "exif"
    assert position.latitude == pytest.approx(where[0], abs=1e-5)
    assert position.longitude == pytest.approx(where[1], abs=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_xmp_gps_is_read(fmt: str) -> None:
    position = read_location(gen.encode(_picture(), fmt, xmp=gen.xmp_packet(*gen.TOKYO_TOWER)))
    assert position is not None
    assert position.source == "xmp"
    assert (position.latitude, position.longitude) == pytest.approx(gen.TOKYO_TOWER, abs=1e-5)


def test_xmp_element_form_and_western_hemisphere() -> None:
    where = (40.689247, -74.044502)  # Statue of Liberty
    position = read_location(gen.encode(_picture(), "JPEG", xmp=gen.xmp_packet(*where, as_elements=True)))
    assert position is not None
    assert (position.latitude, position.longitude) == pytest.approx(where, abs=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_photos_without_gps_have_no_location(fmt: str) -> None:
    assert read_location(gen.encode(_picture(), fmt)) is None
    assert read_location(gen.encode(_picture(), fmt, exif=gen.plain_exif())) is None


ZERO = (Fraction(0), Fraction(0), Fraction(0))
INVALID_GPS = [
    # Cameras write (0, 0) when they have no fix: "Null Island" is not a member's home.
    ("null_island", {GPS.GPSLatitudeRef: "N", GPS.GPSLatitude: ZERO, GPS.GPSLongitudeRef: "E", GPS.GPSLongitude: ZERO}),
    ("latitude_out_of_range", {GPS.GPSLatitudeRef: "N", GPS.GPSLatitude: (Fraction(95), Fraction(0), Fraction(0)),
                               GPS.GPSLongitudeRef: "E", GPS.GPSLongitude: (Fraction(139), Fraction(0), Fraction(0))}),
    ("longitude_only", {GPS.GPSLongitudeRef: "E", GPS.GPSLongitude: (Fraction(139), Fraction(44), Fraction(43))}),
    ("gps_ifd_with_only_a_version", {GPS.GPSVersionID: b"\x02\x03\x00\x00"}),
]


@pytest.mark.parametrize(("name", "ifd"), INVALID_GPS, ids=[case[0] for case in INVALID_GPS])
def test_zero_and_invalid_positions_are_ignored(name: str, ifd: dict[int, object]) -> None:
    assert read_location(gen.encode(_picture(), "JPEG", exif=gen.raw_gps_exif(ifd))) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("35,39.51486N", 35.658581),
        ("33,51.40704S", -33.856784),
        ("139,44,43.56E", 139.745433),
        ("74,2.67012W", -74.044502),
        ("35.658581", 35.658581),
        ("-33.856784", -33.856784),
    ],
)
def test_xmp_coordinate_forms(text: str, expected: float) -> None:
    assert parse_xmp_coordinate(text) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("text", ["", "north", "35,99.0", "1e400"])
def test_unparsable_xmp_coordinates(text: str) -> None:
    assert math.isnan(parse_xmp_coordinate(text))


def test_the_position_never_prints_its_coordinates() -> None:
    position = GeoPosition(latitude=35.658581, longitude=139.745433, source="exif")
    for shown in (repr(position), str(position), f"{position}", repr([position])):
        assert "35.6" not in shown and "139.7" not in shown
    with pytest.raises(ValueError):
        GeoPosition(latitude=0.0, longitude=0.0, source="exif")


def test_location_survives_damaged_pixels() -> None:
    data = gen.encode(_picture(), "JPEG", exif=gen.gps_exif(*gen.TOKYO_TOWER))
    position = read_location(data[: len(data) // 2])
    assert position is not None


def test_non_image_is_a_clear_rejection() -> None:
    with pytest.raises(ImageRejected) as caught:
        read_location(b"hello, this is a text file named photo.jpg\n" * 10)
    assert caught.value.status == "not_an_image"


# Formats whose writers put EXIF before the pixel data, so the first 256 kB of a photo too large
# to download still tell its location. (libwebp and libheif as used by Pillow write it at the
# end of the file: for those an over-cap photo's location is not seen — a documented gap.)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF"])
def test_location_from_the_first_bytes_of_a_big_photo(fmt: str) -> None:
    from bot.images import ImageStatus
    from bot.images.analyze import inspect_metadata

    size = (1800, 1200) if fmt == "JPEG" else (1400, 1000)  # each well over 256 kB
    data = gen.encode(gen.photo(*size, seed=5), fmt, exif=gen.gps_exif(*gen.TOKYO_TOWER))
    assert len(data) > 256 * 1024
    inspection = inspect_metadata(data[: 256 * 1024], status=ImageStatus.TOO_LARGE, detail="over the cap")
    assert inspection.status == ImageStatus.TOO_LARGE
    assert inspection.has_location and inspection.location_source == "exif"
    clean = gen.encode(gen.photo(*size, seed=5), fmt, exif=gen.plain_exif())
    assert not inspect_metadata(clean[: 256 * 1024], status=ImageStatus.TOO_LARGE, detail="x").has_location


@pytest.mark.parametrize("fmt", FORMATS)
def test_raw_byte_search_finds_exif_in_any_container(fmt: str) -> None:
    from bot.images.location import location_in_raw_bytes

    data = gen.encode(_picture(), fmt, exif=gen.gps_exif(*gen.SYDNEY_OPERA_HOUSE))
    position = location_in_raw_bytes(data)
    if fmt in {"JPEG", "HEIF", "AVIF"}:  # "Exif\0\0"-marked blocks; PNG/WebP/TIFF store bare TIFF data
        assert position is not None
        assert (position.latitude, position.longitude) == pytest.approx(gen.SYDNEY_OPERA_HOUSE, abs=1e-5)
    assert location_in_raw_bytes(gen.encode(_picture(), fmt, exif=gen.plain_exif())) is None
