"""Images in messages: QR codes / barcodes that carry contact details, and photo GPS positions.

Pure core (no discord imports):

* :func:`decode_codes` — QR codes and barcodes in an image (zxing-cpp, with fallback passes);
* :func:`read_location` — the GPS position in a photo's EXIF/XMP metadata (or None);
* :func:`inspect_image` / :func:`analyze_image` — both at once, then the detector over each
  decoded payload; bad input yields a status, never an exception;
* :class:`ImageWorkerPool` — the same off the event loop, in worker processes with a hard
  per-image timeout;
* :func:`fetch_attachment` — stream a Discord-delivered attachment within the size cap;
* :func:`strip_location` — the evidence copy of a photo, without its location metadata.

The bot-facing glue (a content scanner for ``bot.discord.pipeline``) is
:mod:`bot.images.integration`; :func:`content_scanner` is the factory the bot looks up.

Names are loaded on first use (PEP 562): ``contact-guard`` imports ``bot.images.cli`` for every
command, and `contact-guard scan` must not pay for Pillow and zxing-cpp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.images.analyze import analyze_image, inspect_image, judge_inspection, location_finding
    from bot.images.codes import decode_codes
    from bot.images.download import DownloadError, fetch_attachment
    from bot.images.location import read_location
    from bot.images.sanitize import strip_location
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

_EXPORTS: dict[str, str] = {
    "analyze_image": "bot.images.analyze",
    "inspect_image": "bot.images.analyze",
    "judge_inspection": "bot.images.analyze",
    "location_finding": "bot.images.analyze",
    "decode_codes": "bot.images.codes",
    "DownloadError": "bot.images.download",
    "fetch_attachment": "bot.images.download",
    "read_location": "bot.images.location",
    "strip_location": "bot.images.sanitize",
    "DEFAULT_LIMITS": "bot.images.types",
    "CodeFinding": "bot.images.types",
    "DecodedCode": "bot.images.types",
    "GeoPosition": "bot.images.types",
    "ImageInspection": "bot.images.types",
    "ImageLimits": "bot.images.types",
    "ImageRejected": "bot.images.types",
    "ImageReport": "bot.images.types",
    "ImageStatus": "bot.images.types",
    "ImageWorkerPool": "bot.images.worker",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.images' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def content_scanner(store: object = None, **options: Any) -> Any:
    """The pipeline's content scanner for images (looked up by ``bot.discord.integrations``).

    See :func:`bot.images.integration.content_scanner`.
    """
    from bot.images.integration import content_scanner as make

    return make(store, **options)


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
    "strip_location",
]
