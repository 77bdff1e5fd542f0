"""Find QR codes and barcodes in an image with zxing-cpp, trying harder when the plain pass fails.

zxing-cpp already searches rotated (any angle for 2-D codes), inverted and downscaled versions
of what it is given. The fallback passes below cover what it does not: low contrast (a faded
photo of a screen), blur, salt-and-pepper noise and tiny thumbnails. Every pass runs on the
8-bit grayscale view (zxing works on luminance anyway, and handing it 'L' avoids a full RGB
copy). Passes stop once the per-image time budget is spent; the decoded codes of every pass
that ran are merged, so a faint second code next to a sharp first one is still found.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from bot.images.opening import decode_pixels, open_image
from bot.images.types import DecodedCode, ImageLimits, ImageRejected, ImageStatus

# Formats that can carry free text such as a contact ID or a URL. Purely numeric retail and
# logistics codes (EAN/UPC, ITF, Codabar, DataBar) are left out on purpose: every product in a
# photo carries one, and a 13-digit JAN code must not look like a phone number to the detector.
SEARCHED_CODE_FORMATS: tuple[zxingcpp.BarcodeFormat, ...] = (
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.MicroQRCode,
    zxingcpp.BarcodeFormat.RMQRCode,
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.Aztec,
    zxingcpp.BarcodeFormat.PDF417,
    zxingcpp.BarcodeFormat.Code128,
    zxingcpp.BarcodeFormat.Code39,
    zxingcpp.BarcodeFormat.Code93,
)

# The fallback passes (autocontrast, equalize, blur) run on at most this many pixels: a code
# that is only readable at full 12 MP resolution is caught by the first, full-resolution pass.
_FALLBACK_MAX_PIXELS = 2_500_000
# The median pass only runs on images up to this size (~50 ms per megapixel in Pillow).
_MEDIAN_MAX_PIXELS = 1_000_000
# Below this longest side an image is a thumbnail or a tightly cropped code: upscale it.
_UPSCALE_BELOW = 640
# Animated GIF/WebP: besides the first frame, look at up to this many frames spread over it.
_EXTRA_FRAMES = 6


@dataclass(frozen=True, slots=True)
class _Pass:
    name: str
    prepare: Callable[[Image.Image], Image.Image | None]  # None: pass does not apply


def _reduced(img: Image.Image, max_pixels: int = _FALLBACK_MAX_PIXELS) -> Image.Image:
    """*img* shrunk by an integer factor to at most *max_pixels* (box filter: fast, and it
    averages noise away)."""
    factor = 1
    while (img.width // factor) * (img.height // factor) > max_pixels:
        factor += 1
    return img if factor == 1 else img.reduce(factor)


def _upscaled(img: Image.Image) -> Image.Image | None:
    longest = max(img.size)
    if longest >= _UPSCALE_BELOW:
        return None
    factor = max(2, -(-1000 // longest))  # to about 1000 px on the longest side
    factor = min(factor, 8)
    return img.resize((img.width * factor, img.height * factor), Image.Resampling.BICUBIC)


_PASSES: tuple[_Pass, ...] = (
    _Pass("as_is", lambda img: img),
    # Stretch the histogram (1% clipped each side): faded prints, photos of screens, blur.
    _Pass("autocontrast", lambda img: ImageOps.autocontrast(_reduced(img), cutoff=1)),
    # Histogram equalisation spreads grey levels used by few pixels: a faint code next to a
    # sharp one, which autocontrast (already full range thanks to the sharp one) leaves faint.
    _Pass("equalize", lambda img: ImageOps.equalize(_reduced(img))),
    # A 3x3 box blur averages salt-and-pepper noise and JPEG speckle away while modules of two
    # pixels and more keep their shape; it is separable and runs in ~5 ms per megapixel (a
    # median filter, the textbook choice, rescued the same test images at ~70 ms).
    _Pass("box_blur", lambda img: _reduced(img).filter(ImageFilter.BoxBlur(1))),
    # On small images (a cropped code, a screenshot) the median filter is affordable and keeps
    # edges better than the blur under heavy noise.
    _Pass("median", lambda img: img.filter(ImageFilter.MedianFilter(3)) if img.width * img.height <= _MEDIAN_MAX_PIXELS else None),
    _Pass("upscale", _upscaled),
)


def _read(img: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(img, formats=SEARCHED_CODE_FORMATS)


def _frames(img: Image.Image) -> Iterator[int]:
    """Frame indexes to search beyond the first, spread evenly over an animation."""
    count = getattr(img, "n_frames", 1)
    if count <= 1:
        return
    step = max(1, count // (_EXTRA_FRAMES + 1))
    yield from list(range(step, count, step))[:_EXTRA_FRAMES]


class _Collector:
    def __init__(self, limits: ImageLimits) -> None:
        self._limits = limits
        self._seen: set[tuple[str, str]] = set()
        self.codes: list[DecodedCode] = []

    @property
    def full(self) -> bool:
        return len(self.codes) >= self._limits.max_codes

    def add(self, results: list[zxingcpp.Barcode], found_by: str) -> None:
        for result in results:
            if self.full:
                return
            text = result.text[: self._limits.max_payload_chars]
            key = (result.format.name, text)
            if not text or key in self._seen:
                continue
            self._seen.add(key)
            self.codes.append(DecodedCode(format=result.format.name, text=text, found_by=found_by))


def search_codes(
    img: Image.Image, limits: ImageLimits, *, deadline: float
) -> tuple[list[DecodedCode], list[str]]:
    """Search an opened (header-parsed) image; return the codes and the names of the passes run.

    Raises ImageRejected(CORRUPT) when the pixel data cannot be decoded.
    """
    collector = _Collector(limits)
    passes_run: list[str] = []
    views = decode_pixels(img)
    for view_name, view in views:
        for item in _PASSES:
            if collector.full or time.monotonic() >= deadline:
                return collector.codes, passes_run
            prepared = item.prepare(view)
            if prepared is None:
                continue
            name = item.name if view_name == "as_is" else f"{view_name}/{item.name}"
            passes_run.append(name)
            collector.add(_read(prepared), name)
    for frame in _frames(img):
        if collector.full or time.monotonic() >= deadline:
            break
        try:
            img.seek(frame)
            frame_view = img.convert("L")
        except (OSError, ValueError, EOFError):
            break  # a damaged later frame: keep what the earlier frames gave
        name = f"frame{frame}"
        passes_run.append(name)
        collector.add(_read(frame_view), name)
    return collector.codes, passes_run


def decode_codes(data: bytes, limits: ImageLimits) -> list[DecodedCode]:
    """The QR codes and barcodes in the image *data* (possibly none).

    Raises :class:`ImageRejected` with a clear status for what is not a searchable image: too
    many bytes or pixels, not an image at all, an unsupported format, corrupt pixel data.
    """
    deadline = time.monotonic() + limits.time_budget_s
    with open_image(data, limits) as img:
        codes, _ = search_codes(img, limits, deadline=deadline)
    return codes


__all__ = ["SEARCHED_CODE_FORMATS", "ImageRejected", "ImageStatus", "decode_codes", "search_codes"]
