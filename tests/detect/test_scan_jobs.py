"""`contact-guard scan --jobs N`: the same answers as one process, in order, whatever N.

The parallel scan forks worker processes and routes each (channel, author) stream to one of
them; these tests run the real command with --jobs 1 and --jobs 2/3 on streams built to trip an
ordering or routing mistake (interleaved authors, split identifiers, edits, bad lines, messages
without a stream, long texts) and require byte-identical output. They also cover the line
grouping of the single-process path, which answers whatever arrived together with one write.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import select
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.detect.cli import _Answerer, _input_chunks, _scan_serial, scan_stream
from bot.detect.engine import Detector, load_detector

from .test_cli import answers_of, ask, contact_guard

# Parts of identifiers that the window joins, and chatter around them.
SPLITS = [
    ["070-", "8812-", "3345"],
    ["LINE ID", "yuna", "_0830"],
    ["kohei.m88", "@gmail.com"],
    ["instagram", "@hana"],
    ["jess", "ie.w99"],
    ["hit me up on telegram", "handle is", "nova_trades77"],
    ["０９０", "４４１２", "７７８９"],
    ["discord", ".gg/abcd"],
]
CHATTER = ["lol", "それな", "the meeting is at 10:30, room 4B", "ok", "", "🙂 zero\u200bwidth"]
BAD_LINES = [
    b"not json\n",
    b"\n",
    b"   \n",
    b'{"id": "u1", "text": "\xff\xfe"}\n',
    b'{"id": "", "text": "x"}\n',
    b'{"id": "n1", "text": 5}\n',
    b'{"id": "n2", "text": "x", "channel": 3}\n',
    b'{"id": "n3", "text": "x", "timestamp": "soon"}\n',
    b'{"id": 1' + b"0" * 5000 + b', "text": "x"}\n',  # beyond json's digit limit: internal error
    b'["a list"]\n',
    b'{"id": "unterminated\n',
]


def mixed_stream(seed: int, messages: int = 400, *, stamped: bool = False) -> bytes:
    """Several authors in a few channels sending split identifiers and chatter, interleaved,
    with edits (repeated ids in their own stream), messages without a channel or author, bad
    lines and long texts; the last line has no newline.

    ``stamped``: every stream message carries its number as "timestamp"; else none does and
    arrival time drives the window. Never a mix: seconds-since-boot after a few hundred seconds
    of explicit time would go backwards across streams, where --jobs may answer differently
    (see benchmarks/README.md), and how differently would depend on the machine's uptime."""
    rng = random.Random(seed)
    streams = [(f"c{c}", f"u{a}") for c in range(3) for a in range(4)]
    sent: dict[tuple[str, str], list[str]] = {key: [] for key in streams}
    lines: list[bytes] = []
    for number in range(messages):
        roll = rng.random()
        if roll < 0.06:
            lines.append(rng.choice(BAD_LINES))
            continue
        record: dict[str, Any]
        if roll < 0.12:  # no stream: judged alone
            record = {"id": f"solo{number}", "text": rng.choice(rng.choice(SPLITS))}
            if rng.random() < 0.5:
                record["channel"] = "c0"  # a channel but no author
        else:
            key = rng.choice(streams)
            if roll < 0.2 and sent[key]:  # an edit of a message still in the window
                message_id = rng.choice(sent[key][-6:])
            else:
                message_id = f"m{number}"
                sent[key].append(message_id)
            if roll > 0.97:
                text = "".join(rng.choice(SPLITS)) * 200  # a long text, cut to Discord's limit
                text = text[:4000]
            elif rng.random() < 0.7:
                text = rng.choice(rng.choice(SPLITS))
            else:
                text = rng.choice(CHATTER)
            record = {"id": message_id, "channel": key[0], "author": key[1], "text": text}
            if stamped:
                record["timestamp"] = number
        lines.append((json.dumps(record, ensure_ascii=False) + "\n").encode())
        if number == messages // 2:  # a line longer than many reads (JSON allows the padding)
            lines.append(b'{"id": "padded", "text": "090-4412-7789"}' + b" " * 300_000 + b"\n")
    last: dict[str, Any] = {"id": "last", "channel": "c1", "author": "u1", "text": "5521"}
    if stamped:
        last["timestamp"] = messages
    lines.append(json.dumps(last).encode())
    return b"".join(lines)


def scan(jobs: int, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*contact_guard(), "scan", "--jobs", str(jobs)],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(("seed", "stamped"), [(1, False), (2, True)])
def test_jobs_2_and_3_answer_byte_for_byte_like_jobs_1(seed: int, stamped: bool) -> None:
    stream = mixed_stream(seed, stamped=stamped)
    alone = scan(1, stream)
    assert alone.returncode == 0, alone.stderr.decode()
    assert alone.stdout.count(b"\n") == stream.count(b"\n") + 1
    assert b'"flagged": true' in alone.stdout  # the stream does exercise the window
    assert b'"error"' in alone.stdout
    for jobs in (2, 3):
        parallel = scan(jobs, stream)
        assert parallel.returncode == 0, parallel.stderr.decode()
        assert parallel.stdout == alone.stdout
        # The parent reads and answers the bad lines itself, in order: the same complaints.
        assert parallel.stderr == alone.stderr


def test_empty_input_gives_no_output_and_exit_0() -> None:
    for jobs in (1, 2):
        done = scan(jobs, b"")
        assert (done.returncode, done.stdout) == (0, b"")


def test_jobs_must_be_auto_or_a_positive_number() -> None:
    for value in ("0", "-1", "two"):
        done = subprocess.run(
            [*contact_guard(), "scan", "--jobs", value],
            input=b"",
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        assert b"--jobs" in done.stderr


def test_a_bad_rules_pack_still_exits_2_before_forking(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[[rules]]\nid = \n", encoding="utf-8")
    done = subprocess.run(
        [*contact_guard(), "scan", "--jobs", "2", "--rules-dir", str(tmp_path)],
        input=b'{"id": "a", "text": "x"}\n',
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == b""
    assert len(done.stderr.decode().strip().splitlines()) == 1


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


def _scan_with_two_workers() -> subprocess.Popen[bytes]:
    """`contact-guard scan --jobs 2` with every stream piped."""
    return subprocess.Popen(
        [*contact_guard(), "scan", "--jobs", "2"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_worker_that_dies_is_one_clear_error_and_a_non_zero_exit() -> None:
    process = _scan_with_two_workers()
    assert process.stdin is not None and process.stderr is not None
    try:
        first = {"id": "first", "channel": "c", "author": "u", "text": "hello"}
        ask(process, answers_of(process), first)
        workers = _children(process.pid)
        assert len(workers) == 2
        # One worker only: the parent may notice its death, stop and reap the other at once,
        # so a second kill could find no such process. No wait after it either: whether the
        # lines below arrive before or after the parent notices, the outcome is the same.
        os.kill(workers[0], signal.SIGKILL)
        lines = "".join(
            json.dumps({"id": f"m{n}", "channel": f"c{n}", "author": "u", "text": "hi"}) + "\n"
            for n in range(50)
        )
        try:
            process.stdin.write(lines.encode())
            process.stdin.close()
        except BrokenPipeError:
            pass
        assert process.wait(timeout=60) != 0
        error = process.stderr.read().decode()
        assert len(error.strip().splitlines()) == 1
        assert "worker process" in error and f"(pid {workers[0]})" in error
        assert "killed by signal 9" in error
        assert "unanswered" in error
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
        for stream in (process.stdin, process.stderr):  # (stdout: closed by its reader)
            with contextlib.suppress(BrokenPipeError):
                stream.close()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_reader_that_goes_away_ends_the_scan_and_its_workers_quietly() -> None:
    process = _scan_with_two_workers()
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    try:
        process.stdin.write(b'{"id": "first", "channel": "c", "author": "u", "text": "hi"}\n')
        process.stdin.flush()
        assert select.select([process.stdout], [], [], 60)[0], "no answer within 60 s"
        assert json.loads(process.stdout.readline())["id"] == "first"
        workers = _children(process.pid)
        assert len(workers) == 2
        process.stdout.close()  # the reader goes away (`contact-guard scan --jobs 2 | head -1`)
        lines = "".join(
            json.dumps({"id": f"m{n}", "channel": f"c{n}", "author": "u", "text": "hi"}) + "\n"
            for n in range(200)
        )
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(lines.encode())
            process.stdin.close()
        assert process.wait(timeout=60) == 0
        assert process.stderr.read() == b""
        assert not [w for w in workers if Path(f"/proc/{w}").exists()]  # stopped and reaped
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
        for stream in (process.stdin, process.stdout, process.stderr):
            with contextlib.suppress(BrokenPipeError):
                stream.close()


# ---------------------------------------------------------------------------- one process


@pytest.fixture(scope="module")
def detector() -> Detector:
    return load_detector()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [b"", b"\n", b"\r\n", b" ", b"{", b"}", b'"', b"\xff", b"a", b'{"id": "x", "text": "0'],
        ),
        max_size=40,
    ),
    st.integers(min_value=1, max_value=64),
)
def test_input_chunks_split_lines_exactly_like_file_iteration(
    pieces: list[bytes], read_size: int
) -> None:
    data = b"".join(pieces)
    with tempfile.TemporaryFile() as file:
        file.write(data)
        file.seek(0)
        expected = list(io.BytesIO(data))
        # Many small reads: lines cut across reads.
        got = [line for chunk in _input_chunks(file.fileno(), read_size) for line in chunk]
    assert got == expected


def test_the_single_process_path_answers_like_scan_stream(detector: Detector) -> None:
    stream = mixed_stream(3, messages=300)
    expected_out, expected_err = io.StringIO(), io.StringIO()
    ticks = iter(range(10**6))
    scan_stream(
        io.BytesIO(stream), expected_out, expected_err, detector.scan, lambda: float(next(ticks))
    )
    out, err = io.BytesIO(), io.StringIO()
    ticks = iter(range(10**6))
    with tempfile.TemporaryFile() as file:
        file.write(stream)
        file.seek(0)
        _scan_serial(
            _Answerer(detector.scan, err, lambda: float(next(ticks))), file.fileno(), out
        )
    assert out.getvalue().decode() == expected_out.getvalue()
    assert err.getvalue() == expected_err.getvalue()


@pytest.mark.parametrize(("usable", "jobs"), [(1, 1), (2, 2), (3, 3), (4, 4), (16, 4)])
def test_jobs_auto_uses_the_usable_cpus_at_most_4(
    monkeypatch: pytest.MonkeyPatch, usable: int, jobs: int
) -> None:
    from bot.detect import cli

    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda pid: set(range(usable)), raising=False)
    assert cli._auto_jobs() == jobs
