"""From a plain message to a recorded violation: skip rules -> detection -> ledger -> executor.

No discord.py here: the pipeline takes :class:`~bot.discord.convert.PlainMessage` values and
talks to three collaborators through narrow interfaces, so it can be driven by the gateway
watcher, by tests and by the benchmark alike:

* the detector (``bot.detect``): ``scan(text, allowlist, model=...)``, wrapped per guild in a
  :class:`~bot.detect.window.ConversationWindow` so contact details split over several messages
  are caught; the learned model is asked about single messages unless the guild
  turned it off (``GuildConfig.learned_model``), never about joined texts;
* the ledger (``bot.ledger.store.LedgerStore``): guild settings and ``record_violation``, which
  commits strike + evidence + outbox actions in one transaction and deduplicates by message id
  (a message and its immediate edit, or a split re-detected by the window, never make two
  strikes);
* an :class:`ActionSink` (the outbox executor in ``bot.discord.actions``) that performs the
  outbox rows the ledger returned.

Content scanners (the seam for ``bot.images``): any number of async callables
``scanner(message, config) -> ContentScan | None`` run for every message that passed the skip
rules. Their findings are merged with the text findings of the same message (one strike per
message) and their attachment evidence is stored with the strike.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.detect.findings import Finding
from bot.detect.window import ConversationWindow, WindowMessage
from bot.discord.convert import PlainMessage
from bot.discord.masking import mask
from bot.i18n import language_for_locale
from bot.ledger.models import (
    AttachmentEvidence,
    FindingRecord,
    GuildConfig,
    OutboxAction,
    RecordOutcome,
    ViolationInput,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- collaborators


class Scanner(Protocol):
    """``bot.detect.engine.Detector`` as the pipeline uses it."""

    def scan(self, text: str, allowlist: Any = None, *, model: bool = True) -> list[Finding]: ...


class LedgerPort(Protocol):
    """The part of ``bot.ledger.store.LedgerStore`` the pipeline uses."""

    async def get_guild_config(self, guild_id: int) -> GuildConfig: ...

    async def record_violation(
        self, violation: ViolationInput, *, now: datetime | None = None
    ) -> RecordOutcome: ...


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What the edge knew when the violation was recorded; the executor re-checks what it can."""

    message: PlainMessage
    findings: tuple[Finding, ...]
    # The guild's warning language (configured, else from the guild's preferred locale).
    language: str


class ActionSink(Protocol):
    def submit(self, actions: Sequence[OutboxAction], context: ActionContext | None) -> None: ...


@dataclass(frozen=True, slots=True)
class ContentScan:
    """What a content scanner (e.g. the image analyser) found in one message."""

    findings: tuple[Finding, ...] = ()
    attachments: tuple[AttachmentEvidence, ...] = ()
    # Replace the ladder's points (0 = record and warn, but do not count toward escalation).
    points_override: int | None = None


ContentScanner = Callable[[PlainMessage, GuildConfig], Awaitable[ContentScan | None]]
AllowlistFactory = Callable[[GuildConfig], Any]


# --------------------------------------------------------------------------- skip rules


def skip_reason(message: PlainMessage, config: GuildConfig, *, own_user_id: int | None) -> str | None:
    """Why *message* is not checked at all, or None when it must be scanned. Pure."""
    author = message.author
    if own_user_id is not None and author.id == own_user_id:
        return "own message"
    if not message.is_member_message or author.is_system:
        return "system message"
    if author.is_webhook and not config.scan_bots:
        return "webhook"
    if author.is_bot and not config.scan_bots:
        return "bot"
    if author.manage_messages:
        return "member has Manage Messages"
    if author.role_ids & config.exempt_role_ids:
        return "exempt role"
    if any(channel in config.exempt_channel_ids for channel in message.channel_ids):
        return "exempt channel"
    if not message.parts and not message.attachments:
        return "empty"
    return None


def guild_language(config: GuildConfig, guild_locale: str | None) -> str:
    """The language members of this guild are warned in: configured, else Discord's preferred
    locale (Japanese for ``ja``, English otherwise)."""
    if config.language is not None:
        return config.language
    return language_for_locale(guild_locale)


# --------------------------------------------------------------------------- grouping


@dataclass
class _Group:
    message_ids: set[str]
    findings: list[Finding] = field(default_factory=list)
    attachments: list[AttachmentEvidence] = field(default_factory=list)
    points_override: int | None = None
    has_text_finding: bool = False


def group_findings(
    message_id: str, findings: Iterable[Finding], scans: Iterable[ContentScan] = ()
) -> list[_Group]:
    """Merge findings whose message ids overlap into one group each: one group = one strike.

    A message that carries its own finding AND is a part of a cross-message finding yields ONE
    violation naming all parts, never two (the ledger would drop the second as a duplicate and
    the other parts would stay undeleted)."""
    groups: list[_Group] = []

    def add(ids: set[str]) -> _Group:
        merged = _Group(message_ids=set(ids))
        for group in [g for g in groups if g.message_ids & ids]:
            groups.remove(group)
            merged.message_ids |= group.message_ids
            merged.findings.extend(group.findings)
            merged.attachments.extend(group.attachments)
            merged.has_text_finding |= group.has_text_finding
            merged.points_override = _merge_override(merged, group)
        groups.append(merged)
        return merged

    for finding in findings:
        group = add(set(finding.message_ids) or {message_id})
        group.findings.append(finding)
        group.has_text_finding = True
        group.points_override = None
    for scan in scans:
        if not scan.findings:
            continue
        group = add({message_id})
        group.findings.extend(
            f if f.message_ids else replace(f, message_ids=(message_id,)) for f in scan.findings
        )
        group.attachments.extend(scan.attachments)
        if not group.has_text_finding:
            group.points_override = _min_override(group.points_override, scan.points_override)
    return groups


def _min_override(current: int | None, new: int | None) -> int | None:
    # A text finding counts fully (None); among overrides the heavier one wins.
    if current is None or new is None:
        return current if new is None else new
    return max(current, new)


def _merge_override(merged: _Group, other: _Group) -> int | None:
    if merged.has_text_finding:
        return None
    return _min_override(merged.points_override, other.points_override)


# --------------------------------------------------------------------------- the pipeline


@dataclass(frozen=True, slots=True)
class PipelineResult:
    skipped: str | None = None
    findings: tuple[Finding, ...] = ()
    outcomes: tuple[RecordOutcome, ...] = ()


class Pipeline:
    """Skip rules, per-guild windows, content scanners, ledger recording, action submission."""

    def __init__(
        self,
        *,
        detector: Scanner,
        ledger: LedgerPort,
        sink: ActionSink,
        allowlist_factory: AllowlistFactory | None = None,
        content_scanners: Sequence[ContentScanner] = (),
        own_user_id: int | None = None,
        config_ttl_s: float = 2.0,
        window_options: dict[str, Any] | None = None,
        text_memory: int = 20_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._detector = detector
        self._ledger = ledger
        self._sink = sink
        self._allowlist_factory = allowlist_factory
        self.content_scanners: list[ContentScanner] = list(content_scanners)
        self.own_user_id = own_user_id
        self._config_ttl_s = config_ttl_s
        self._window_options = dict(window_options or {})
        self._clock = clock
        self._configs: dict[int, tuple[float, GuildConfig, Any]] = {}
        self._windows: dict[int, ConversationWindow] = {}
        # guild id -> (allow-list object, whether the model is asked) the window was built with.
        self._window_keys: dict[int, tuple[Any, bool]] = {}
        # Recent message texts, so the evidence of a split finding holds every part's text.
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._text_memory = text_memory

    # ---- configuration

    def invalidate_guild(self, guild_id: int) -> None:
        """Forget the cached settings of a guild (call after ``/guard`` changed them)."""
        self._configs.pop(guild_id, None)

    async def guild_config(self, guild_id: int) -> tuple[GuildConfig, Any]:
        """The guild's settings and its allow-list object, re-read at most every
        ``config_ttl_s`` (the ledger caches too; this saves a round trip per message). The
        allow-list object is rebuilt only when the entries changed, so the guild's window keeps
        its memory across unrelated setting changes."""
        now = self._clock()
        cached = self._configs.get(guild_id)
        if cached is not None and now - cached[0] < self._config_ttl_s:
            return cached[1], cached[2]
        config = await self._ledger.get_guild_config(guild_id)
        if cached is not None and cached[1].allow_list == config.allow_list:
            allowlist = cached[2]
        else:
            allowlist = self._allowlist_factory(config) if self._allowlist_factory else None
        self._configs[guild_id] = (now, config, allowlist)
        return config, allowlist

    def _window(self, guild_id: int, allowlist: Any, *, ask_model: bool) -> ConversationWindow:
        built_with = self._window_keys.get(guild_id)  # written with the guild's window, below
        if built_with is not None and built_with[0] is allowlist and built_with[1] == ask_model:
            return self._windows[guild_id]
        # A new guild, or a changed allow-list or model setting, gets a fresh window: held texts
        # were scanned under the old ones.
        detector = self._detector

        def scan(text: str) -> list[Finding]:
            return detector.scan(text, allowlist, model=ask_model)

        def scan_joined(text: str) -> list[Finding]:
            return detector.scan(text, allowlist, model=False)

        window = ConversationWindow(scan, scan_joined=scan_joined, **self._window_options)
        self._windows[guild_id] = window
        self._window_keys[guild_id] = (allowlist, ask_model)
        return window

    # ---- events

    async def on_message(self, message: PlainMessage) -> PipelineResult:
        return await self._handle(message, edited=False)

    async def on_edit(self, message: PlainMessage) -> PipelineResult:
        return await self._handle(message, edited=True)

    def on_delete(self, guild_id: int | None, message_id: int) -> None:
        """A deleted message can no longer be a part of a split finding."""
        key = str(message_id)
        self._texts.pop(key, None)
        windows = [self._windows.get(guild_id)] if guild_id is not None else self._windows.values()
        for window in windows:
            if window is not None:
                window.forget(key)

    async def _handle(self, message: PlainMessage, *, edited: bool) -> PipelineResult:
        config, allowlist = await self.guild_config(message.guild_id)
        reason = skip_reason(message, config, own_user_id=self.own_user_id)
        if reason is not None:
            log.debug("message %s in channel %s skipped: %s", message.id, message.channel_id, reason)
            return PipelineResult(skipped=reason)

        message_key = str(message.id)
        text = message.text
        self._remember(message_key, text)
        window_message = WindowMessage(
            message_id=message_key,
            channel_id=str(message.channel_id),
            author_id=str(message.author.id),
            text=text,
            timestamp=self._clock(),
        )
        window = self._window(message.guild_id, allowlist, ask_model=config.asks_model)
        findings = window.edit(window_message) if edited else window.observe(window_message)

        scans: list[ContentScan] = []
        for scanner in self.content_scanners:
            try:
                scan = await scanner(message, config)
            except Exception:
                # A broken scanner (e.g. an undecodable image) must not stop text moderation.
                log.exception("content scanner %r failed on message %s", scanner, message.id)
                continue
            if scan is not None:
                scans.append(scan)

        groups = group_findings(message_key, findings, scans)
        if not groups:
            return PipelineResult()
        language = guild_language(config, message.guild_locale)
        outcomes: list[RecordOutcome] = []
        all_findings: list[Finding] = []
        for group in groups:
            violation = self._violation(message, group)
            outcome = await self._ledger.record_violation(violation, now=datetime.now(UTC))
            outcomes.append(outcome)
            all_findings.extend(group.findings)
            if outcome.created:
                log.info(
                    "strike %s: member %s in guild %s channel %s, messages %s, kinds %s, actions %s",
                    outcome.strike.id,
                    message.author.id,
                    message.guild_id,
                    message.channel_id,
                    ",".join(sorted(group.message_ids)),
                    ",".join(sorted({f.kind for f in group.findings})),
                    ",".join(a.kind for a in outcome.actions),
                )
                self._sink.submit(
                    outcome.actions,
                    ActionContext(message=message, findings=tuple(group.findings), language=language),
                )
            else:
                log.debug(
                    "message(s) %s already carry strike %s: nothing new",
                    ",".join(sorted(group.message_ids)),
                    outcome.strike.id,
                )
        return PipelineResult(findings=tuple(all_findings), outcomes=tuple(outcomes))

    def _remember(self, message_id: str, text: str) -> None:
        self._texts[message_id] = text
        self._texts.move_to_end(message_id)
        while len(self._texts) > self._text_memory:
            self._texts.popitem(last=False)

    def _violation(self, message: PlainMessage, group: _Group) -> ViolationInput:
        # Oldest part first (snowflakes grow with time), so the evidence reads as it was typed.
        ids = sorted(group.message_ids, key=lambda m: (len(m), m))
        original = "\n".join(self._texts.get(m, "") for m in ids) if len(ids) > 1 else message.text
        records = tuple(
            FindingRecord.from_finding(f, masked=mask(f.kind, f.text)) for f in group.findings
        )
        return ViolationInput(
            guild_id=message.guild_id,
            channel_id=message.channel_id,
            member_id=message.author.id,
            message_ids=tuple(ids),
            findings=records,
            original_text=original,
            attachments=tuple(group.attachments) or _attachment_metadata(message, group),
            points_override=group.points_override,
        )


def _attachment_metadata(message: PlainMessage, group: _Group) -> tuple[AttachmentEvidence, ...]:
    """Metadata of the message's attachments (file names can be the finding), no bytes."""
    if str(message.id) not in group.message_ids:
        return ()
    return tuple(
        AttachmentEvidence(
            attachment_id=str(a.id),
            filename=a.filename,
            size=a.size,
            content_type=a.content_type,
            url=a.url,
        )
        for a in message.attachments
    )


def allowlist_from_config(config: GuildConfig) -> Any:
    """The detector's allow-list for a guild's entries (None when it has none).

    An entry the detector cannot read (edited into the database by hand) is skipped with a
    warning rather than disabling the whole allow-list."""
    from bot.detect.allowlist import Allowlist

    if not config.allow_list:
        return None
    raw = [f"@{e.value.lstrip('@')}" if e.kind == "handle" else e.value for e in config.allow_list]
    try:
        return Allowlist.from_entries(raw)
    except ValueError:
        usable = []
        for entry in raw:
            try:
                Allowlist.from_entries([entry])
            except ValueError as exc:
                log.warning("guild %s: allow-list entry skipped: %s", config.guild_id, exc)
            else:
                usable.append(entry)
        return Allowlist.from_entries(usable)
