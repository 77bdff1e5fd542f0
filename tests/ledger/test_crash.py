"""Crash safety: SIGKILL between the commit and the Discord calls; the restarted process
finishes every action exactly once, and a second restart has nothing left to do."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

REPO = Path(__file__).resolve().parents[2]


def run_worker(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ledger.crash_worker", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_when_ready(process: subprocess.Popen[bytes], ready: Path) -> None:
    deadline = time.monotonic() + 30
    while not ready.exists():
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"worker exited early ({process.returncode}): {err.decode()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("worker never became ready")
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def resume(db: Path, performed: Path) -> None:
    process = run_worker("resume", str(db), str(performed))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()


def outbox(db: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(db) as raw:
        return list(raw.execute("SELECT id, kind, status FROM action_outbox ORDER BY id"))


def performed_lines(performed: Path) -> list[str]:
    return performed.read_text(encoding="utf-8").splitlines() if performed.exists() else []


@pytest.mark.slow
def test_killed_before_acting_the_restart_performs_each_action_once(tmp_path: Path) -> None:
    db, ready, performed = tmp_path / "ledger.sqlite3", tmp_path / "ready", tmp_path / "performed.log"
    kill_when_ready(run_worker("record", str(db), str(ready)), ready)

    # The strike, its evidence and its intended actions were committed before the crash.
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM strikes").fetchone()[0] == 1
        assert raw.execute("SELECT COUNT(*) FROM strike_messages").fetchone()[0] == 2
        assert raw.execute("SELECT original_text FROM evidence").fetchone()[0] == "090-1234\n5678"
    assert [(kind, status) for _, kind, status in outbox(db)] == [
        ("delete", "in_progress"),
        ("warn", "in_progress"),
    ]
    assert performed_lines(performed) == []

    resume(db, performed)
    assert performed_lines(performed) == [f"{i} {kind}" for i, kind, _ in outbox(db)]
    assert {status for _, _, status in outbox(db)} == {"done"}

    resume(db, performed)  # a second restart performs nothing
    assert len(performed_lines(performed)) == 2


@pytest.mark.slow
def test_killed_midway_the_restart_performs_only_the_rest(tmp_path: Path) -> None:
    db, ready, performed = tmp_path / "ledger.sqlite3", tmp_path / "ready", tmp_path / "performed.log"
    kill_when_ready(run_worker("record", str(db), str(ready), str(performed)), ready)
    assert [status for _, _, status in outbox(db)] == ["done", "in_progress"]

    resume(db, performed)
    resume(db, performed)
    assert performed_lines(performed) == [f"{i} {kind}" for i, kind, _ in outbox(db)]
    assert [status for _, _, status in outbox(db)] == ["done", "done"]
