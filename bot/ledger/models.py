"""Value types the store accepts and returns (pure; no SQL, no discord).

The bot, the slash commands and the image scanner code against these:

* :class:`GuildConfig` — a guild's settings, defaults when unset; ``validated()`` rejects
  impossible values with :class:`~bot.ledger.policy.ConfigError` naming the field.
* :class:`ViolationInput` — what the detection edge hands to
  :meth:`~bot.ledger.store.LedgerStore.record_violation`: who, where, which message ids, the
  findings (:class:`FindingRecord`), the original and normalised text, attachment evidence
  (:class:`AttachmentEvidence`, optionally with the bytes).
* :class:`RecordOutcome` — whether a new strike was created (False when any of the message ids
  already carries one), the strike, the policy :class:`~bot.ledger.policy.Decision`, and the
  outbox rows (:class:`OutboxAction`) the caller should now perform.
* :class:`Evidence`, :class:`Case`.

Discord snowflakes are ``int``; message and attachment ids are ``str`` (as in
``bot.detect.findings.Finding.message_ids``) and ints are accepted and normalised.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from bot.ledger.policy import (
    CATEGORIES,
    ConfigError,
    Decision,
    Ladder,
    StrikeRecord,
    default_ladder,
)

if TYPE_CHECKING:
    from bot.detect.findings import Finding

Language = Literal["ja", "en"]
Mode = Literal["enforce", "shadow"]
# What a verdict of the learned model alone (solicitation or contact) does in a guild: nothing
# (the model is not asked), a report for the moderators to review (nothing done to the member,
# no count), or the same as a rule's finding.
LearnedModelSetting = Literal["off", "review", "enforce"]
LEARNED_MODEL_SETTINGS: tuple[str, ...] = get_args(LearnedModelSetting)
# The rule ids of the model's findings (bot.detect.learned.LEARNED_RULE_IDS; a test keeps the
# two equal). Spelled out here so the ledger stays free of the detector.
LEARNED_RULE_IDS = frozenset({"solicit.model", "contact.model"})
AllowKind = Literal["domain", "handle", "number"]
ALLOW_KINDS: tuple[str, ...] = get_args(AllowKind)
OutboxStatus = Literal["pending", "in_progress", "done", "failed"]

DEFAULT_RETENTION_DAYS = 180
DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_BYTES_LIMIT = 100 * 1024 * 1024
MAX_ALLOW_ENTRIES = 500
MAX_EXEMPTIONS = 500
MAX_TEXT_CHARS = 100_000  # evidence text cap: Discord messages are far shorter


def _snowflake(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a Discord id, not {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a Discord id, not {value!r}") from None
    if not 0 < number < 2**63:
        raise ConfigError(f"{name} must be a positive Discord id, not {value!r}")
    return number


def _storable_text(text: str) -> str:
    """Evidence text as SQLite can store it: lone surrogates (which cannot be encoded) become
    U+FFFD one for one, so spans still index the same characters; absurd lengths are cut."""
    if not isinstance(text, str):
        raise ConfigError(f"evidence text must be a string, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]


def _optional_snowflake(value: Any, name: str) -> int | None:
    return None if value is None else _snowflake(value, name)


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """An allow-listed item: a domain (``example.com``), a handle (``@official``) or a number."""

    kind: AllowKind
    value: str

    def __post_init__(self) -> None:
        if self.kind not in ALLOW_KINDS:
            raise ConfigError(f"allow-list kind must be one of {', '.join(ALLOW_KINDS)}")
        cleaned = self.value.strip() if isinstance(self.value, str) else ""
        if not cleaned or len(cleaned) > 200:
            raise ConfigError("allow-list value must be 1..200 characters")
        if self.kind == "domain":
            cleaned = cleaned.lower().rstrip(".")
        object.__setattr__(self, "value", cleaned)


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """A guild's settings. ``language=None`` means: follow the guild's preferred locale."""

    guild_id: int
    report_channel_id: int | None = None
    language: Language | None = None
    mode: Mode = "enforce"
    ladder: Ladder = field(default_factory=default_ladder)
    evidence_retention_days: int = DEFAULT_RETENTION_DAYS
    moderator_role_id: int | None = None
    exempt_role_ids: frozenset[int] = frozenset()
    exempt_channel_ids: frozenset[int] = frozenset()
    allow_list: tuple[AllowEntry, ...] = ()
    scan_bots: bool = False
    location_strike: bool = False
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    # The model is measured at ~0.5% false positives on hard negatives: less sure than a rule,
    # so by default a human decides.
    learned_model: LearnedModelSetting = "review"

    @property
    def shadow(self) -> bool:
        return self.mode == "shadow"

    @property
    def asks_model(self) -> bool:
        """Whether the learned model judges this guild's messages at all."""
        return self.learned_model != "off"

    def for_review(self, findings: Iterable[FindingRecord]) -> bool:
        """True when *findings* are the model's verdict alone and the guild wants such verdicts
        reviewed: recorded and reported as in shadow mode, and never counted."""
        rule_ids = [f.rule_id for f in findings]
        return self.learned_model == "review" and bool(rule_ids) and all(
            r in LEARNED_RULE_IDS for r in rule_ids
        )

    def validated(self) -> GuildConfig:
        """A normalised copy, or :class:`ConfigError` naming the bad field."""
        guild_id = _snowflake(self.guild_id, "guild_id")
        report = _optional_snowflake(self.report_channel_id, "report_channel_id")
        moderator = _optional_snowflake(self.moderator_role_id, "moderator_role_id")
        if self.language is not None and self.language not in ("ja", "en"):
            raise ConfigError(f"language must be 'ja' or 'en', not {self.language!r}")
        if self.mode not in ("enforce", "shadow"):
            raise ConfigError(f"mode must be 'enforce' or 'shadow', not {self.mode!r}")
        if self.learned_model not in LEARNED_MODEL_SETTINGS:
            raise ConfigError(
                f"learned_model must be one of {', '.join(LEARNED_MODEL_SETTINGS)},"
                f" not {self.learned_model!r}"
            )
        ladder = self.ladder
        if isinstance(ladder, str):
            ladder = Ladder.parse(ladder)
        if not isinstance(ladder, Ladder):
            raise ConfigError("ladder must be a Ladder or its text form")
        retention = self.evidence_retention_days
        if isinstance(retention, bool) or not isinstance(retention, int) or not 1 <= retention <= 3650:
            raise ConfigError(f"evidence_retention_days must be 1..3650, not {retention!r}")
        max_bytes = self.max_image_bytes
        if (
            isinstance(max_bytes, bool)
            or not isinstance(max_bytes, int)
            or not 1024 <= max_bytes <= MAX_IMAGE_BYTES_LIMIT
        ):
            raise ConfigError(
                f"max_image_bytes must be between 1024 and {MAX_IMAGE_BYTES_LIMIT}, not {max_bytes!r}"
            )
        for flag in ("scan_bots", "location_strike"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(f"{flag} must be true or false")
        roles = frozenset(_snowflake(r, "exempt role") for r in self.exempt_role_ids)
        channels = frozenset(_snowflake(c, "exempt channel") for c in self.exempt_channel_ids)
        if len(roles) > MAX_EXEMPTIONS or len(channels) > MAX_EXEMPTIONS:
            raise ConfigError(f"at most {MAX_EXEMPTIONS} exempt roles and channels each")
        allow: list[AllowEntry] = []
        for entry in self.allow_list:
            if not isinstance(entry, AllowEntry):
                raise ConfigError(f"not an allow-list entry: {entry!r}")
            if entry not in allow:
                allow.append(entry)
        if len(allow) > MAX_ALLOW_ENTRIES:
            raise ConfigError(f"at most {MAX_ALLOW_ENTRIES} allow-list entries")
        return replace(
            self,
            guild_id=guild_id,
            report_channel_id=report,
            moderator_role_id=moderator,
            ladder=ladder,
            exempt_role_ids=roles,
            exempt_channel_ids=channels,
            allow_list=tuple(sorted(allow, key=lambda e: (e.kind, e.value))),
        )

    def with_changes(self, **changes: Any) -> GuildConfig:
        """A validated copy with *changes*: field names of this class, plus ``decay_days`` and
        ``points`` (a partial mapping) which edit the ladder. A ``ladder`` given as text keeps
        the current points and decay window unless those are changed too."""
        known = {f.name for f in fields(self)} - {"guild_id"}
        unknown = set(changes) - known - {"decay_days", "points"}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        decay_days = changes.pop("decay_days", None)
        points = changes.pop("points", None)
        ladder = changes.get("ladder", self.ladder)
        if isinstance(ladder, str):
            ladder = Ladder.parse(
                ladder, points=self.ladder.points, decay_days=self.ladder.decay_days
            )
        if not isinstance(ladder, Ladder):
            raise ConfigError("ladder must be a Ladder or its text form")
        if decay_days is not None or points is not None:
            if points is not None and not isinstance(points, Mapping):
                raise ConfigError("points must map categories to whole numbers")
            ladder = ladder.replace(points=points, decay_days=decay_days)
        changes["ladder"] = ladder
        return replace(self, **changes).validated()


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """One finding as kept in the evidence (the span indexes the original text)."""

    kind: str
    category: str
    rule_id: str
    start: int = 0
    end: int = 0
    masked: str = ""
    confidence: float = 1.0
    message_ids: tuple[str, ...] = ()
    attachment_id: str | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ConfigError(
                f"unknown category {self.category!r}; expected one of {', '.join(CATEGORIES)}"
            )
        if not self.kind or not self.rule_id:
            raise ConfigError("a finding needs a kind and a rule id")
        if not 0 <= self.start <= self.end:
            raise ConfigError(f"bad span {self.start}:{self.end}")
        object.__setattr__(self, "message_ids", tuple(str(m) for m in self.message_ids))

    @classmethod
    def from_finding(cls, finding: Finding, *, masked: str) -> FindingRecord:
        """Keep *finding* with its masked text (the detector owns masking)."""
        return cls(
            kind=finding.kind,
            category=str(finding.category),
            rule_id=finding.rule_id,
            start=finding.start,
            end=finding.end,
            masked=masked,
            confidence=finding.confidence,
            message_ids=finding.message_ids,
            attachment_id=finding.attachment_id,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "category": self.category,
            "rule_id": self.rule_id,
            "start": self.start,
            "end": self.end,
            "masked": self.masked,
            "confidence": self.confidence,
            "message_ids": list(self.message_ids),
            "attachment_id": self.attachment_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FindingRecord:
        return cls(
            kind=data["kind"],
            category=data["category"],
            rule_id=data["rule_id"],
            start=data.get("start", 0),
            end=data.get("end", 0),
            masked=data.get("masked", ""),
            confidence=data.get("confidence", 1.0),
            message_ids=tuple(data.get("message_ids", ())),
            attachment_id=data.get("attachment_id"),
        )


@dataclass(frozen=True, slots=True)
class AttachmentEvidence:
    """Metadata of an attachment, and optionally its bytes (kept only within the size cap)."""

    attachment_id: str
    filename: str
    size: int
    content_type: str | None = None
    url: str | None = None
    sha256: str | None = None
    data: bytes | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "attachment_id", str(self.attachment_id))
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size < 2**53:
            raise ConfigError(f"attachment size must be a byte count, not {self.size!r}")


@dataclass(frozen=True, slots=True)
class ViolationInput:
    """One violation to record: possibly several messages (a finding split across messages),
    always ONE strike. ``points_override`` replaces the ladder's points (0 = record, don't count).
    """

    guild_id: int
    channel_id: int
    member_id: int
    message_ids: tuple[str, ...]
    findings: tuple[FindingRecord, ...]
    original_text: str
    normalised_text: str = ""
    attachments: tuple[AttachmentEvidence, ...] = ()
    points_override: int | None = None
    # message id -> channel id, only for parts posted outside ``channel_id``.
    message_channels: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("guild_id", "channel_id", "member_id"):
            _snowflake(getattr(self, name), name)
        object.__setattr__(
            self,
            "message_channels",
            {str(m): _snowflake(c, "message channel") for m, c in self.message_channels.items()},
        )
        ids = tuple(dict.fromkeys(str(m) for m in self.message_ids))
        if not ids or any(not m for m in ids):
            raise ConfigError("a violation needs at least one message id")
        object.__setattr__(self, "message_ids", ids)
        if not self.findings:
            raise ConfigError("a violation needs at least one finding")
        object.__setattr__(self, "original_text", _storable_text(self.original_text))
        object.__setattr__(self, "normalised_text", _storable_text(self.normalised_text))
        # One row per attachment id: keep the entry that carries the bytes.
        by_id: dict[str, AttachmentEvidence] = {}
        for attachment in self.attachments:
            kept = by_id.get(attachment.attachment_id)
            if kept is None or (kept.data is None and attachment.data is not None):
                by_id[attachment.attachment_id] = attachment
        object.__setattr__(self, "attachments", tuple(by_id.values()))
        if self.points_override is not None and not 0 <= self.points_override <= 1000:
            raise ConfigError("points_override must be between 0 and 1000")


@dataclass(frozen=True, slots=True)
class OutboxAction:
    """One intended side effect, committed with its strike before any Discord call.

    Lifecycle: ``pending`` -> (claimed by :meth:`LedgerStore.pending_actions` or returned by
    ``record_violation``) ``in_progress`` -> ``done`` | ``failed`` (or back to ``pending`` with
    a later ``next_attempt_at`` when retried).

    Idempotence: a crash between the Discord call and :meth:`LedgerStore.mark_action_done`
    performs the action again after restart, so performers must make a repeat harmless:
    ``delete`` treats 404 Unknown Message as done; ``timeout`` sets the same absolute
    ``until`` (``params["until"]``); ``ban``/``kick`` treat "already banned / not a member" as
    done; ``warn``/``final_warn``/``report`` may send a second message at worst (the report may
    look for an existing report of the same ``strike_id`` first).
    """

    id: int
    strike_id: int
    guild_id: int
    member_id: int
    channel_id: int
    message_ids: tuple[str, ...]
    kind: str
    params: Mapping[str, Any]
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """``created=False``: a message id already carried a strike — ``strike`` is that one,
    ``decision`` is None and ``actions`` is empty (nothing new was written)."""

    created: bool
    strike: StrikeRecord
    decision: Decision | None
    actions: tuple[OutboxAction, ...]


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    attachment_id: str
    filename: str
    size: int
    content_type: str | None
    url: str | None
    sha256: str | None
    data: bytes | None  # None when over the size cap or not downloaded


@dataclass(frozen=True, slots=True)
class Evidence:
    strike_id: int
    channel_id: int
    message_ids: tuple[str, ...]
    original_text: str
    normalised_text: str
    findings: tuple[FindingRecord, ...]
    attachments: tuple[StoredAttachment, ...]
    created: datetime

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.rule_id for f in self.findings))


@dataclass(frozen=True, slots=True)
class Case:
    """One moderation case: who (``actor_id`` None = the bot) did what to whom, when, why."""

    id: int
    guild_id: int
    actor_id: int | None
    action: str
    target_id: int
    reason: str
    strike_id: int | None
    created: datetime


__all__ = [
    "ALLOW_KINDS",
    "LEARNED_MODEL_SETTINGS",
    "LEARNED_RULE_IDS",
    "AllowEntry",
    "AttachmentEvidence",
    "Case",
    "ConfigError",
    "Evidence",
    "FindingRecord",
    "GuildConfig",
    "OutboxAction",
    "RecordOutcome",
    "StoredAttachment",
    "StrikeRecord",
    "ViolationInput",
]
