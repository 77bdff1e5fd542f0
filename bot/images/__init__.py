"""Images in messages: QR codes / barcodes that carry contact details, and photo GPS positions.

Pure core (no discord imports):

* :func:`decode_codes` — QR codes and barcodes in an image (zxing-cpp, with fallback passes);
* :func:`read_location` — the GPS position in a photo's EXIF/XMP metadata (or None);
* :func:`inspect_image` / :func:`analyze_image` — both at once, then the detector over each
  decoded payload; bad input yields a status, never an exception;
* :class:`ImageWorkerPool` — the same off the event loop, in worker processes with a hard
  per-image timeout;
* :func:`fetch_attachment` — stream a Discord-delivered attachment within the size cap.

The bot-facing glue (a content scanner for ``bot.discord.pipeline``) is
:mod:`bot.images.integration`.
"""

from bot.images.analyze import analyze_image, inspect_image, judge_inspection, location_finding
from bot.images.codes import decode_codes
from bot.images.download import DownloadError, fetch_attachment
from bot.images.location import read_location
from bot.images.types import (
    DEFAULT_LIMITS,
    CodeFinding,
    DecodedCode,
    GeoPosition,
    ImageInspection,
    ImageLimits,
    ImageRejected,
    ImageReport,
    ImageStatus,
)
from bot.images.worker import ImageWorkerPool


def content_scanner(store: object = None, **options: object) -> object:
    """The pipeline's content scanner for images (looked up by ``bot.discord.integrations``).

    Imported lazily: the core of this package never imports discord.py.
    See :func:`bot.images.integration.content_scanner`.
    """
    from bot.images.integration import content_scanner as make

    return make(store, **options)  # type: ignore[arg-type]


__all__ = [
    "DEFAULT_LIMITS",
    "CodeFinding",
    "DecodedCode",
    "DownloadError",
    "GeoPosition",
    "ImageInspection",
    "ImageLimits",
    "ImageRejected",
    "ImageReport",
    "ImageStatus",
    "ImageWorkerPool",
    "analyze_image",
    "content_scanner",
    "decode_codes",
    "fetch_attachment",
    "inspect_image",
    "judge_inspection",
    "location_finding",
    "read_location",
]
