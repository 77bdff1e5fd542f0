"""`contact-guard db ...` against a real database file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.ledger.store import LedgerStore, load_migrations

from .conftest import GUILD, MEMBER, NOW, violation


def seed(db: Path) -> None:
    async def go() -> None:
        store = await LedgerStore.open(db)
        await store.record_violation(violation(1), now=NOW)
        await store.record_violation(violation(2, member=MEMBER + 1), now=NOW)
        await store.close()

    asyncio.run(go())


def test_migrate_status_export_purge_and_forget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ledger.sqlite3"
    assert main(["db", "--db", str(db), "migrate"]) == 0
    assert f"schema version {len(load_migrations())}" in capsys.readouterr().out
    seed(db)

    assert main(["db", "--db", str(db), "status"]) == 0
    status = capsys.readouterr().out
    assert "strikes: 2" in status and "open_actions: 4" in status

    assert main(["db", "--db", str(db), "export", "--guild", str(GUILD), "--member", str(MEMBER)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert [s["message_ids"] for s in exported["strikes"]] == [["1"]]

    out_file = tmp_path / "export.json"
    assert main(["db", "--db", str(db), "export", "--guild", str(GUILD), "--member", str(MEMBER),
                 "--out", str(out_file)]) == 0
    assert json.loads(out_file.read_text(encoding="utf-8"))["member_id"] == str(MEMBER)

    assert main(["db", "--db", str(db), "purge", "--now", "2027-01-01T00:00:00"]) == 0
    assert "purged 2 evidence record(s)" in capsys.readouterr().out

    assert main(["db", "--db", str(db), "forget-member", "--guild", str(GUILD), "--member", str(MEMBER)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["db", "--db", str(db), "forget-member", "--guild", str(GUILD), "--member", str(MEMBER), "--yes"]) == 0
    assert main(["db", "--db", str(db), "forget-guild", "--guild", str(GUILD), "--yes"]) == 0
    capsys.readouterr()
    assert main(["db", "--db", str(db), "status"]) == 0
    assert "strikes: 0" in capsys.readouterr().out


def test_missing_database_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "--db", str(tmp_path / "none.sqlite3"), "status"]) == 1
    assert "no database at" in capsys.readouterr().err


def test_database_path_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(db))
    assert main(["db", "migrate"]) == 0
    assert db.exists() and str(db) in capsys.readouterr().out
