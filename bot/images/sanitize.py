"""A copy of a photo without the metadata that can hold where it was taken, for the evidence.

The evidence store keeps the bytes of a flagged attachment, and `/guard evidence` hands them to
administrators; a photo removed BECAUSE it carried its GPS position must not carry it there.

* JPEG: the APP1 (EXIF, XMP) and APP13 (Photoshop/IPTC) segments are dropped; every other byte
  is copied as is (lossless: the same pixels; only the EXIF rotation flag goes with the rest).
* PNG: the eXIf and text chunks (tEXt, zTXt, iTXt: where XMP lives) are dropped, losslessly.
* Anything else (WebP, HEIC, AVIF, TIFF, GIF...): the first frame is re-encoded as PNG (JPEG
  above a few megapixels, to stay within the size cap) with no metadata at all.

The result is checked with :func:`bot.images.location.read_location`; when a position would
survive, None is returned and the caller keeps no bytes.
"""

from __future__ import annotations

import io
import logging
import struct

from bot.images.location import location_in_raw_bytes, read_location
from bot.images.opening import check_pixel_cap, decode_first_frame_rgb, open_image
from bot.images.types import DEFAULT_LIMITS, ImageLimits, ImageRejected

log = logging.getLogger(__name__)

_JPEG_DROPPED_MARKERS = frozenset({0xE1, 0xED})  # APP1 (EXIF, XMP), APP13 (Photoshop IRB/IPTC)
_PNG_DROPPED_CHUNKS = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Re-encoded evidence: lossless PNG up to this size, JPEG above (a 12 MP PNG is ~20 MB).
_PNG_MAX_PIXELS = 4_000_000


class _NotThisFormat(ValueError):
    pass


def _strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise _NotThisFormat
    out = bytearray(b"\xff\xd8")
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ValueError("JPEG segment does not start with 0xFF")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan / end of image: the rest is data
            out += data[position:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out += data[position : position + 2]
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("JPEG segment runs past the end of the file")
        if marker not in _JPEG_DROPPED_MARKERS:
            out += data[position:end]
        position = end
    raise ValueError("JPEG without image data")


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise _NotThisFormat
    out = bytearray(_PNG_SIGNATURE)
    position = len(_PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            raise ValueError("PNG chunk runs past the end of the file")
        if kind not in _PNG_DROPPED_CHUNKS:
            out += data[position:end]
        position = end
        if kind == b"IEND":
            return bytes(out)
    raise ValueError("PNG without IEND")


def _reencode(data: bytes, limits: ImageLimits) -> tuple[bytes, str]:
    with open_image(data, limits) as img:
        check_pixel_cap(img, limits)
        frame = decode_first_frame_rgb(img)
    buffer = io.BytesIO()
    if frame.width * frame.height <= _PNG_MAX_PIXELS:
        frame.save(buffer, "PNG", optimize=False)
        return buffer.getvalue(), "png"
    frame.convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue(), "jpg"


def strip_location(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> tuple[bytes, str | None] | None:
    """(a copy of *data* without location-bearing metadata, the new file extension or None if
    the format is unchanged), or None when no safe copy can be made. Never raises."""
    for strip in (_strip_jpeg, _strip_png):
        try:
            stripped, extension = strip(data), None
        except _NotThisFormat:
            continue
        except (ValueError, struct.error) as exc:
            log.debug("metadata strip failed (%s); re-encoding instead", exc)
            break
        else:
            if _location_free(stripped, limits):
                return stripped, extension
            break
    try:
        reencoded, extension_text = _reencode(data, limits)
    except ImageRejected as exc:
        log.debug("evidence copy impossible: %s", exc.detail)
        return None
    except (OSError, ValueError) as exc:
        log.debug("evidence copy impossible: %s", type(exc).__name__)
        return None
    return (reencoded, extension_text) if _location_free(reencoded, limits) else None


def _location_free(data: bytes, limits: ImageLimits) -> bool:
    try:
        return read_location(data, limits) is None and location_in_raw_bytes(data) is None
    except ImageRejected:
        return False


__all__ = ["strip_location"]
