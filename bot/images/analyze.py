"""One image in, one verdict out: inspect the bytes (codes, location), then judge the payloads.

Split in two so the expensive half can run in a worker process:

* :func:`inspect_image` (bytes -> :class:`ImageInspection`) is pure, picklable in and out, and
  does all the decoding. It never raises for bad input: every failure is a status.
* :func:`judge_inspection` (inspection -> :class:`ImageReport`) runs the detector over each
  decoded payload in the caller's process, where the detector and the guild's allow-list live.

:func:`analyze_image` is the two together, for callers that do not need the split.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.detect.findings import Category, Finding
from bot.images.codes import search_codes
from bot.images.location import location_in_raw_bytes, location_of
from bot.images.opening import check_pixel_cap, open_image
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

log = logging.getLogger(__name__)

# The detector as the image layer calls it: ``Detector.scan(text, allowlist)``.
ScanFunction = Callable[[str, Any], list[Finding]]

LOCATION_RULE_PREFIX = "image.location"
CODE_RULE_PREFIX = "image.code"


def _location_fact(position: GeoPosition | None) -> tuple[bool, str | None]:
    """Whether *position* exists and where it was read from; the coordinates go no further."""
    if position is None:
        return False, None
    return True, position.source


def inspect_image(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> ImageInspection:
    """Decode *data*: search it for codes and read its GPS position. Never raises for bad input.

    The position is read from the metadata first, before the pixels are decoded, so a photo
    with damaged pixel data still reports its location. Only the FACT that a position exists
    leaves this function, never the coordinates.
    """
    started = time.monotonic()
    deadline = started + limits.time_budget_s
    try:
        with open_image(data, limits, check_pixels=False) as img:
            fmt, (width, height) = img.format, img.size
            has_location, source = _location_fact(location_of(img, data))
            try:
                check_pixel_cap(img, limits)  # before any pixel is decoded
                codes, passes = search_codes(img, limits, deadline=deadline)
            except ImageRejected as exc:
                return ImageInspection(
                    status=exc.status,
                    detail=exc.detail,
                    format=fmt,
                    width=width,
                    height=height,
                    has_location=has_location,
                    location_source=source,
                    elapsed_s=time.monotonic() - started,
                )
    except ImageRejected as exc:
        return ImageInspection(status=exc.status, detail=exc.detail, elapsed_s=time.monotonic() - started)
    return ImageInspection(
        status=ImageStatus.OK,
        format=fmt,
        width=width,
        height=height,
        codes=tuple(codes),
        has_location=has_location,
        location_source=source,
        passes=tuple(passes),
        elapsed_s=time.monotonic() - started,
    )


def inspect_metadata(prefix: bytes, *, status: ImageStatus, detail: str) -> ImageInspection:
    """Read only the GPS position from the first bytes of an image too large to search.

    Photos keep their EXIF/XMP near the start (JPEG APP1, HEIF meta box, PNG eXIf before the
    pixel data), so an oversize photo still gets its location noticed without downloading it
    whole. *status* and *detail* say why the pixels were not searched. Never raises.
    """
    started = time.monotonic()
    has_location, source, fmt, width, height = False, None, None, None, None
    unbounded = ImageLimits(max_bytes=max(len(prefix), 1))
    try:
        with open_image(prefix, unbounded, check_pixels=False) as img:
            fmt, (width, height) = img.format, img.size
            has_location, source = _location_fact(location_of(img, prefix))
    except ImageRejected as exc:
        # The cut-off container cannot be parsed (e.g. HEIF): search the bytes themselves.
        has_location, source = _location_fact(location_in_raw_bytes(prefix))
        detail = f"{detail}; header: {exc.detail}"
    return ImageInspection(
        status=status,
        detail=detail,
        format=fmt,
        width=width,
        height=height,
        has_location=has_location,
        location_source=source,
        elapsed_s=time.monotonic() - started,
    )


def location_finding(attachment_id: str | None, source: str | None) -> Finding:
    """The finding that stands for "this photo carries a GPS position" (no text, no span)."""
    return Finding(
        kind="location",
        category=Category.LOCATION,
        start=0,
        end=0,
        text="",
        rule_id=f"{LOCATION_RULE_PREFIX}.{source or 'metadata'}",
        confidence=1.0,
        attachment_id=attachment_id,
    )


def _code_findings(
    code: DecodedCode, attachment_id: str | None, scan: ScanFunction, allowlist: Any
) -> list[CodeFinding]:
    found: list[CodeFinding] = []
    for hit in scan(code.text, allowlist):
        found.append(
            CodeFinding(
                finding=Finding(
                    kind=hit.kind,
                    category=hit.category,
                    start=0,
                    end=0,
                    text="",
                    rule_id=f"{CODE_RULE_PREFIX}:{hit.rule_id}",
                    confidence=hit.confidence,
                    attachment_id=attachment_id,
                ),
                code=code,
                matched=hit.text,
            )
        )
    return found


def judge_inspection(
    inspection: ImageInspection,
    *,
    attachment_id: str | None,
    scan: ScanFunction,
    allowlist: Any = None,
) -> ImageReport:
    """Run the detector over every decoded payload of *inspection*.

    A payload the detector finds nothing in (with the guild's allow-list, so a QR code to an
    allow-listed domain stays clean) lands in ``allowed_codes``; everything else becomes
    image-level findings carrying *attachment_id* and an empty span.
    """
    code_findings: list[CodeFinding] = []
    allowed: list[DecodedCode] = []
    for code in inspection.codes:
        hits = _code_findings(code, attachment_id, scan, allowlist)
        if hits:
            code_findings.extend(hits)
        else:
            allowed.append(code)
    return ImageReport(
        attachment_id=attachment_id,
        inspection=inspection,
        code_findings=tuple(code_findings),
        allowed_codes=tuple(allowed),
        location=(
            location_finding(attachment_id, inspection.location_source)
            if inspection.has_location
            else None
        ),
    )


def analyze_image(
    data: bytes,
    *,
    scan: ScanFunction,
    allowlist: Any = None,
    limits: ImageLimits = DEFAULT_LIMITS,
    attachment_id: str | None = None,
) -> ImageReport:
    """Inspect *data* and judge what it holds, in this thread (see :mod:`bot.images.worker`
    for the off-loop version). Never raises for bad image input."""
    return judge_inspection(
        inspect_image(data, limits), attachment_id=attachment_id, scan=scan, allowlist=allowlist
    )
