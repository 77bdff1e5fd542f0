"""A database written by schema version 1 is upgraded in place, its data carried over.

The v1 database is built with the real migration runner stopped at version 1; its rows are
written with plain sqlite3, as an old contact-guard would have left them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.ledger.store import LedgerError, LedgerStore, load_migrations, migrate

from .conftest import CHANNEL, GUILD, MEMBER, NOW, violation

CREATED_US = 1_780_000_000_000_000  # 2026-05-28
LATEST = len(load_migrations())


async def build_v1(path: Path) -> None:
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, target=1) == 1
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO guild_settings (guild_id, report_channel_id, language, mode, ladder_json,"
            " evidence_retention_days, moderator_role_id, scan_bots, updated_us)"
            " VALUES (?, 42, 'ja', 'shadow', ?, 30, NULL, 0, ?)",
            (GUILD, json.dumps({"steps": [{"threshold": 1, "actions": ["warn"]},
                                          {"threshold": 2, "actions": ["ban", "report"]}]}), CREATED_US),
        )
        raw.execute(
            "INSERT INTO strikes (id, guild_id, member_id, channel_id, kind, category, points,"
            " created_us, expires_us, step_threshold, shadow) VALUES (7, ?, ?, ?, 'line', 'contact',"
            " 1, ?, ?, 1, 1)",
            (GUILD, MEMBER, CHANNEL, CREATED_US, CREATED_US + 90 * 86_400_000_000),
        )
        raw.execute("INSERT INTO strike_messages VALUES (?, '900', 7, 0)", (GUILD,))
        raw.execute(
            "INSERT INTO evidence (strike_id, channel_id, original_text, normalised_text,"
            " findings_json, attachments_json, created_us) VALUES (7, ?, 'LINE: kazu_0315', "
            " 'line:kazu_0315', ?, ?, ?)",
            (
                CHANNEL,
                json.dumps([{"kind": "line", "category": "contact", "rule_id": "line.id",
                             "start": 6, "end": 15, "masked": "ka****15"}]),
                json.dumps([{"attachment_id": "31", "filename": "qr.png", "size": 1234,
                             "content_type": "image/png", "url": "https://cdn/qr.png"}]),
                CREATED_US,
            ),
        )
        raw.execute(
            "INSERT INTO action_outbox (strike_id, position, kind, params_json, status, attempts,"
            " next_attempt_us, created_us, updated_us) VALUES (7, 0, 'report', '{}', 'pending', 0,"
            " ?, ?, ?)",
            (CREATED_US, CREATED_US, CREATED_US),
        )


async def test_v1_database_is_upgraded_in_place(db_path: Path) -> None:
    await build_v1(db_path)
    store = await LedgerStore.open(db_path)
    try:
        assert await store.schema_version() == LATEST >= 3
        config = await store.get_guild_config(GUILD)
        assert (config.report_channel_id, config.language, config.mode) == (42, "ja", "shadow")
        assert config.ladder.to_text() == "1: warn; 2: ban, report"
        assert config.evidence_retention_days == 30
        assert not config.location_strike and config.max_image_bytes == 10 * 1024 * 1024

        evidence = await store.get_evidence(7)
        assert evidence is not None and evidence.original_text == "LINE: kazu_0315"
        (attachment,) = evidence.attachments  # moved out of v1's JSON column
        assert (attachment.attachment_id, attachment.filename, attachment.size) == ("31", "qr.png", 1234)
        assert attachment.data is None

        (pending,) = await store.pending_actions(now=NOW)
        assert (pending.strike_id, pending.kind, pending.message_ids) == (7, "report", ("900",))

        # The upgraded database works: the old message is still deduplicated, new ones escalate.
        again = await store.record_violation(violation(900), now=NOW)
        assert not again.created and again.strike.id == 7
        await store.update_guild_config(GUILD, mode="enforce")
        new = await store.record_violation(violation(901), now=NOW)
        assert new.created and new.strike.id == 8
        assert [a.kind for a in new.actions] == ["delete", "ban", "report"]
    finally:
        await store.close()
    with sqlite3.connect(db_path) as raw:
        versions = [r[0] for r in raw.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, LATEST + 1))
        assert raw.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_opening_twice_applies_nothing_again(db_path: Path) -> None:
    for _ in range(2):
        store = await LedgerStore.open(db_path)
        await store.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == LATEST


async def test_a_newer_database_is_refused(db_path: Path) -> None:
    store = await LedgerStore.open(db_path)
    await store.close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("INSERT INTO schema_migrations VALUES (99, 'from_the_future', 0)")
    with pytest.raises(LedgerError, match="newer than this contact-guard"):
        await LedgerStore.open(db_path)


async def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="does not exist"):
        await LedgerStore.open(tmp_path / "nowhere" / "ledger.sqlite3")


async def test_a_failing_migration_leaves_the_previous_version_intact(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await LedgerStore.open(db_path)
    await store.record_violation(violation(950), now=NOW)
    await store.close()

    from bot.ledger import store as store_module

    broken = store_module.Migration(
        LATEST + 1, "broken", "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    real = store_module.load_migrations()
    monkeypatch.setattr(store_module, "load_migrations", lambda: [*real, broken])
    with pytest.raises(LedgerError, match=f"migration {LATEST + 1:04d}_broken failed"):
        await LedgerStore.open(db_path)
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == LATEST
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "half_done" not in tables
        assert raw.execute("SELECT COUNT(*) FROM strikes").fetchone()[0] == 1
