"""The image layer as a content scanner of the bot pipeline (``bot.discord.pipeline``).

For each message that passed the skip rules, :class:`ImageContentScanner`:

1. picks the image attachments Discord delivered with it (never a URL from the message text),
   skipping those whose announced size is over the guild's ``max_image_bytes``;
2. streams each from Discord's CDN within that cap (:func:`~bot.images.download.fetch_attachment`);
3. decodes it in the worker pool (codes + GPS, off the event loop, per-image timeout);
4. runs the detector with the guild's allow-list over every decoded payload;
5. returns a :class:`~bot.discord.pipeline.ContentScan`: the image findings (attachment id,
   empty span), the flagged attachments WITH their bytes (Discord's CDN links die with the
   deleted message, so the evidence is copied now), and ``points_override=0`` when the only
   finding is a photo location and the guild has not turned location strikes on.

The coordinates of a photo never leave the worker process (see
:func:`bot.images.analyze.inspect_image`): the report, the ledger and the logs only learn that a
location was present.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.discord.pipeline import ContentScan, allowlist_from_config
from bot.images.analyze import judge_inspection
from bot.images.download import DISCORD_MEDIA_HOSTS, DownloadError, allowed_hosts, fetch_attachment
from bot.images.types import DEFAULT_LIMITS, ImageInspection, ImageLimits, ImageReport, ImageStatus
from bot.images.worker import ImageWorkerPool
from bot.ledger.models import AttachmentEvidence

if TYPE_CHECKING:
    from bot.detect.findings import Finding
    from bot.discord.convert import PlainAttachment, PlainMessage
    from bot.ledger.models import GuildConfig

log = logging.getLogger(__name__)

# What Discord renders inline as a picture (and what members therefore see as one).
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".jfif", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif"}
)
# How much of an image over the byte cap is fetched to read its metadata: JPEG APP1 (EXIF) is
# at most 64 kB and comes first; HEIF's meta box and PNG's eXIf chunk sit before the pixels.
METADATA_PREFIX_BYTES = 256 * 1024
# Discord allows 10 attachments per message; forwarded messages can add theirs.
MAX_IMAGES_PER_MESSAGE = 20


def looks_like_image(filename: str, content_type: str | None) -> bool:
    """An attachment to scan: an image content type, or an image extension (a file without a
    content type, or one lying about it, is still checked; the decoder decides)."""
    name = filename.lower()
    if content_type and content_type.lower().startswith("image/"):
        # SVG is a document, not pixels: Discord shows it as a file and no decoder here reads it.
        return not (content_type.lower().startswith("image/svg") or name.endswith(".svg"))
    return any(name.endswith(ext) for ext in IMAGE_EXTENSIONS)


@dataclass(frozen=True, slots=True)
class _Scanned:
    """One attachment's result (cached by attachment id, without the bytes, so an edit does not
    re-download)."""

    report: ImageReport
    data: bytes | None  # kept only for flagged attachments (the evidence)
    sha256: str | None
    # Set when the evidence copy was re-encoded to drop a GPS position: its new extension.
    evidence_extension: str | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ImageContentScanner:
    """A ``ContentScanner`` for :class:`bot.discord.pipeline.Pipeline`.

    *detector* has ``scan(text, allowlist)``; *allowlist_factory* turns a GuildConfig into the
    detector's allow-list. *extra_hosts* are base URLs whose host may also serve attachments
    (a REST proxy, the test suite's fake Discord); by default the host of discord.py's current
    API base is added when it is not Discord's own.
    """

    def __init__(
        self,
        *,
        detector: Any = None,
        allowlist_factory: Callable[[Any], Any] | None = None,
        pool: ImageWorkerPool | None = None,
        limits: ImageLimits = DEFAULT_LIMITS,
        extra_hosts: tuple[str, ...] | None = None,
        download_timeout_s: float = 20.0,
        cache_size: int = 512,
        max_in_flight: int = 8,
    ) -> None:
        self._detector = detector
        self._allowlist_factory = allowlist_factory
        self._pool = pool
        self._owns_pool = pool is None
        self.limits = limits
        self._extra_hosts = extra_hosts
        self._download_timeout_s = download_timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._cache: OrderedDict[str, _Scanned] = OrderedDict()
        self._cache_size = cache_size
        self._allowlists: dict[int, tuple[Any, Any]] = {}  # guild id -> (config, allow-list)
        # Images being downloaded or decoded at once, across all messages: a burst of uploads
        # waits here holding only attachment metadata, never hundreds of downloaded files.
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self.stats: dict[str, int] = {}

    # ---- collaborators, created on first use

    def _scan_payload(self, text: str, allowlist: Any) -> Any:
        # The learned model judges chat messages, which it was trained on; a QR
        # payload (a link, a vCard) is not one, and its verdict there would bypass the guild's
        # learned_model setting (the finding's rule id is the code's, not the model's).
        return self._detector_or_load().scan(text, allowlist, model=False)

    def _detector_or_load(self) -> Any:
        if self._detector is None:
            from bot.detect.engine import load_detector

            log.info("image scanner: loading its own detector (none was handed over)")
            self._detector = load_detector()
        return self._detector

    def _hosts(self) -> frozenset[str]:
        bases: tuple[str | None, ...]
        if self._extra_hosts is not None:
            bases = self._extra_hosts
        else:
            import discord.http

            bases = (discord.http.Route.BASE,)
        hosts = allowed_hosts(bases)
        return hosts - {"discord.com"} | DISCORD_MEDIA_HOSTS

    def _allowlist(self, config: GuildConfig) -> Any:
        if self._allowlist_factory is None:
            return None
        cached = self._allowlists.get(config.guild_id)
        if cached is not None and cached[0] == config:
            return cached[1]
        allowlist = self._allowlist_factory(config)
        self._allowlists[config.guild_id] = (config, allowlist)
        return allowlist

    async def _session_or_open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(raise_for_status=False)
        return self._session

    def _pool_or_start(self) -> ImageWorkerPool:
        if self._pool is None:
            self._pool = ImageWorkerPool(limits=self.limits)
        return self._pool

    async def start(self) -> None:
        """Start the decoder processes now instead of on the first image (optional)."""
        await self._pool_or_start().start()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._pool is not None and self._owns_pool:
            await self._pool.close()

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    # ---- the content scanner

    async def __call__(self, message: PlainMessage, config: GuildConfig) -> ContentScan | None:
        """Scan the image attachments of *message* (a PlainMessage) for *config* (GuildConfig);
        return a ContentScan, or None when no image carries anything."""
        attachments = [a for a in message.attachments if looks_like_image(a.filename, a.content_type)]
        if not attachments:
            return None
        if len(attachments) > MAX_IMAGES_PER_MESSAGE:
            log.warning("message %s has %d images; scanning the first %d",
                        message.id, len(attachments), MAX_IMAGES_PER_MESSAGE)
            attachments = attachments[:MAX_IMAGES_PER_MESSAGE]
        limits = replace(self.limits, max_bytes=config.max_image_bytes)
        allowlist = self._allowlist(config)
        results = await asyncio.gather(
            *(self._scan_one(message, attachment, limits, allowlist) for attachment in attachments)
        )

        findings: list[Finding] = []
        evidence: list[AttachmentEvidence] = []
        has_contact = False
        for attachment, scanned in zip(attachments, results, strict=True):
            report = scanned.report
            if not report.flagged:
                continue
            has_contact |= bool(report.code_findings)
            findings.extend(report.findings)
            filename, content_type = attachment.filename, attachment.content_type
            if scanned.evidence_extension is not None:  # re-encoded without its location
                filename = f"{filename}.{scanned.evidence_extension}"
                content_type = "image/png" if scanned.evidence_extension == "png" else "image/jpeg"
            evidence.append(
                AttachmentEvidence(
                    attachment_id=str(attachment.id),
                    filename=filename,
                    size=len(scanned.data) if scanned.data is not None else attachment.size,
                    content_type=content_type,
                    url=attachment.url,
                    sha256=scanned.sha256,
                    data=scanned.data,
                )
            )
        if not findings:
            return None
        # A contact detail in a code counts like one in text; a location alone is a kind notice
        # without a strike unless the guild asked for location strikes.
        points_override = None if has_contact or config.location_strike else 0
        return ContentScan(
            findings=tuple(findings), attachments=tuple(evidence), points_override=points_override
        )

    async def _scan_one(
        self, message: PlainMessage, attachment: PlainAttachment, limits: ImageLimits, allowlist: Any
    ) -> _Scanned:
        key = str(attachment.id)
        cached = self._cache.get(key)
        if cached is not None:
            self._count("cache_hits")
            self._cache.move_to_end(key)
            # Re-judge: the guild's allow-list may have changed since (cheap; no decoding).
            report = judge_inspection(
                cached.report.inspection,
                attachment_id=key,
                scan=self._scan_payload,
                allowlist=allowlist,
            )
            return replace(cached, report=report)

        async with self._in_flight:
            data, inspection = await self._fetch_and_inspect(attachment, limits)
        report = judge_inspection(
            inspection, attachment_id=key, scan=self._scan_payload, allowlist=allowlist
        )
        self._count(f"status.{inspection.status.value}")
        if inspection.status is not ImageStatus.OK:
            log.info(
                "attachment %s of message %s in channel %s not fully scanned: %s (%s)",
                key, message.id, message.channel_id, inspection.status.value, inspection.detail,
            )
        if report.flagged:
            self._count("flagged.location" if report.has_location else "flagged.code")
            log.info(
                "attachment %s of message %s: %d code finding(s) [%s]%s",
                key,
                message.id,
                len(report.code_findings),
                ",".join(sorted({f.kind for f in report.contact_findings})),
                ", photo carries a location" if report.has_location else "",
            )
        keep, extension = await self._evidence_copy(report, data, limits)
        # Only the evidence needs the digest. Hashing 10 MB takes ~20 ms: in a thread, not on
        # the event loop (hashlib releases the GIL for large inputs).
        digest = await asyncio.to_thread(_sha256, keep) if keep is not None else None
        scanned = _Scanned(report=report, data=keep, sha256=digest, evidence_extension=extension)
        # The cache keeps the verdict, never the bytes (512 flagged 10 MB pictures would be 5 GB):
        # an edit re-judges the cached inspection, and its violation is the same message's,
        # which the ledger already holds with the evidence bytes.
        self._cache[key] = replace(scanned, data=None)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return scanned

    async def _evidence_copy(
        self, report: ImageReport, data: bytes | None, limits: ImageLimits
    ) -> tuple[bytes | None, str | None]:
        """The bytes to keep as evidence (and a new extension if re-encoded), or (None, None).

        A photo that carries a GPS position is kept WITHOUT its location metadata: the evidence
        goes to administrators (`/guard evidence`), and the position must reach nobody. When no
        safe copy can be made, no bytes are kept (the finding and the file's metadata are).
        """
        if not report.flagged or data is None:
            return None, None
        if not report.has_location:
            return data, None
        stripped = await self._pool_or_start().strip_location(data, limits)
        if stripped is None or len(stripped[0]) > limits.max_bytes:
            self._count("evidence.location_not_kept")
            return None, None
        self._count("evidence.location_stripped")
        return stripped

    async def _fetch_and_inspect(
        self, attachment: PlainAttachment, limits: ImageLimits
    ) -> tuple[bytes | None, ImageInspection]:
        """Download and decode one attachment: (its bytes or None, the inspection)."""
        data: bytes | None = None
        if attachment.size > limits.max_bytes:
            inspection = await self._metadata_only(
                attachment, f"announced {attachment.size} bytes, cap {limits.max_bytes}"
            )
        else:
            try:
                data = await fetch_attachment(
                    await self._session_or_open(),
                    attachment.url,
                    max_bytes=limits.max_bytes,
                    hosts=self._hosts(),
                    timeout_s=self._download_timeout_s,
                )
            except DownloadError as exc:
                if exc.status is ImageStatus.TOO_LARGE:  # the announced size was wrong
                    inspection = await self._metadata_only(attachment, f"download: {exc.detail}")
                else:
                    inspection = ImageInspection(status=exc.status, detail=f"download: {exc.detail}")
            else:
                self._count("downloaded")
                inspection = await self._pool_or_start().inspect(data, limits)
        return data, inspection


    async def _metadata_only(self, attachment: PlainAttachment, why: str) -> ImageInspection:
        """An image over the byte cap is not searched for codes, but its first bytes are still
        read for a GPS position (photos keep their metadata up front)."""
        try:
            prefix = await fetch_attachment(
                await self._session_or_open(),
                attachment.url,
                max_bytes=METADATA_PREFIX_BYTES,
                hosts=self._hosts(),
                timeout_s=self._download_timeout_s,
                prefix_only=True,
            )
        except DownloadError as exc:
            return ImageInspection(status=ImageStatus.TOO_LARGE, detail=f"{why}; metadata download: {exc.detail}")
        self._count("prefix_downloaded")
        return await self._pool_or_start().inspect_metadata(prefix, status=ImageStatus.TOO_LARGE, detail=why)


def content_scanner(
    store: Any = None,
    *,
    detector: Any = None,
    allowlist_factory: Callable[[Any], Any] | None = None,
    limits: ImageLimits = DEFAULT_LIMITS,
    **options: Any,
) -> ImageContentScanner:
    """The factory ``bot.discord.integrations.install`` looks up on ``bot.images``.

    *store* is accepted for that call's signature and not needed: the guild settings arrive
    with every message. Pass the bot's *detector* and *allowlist_factory* to share them; without
    them the scanner loads its own detector and uses the pipeline's allow-list conversion.
    """
    del store
    if allowlist_factory is None:
        allowlist_factory = allowlist_from_config
    return ImageContentScanner(detector=detector, allowlist_factory=allowlist_factory, limits=limits, **options)
