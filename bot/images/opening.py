"""Open untrusted image bytes safely: size cap, format check and pixel cap before decoding.

Pillow's ``Image.open`` only reads the header, so the dimensions are known before a single pixel
is decompressed; this module refuses oversize and bomb-sized images at that point. Every failure
becomes an :class:`ImageRejected` with a clear status, never a stray exception.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

from bot.images.types import ImageLimits, ImageRejected, ImageStatus

log = logging.getLogger(__name__)

# Formats we search. Anything else Pillow recognises (PSD, EPS, ICO...) is refused: a narrow
# parser surface is the point of a moderation bot that reads strangers' files.
SEARCHED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO", "HEIF", "AVIF"})


def _register_heif() -> bool:
    """Teach Pillow HEIC/HEIF when pillow-heif is installed (phones upload HEIC photos)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # optional: without it HEIC files are reported as unsupported
        return False
    register_heif_opener()
    return True


HEIF_SUPPORTED = _register_heif()
# Pillow format ids to try, most common first (MPO is opened by the JPEG parser).
_OPEN_FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "HEIF", "AVIF", "TIFF", "BMP"]


def _looks_like_heif(data: bytes) -> bool:
    # ISO base media file: "ftyp" box at offset 4 with a HEIF brand.
    return data[4:8] == b"ftyp" and data[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"avif"}


def check_size(data: bytes, limits: ImageLimits) -> None:
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            ImageStatus.TOO_LARGE, f"{len(data)} bytes is over the cap of {limits.max_bytes}"
        )
    if not data:
        raise ImageRejected(ImageStatus.NOT_AN_IMAGE, "empty file")


@contextmanager
def open_image(data: bytes, limits: ImageLimits, *, check_pixels: bool = True) -> Iterator[Image.Image]:
    """Yield the header-parsed (not yet decoded) image of *data*, or raise ImageRejected.

    The caller decides whether to decode pixels (``img.load()``, ``convert``); reading metadata
    (EXIF, XMP) needs no pixel decoding at all, which is why a caller that only reads metadata
    first may pass ``check_pixels=False`` and call :func:`check_pixel_cap` before decoding.
    """
    check_size(data, limits)
    try:
        with warnings.catch_warnings():
            # Our own pixel cap below is the policy; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Only the parsers of the formats we search ever see the bytes: Pillow's other
            # plugins (EPS hands files to Ghostscript, PSD, ICNS...) are a needless attack surface.
            img = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageRejected(ImageStatus.TOO_MANY_PIXELS, str(exc)) from None
    except UnidentifiedImageError:
        if _looks_like_heif(data) and not HEIF_SUPPORTED:
            raise ImageRejected(ImageStatus.UNSUPPORTED, "HEIF image and pillow-heif is not installed") from None
        raise ImageRejected(
            ImageStatus.NOT_AN_IMAGE, f"not a {', '.join(sorted(SEARCHED_FORMATS - {'MPO'}))} image"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        # Broken headers surface as any of these depending on the plugin.
        raise ImageRejected(ImageStatus.CORRUPT, f"unreadable header: {type(exc).__name__}") from None
    try:
        if img.format not in SEARCHED_FORMATS:
            raise ImageRejected(ImageStatus.UNSUPPORTED, f"format {img.format} is not searched")
        width, height = img.size
        if width <= 0 or height <= 0:
            raise ImageRejected(ImageStatus.CORRUPT, f"bad dimensions {width}x{height}")
        if check_pixels:
            check_pixel_cap(img, limits)
        yield img
    finally:
        img.close()


def check_pixel_cap(img: Image.Image, limits: ImageLimits) -> None:
    """Refuse (ImageRejected TOO_MANY_PIXELS) an image whose header claims too many pixels:
    called before any pixel is decoded, so a decompression bomb never allocates its canvas."""
    width, height = img.size
    if width * height > limits.max_pixels:
        raise ImageRejected(
            ImageStatus.TOO_MANY_PIXELS,
            f"{width}x{height} is over the cap of {limits.max_pixels} pixels",
        )


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        img.mode in {"P", "L", "RGB"} and "transparency" in img.info
    )


def decode_first_frame_rgb(img: Image.Image) -> Image.Image:
    """The first frame of *img* in colour (RGB, or RGBA when transparent), decoded; raises
    ImageRejected(CORRUPT) for damaged pixel data. Used for the evidence copy."""
    try:
        img.seek(0)
        img.load()
        return img.convert("RGBA" if _has_alpha(img) else "RGB")
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise ImageRejected(ImageStatus.CORRUPT, f"pixel data unreadable: {exc}") from None


def decode_pixels(img: Image.Image) -> list[tuple[str, Image.Image]]:
    """The first frame of *img* as 8-bit grayscale views (what barcode decoders work on).

    An opaque image gives one view. A transparent one gives two, flattened on white and on
    black: Discord shows transparency over a light or a dark theme, so a white-on-transparent
    QR code is only readable on black and a black-on-transparent one only on white.
    Raises ImageRejected(CORRUPT) for truncated or damaged pixel data.
    """
    try:
        img.seek(0)
        if img.format in {"JPEG", "MPO"} and img.mode in {"RGB", "YCbCr"}:
            # libjpeg decodes straight to luminance: a third of the memory and less work than
            # decoding RGB and converting (a 48 MP photo: 48 MB instead of 144 MB).
            img.draft("L", img.size)
        img.load()
        if not _has_alpha(img):
            return [("as_is", img.convert("L"))]
        rgba = img.convert("RGBA")
        views = []
        for name, background in (("on_white", (255, 255, 255, 255)), ("on_black", (0, 0, 0, 255))):
            canvas = Image.new("RGBA", rgba.size, background)
            canvas.alpha_composite(rgba)
            views.append((name, canvas.convert("L")))
        return views
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise ImageRejected(ImageStatus.CORRUPT, f"pixel data unreadable: {exc}") from None
    except MemoryError:
        raise ImageRejected(ImageStatus.TOO_MANY_PIXELS, "out of memory while decoding") from None
