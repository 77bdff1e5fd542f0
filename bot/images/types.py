"""Value types of the image layer: limits, decoded codes, positions, and the per-image report.

Everything here is a frozen dataclass made of plain values so that it pickles cheaply across
the worker-process boundary (see :mod:`bot.images.worker`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from bot.detect.findings import Finding

MEGABYTE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What one image may cost us. Every field has a safe default; servers may tighten them.

    ``max_pixels`` is checked from the header BEFORE any pixel is decoded, so a tiny file that
    claims to be 50,000 x 50,000 (a decompression bomb) is refused without allocating anything.
    ``time_budget_s`` is the soft budget of the code search: fallback passes (contrast stretch,
    upscale, ...) are skipped once it is spent. ``hard_timeout_s`` is enforced by the async
    scanner, which kills the worker process of an image that overruns it.
    """

    max_bytes: int = 10 * MEGABYTE
    # 64 MP: a 48 MP phone photo (8064 x 6048) still passes; Pillow's own bomb check is ~89 MP.
    max_pixels: int = 64_000_000
    time_budget_s: float = 3.0
    hard_timeout_s: float = 15.0
    # A QR code holds at most ~4.3 kB of text; anything longer is cut before the detector sees it.
    max_payload_chars: int = 4_300
    max_codes: int = 16

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_pixels <= 0 or self.max_codes <= 0:
            raise ValueError("image limits must be positive")
        if not (0 < self.time_budget_s <= self.hard_timeout_s):
            raise ValueError("need 0 < time_budget_s <= hard_timeout_s")
        if self.max_payload_chars <= 0:
            raise ValueError("max_payload_chars must be positive")


DEFAULT_LIMITS = ImageLimits()


class ImageStatus(StrEnum):
    """How far we got with one image. Only ``OK`` means the pixels were searched for codes."""

    OK = "ok"
    TOO_LARGE = "too_large"  # more bytes than ImageLimits.max_bytes
    TOO_MANY_PIXELS = "too_many_pixels"  # header dimensions over ImageLimits.max_pixels (bomb)
    NOT_AN_IMAGE = "not_an_image"  # no image format recognised (e.g. a text file named .png)
    UNSUPPORTED = "unsupported"  # a recognised format we do not decode (e.g. HEIC without plugin)
    CORRUPT = "corrupt"  # truncated or damaged pixel data; metadata may still have been read
    TIMED_OUT = "timed_out"  # the worker overran ImageLimits.hard_timeout_s and was replaced
    FAILED = "failed"  # the worker crashed or the download failed; see ``detail``

    @property
    def searched(self) -> bool:
        return self is ImageStatus.OK


class ImageRejected(Exception):
    """An image that cannot be searched, with the reason as an :class:`ImageStatus`."""

    def __init__(self, status: ImageStatus, detail: str) -> None:
        super().__init__(f"{status.value}: {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One QR code or barcode found in an image.

    ``format`` is zxing-cpp's name (``QRCode``, ``Code128``, ``EAN13``...). ``text`` is the
    payload as text, cut to ``ImageLimits.max_payload_chars``. ``found_by`` names the decoding
    pass that found it first (``as_is``, ``autocontrast``, ``upscale``...), for tuning.
    """

    format: str
    text: str
    found_by: str = "as_is"


@dataclass(frozen=True, slots=True, repr=False)
class GeoPosition:
    """A GPS position read from a photo's metadata (decimal degrees, WGS 84).

    The repr never shows the coordinates, so a stray log line or exception message cannot leak
    where a member lives. Read the fields explicitly where they are really needed (tests).
    """

    latitude: float
    longitude: float
    source: str  # "exif" or "xmp"

    def __post_init__(self) -> None:
        if not is_plausible_position(self.latitude, self.longitude):
            raise ValueError("implausible GPS position")

    def __repr__(self) -> str:
        return f"GeoPosition(<redacted>, source={self.source!r})"

    __str__ = __repr__


def is_plausible_position(latitude: float, longitude: float) -> bool:
    """A real fix: finite, in range, and not (0, 0), which cameras write when they have none."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return False
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return False
    return not (latitude == 0.0 and longitude == 0.0)


@dataclass(frozen=True, slots=True)
class ImageInspection:
    """What the worker learnt from the bytes of one image, before any detection rule ran.

    Holds the position only as a flag: the coordinates never leave :func:`read_location`'s
    caller inside the worker, so nothing downstream (reports, logs, the ledger) can show them.
    """

    status: ImageStatus
    detail: str = ""
    format: str | None = None
    width: int | None = None
    height: int | None = None
    codes: tuple[DecodedCode, ...] = ()
    has_location: bool = False
    location_source: str | None = None
    passes: tuple[str, ...] = ()  # decoding passes that ran, in order
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True)
class CodeFinding:
    """A detector finding inside the payload of a decoded code.

    ``finding`` is the image-level finding (empty span, ``attachment_id`` set) that the ledger
    and the action planner use like any text finding. ``code`` is the code it came from and
    ``matched`` the part of its payload the rule matched, for the (masked) evidence.
    """

    finding: Finding
    code: DecodedCode
    matched: str


@dataclass(frozen=True, slots=True)
class ImageReport:
    """The verdict on one image attachment.

    ``findings`` are the contact details found in codes (what earns a strike); ``has_location``
    says the photo carried a GPS position (deleted with a private, kind notice; by default no
    strike). ``allowed_codes`` are codes whose payload was clean or allow-listed.
    """

    attachment_id: str | None
    inspection: ImageInspection
    code_findings: tuple[CodeFinding, ...] = ()
    allowed_codes: tuple[DecodedCode, ...] = field(default=())
    # The "photo carries a GPS position" finding (kind "location"); never any coordinates.
    location: Finding | None = None

    @property
    def status(self) -> ImageStatus:
        return self.inspection.status

    @property
    def contact_findings(self) -> tuple[Finding, ...]:
        """Findings in decoded codes: contact details and solicitations (these earn strikes)."""
        return tuple(item.finding for item in self.code_findings)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding of this image: the code findings, then the location finding if any."""
        location = (self.location,) if self.location is not None else ()
        return self.contact_findings + location

    @property
    def has_location(self) -> bool:
        return self.inspection.has_location

    @property
    def flagged(self) -> bool:
        """Whether the attachment should be removed (a contact in a code or a GPS position)."""
        return bool(self.code_findings) or self.has_location
