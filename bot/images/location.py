"""Read the GPS position a camera wrote into a photo (EXIF GPS IFD or XMP exif:GPS* tags).

Sources, in order: the EXIF GPS IFD as Pillow parses it (JPEG APP1, PNG eXIf, WebP EXIF chunk,
TIFF GPS IFD, HEIC/HEIF through pillow-heif), then XMP packets (Pillow's ``info`` keys, the TIFF
XMP tag, and finally any XMP text in the raw bytes, which covers containers whose XMP Pillow
does not expose). Zero, out-of-range and unparsable positions are ignored: cameras write (0, 0)
when they have no fix, and a broken tag is not a location.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Sequence

from PIL import Image
from PIL.ExifTags import GPS, IFD

from bot.images.opening import open_image
from bot.images.types import DEFAULT_LIMITS, GeoPosition, ImageLimits, is_plausible_position

log = logging.getLogger(__name__)

# TIFF tag 700 holds the XMP packet of a TIFF file.
_TIFF_XMP_TAG = 700
# "exif:GPSLatitude" (XMP spec; also "drone-dji:GpsLatitude" etc.), found by a plain search for
# the tag name (linear time over the raw bytes; a prefix pattern like [\w-]+: before it would be
# quadratic on a long run of letters), then its value read right after it, as an attribute
# (GPSLatitude="...") or an element (GPSLatitude>...<).
_XMP_TAG = re.compile(rb"gps(latitude|longitude)(?!ref)", re.IGNORECASE)
_XMP_AFTER_TAG = re.compile(
    rb"""\s*(?:=\s*["'](?P<attr>[^"'<>]{1,64})["']|>\s*(?P<elem>[^<>]{1,64})<)""",
)
# XMP coordinate: "DDD,MM.mmmmK", "DDD,MM,SSK" (spec) or a signed decimal "35.6586" (DJI etc.).
_XMP_DMS = re.compile(r"^\s*(\d{1,3})\s*,\s*(\d{1,2}(?:\.\d+)?)\s*(?:,\s*(\d{1,2}(?:\.\d+)?)\s*)?([NSEWnsew])\s*$")
_XMP_DECIMAL = re.compile(r"^\s*([+-]?\d{1,3}(?:\.\d+)?)\s*([NSEWnsew]?)\s*$")


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]  # IFDRational, int, float, Fraction
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan


def _dms_to_degrees(value: object) -> float:
    """EXIF stores degrees, minutes, seconds as three rationals; some writers store one value."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        parts = [_as_float(part) for part in value]
        if not parts:
            return math.nan
        while len(parts) < 3:
            parts.append(0.0)
        degrees, minutes, seconds = parts[:3]
        return degrees + minutes / 60.0 + seconds / 3600.0
    return _as_float(value)


def _ref(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ").upper()[:1]


def _signed(degrees: float, ref: str, negative: str) -> float:
    return -abs(degrees) if ref == negative else degrees


def _position(latitude: float, longitude: float, source: str) -> GeoPosition | None:
    if not is_plausible_position(latitude, longitude):
        return None
    return GeoPosition(latitude=latitude, longitude=longitude, source=source)


def _from_exif(img: Image.Image) -> GeoPosition | None:
    try:
        exif = img.getexif()
    except Exception as exc:  # untrusted EXIF breaks Pillow in many different ways
        log.debug("unreadable EXIF: %s", type(exc).__name__)
        return None
    return _from_exif_block(exif)


def _from_exif_block(exif: Image.Exif) -> GeoPosition | None:
    try:
        gps = exif.get_ifd(IFD.GPSInfo)
    except Exception as exc:  # untrusted EXIF breaks Pillow in many different ways
        log.debug("unreadable GPS IFD: %s", type(exc).__name__)
        return None
    if not gps or GPS.GPSLatitude not in gps or GPS.GPSLongitude not in gps:
        return None
    latitude = _signed(_dms_to_degrees(gps[GPS.GPSLatitude]), _ref(gps.get(GPS.GPSLatitudeRef)), "S")
    longitude = _signed(_dms_to_degrees(gps[GPS.GPSLongitude]), _ref(gps.get(GPS.GPSLongitudeRef)), "W")
    return _position(latitude, longitude, "exif")


def parse_xmp_coordinate(text: str) -> float:
    """An XMP GPS coordinate as signed decimal degrees (NaN when unparsable)."""
    match = _XMP_DMS.match(text)
    if match:
        degrees, minutes, seconds, ref = match.groups()
        value = int(degrees) + float(minutes) / 60.0 + (float(seconds) / 3600.0 if seconds else 0.0)
        return -value if ref.upper() in {"S", "W"} else value
    match = _XMP_DECIMAL.match(text)
    if match:
        value = float(match.group(1))
        return -abs(value) if match.group(2).upper() in {"S", "W"} else value
    return math.nan


def _xmp_blobs(img: Image.Image, data: bytes) -> Iterator[bytes]:
    for key in ("xmp", "XML:com.adobe.xmp"):
        blob = img.info.get(key)
        if isinstance(blob, str):
            yield blob.encode("utf-8", "replace")
        elif isinstance(blob, bytes):
            yield blob
    tag_v2 = getattr(img, "tag_v2", None)
    if tag_v2 is not None:
        blob = tag_v2.get(_TIFF_XMP_TAG)
        if isinstance(blob, bytes):
            yield blob
        elif isinstance(blob, str):
            yield blob.encode("utf-8", "replace")
    if data:
        yield data


def _from_xmp_blob(blob: bytes) -> GeoPosition | None:
    found: dict[str, float] = {}
    for tag in _XMP_TAG.finditer(blob):
        value_match = _XMP_AFTER_TAG.match(blob, tag.end())
        if value_match is None:
            continue
        raw = value_match.group("attr") or value_match.group("elem") or b""
        value = parse_xmp_coordinate(raw.decode("ascii", "replace"))
        if math.isfinite(value):
            found.setdefault(tag.group(1).decode().lower(), value)
        if len(found) == 2:
            break
    if "latitude" in found and "longitude" in found:
        return _position(found["latitude"], found["longitude"], "xmp")
    return None


# An EXIF block as stored in JPEG APP1 and HEIF Exif items: the "Exif\0\0" marker, then a TIFF
# header in either byte order.
_RAW_EXIF = re.compile(rb"Exif\x00\x00(?=MM\x00\*|II\*\x00)")
_RAW_EXIF_TRIES = 4


def location_in_raw_bytes(data: bytes) -> GeoPosition | None:
    """A GPS position found by searching *data* itself for an EXIF block or XMP tags, for bytes
    no image parser can open: the first part of an image too large to download, or a container
    whose metadata Pillow does not expose."""
    for tries, marker in enumerate(_RAW_EXIF.finditer(data)):
        if tries >= _RAW_EXIF_TRIES:
            break
        exif = Image.Exif()
        try:
            exif.load(data[marker.start():])
        except Exception as exc:  # a marker inside pixel data, or a damaged block
            log.debug("unreadable raw EXIF block: %s", type(exc).__name__)
            continue
        position = _from_exif_block(exif)
        if position is not None:
            return position
    return _from_xmp_blob(data)


def location_of(img: Image.Image, data: bytes) -> GeoPosition | None:
    """The GPS position of an already opened image (*data* are its bytes), or None."""
    position = _from_exif(img)
    if position is not None:
        return position
    for blob in _xmp_blobs(img, b""):
        position = _from_xmp_blob(blob)
        if position is not None:
            return position
    return location_in_raw_bytes(data)


def read_location(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> GeoPosition | None:
    """The GPS position stored in the photo *data*, or None when it carries none.

    Only metadata is read; pixels are never decoded (so the pixel cap does not apply). Raises
    :class:`~bot.images.types.ImageRejected` for what is not an image within *limits*.
    """
    with open_image(data, limits, check_pixels=False) as img:
        return location_of(img, data)
