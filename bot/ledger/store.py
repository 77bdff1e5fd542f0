"""The ledger store: the ONE module that owns all SQL (aiosqlite, one SQLite file).

Guarantees
----------
* **One strike per message.** ``strike_messages`` maps ``(guild_id, message_id)`` to a strike
  (primary key). :meth:`LedgerStore.record_violation` checks every message id of a violation and,
  when any already carries a strike, returns that strike with ``created=False`` and writes
  nothing. Writes are serialised (one connection, one :class:`asyncio.Lock`), so a message, its
  edit and a cross-message re-detection arriving concurrently yield exactly one strike.
* **Crash safety.** Strike, evidence and one outbox row per action are committed in ONE
  transaction before the caller touches Discord. ``record_violation`` hands the new rows to the
  caller already claimed (``in_progress``, with a lease); the caller performs them and calls
  :meth:`mark_action_done` / :meth:`mark_action_failed`. After a crash, :meth:`open` (with
  ``recover_claims=True``, the bot's default) returns claimed rows to ``pending`` and
  :meth:`pending_actions` hands them out again. A failed side effect is recorded on its outbox
  row and never touches the strike.
* **Group commit.** Concurrent ``record_violation`` calls are queued and written by one writer
  task in batches: one transaction, set-based reads, ``executemany`` inserts, one commit. Each
  caller's future resolves only after the commit that holds its rows, so each caller still gets
  its own durable outcome; an item that fails is retried alone so it cannot sink its batch.

Schema and migrations
---------------------
``bot/ledger/migrations/NNNN_name.sql``, applied at :meth:`open` in order, each in its own
transaction together with its row in ``schema_migrations`` (and ``PRAGMA user_version``).
A database newer than this code is refused rather than guessed at.

Tables: ``guild_settings`` (+ ``guild_exemptions``, ``guild_allow_list``), ``strikes``,
``strike_messages``, ``evidence`` (+ ``evidence_attachments`` with optional bytes),
``action_outbox``, ``case_log``, ``guild_departures``, ``schema_migrations``.

Single process: exactly one bot process per database opens with ``recover_claims=True``.
Tools (``contact-guard db ...``) open with ``recover_claims=False`` and may run alongside it;
the bot notices their writes through ``PRAGMA data_version`` and drops its settings cache.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import aiosqlite

from bot.ledger.models import (
    ALLOW_KINDS,
    AllowEntry,
    AttachmentEvidence,
    Case,
    Evidence,
    FindingRecord,
    GuildConfig,
    OutboxAction,
    RecordOutcome,
    StoredAttachment,
    ViolationInput,
)
from bot.ledger.policy import (
    Action,
    ConfigError,
    Decision,
    Ladder,
    Standing,
    StrikeRecord,
    Violation,
    decide_from_totals,
    standing,
)

log = logging.getLogger(__name__)

MAX_BATCH = 256
MAX_ATTEMPTS = 5
DEFAULT_LEASE = timedelta(seconds=120)
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
MAX_ERROR_CHARS = 500
MAX_REASON_CHARS = 1000
# The bot's own moderation actions that belong in the case log once they succeeded.
_CASE_LOGGED_ACTIONS = frozenset({"warn", "final_warn", "timeout", "kick", "ban"})
_US = 1_000_000
_DAY_US = 86_400 * _US

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


class LedgerError(RuntimeError):
    """The database cannot be used (newer schema, failed migration, closed store)."""


# --------------------------------------------------------------------------- time helpers


def _require_aware(moment: datetime, name: str = "now") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), not naive {moment!r}")
    return moment


def _us(moment: datetime) -> int:
    _require_aware(moment)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _dt(us: int | None) -> datetime | None:
    if us is None:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def _dt_req(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --------------------------------------------------------------------------- migrations


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The packaged migrations, in order; gaps or duplicate numbers are a packaging bug."""
    found: list[Migration] = []
    for entry in resources.files("bot.ledger.migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_([a-z0-9_]+)\.sql", entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise LedgerError(f"migrations must be numbered 1..n without gaps: {[m.version for m in found]}")
    return found


def _split_statements(sql: str) -> list[str]:
    """Split a script into statements (executescript would COMMIT our transaction)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if statement and not all(
                part.strip().startswith("--") or not part.strip() for part in statement.splitlines()
            ):
                statements.append(statement)
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise LedgerError(f"incomplete SQL statement at the end of a migration: {buffer[:80]!r}")
    return statements


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ) as cursor:
        if await cursor.fetchone() is None:
            return 0
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, *, target: int | None = None) -> int:
    """Apply pending migrations up to *target* (default: all); return the resulting version.

    *conn* must be in autocommit mode (``isolation_level=None``). Each migration runs in one
    ``BEGIN IMMEDIATE`` transaction with its version row, so a failure leaves the previous
    version intact.
    """
    migrations = load_migrations()
    latest = migrations[-1].version
    target = latest if target is None else target
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL)"
    )
    current = await schema_version(conn)
    if current > latest:
        raise LedgerError(
            f"the database has schema version {current}, newer than this contact-guard "
            f"understands ({latest}); upgrade contact-guard instead of opening it with an old one"
        )
    for migration in migrations:
        if migration.version <= current or migration.version > target:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_us) VALUES (?, ?, ?)",
                (migration.version, migration.name, _us(_utcnow())),
            )
            await conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            await conn.execute("COMMIT")
        except BaseException as exc:
            await conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise LedgerError(
                    f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                ) from exc
            raise
        log.info("ledger schema upgraded to version %d (%s)", migration.version, migration.name)
        current = migration.version
    return current


# --------------------------------------------------------------------------- row mapping

_STRIKE_COLUMNS = (
    "s.id, s.guild_id, s.member_id, s.channel_id, s.kind, s.category, s.points, s.created_us,"
    " s.expires_us, s.step_threshold, s.shadow, s.pardoned_us, s.pardoned_by, s.pardon_reason,"
    " (SELECT json_group_array(message_id) FROM (SELECT message_id FROM strike_messages m"
    "   WHERE m.strike_id = s.id ORDER BY m.position)) AS message_ids, s.review"
)

_OUTBOX_COLUMNS = (
    "o.id, o.strike_id, s.guild_id, s.member_id, s.channel_id, o.kind, o.params_json, o.status,"
    " o.attempts, o.last_error, o.created_us, o.updated_us,"
    " (SELECT json_group_array(message_id) FROM (SELECT message_id FROM strike_messages m"
    "   WHERE m.strike_id = s.id ORDER BY m.position)) AS message_ids"
)


def _strike_from_row(row: sqlite3.Row | Sequence[Any]) -> StrikeRecord:
    return StrikeRecord(
        id=row[0],
        guild_id=row[1],
        member_id=row[2],
        channel_id=row[3],
        kind=row[4],
        category=row[5],
        points=row[6],
        created=_dt_req(row[7]),
        expires=_dt_req(row[8]),
        step_threshold=row[9],
        shadow=bool(row[10]),
        pardoned_at=_dt(row[11]),
        pardoned_by=row[12],
        pardon_reason=row[13],
        message_ids=tuple(json.loads(row[14])) if row[14] else (),
        review=bool(row[15]),
    )


def _outbox_from_row(row: sqlite3.Row | Sequence[Any]) -> OutboxAction:
    return OutboxAction(
        id=row[0],
        strike_id=row[1],
        guild_id=row[2],
        member_id=row[3],
        channel_id=row[4],
        kind=row[5],
        params=json.loads(row[6]),
        status=row[7],
        attempts=row[8],
        last_error=row[9],
        created=_dt_req(row[10]),
        updated=_dt_req(row[11]),
        message_ids=tuple(json.loads(row[12])) if row[12] else (),
    )


def _case_from_row(row: sqlite3.Row | Sequence[Any]) -> Case:
    return Case(
        id=row[0],
        guild_id=row[1],
        actor_id=row[2],
        action=row[3],
        target_id=row[4],
        reason=row[5],
        strike_id=row[6],
        created=_dt_req(row[7]),
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- active strikes

# What "active" means, ONE definition for every path that counts a member's strikes: the batch
# write deciding a ladder step (_counting_histories + _plan_strike), Enforce on a report held
# for review (enforce_review) and "pardon all active" (pardon). It is policy.decide()'s rule
# (StrikeRecord.is_active(now, ladder), what /mystrikes shows): not pardoned, weighing > 0
# points, and created strictly after now minus the guild's CURRENT decay window (a strike
# exactly that old has expired). The stored expires_us is a display copy of created + decay:
# modify_guild_config keeps it in step, but it goes stale when the ladder changes any other way
# (a settings row restored or edited by hand, a stored ladder that no longer parses and falls
# back to the default, the default decay of a new version for a guild that never saved
# settings), so counting never reads it. The bound on created_us also lets SQLite range-scan
# the strikes_by_member index (guild_id, member_id, created_us).
# Its one parameter is _window_start_us(now_us, ladder).
_ACTIVE_STRIKE_SQL = "pardoned_us IS NULL AND points > 0 AND created_us > ?"


def _window_start_us(now_us: int, ladder: Ladder) -> int:
    """The decay window at *now_us* begins just after this moment (microseconds)."""
    return now_us - ladder.decay_days * _DAY_US


def action_params(
    action: Action, decision: Decision, strike: StrikeRecord, violation: ViolationInput
) -> dict[str, Any]:
    """What a performer needs besides the strike: the kinds found, the standing at decision
    time, the channel of each part when they sit in several channels, and for a timeout the
    absolute ``until`` (so that repeating it after a crash changes nothing)."""
    params: dict[str, Any] = {
        "strike_id": strike.id,
        "kind": strike.kind,
        "kinds": list(dict.fromkeys(f.kind for f in violation.findings)),
        "category": strike.category,
        "counted": decision.counted,
        "points": decision.points,
        "active_strikes": decision.active_strikes,
        "active_points": decision.active_points,
        "step_threshold": decision.step.threshold if decision.step is not None else None,
        "next_step": decision.next_step.to_text() if decision.next_step is not None else None,
        "next_actions": list(decision.next_step.kinds) if decision.next_step else [],
        "points_to_next": decision.points_to_next,
        "shadow": decision.shadow,
        "review": strike.review,
        "intended_actions": [a.to_text() for a in decision.intended_actions],
    }
    if violation.message_channels:
        params["message_channels"] = dict(violation.message_channels)
    if action.kind == "timeout" and action.duration_s is not None:
        params["duration_s"] = action.duration_s
        params["until"] = (strike.created + timedelta(seconds=action.duration_s)).isoformat()
    return params


# --------------------------------------------------------------------------- the store


@dataclass(slots=True)
class _QueuedViolation:
    violation: ViolationInput
    now: datetime
    future: asyncio.Future[RecordOutcome]


_INSERT_OUTBOX = (
    "INSERT INTO action_outbox (id, strike_id, position, kind, params_json, status,"
    " attempts, next_attempt_us, lease_until_us, created_us, updated_us)"
    " VALUES (?, ?, ?, ?, ?, 'in_progress', 0, ?, ?, ?, ?)"
)


@dataclass(slots=True)
class _BatchRows:
    strikes: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    evidence: list[tuple[Any, ...]] = field(default_factory=list)
    attachments: list[tuple[Any, ...]] = field(default_factory=list)
    outbox: list[tuple[Any, ...]] = field(default_factory=list)


class LedgerStore:
    """Strikes, evidence, the action outbox, the case log and guild settings in one SQLite file.

    Open with ``await LedgerStore.open(path)``; close with ``await store.close()`` (or use
    ``async with``). All methods are coroutines and safe to call from concurrent tasks.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, lease: timedelta) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._lease_us = int(lease.total_seconds() * _US)
        self._queue: list[_QueuedViolation] = []
        self._writer: asyncio.Task[None] | None = None
        self._config_cache: dict[int, GuildConfig] = {}
        self._data_version: int | None = None
        self._closed = False

    # -- lifecycle

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        recover_claims: bool = True,
        synchronous: Synchronous = "FULL",
        lease: timedelta = DEFAULT_LEASE,
    ) -> LedgerStore:
        """Open (creating if needed) and migrate the database at *path*.

        ``recover_claims``: return outbox rows claimed by a previous (crashed) process to
        ``pending``; only the bot, the single performer of a database, should do this.
        ``synchronous``: SQLite's durability level; FULL (default) survives power loss,
        NORMAL survives a process crash only.
        """
        if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        db_path = Path(path)
        if db_path.parent and not db_path.parent.exists():
            raise LedgerError(f"the database folder {db_path.parent} does not exist")
        conn = await aiosqlite.connect(db_path, isolation_level=None)
        try:
            await conn.execute("PRAGMA busy_timeout = 10000")
            async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                row = await cursor.fetchone()
            if row is None or str(row[0]).lower() != "wal":
                raise LedgerError(f"cannot switch {db_path} to WAL journal mode (got {row})")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA synchronous = {synchronous}")
            await migrate(conn)
            store = cls(conn, db_path, lease=lease)
            if recover_claims:
                await store._recover_claims()
        except BaseException:
            await conn.close()
            raise
        return store

    async def close(self) -> None:
        """Finish queued writes, then close the connection."""
        if self._closed:
            return
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        self._closed = True
        async with self._lock:
            await self._conn.close()

    async def __aenter__(self) -> LedgerStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise LedgerError("the ledger store is closed")

    async def schema_version(self) -> int:
        async with self._lock:
            return await schema_version(self._conn)

    # -- transactions

    @contextlib.asynccontextmanager
    async def _write(self) -> Any:
        """Serialised write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error)."""
        self._check_open()
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def _read(self) -> Any:
        """Reads share the lock so they never see another task's uncommitted batch."""
        self._check_open()
        async with self._lock:
            yield self._conn

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _recover_claims(self) -> None:
        async with self._write() as conn:
            cursor = await conn.execute(
                "UPDATE action_outbox SET status = 'pending', lease_until_us = NULL,"
                " next_attempt_us = MIN(next_attempt_us, ?) WHERE status = 'in_progress'",
                (_us(_utcnow()),),
            )
            if cursor.rowcount:
                log.warning(
                    "resuming %d outbox action(s) claimed by a previous process", cursor.rowcount
                )

    async def _refresh_cache_if_changed(self) -> None:
        """Drop cached settings when another connection (a CLI tool) committed meanwhile."""
        row = await self._fetchone("PRAGMA data_version")
        version = int(row[0]) if row else 0
        if version != self._data_version:
            self._config_cache.clear()
            self._data_version = version

    # -- guild configuration

    async def _load_config(self, guild_id: int) -> GuildConfig:
        cached = self._config_cache.get(guild_id)
        if cached is not None:
            return cached
        row = await self._fetchone(
            "SELECT report_channel_id, language, mode, ladder_json, evidence_retention_days,"
            " moderator_role_id, scan_bots, location_strike, max_image_bytes, learned_model"
            " FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        if row is None:
            config = GuildConfig(guild_id=guild_id)
        else:
            exemptions = await self._fetchall(
                "SELECT kind, target_id FROM guild_exemptions WHERE guild_id = ?", (guild_id,)
            )
            allow = await self._fetchall(
                "SELECT kind, value FROM guild_allow_list WHERE guild_id = ? ORDER BY kind, value",
                (guild_id,),
            )
            try:
                ladder = Ladder.from_json(row[3]) if row[3] else GuildConfig(guild_id).ladder
            except ConfigError as exc:
                # Only a hand-edited database gets here: keep moderating with the safe default.
                log.error("guild %d: stored ladder unreadable (%s); using the default", guild_id, exc)
                ladder = GuildConfig(guild_id).ladder
            config = GuildConfig(
                guild_id=guild_id,
                report_channel_id=row[0],
                language=row[1],
                mode=row[2],
                ladder=ladder,
                evidence_retention_days=row[4],
                moderator_role_id=row[5],
                scan_bots=bool(row[6]),
                location_strike=bool(row[7]),
                max_image_bytes=row[8],
                learned_model=row[9],
                exempt_role_ids=frozenset(t for k, t in exemptions if k == "role"),
                exempt_channel_ids=frozenset(t for k, t in exemptions if k == "channel"),
                allow_list=tuple(AllowEntry(k, v) for k, v in allow),
            )
        self._config_cache[guild_id] = config
        return config

    async def get_guild_config(self, guild_id: int) -> GuildConfig:
        """The guild's settings; defaults (enforce, default ladder, 180-day retention) if unset."""
        async with self._read():
            await self._refresh_cache_if_changed()
            return await self._load_config(guild_id)

    async def update_guild_config(self, guild_id: int, **changes: Any) -> GuildConfig:
        """Change settings by field name of :class:`GuildConfig` (``ladder`` may be a
        :class:`Ladder` or its text form). Invalid -> :class:`ConfigError`, nothing stored."""
        return await self.modify_guild_config(guild_id, lambda config: config.with_changes(**changes))

    async def modify_guild_config(
        self, guild_id: int, change: Callable[[GuildConfig], GuildConfig]
    ) -> GuildConfig:
        """Read-modify-write the settings atomically: *change* gets the current config."""
        async with self._write() as conn:
            await self._refresh_cache_if_changed()
            current = await self._load_config(guild_id)
            updated = change(current).validated()
            if updated.guild_id != current.guild_id:
                raise ConfigError("cannot move settings to another guild")
            await self._store_config(conn, updated)
            if updated.ladder.decay_days != current.ladder.decay_days:
                # Keep the displayed expiry in step with the window decide() uses.
                await conn.execute(
                    "UPDATE strikes SET expires_us = created_us + ? WHERE guild_id = ?",
                    (updated.ladder.decay_days * _DAY_US, guild_id),
                )
        self._config_cache[guild_id] = updated
        return updated

    async def _store_config(self, conn: aiosqlite.Connection, config: GuildConfig) -> None:
        self._config_cache.pop(config.guild_id, None)
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, report_channel_id, language, mode, ladder_json,"
            " evidence_retention_days, moderator_role_id, scan_bots, location_strike,"
            " max_image_bytes, learned_model, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET report_channel_id = excluded.report_channel_id,"
            " language = excluded.language, mode = excluded.mode,"
            " ladder_json = excluded.ladder_json,"
            " evidence_retention_days = excluded.evidence_retention_days,"
            " moderator_role_id = excluded.moderator_role_id, scan_bots = excluded.scan_bots,"
            " location_strike = excluded.location_strike,"
            " max_image_bytes = excluded.max_image_bytes, learned_model = excluded.learned_model,"
            " updated_us = excluded.updated_us",
            (
                config.guild_id,
                config.report_channel_id,
                config.language,
                config.mode,
                config.ladder.dumps(),
                config.evidence_retention_days,
                config.moderator_role_id,
                int(config.scan_bots),
                int(config.location_strike),
                config.max_image_bytes,
                config.learned_model,
                _us(_utcnow()),
            ),
        )
        await conn.execute("DELETE FROM guild_exemptions WHERE guild_id = ?", (config.guild_id,))
        await conn.executemany(
            "INSERT INTO guild_exemptions (guild_id, kind, target_id) VALUES (?, ?, ?)",
            [(config.guild_id, "role", r) for r in sorted(config.exempt_role_ids)]
            + [(config.guild_id, "channel", c) for c in sorted(config.exempt_channel_ids)],
        )
        await conn.execute("DELETE FROM guild_allow_list WHERE guild_id = ?", (config.guild_id,))
        await conn.executemany(
            "INSERT INTO guild_allow_list (guild_id, kind, value) VALUES (?, ?, ?)",
            [(config.guild_id, e.kind, e.value) for e in config.allow_list],
        )

    async def add_exemption(
        self, guild_id: int, *, role_id: int | None = None, channel_id: int | None = None
    ) -> GuildConfig:
        def change(config: GuildConfig) -> GuildConfig:
            return config.with_changes(
                exempt_role_ids=config.exempt_role_ids | ({role_id} if role_id else set()),
                exempt_channel_ids=config.exempt_channel_ids | ({channel_id} if channel_id else set()),
            )

        return await self.modify_guild_config(guild_id, change)

    async def remove_exemption(
        self, guild_id: int, *, role_id: int | None = None, channel_id: int | None = None
    ) -> GuildConfig:
        def change(config: GuildConfig) -> GuildConfig:
            return config.with_changes(
                exempt_role_ids=config.exempt_role_ids - {role_id},
                exempt_channel_ids=config.exempt_channel_ids - {channel_id},
            )

        return await self.modify_guild_config(guild_id, change)

    async def add_allow_entry(self, guild_id: int, kind: str, value: str) -> GuildConfig:
        entry = AllowEntry(cast(Any, kind), value)
        return await self.modify_guild_config(
            guild_id, lambda c: c.with_changes(allow_list=(*c.allow_list, entry))
        )

    async def remove_allow_entry(self, guild_id: int, kind: str, value: str) -> GuildConfig:
        if kind not in ALLOW_KINDS:
            raise ConfigError(f"allow-list kind must be one of {', '.join(ALLOW_KINDS)}")
        entry = AllowEntry(cast(Any, kind), value)
        return await self.modify_guild_config(
            guild_id, lambda c: c.with_changes(allow_list=tuple(e for e in c.allow_list if e != entry))
        )

    # -- recording violations (group commit)

    async def record_violation(
        self, v: ViolationInput, *, now: datetime | None = None
    ) -> RecordOutcome:
        """Record *v* as one strike with its evidence and one outbox row per action.

        *now* (timezone-aware; default: the current time) is the strike's creation time and the
        moment decay is judged at.

        All in ONE transaction. If any of ``v.message_ids`` already carries a strike, nothing is
        written and the existing strike comes back with ``created=False``. The returned
        ``actions`` are claimed for the caller (``in_progress``): perform them in order and mark
        each done or failed. Cancelling the caller does not cancel the write.
        """
        self._check_open()
        now = _utcnow() if now is None else _require_aware(now)
        if not isinstance(v, ViolationInput):
            raise TypeError("record_violation needs a ViolationInput")
        future: asyncio.Future[RecordOutcome] = asyncio.get_running_loop().create_future()
        self._queue.append(_QueuedViolation(v, now, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain_queue(), name="ledger-writer")
        return await asyncio.shield(future)

    async def _drain_queue(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                outcomes = await self._record_batch(batch)
            except Exception as batch_error:
                if len(batch) == 1:
                    _settle(batch[0].future, error=batch_error)
                    continue
                log.warning(
                    "ledger batch of %d failed (%s); recording each alone", len(batch), batch_error
                )
                for item in batch:
                    try:
                        (outcome,) = await self._record_batch([item])
                    except Exception as item_error:
                        _settle(item.future, error=item_error)
                    else:
                        _settle(item.future, outcome=outcome)
                continue
            for item, outcome in zip(batch, outcomes, strict=True):
                _settle(item.future, outcome=outcome)

    async def _record_batch(self, batch: list[_QueuedViolation]) -> list[RecordOutcome]:
        async with self._write() as conn:
            await self._refresh_cache_if_changed()
            configs: dict[int, GuildConfig] = {}
            for item in batch:
                if item.violation.guild_id not in configs:
                    configs[item.violation.guild_id] = await self._load_config(item.violation.guild_id)
            existing_by_message, existing_strikes = await self._existing_strikes(batch)
            histories = await self._counting_histories(batch, configs)

            # 3. Ids: assigned here so one executemany per table suffices (AUTOINCREMENT keeps
            # them unique forever; we hold the write lock, so nobody else assigns meanwhile).
            seq = {
                r[0]: r[1]
                for r in await self._fetchall(
                    "SELECT name, seq FROM sqlite_sequence WHERE name IN ('strikes', 'action_outbox')"
                )
            }
            next_strike_id = int(seq.get("strikes", 0)) + 1
            next_action_id = int(seq.get("action_outbox", 0)) + 1

            rows_out = _BatchRows()
            outcomes: list[RecordOutcome] = []
            claimed_here: dict[tuple[int, str], StrikeRecord] = {}
            for item in batch:
                v = item.violation
                config = configs[v.guild_id]
                priors = _prior_strikes(v, claimed_here, existing_by_message, existing_strikes)
                if priors and not _supersedes(v, config, priors.values()):
                    outcomes.append(RecordOutcome(False, next(iter(priors.values())), None, ()))
                    continue
                if priors:
                    await _release_messages(conn, v.guild_id, priors, rows_out, claimed_here, existing_by_message)
                strike, decision, actions = self._plan_strike(
                    v, item.now, config, histories[(v.guild_id, v.member_id)],
                    next_strike_id, next_action_id, rows_out,
                )
                next_strike_id += 1
                next_action_id += len(actions)
                if strike.points > 0:
                    histories[(v.guild_id, v.member_id)].append((_us(item.now), strike.points))
                for m in v.message_ids:
                    claimed_here[(v.guild_id, m)] = strike
                outcomes.append(RecordOutcome(True, strike, decision, actions))

            await _insert_rows(conn, rows_out)
        return outcomes

    async def _existing_strikes(
        self, batch: list[_QueuedViolation]
    ) -> tuple[dict[tuple[int, str], int], dict[int, StrikeRecord]]:
        """1. Which message ids already carry a strike, and those strikes. (Per guild with a
        plain IN list: SQLite searches the primary key for that, but scans the table for
        row-value IN lists.)"""
        wanted: dict[int, set[str]] = {}
        for item in batch:
            wanted.setdefault(item.violation.guild_id, set()).update(item.violation.message_ids)
        existing_by_message: dict[tuple[int, str], int] = {}
        for guild_id, message_ids in wanted.items():
            for chunk in _chunks(sorted(message_ids), 500):
                rows = await self._fetchall(
                    "SELECT message_id, strike_id FROM strike_messages WHERE guild_id = ?"
                    f" AND message_id IN ({','.join('?' for _ in chunk)})",
                    (guild_id, *chunk),
                )
                existing_by_message.update({(guild_id, r[0]): r[1] for r in rows})
        existing_strikes: dict[int, StrikeRecord] = {}
        for chunk in _chunks(sorted(set(existing_by_message.values())), 400):
            rows = await self._fetchall(
                f"SELECT {_STRIKE_COLUMNS} FROM strikes s"
                f" WHERE s.id IN ({','.join('?' for _ in chunk)})",
                chunk,
            )
            existing_strikes.update({r[0]: _strike_from_row(r) for r in rows})
        return existing_by_message, existing_strikes

    async def _counting_histories(
        self, batch: list[_QueuedViolation], configs: dict[int, GuildConfig]
    ) -> dict[tuple[int, int], list[tuple[int, int]]]:
        """2. The counting history of every member in the batch, as narrow (created, points)
        rows: the strikes active (_ACTIVE_STRIKE_SQL) at the batch's oldest moment, which holds
        those active at any later one; _plan_strike narrows them to each item's moment."""
        members_by_guild: dict[int, set[int]] = {}
        for item in batch:
            members_by_guild.setdefault(item.violation.guild_id, set()).add(item.violation.member_id)
        histories: dict[tuple[int, int], list[tuple[int, int]]] = {
            (g, m): [] for g, members in members_by_guild.items() for m in members
        }
        oldest_now = min(_us(item.now) for item in batch)
        for guild_id, members in members_by_guild.items():
            window_start = _window_start_us(oldest_now, configs[guild_id].ladder)
            for chunk in _chunks(sorted(members), 500):
                rows = await self._fetchall(
                    "SELECT member_id, created_us, points FROM strikes WHERE guild_id = ?"
                    f" AND member_id IN ({','.join('?' for _ in chunk)}) AND {_ACTIVE_STRIKE_SQL}",
                    (guild_id, *chunk, window_start),
                )
                for member_id, created_us, points in rows:
                    histories[(guild_id, member_id)].append((created_us, points))
        return histories

    def _plan_strike(
        self,
        v: ViolationInput,
        now: datetime,
        config: GuildConfig,
        history: list[tuple[int, int]],
        strike_id: int,
        first_action_id: int,
        rows: _BatchRows,
    ) -> tuple[StrikeRecord, Decision, tuple[OutboxAction, ...]]:
        ladder = config.ladder

        def weight(finding: FindingRecord) -> int:
            if finding.category == "location" and not config.location_strike:
                return 0
            return ladder.points_for(finding.category)

        gravest = max(v.findings, key=weight)  # first of the heaviest, in detector order
        review = config.for_review(v.findings)
        if review:
            points = 0  # the model alone is not sure enough to count; a moderator decides
        else:
            points = v.points_override if v.points_override is not None else weight(gravest)
        now_us = _us(now)
        window_start = _window_start_us(now_us, ladder)  # (_ACTIVE_STRIKE_SQL's time condition)
        active = [p for created_us, p in history if created_us > window_start]
        decision = decide_from_totals(
            sum(active), len(active), Violation(gravest.kind, gravest.category, points), ladder,
            shadow=config.shadow or review,
        )
        strike = StrikeRecord(
            id=strike_id,
            guild_id=v.guild_id,
            member_id=v.member_id,
            channel_id=v.channel_id,
            message_ids=v.message_ids,
            kind=gravest.kind,
            category=gravest.category,
            points=points,
            created=now,
            expires=now + ladder.decay,
            step_threshold=decision.step.threshold if decision.step is not None else None,
            shadow=decision.shadow,
            review=review,
        )
        rows.strikes.append(
            (
                strike_id, v.guild_id, v.member_id, v.channel_id, strike.kind, strike.category,
                points, now_us, now_us + ladder.decay_days * _DAY_US, strike.step_threshold,
                int(decision.shadow), int(review),
            )
        )
        rows.messages.extend((v.guild_id, m, strike_id, i) for i, m in enumerate(v.message_ids))
        rows.evidence.append(
            (
                strike_id,
                v.channel_id,
                v.original_text,
                v.normalised_text,
                json.dumps([f.to_json() for f in v.findings], ensure_ascii=False),
                now_us,
            )
        )
        for position, attachment in enumerate(v.attachments):
            rows.attachments.append(_attachment_row(strike_id, position, attachment, config))
        outbox, actions = self._claimed_actions(
            strike, decision, v, decision.actions, now, first_id=first_action_id, first_position=0
        )
        rows.outbox.extend(outbox)
        return strike, decision, tuple(actions)

    def _claimed_actions(
        self,
        strike: StrikeRecord,
        decision: Decision,
        violation: ViolationInput,
        planned: Sequence[Action],
        now: datetime,
        *,
        first_id: int,
        first_position: int,
    ) -> tuple[list[tuple[Any, ...]], list[OutboxAction]]:
        """The outbox rows (for :data:`_INSERT_OUTBOX`) of *planned*, numbered from *first_id*
        and *first_position*, and the same actions as claimed (``in_progress``) for the caller."""
        now_us = _us(now)
        # Leases are about the liveness of this process, so they run on the real clock even when
        # *now* is the (possibly older) time of the message.
        lease_until = max(now_us, _us(_utcnow())) + self._lease_us
        rows: list[tuple[Any, ...]] = []
        actions: list[OutboxAction] = []
        for offset, action in enumerate(planned):
            action_id = first_id + offset
            params = action_params(action, decision, strike, violation)
            rows.append(
                (
                    action_id, strike.id, first_position + offset, action.kind,
                    json.dumps(params, ensure_ascii=False, sort_keys=True),
                    now_us, lease_until, now_us, now_us,
                )
            )
            actions.append(
                OutboxAction(
                    id=action_id, strike_id=strike.id, guild_id=strike.guild_id,
                    member_id=strike.member_id, channel_id=strike.channel_id,
                    message_ids=strike.message_ids, kind=action.kind, params=params,
                    status="in_progress", attempts=0, last_error=None, created=now, updated=now,
                )
            )
        return rows, actions

    # -- review of the learned model's verdicts

    async def enforce_review(
        self, strike_id: int, *, moderator_id: int, reason: str, now: datetime
    ) -> RecordOutcome | None:
        """A moderator confirms a strike held for review (the model's verdict alone): from now
        on it weighs what the ladder gives its category, and the actions of the step it reaches
        are planned and claimed for the caller, as :meth:`record_violation` does. The report is
        left out (the moderators are reading it), and so is everything in shadow mode. Logged
        as the case ``report_enforce``. None when the strike is not held for review (any more),
        was pardoned, or its messages or evidence are gone."""
        now_us = _us(_require_aware(now))
        reason = _clip((reason or "").strip(), MAX_REASON_CHARS)
        async with self._write() as conn:
            await self._refresh_cache_if_changed()
            held = await self._strike(strike_id)
            evidence = await self._evidence(strike_id) if held is not None else None
            if held is None or evidence is None or not held.review or held.pardoned or not held.message_ids:
                return None
            config = await self._load_config(held.guild_id)
            ladder = config.ladder
            # The held strike itself weighs 0 until now, so it is not in its own history.
            totals = await self._fetchone(
                "SELECT COALESCE(SUM(points), 0), COUNT(*) FROM strikes WHERE guild_id = ?"
                f" AND member_id = ? AND id != ? AND {_ACTIVE_STRIKE_SQL}",
                (held.guild_id, held.member_id, strike_id, _window_start_us(now_us, ladder)),
            )
            prior_points, prior_strikes = (int(totals[0]), int(totals[1])) if totals else (0, 0)
            points = ladder.points_for(held.category)
            decision = decide_from_totals(
                prior_points, prior_strikes, Violation(held.kind, held.category, points), ladder,
                shadow=config.shadow,
            )
            strike = replace(
                held, points=points, review=False, shadow=decision.shadow,
                step_threshold=decision.step.threshold if decision.step is not None else None,
            )
            await conn.execute(
                "UPDATE strikes SET points = ?, review = 0, shadow = ?, step_threshold = ? WHERE id = ?",
                (points, int(strike.shadow), strike.step_threshold, strike_id),
            )
            violation = ViolationInput(
                guild_id=held.guild_id, channel_id=held.channel_id, member_id=held.member_id,
                message_ids=held.message_ids, findings=evidence.findings,
                original_text=evidence.original_text,
            )
            actions = await self._claim_new_actions(
                conn, strike, decision, violation, [a for a in decision.actions if a.kind != "report"], now
            )
            await conn.execute(
                "INSERT INTO case_log (guild_id, actor_id, action, target_id, reason, strike_id,"
                " created_us) VALUES (?, ?, 'report_enforce', ?, ?, ?, ?)",
                (held.guild_id, moderator_id, held.member_id, reason, strike_id, now_us),
            )
        return RecordOutcome(True, strike, decision, tuple(actions))

    async def _claim_new_actions(
        self,
        conn: aiosqlite.Connection,
        strike: StrikeRecord,
        decision: Decision,
        violation: ViolationInput,
        planned: Sequence[Action],
        now: datetime,
    ) -> list[OutboxAction]:
        """Append *planned* to the strike's outbox rows, claimed (``in_progress``) for the caller.
        Ids as :meth:`_record_batch` assigns them (AUTOINCREMENT's next; we hold the write lock)."""
        seq = await self._fetchone("SELECT seq FROM sqlite_sequence WHERE name = 'action_outbox'")
        row = await self._fetchone(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM action_outbox WHERE strike_id = ?", (strike.id,)
        )
        # A timeout runs from now, not from the (older) message: the member is told now.
        rows, actions = self._claimed_actions(
            replace(strike, created=now), decision, violation, planned, now,
            first_id=int(seq[0]) + 1 if seq else 1, first_position=int(row[0]) if row else 0,
        )
        await conn.executemany(_INSERT_OUTBOX, rows)
        return actions

    # -- the outbox

    async def pending_actions(
        self, *, limit: int = 100, now: datetime | None = None
    ) -> list[OutboxAction]:
        """Claim and return up to *limit* due actions, oldest first.

        Due: ``pending`` with ``next_attempt_at <= now``, or ``in_progress`` whose lease ran
        out (a performer that died without reporting). Claimed rows are ``in_progress`` for the
        lease, so a second sweeper does not perform them too.
        """
        if limit < 1:
            raise ValueError("limit must be >= 1")
        now_us = _us(_require_aware(now) if now is not None else _utcnow())
        async with self._write() as conn:
            rows = await self._fetchall(
                "SELECT id, strike_id, position FROM action_outbox"
                " WHERE status = 'pending' AND next_attempt_us <= ?"
                " UNION ALL SELECT id, strike_id, position FROM action_outbox"
                " WHERE status = 'in_progress' AND lease_until_us <= ?"
                " ORDER BY 2, 3 LIMIT ?",
                (now_us, now_us, limit),
            )
            ids = [r[0] for r in rows]
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            await conn.execute(
                "UPDATE action_outbox SET status = 'in_progress', lease_until_us = ?,"
                f" updated_us = ? WHERE id IN ({marks})",
                (max(now_us, _us(_utcnow())) + self._lease_us, now_us, *ids),
            )
            claimed = await self._fetchall(
                f"SELECT {_OUTBOX_COLUMNS} FROM action_outbox o JOIN strikes s ON s.id = o.strike_id"
                f" WHERE o.id IN ({marks}) ORDER BY o.strike_id, o.position",
                ids,
            )
        return [_outbox_from_row(r) for r in claimed]

    async def mark_action_done(self, action_id: int, *, now: datetime | None = None) -> None:
        """The side effect happened. Moderation actions also go into the case log (actor: bot).
        Marking an already-done action again changes nothing."""
        now_us = _us(_require_aware(now) if now is not None else _utcnow())
        async with self._write() as conn:
            row = await self._fetchone(
                "SELECT o.status, o.kind, s.guild_id, s.member_id, s.id, s.kind"
                " FROM action_outbox o JOIN strikes s ON s.id = o.strike_id WHERE o.id = ?",
                (action_id,),
            )
            if row is None:
                raise LookupError(f"no outbox action {action_id}")
            if row[0] == "done":
                return
            await conn.execute(
                "UPDATE action_outbox SET status = 'done', lease_until_us = NULL, last_error = NULL,"
                " attempts = attempts + 1, updated_us = ? WHERE id = ?",
                (now_us, action_id),
            )
            if row[1] in _CASE_LOGGED_ACTIONS:
                await conn.execute(
                    "INSERT INTO case_log (guild_id, actor_id, action, target_id, reason, strike_id,"
                    " created_us) VALUES (?, NULL, ?, ?, ?, ?, ?)",
                    (row[2], row[1], row[3], f"strike #{row[4]} ({row[5]})", row[4], now_us),
                )

    async def mark_action_failed(
        self, action_id: int, error: str, *, retry: bool, now: datetime | None = None
    ) -> None:
        """Record a failed side effect on its row; the strike is never touched.

        ``retry=True`` schedules another attempt with exponential back-off (30 s, 1 min, ...,
        at most 1 h) until :data:`MAX_ATTEMPTS`, then the row is ``failed``. Use
        ``retry=False`` for failures that repeating cannot fix (closed DMs, 403s).
        """
        now_us = _us(_require_aware(now) if now is not None else _utcnow())
        async with self._write() as conn:
            row = await self._fetchone(
                "SELECT status, attempts FROM action_outbox WHERE id = ?", (action_id,)
            )
            if row is None:
                raise LookupError(f"no outbox action {action_id}")
            if row[0] == "done":
                return
            attempts = int(row[1]) + 1
            delay = min(RETRY_BASE * (2 ** (attempts - 1)), RETRY_MAX)
            give_up = not retry or attempts >= MAX_ATTEMPTS
            await conn.execute(
                "UPDATE action_outbox SET status = ?, attempts = ?, last_error = ?,"
                " lease_until_us = NULL, next_attempt_us = ?, updated_us = ? WHERE id = ?",
                (
                    "failed" if give_up else "pending",
                    attempts,
                    _clip(error or "unknown error", MAX_ERROR_CHARS),
                    now_us + int(delay.total_seconds() * _US),
                    now_us,
                    action_id,
                ),
            )

    async def actions_for_strike(self, strike_id: int) -> list[OutboxAction]:
        """Every outbox row of a strike (any status), in the order they are to be performed."""
        async with self._read():
            rows = await self._fetchall(
                f"SELECT {_OUTBOX_COLUMNS} FROM action_outbox o JOIN strikes s ON s.id = o.strike_id"
                " WHERE o.strike_id = ? ORDER BY o.position",
                (strike_id,),
            )
        return [_outbox_from_row(r) for r in rows]

    # -- reading strikes and evidence

    async def strikes_for(
        self, guild_id: int, member_id: int, *, include_pardoned: bool = True
    ) -> list[StrikeRecord]:
        """The member's history, oldest first (expired and, by default, pardoned included)."""
        async with self._read():
            rows = await self._fetchall(
                f"SELECT {_STRIKE_COLUMNS} FROM strikes s WHERE s.guild_id = ? AND s.member_id = ?"
                + ("" if include_pardoned else " AND s.pardoned_us IS NULL")
                + " ORDER BY s.created_us, s.id",
                (guild_id, member_id),
            )
        return [_strike_from_row(r) for r in rows]

    async def member_standing(
        self, guild_id: int, member_id: int, *, now: datetime, ladder: Ladder | None = None
    ) -> Standing:
        """Active strikes and the next step, by *ladder* or the guild's current one (for
        /mystrikes, which has read the settings already and dates the strikes by the same)."""
        if ladder is None:
            ladder = (await self.get_guild_config(guild_id)).ladder
        return standing(await self.strikes_for(guild_id, member_id), ladder, now)

    async def get_strike(self, strike_id: int) -> StrikeRecord | None:
        async with self._read():
            return await self._strike(strike_id)

    async def _strike(self, strike_id: int) -> StrikeRecord | None:
        row = await self._fetchone(f"SELECT {_STRIKE_COLUMNS} FROM strikes s WHERE s.id = ?", (strike_id,))
        return _strike_from_row(row) if row is not None else None

    async def strike_for_message(self, guild_id: int, message_id: str | int) -> StrikeRecord | None:
        """The strike a message belongs to, if any (e.g. to skip re-scanning an edit)."""
        async with self._read():
            row = await self._fetchone(
                f"SELECT {_STRIKE_COLUMNS} FROM strike_messages sm JOIN strikes s"
                " ON s.id = sm.strike_id WHERE sm.guild_id = ? AND sm.message_id = ?",
                (guild_id, str(message_id)),
            )
        return _strike_from_row(row) if row is not None else None

    async def last_strike_for(self, guild_id: int, member_id: int) -> StrikeRecord | None:
        """The member's most recent strike (for /why), pardoned or not."""
        async with self._read():
            row = await self._fetchone(
                f"SELECT {_STRIKE_COLUMNS} FROM strikes s WHERE s.guild_id = ? AND s.member_id = ?"
                " ORDER BY s.created_us DESC, s.id DESC LIMIT 1",
                (guild_id, member_id),
            )
        return _strike_from_row(row) if row is not None else None

    async def get_evidence(self, strike_id: int) -> Evidence | None:
        """The evidence of a strike, attachment bytes included; None if absent or purged."""
        async with self._read():
            return await self._evidence(strike_id)

    async def _evidence(self, strike_id: int) -> Evidence | None:
        row = await self._fetchone(
            "SELECT e.channel_id, e.original_text, e.normalised_text, e.findings_json,"
            " e.created_us, (SELECT json_group_array(message_id) FROM (SELECT message_id"
            "  FROM strike_messages m WHERE m.strike_id = e.strike_id ORDER BY m.position))"
            " FROM evidence e WHERE e.strike_id = ?",
            (strike_id,),
        )
        if row is None:
            return None
        attachments = await self._fetchall(
            "SELECT attachment_id, filename, size, content_type, url, sha256, data"
            " FROM evidence_attachments WHERE strike_id = ? ORDER BY position",
            (strike_id,),
        )
        return Evidence(
            strike_id=strike_id,
            channel_id=row[0],
            message_ids=tuple(json.loads(row[5])) if row[5] else (),
            original_text=row[1],
            normalised_text=row[2],
            findings=tuple(FindingRecord.from_json(f) for f in json.loads(row[3])),
            attachments=tuple(
                StoredAttachment(
                    attachment_id=a[0], filename=a[1], size=a[2], content_type=a[3], url=a[4],
                    sha256=a[5], data=bytes(a[6]) if a[6] is not None else None,
                )
                for a in attachments
            ),
            created=_dt_req(row[4]),
        )

    # -- pardons and the case log

    async def pardon(
        self,
        guild_id: int,
        member_id: int,
        *,
        strike_id: int | None,
        moderator_id: int,
        reason: str,
        now: datetime,
    ) -> list[int]:
        """Pardon one strike (*strike_id*) or all active ones (None); returns the ids pardoned.

        Pardoned strikes stop counting and stay in the history. Already pardoned, expired or
        foreign strikes are left alone (an empty list means: nothing to pardon), so a second
        click of a Pardon button is harmless. One case is logged per call that pardoned.
        """
        _require_aware(now)
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("a pardon needs a reason")
        reason = _clip(reason, MAX_REASON_CHARS)
        now_us = _us(now)
        async with self._write() as conn:
            if strike_id is not None:
                rows = await self._fetchall(
                    "SELECT id FROM strikes WHERE id = ? AND guild_id = ? AND member_id = ?"
                    " AND pardoned_us IS NULL",
                    (strike_id, guild_id, member_id),
                )
            else:
                # "All active": exactly the strikes that count now, by the guild's ladder.
                await self._refresh_cache_if_changed()
                ladder = (await self._load_config(guild_id)).ladder
                rows = await self._fetchall(
                    "SELECT id FROM strikes WHERE guild_id = ? AND member_id = ?"
                    f" AND {_ACTIVE_STRIKE_SQL} ORDER BY id",
                    (guild_id, member_id, _window_start_us(now_us, ladder)),
                )
            ids = [r[0] for r in rows]
            if not ids:
                return []
            await conn.executemany(
                "UPDATE strikes SET pardoned_us = ?, pardoned_by = ?, pardon_reason = ?"
                " WHERE id = ?",
                [(now_us, moderator_id, reason, i) for i in ids],
            )
            await conn.execute(
                "INSERT INTO case_log (guild_id, actor_id, action, target_id, reason, strike_id,"
                " created_us) VALUES (?, ?, 'pardon', ?, ?, ?, ?)",
                (guild_id, moderator_id, member_id, reason, ids[0] if len(ids) == 1 else None, now_us),
            )
        return ids

    async def log_case(
        self,
        guild_id: int,
        *,
        actor_id: int | None,
        action: str,
        target_id: int,
        reason: str,
        strike_id: int | None = None,
        now: datetime,
    ) -> Case:
        """Record a moderation case (a moderator's Ban/Dismiss click, a manual action)."""
        if not action or len(action) > 64:
            raise ValueError("case action must be 1..64 characters")
        reason = _clip((reason or "").strip(), MAX_REASON_CHARS)
        now_us = _us(_require_aware(now))
        async with self._write() as conn:
            cursor = await conn.execute(
                "INSERT INTO case_log (guild_id, actor_id, action, target_id, reason, strike_id,"
                " created_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, actor_id, action, target_id, reason, strike_id, now_us),
            )
            case_id = cursor.lastrowid
        assert case_id is not None
        return Case(case_id, guild_id, actor_id, action, target_id, reason, strike_id, now)

    async def cases_for(
        self,
        guild_id: int,
        target_id: int | None = None,
        *,
        strike_id: int | None = None,
        limit: int = 50,
    ) -> list[Case]:
        """Cases of a guild, newest first; narrowed to a member and/or a strike."""
        where = ["guild_id = ?"]
        params: list[Any] = [guild_id]
        if target_id is not None:
            where.append("target_id = ?")
            params.append(target_id)
        if strike_id is not None:
            where.append("strike_id = ?")
            params.append(strike_id)
        async with self._read():
            rows = await self._fetchall(
                "SELECT id, guild_id, actor_id, action, target_id, reason, strike_id, created_us"
                f" FROM case_log WHERE {' AND '.join(where)} ORDER BY created_us DESC, id DESC"
                " LIMIT ?",
                (*params, limit),
            )
        return [_case_from_row(r) for r in rows]

    # -- export, retention, deletion

    async def export_member(self, guild_id: int, member_id: int) -> dict[str, Any]:
        """Everything kept about a member, JSON-serialisable (ids as strings, times ISO-8601,
        attachment bytes base64) — e.g. to hand to the police with a harassment report."""
        async with self._read():
            strike_rows = await self._fetchall(
                f"SELECT {_STRIKE_COLUMNS} FROM strikes s WHERE s.guild_id = ? AND s.member_id = ?"
                " ORDER BY s.created_us, s.id",
                (guild_id, member_id),
            )
            strikes: list[dict[str, Any]] = []
            for row in strike_rows:
                strike = _strike_from_row(row)
                evidence = await self._evidence(strike.id)
                outbox = await self._fetchall(
                    "SELECT kind, status, attempts, last_error, updated_us FROM action_outbox"
                    " WHERE strike_id = ? ORDER BY position",
                    (strike.id,),
                )
                strikes.append(
                    {
                        **_strike_json(strike),
                        "evidence": _evidence_json(evidence) if evidence is not None else None,
                        "actions": [
                            {
                                "kind": o[0], "status": o[1], "attempts": o[2],
                                "last_error": o[3], "updated": _iso(_dt(o[4])),
                            }
                            for o in outbox
                        ],
                    }
                )
            case_rows = await self._fetchall(
                "SELECT id, guild_id, actor_id, action, target_id, reason, strike_id, created_us"
                " FROM case_log WHERE guild_id = ? AND target_id = ? ORDER BY created_us, id",
                (guild_id, member_id),
            )
        return {
            "format": "contact-guard/member-export",
            "version": 1,
            "exported_at": _utcnow().isoformat(),
            "guild_id": str(guild_id),
            "member_id": str(member_id),
            "strikes": strikes,
            "cases": [
                {
                    "id": c.id,
                    "actor_id": str(c.actor_id) if c.actor_id is not None else None,
                    "action": c.action,
                    "reason": c.reason,
                    "strike_id": c.strike_id,
                    "created": c.created.isoformat(),
                }
                for c in map(_case_from_row, case_rows)
            ],
        }

    async def purge_expired_evidence(self, now: datetime) -> int:
        """Delete evidence (texts, findings, attachment bytes) older than each guild's retention
        (default 180 days) and finished outbox rows of those strikes. Strikes stay in the
        history. Returns the number of evidence records deleted."""
        now_us = _us(_require_aware(now))
        async with self._write() as conn:
            cursor = await conn.execute(
                "DELETE FROM evidence WHERE strike_id IN ("
                " SELECT s.id FROM strikes s LEFT JOIN guild_settings g ON g.guild_id = s.guild_id"
                " WHERE s.created_us <= ? - COALESCE(g.evidence_retention_days, ?) * ?)",
                (now_us, 180, _DAY_US),
            )
            deleted = cursor.rowcount
            await conn.execute(
                "DELETE FROM action_outbox WHERE status IN ('done', 'failed') AND strike_id IN ("
                " SELECT s.id FROM strikes s LEFT JOIN guild_settings g ON g.guild_id = s.guild_id"
                " WHERE s.created_us <= ? - COALESCE(g.evidence_retention_days, ?) * ?)",
                (now_us, 180, _DAY_US),
            )
        if deleted:
            log.info("purged %d expired evidence record(s)", deleted)
        return deleted

    async def delete_guild_data(self, guild_id: int) -> None:
        """Forget a guild entirely: settings, strikes, evidence, outbox, cases."""
        async with self._write() as conn:
            await conn.execute("DELETE FROM strikes WHERE guild_id = ?", (guild_id,))
            await conn.execute("DELETE FROM case_log WHERE guild_id = ?", (guild_id,))
            await conn.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
            await conn.execute("DELETE FROM guild_exemptions WHERE guild_id = ?", (guild_id,))
            await conn.execute("DELETE FROM guild_allow_list WHERE guild_id = ?", (guild_id,))
            await conn.execute("DELETE FROM guild_departures WHERE guild_id = ?", (guild_id,))
        self._config_cache.pop(guild_id, None)
        log.info("deleted all ledger data of guild %d", guild_id)

    async def guild_left(self, guild_id: int, *, now: datetime) -> None:
        """The bot was removed from *guild_id*: its data goes after the grace period
        (:meth:`purge_departed_guilds`) unless :meth:`guild_joined` comes first."""
        now_us = _us(_require_aware(now))
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO guild_departures (guild_id, left_us) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, now_us),
            )

    async def guild_joined(self, guild_id: int) -> None:
        """The bot is (back) in *guild_id*: cancel a pending deletion."""
        async with self._write() as conn:
            await conn.execute("DELETE FROM guild_departures WHERE guild_id = ?", (guild_id,))

    async def purge_departed_guilds(
        self, now: datetime, *, grace: timedelta = timedelta(days=30)
    ) -> list[int]:
        """Delete all data of guilds the bot left at least *grace* ago; returns their ids."""
        cutoff = _us(_require_aware(now)) - int(grace.total_seconds() * _US)
        async with self._read():
            rows = await self._fetchall(
                "SELECT guild_id FROM guild_departures WHERE left_us <= ? ORDER BY guild_id",
                (cutoff,),
            )
        purged: list[int] = []
        for (guild_id,) in rows:
            await self.delete_guild_data(guild_id)
            purged.append(guild_id)
        return purged

    async def delete_member_data(self, guild_id: int, member_id: int) -> None:
        """Forget one member of a guild (on their request): strikes, evidence, outbox, cases."""
        async with self._write() as conn:
            await conn.execute(
                "DELETE FROM strikes WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
            await conn.execute(
                "DELETE FROM case_log WHERE guild_id = ? AND target_id = ?", (guild_id, member_id)
            )
        log.info("deleted ledger data of member %d in guild %d", member_id, guild_id)

    async def counts(self) -> dict[str, int]:
        """Row counts per table (for ``contact-guard db status``)."""
        out: dict[str, int] = {}
        async with self._read():
            for table in ("strikes", "evidence", "evidence_attachments", "action_outbox", "case_log",
                          "guild_settings"):
                row = await self._fetchone(f"SELECT COUNT(*) FROM {table}")
                out[table] = int(row[0]) if row else 0
            row = await self._fetchone(
                "SELECT (SELECT COUNT(*) FROM action_outbox WHERE status = 'pending')"
                " + (SELECT COUNT(*) FROM action_outbox WHERE status = 'in_progress')"
            )
            out["open_actions"] = int(row[0]) if row else 0
        return out


# --------------------------------------------------------------------------- helpers


async def _insert_rows(conn: aiosqlite.Connection, rows: _BatchRows) -> None:
    """Write a batch's planned rows, one executemany per table."""
    if not rows.strikes:
        return
    await conn.executemany(
        "INSERT INTO strikes (id, guild_id, member_id, channel_id, kind, category,"
        " points, created_us, expires_us, step_threshold, shadow, review)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows.strikes,
    )
    await conn.executemany(
        "INSERT INTO strike_messages (guild_id, message_id, strike_id, position)"
        " VALUES (?, ?, ?, ?)",
        rows.messages,
    )
    await conn.executemany(
        "INSERT INTO evidence (strike_id, channel_id, original_text, normalised_text,"
        " findings_json, created_us) VALUES (?, ?, ?, ?, ?, ?)",
        rows.evidence,
    )
    if rows.attachments:
        await conn.executemany(
            "INSERT INTO evidence_attachments (strike_id, attachment_id, position,"
            " filename, content_type, size, url, sha256, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.attachments,
        )
    await conn.executemany(_INSERT_OUTBOX, rows.outbox)


def _prior_strikes(
    v: ViolationInput,
    claimed_here: dict[tuple[int, str], StrikeRecord],
    existing_by_message: dict[tuple[int, str], int],
    existing_strikes: dict[int, StrikeRecord],
) -> dict[tuple[int, str], StrikeRecord]:
    """The strikes *v*'s messages already carry (written before, or earlier in this batch),
    by (guild, message id), in the order of *v*'s message ids."""
    priors: dict[tuple[int, str], StrikeRecord] = {}
    for message_id in v.message_ids:
        key = (v.guild_id, message_id)
        prior = claimed_here.get(key)
        if prior is None and key in existing_by_message:
            prior = existing_strikes.get(existing_by_message[key])
        if prior is not None:
            priors[key] = prior
    return priors


def _supersedes(v: ViolationInput, config: GuildConfig, priors: Iterable[StrikeRecord]) -> bool:
    """A violation the guild enforces, on messages that only carry strikes held for review (the
    model's verdict alone), takes those messages over: otherwise a member could post a text the
    model flags, then edit a phone number into it, and the edit would count as a duplicate."""
    return not config.for_review(v.findings) and all(p.review for p in priors)


async def _release_messages(
    conn: aiosqlite.Connection,
    guild_id: int,
    priors: dict[tuple[int, str], StrikeRecord],
    rows: _BatchRows,
    claimed_here: dict[tuple[int, str], StrikeRecord],
    existing_by_message: dict[tuple[int, str], int],
) -> None:
    """Unlink *priors*' messages from their review strikes, so the new strike can claim them.
    The review strikes stay in the history with their evidence text (0 points, nothing lost
    from the ladder)."""
    # All of one violation's messages, so one guild; the rest are this batch's (not written yet).
    # Chunked only because the ledger puts no cap on a violation's message ids.
    stored = [m for g, m in priors if (g, m) in existing_by_message]
    for chunk in _chunks(stored, 500):
        await conn.execute(
            "DELETE FROM strike_messages WHERE guild_id = ?"
            f" AND message_id IN ({','.join('?' for _ in chunk)})",
            (guild_id, *chunk),
        )
    released = set(priors)
    rows.messages[:] = [row for row in rows.messages if (row[0], row[1]) not in released]
    for key in released:
        claimed_here.pop(key, None)
        existing_by_message.pop(key, None)
    log.info(
        "review strike(s) %s superseded by a finding the guild enforces on message(s) %s",
        ",".join(sorted({str(p.id) for p in priors.values()})),
        ",".join(m for _, m in priors),
    )


def _settle(
    future: asyncio.Future[RecordOutcome],
    *,
    outcome: RecordOutcome | None = None,
    error: BaseException | None = None,
) -> None:
    if future.done():  # the caller went away; the write stands regardless
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert outcome is not None
        future.set_result(outcome)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _attachment_row(
    strike_id: int, position: int, attachment: AttachmentEvidence, config: GuildConfig
) -> tuple[Any, ...]:
    data = attachment.data
    sha256 = attachment.sha256
    if data is not None:
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        if len(data) > config.max_image_bytes:
            data = None  # over the cap: keep the metadata and the hash, not the bytes
    return (
        strike_id,
        attachment.attachment_id,
        position,
        attachment.filename,
        attachment.content_type,
        attachment.size,
        attachment.url,
        sha256,
        data,
    )


def _strike_json(strike: StrikeRecord) -> dict[str, Any]:
    return {
        "id": strike.id,
        "guild_id": str(strike.guild_id),
        "member_id": str(strike.member_id),
        "channel_id": str(strike.channel_id),
        "message_ids": list(strike.message_ids),
        "kind": strike.kind,
        "category": strike.category,
        "points": strike.points,
        "created": strike.created.isoformat(),
        "expires": strike.expires.isoformat(),
        "step_threshold": strike.step_threshold,
        "shadow": strike.shadow,
        "review": strike.review,
        "pardoned_at": _iso(strike.pardoned_at),
        "pardoned_by": str(strike.pardoned_by) if strike.pardoned_by is not None else None,
        "pardon_reason": strike.pardon_reason,
    }


def _evidence_json(evidence: Evidence) -> dict[str, Any]:
    return {
        "channel_id": str(evidence.channel_id),
        "message_ids": list(evidence.message_ids),
        "original_text": evidence.original_text,
        "normalised_text": evidence.normalised_text,
        "findings": [f.to_json() for f in evidence.findings],
        "created": evidence.created.isoformat(),
        "attachments": [
            {
                "attachment_id": a.attachment_id,
                "filename": a.filename,
                "size": a.size,
                "content_type": a.content_type,
                "url": a.url,
                "sha256": a.sha256,
                "data_base64": base64.b64encode(a.data).decode("ascii") if a.data is not None else None,
            }
            for a in evidence.attachments
        ],
    }
