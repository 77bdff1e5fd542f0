"""`contact-guard scan` and `contact-guard check`, run as the real console script.

The scan contract is the evaluation kit's (shared/eval/README.md): one JSON line out per line in,
same order, ids echoed, valid spans, flushed after every line, state kept per (channel, author).
"""

from __future__ import annotations

import io
import json
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import pytest

from bot.detect.cli import mark_span, scan_stream
from bot.detect.engine import Detector, load_detector
from bot.detect.findings import KINDS, Finding


def contact_guard() -> list[str]:
    """The installed console script next to this interpreter, else the module entry point."""
    script = shutil.which("contact-guard", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "bot.cli"]


def run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*contact_guard(), *args], input=stdin, capture_output=True, timeout=120, check=False
    )


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def assert_contract(records: list[dict[str, Any]], output: bytes) -> list[dict[str, Any]]:
    lines = output.decode("utf-8").splitlines()
    assert len(lines) == len(records)
    answers = [json.loads(line) for line in lines]
    for record, answer in zip(records, answers, strict=True):
        assert answer["id"] == record["id"]
        assert isinstance(answer["flagged"], bool)
        for finding in answer["findings"]:
            assert finding["kind"] in KINDS
            assert 0 <= finding["start"] < finding["end"] <= len(record["text"])
            assert record["text"][finding["start"] : finding["end"]] == finding["text"]
    return answers


# ---------------------------------------------------------------------------- scan, end to end

STREAM = [
    {"id": "s1", "channel": "c1", "author": "u1", "text": "おはよう、今日は晴れ"},
    {"id": "s2", "channel": "c2", "author": "u2", "text": "電話して 090-4412-7789"},
    {"id": "s3", "channel": "c3", "author": "u3", "text": "０９０"},
    {"id": "s4", "channel": "c3", "author": "u4", "text": "それな"},  # another member in between
    {"id": "s5", "channel": "c3", "author": "u3", "text": "５５２１"},
    {"id": "s6", "channel": "c3", "author": "u3", "text": "４６０９"},
    {"id": "s7", "channel": "c4", "author": "u5", "text": "the meeting is at 10:30, room 4B"},
    {"id": "s8", "channel": "c5", "author": "u6", "text": "🙂 zero\u200bwidth ｆｕｌｌ ｗｉｄｔｈ"},
]


def test_scan_answers_every_line_in_order_with_valid_spans() -> None:
    done = run(["scan"], jsonl(STREAM))
    assert done.returncode == 0, done.stderr.decode()
    answers = {a["id"]: a for a in assert_contract(STREAM, done.stdout)}
    assert answers["s1"]["flagged"] is False
    assert answers["s7"]["flagged"] is False
    assert answers["s2"]["flagged"] is True
    assert {f["kind"] for f in answers["s2"]["findings"]} == {"phone"}
    # The split number is reported on its last part and names every part, not the other member.
    assert answers["s3"]["flagged"] is False
    assert answers["s4"]["flagged"] is False
    assert answers["s6"]["flagged"] is True
    phone = next(f for f in answers["s6"]["findings"] if f["kind"] == "phone")
    assert phone["message_ids"] == ["s3", "s5", "s6"]


def _reader(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    with stream:  # closed here at end of file, not by a test while this thread reads it
        for line in iter(stream.readline, b""):
            lines.put(line)


def answers_of(process: subprocess.Popen[bytes]) -> queue.Queue[bytes]:
    """The process's output lines as they arrive: ``get(timeout=...)`` fails a test where a
    plain readline would hang it for good. The reader closes the output at end of file."""
    assert process.stdout is not None
    answers: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_reader, args=(process.stdout, answers), daemon=True).start()
    return answers


def ask(
    process: subprocess.Popen[bytes], answers: queue.Queue[bytes], record: dict[str, Any]
) -> Any:
    """Send one line and wait for its answer, the input left open."""
    assert process.stdin is not None
    process.stdin.write(jsonl([record]))
    process.stdin.flush()
    # The stream stays open: an answer can only arrive if it was flushed at once.
    return json.loads(answers.get(timeout=60))


@pytest.mark.parametrize("jobs", [[], ["--jobs", "2"]], ids=["default", "jobs 2"])
def test_scan_flushes_each_answer_before_the_next_line_is_sent(jobs: list[str]) -> None:
    process = subprocess.Popen(
        [*contact_guard(), "scan", *jobs],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    answers = answers_of(process)
    try:
        parts = ["070-", "8812-", "3345"]
        for number, part in enumerate(parts, 1):
            record = {"id": f"p{number}", "channel": "c", "author": "u", "text": part}
            answer = ask(process, answers, record)
            assert answer["id"] == f"p{number}"
        assert answer["flagged"] is True
        assert answer["findings"][0]["message_ids"] == ["p1", "p2", "p3"]
        assert ask(process, answers, {"id": "solo", "text": "bad"})["id"] == "solo"
    finally:
        process.stdin.close()
        assert process.wait(timeout=60) == 0


def test_scan_answers_malformed_lines_and_keeps_going() -> None:
    good = {"id": "ok1", "channel": "c", "author": "u", "text": "hello"}
    lines = [
        jsonl([good]),
        b"{not json\n",
        b"[1, 2]\n",
        b'{"id": "t1", "channel": "c", "author": "u"}\n',
        b'{"id": "t2", "text": "\xff\xfe"}\n',
        b'{"id": 7, "text": "x"}\n',
        jsonl([{**good, "id": "ok2"}]),
    ]
    done = run(["scan"], b"".join(lines))
    assert done.returncode == 0
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [a["id"] for a in answers] == ["ok1", None, None, "t1", None, 7, "ok2"]
    assert [("error" in a) for a in answers] == [False, True, True, True, True, True, False]
    assert all(a["flagged"] is False and a["findings"] == [] for a in answers)
    stderr = done.stderr.decode()
    for line_number in (2, 3, 4, 5, 6):
        assert f"input line {line_number}:" in stderr
    assert "Traceback" not in stderr


@pytest.fixture(scope="module")
def detector() -> Detector:
    return load_detector()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"\n", "empty line"),
        (b'"just a string"\n', "not a JSON object"),
        (b'{"id": "", "text": "x"}\n', '"id" must be a non-empty string'),
        (b'{"id": "a", "text": null}\n', '"text" must be a string'),
        (b'{"id": "a", "text": "x", "channel": 5, "author": "u"}\n', '"channel" must be a string'),
        (
            b'{"id": "a", "text": "x", "timestamp": "noon"}\n',
            '"timestamp" must be a finite number of seconds',
        ),
        (
            b'{"id": "a", "text": "x", "timestamp": NaN}\n',
            '"timestamp" must be a finite number of seconds',
        ),
        (
            b'{"id": "a", "text": "x", "timestamp": 1' + b"0" * 400 + b"}\n",
            '"timestamp" must be a finite number of seconds',
        ),
    ],
)
def test_scan_stream_names_what_is_wrong_with_a_line(
    detector: Detector, line: bytes, error: str
) -> None:
    out, err = io.StringIO(), io.StringIO()
    bad = scan_stream([line], out, err, detector.scan)
    assert bad == 1
    answer = json.loads(out.getvalue())
    assert answer["error"] == error
    assert err.getvalue() == f"contact-guard scan: input line 1: {error}\n"


def test_scan_stream_survives_a_detector_failure_without_quoting_the_message() -> None:
    def fragile(text: str) -> list[Finding]:
        if "boom" in text:
            raise RuntimeError(f"cannot scan {text}")
        return []

    records = [
        {"id": "x1", "channel": "c", "author": "u", "text": "boom 090-1234-5678"},
        {"id": "x2", "channel": "c", "author": "u", "text": "fine"},
    ]
    out, err = io.StringIO(), io.StringIO()
    bad = scan_stream(jsonl(records).splitlines(keepends=True), out, err, fragile)
    assert bad == 1
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(a["id"], a.get("error")) for a in answers] == [
        ("x1", "internal error: RuntimeError"),
        ("x2", None),
    ]
    assert "090" not in err.getvalue()
    assert "input line 1 (id x1)" in err.getvalue()


def test_deeply_nested_json_is_a_bad_line_not_a_crash(detector: Detector) -> None:
    out, err = io.StringIO(), io.StringIO()
    scan_stream([b"[" * 100_000 + b"]" * 100_000 + b"\n"], out, err, detector.scan)
    assert json.loads(out.getvalue()) == {
        "id": None,
        "flagged": False,
        "findings": [],
        "error": "bad JSON (nested too deeply)",
    }


def test_scan_stream_uses_timestamps_from_the_input_for_expiry(detector: Detector) -> None:
    # Parts more than two minutes apart are not joined, whatever the wall clock says.
    records = [
        {"id": f"t{i}", "channel": "c", "author": "u", "text": part, "timestamp": stamp}
        for i, (part, stamp) in enumerate([("090", 0), ("4412", 200), ("7789", 400)], 1)
    ]
    out = io.StringIO()
    scan_stream(jsonl(records).splitlines(keepends=True), out, io.StringIO(), detector.scan)
    assert [json.loads(line)["flagged"] for line in out.getvalue().splitlines()] == [False] * 3


# ---------------------------------------------------------------------------- check


def test_check_marks_the_span_and_exits_1_when_something_is_found() -> None:
    done = run(["check", "電話は 090-1234-5678 まで"])
    assert done.returncode == 1, done.stderr.decode()
    out = done.stdout.decode()
    assert "phone (contact) rule " in out
    assert "[[090-1234-5678]]" in out
    _marked, carets = next(
        (line, following)
        for line, following in zip(out.splitlines(), out.splitlines()[1:], strict=False)
        if "[[" in line
    )
    assert carets.strip() == "^" * len("090-1234-5678")
    assert "normalised views:" in out


def test_check_reads_stdin_and_exits_0_on_clean_text() -> None:
    done = run(["check"], "会議は 10:30 から、会場は 3F です\n".encode())
    assert done.returncode == 0, done.stderr.decode()
    assert "no findings" in done.stdout.decode()


def test_check_respects_the_allow_list() -> None:
    done = run(["check", "--allow", "example-shop.jp", "お問い合わせ: support@example-shop.jp"])
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def test_mark_span_aligns_carets_under_wide_characters() -> None:
    line, carets = mark_span("連絡は090-1234-5678へ", 3, 16)
    assert line == "連絡は[[090-1234-5678]]へ"
    # Three wide characters take six columns, then the two brackets.
    assert carets == " " * 8 + "^" * 13


# ---------------------------------------------------------------------------- bad rule packs

BAD_PACKS = {
    "syntax.toml": "this is = = not toml\n",
    "unknown_kind.toml": (
        '[[rule]]\nid = "custom.pager"\nkind = "pager"\ncategory = "contact"\n'
        'patterns = ["pager\\\\d+"]\n'
    ),
}


@pytest.mark.parametrize("pack", sorted(BAD_PACKS))
@pytest.mark.parametrize("command", [["scan"], ["check", "hello"]])
def test_a_bad_rules_pack_is_one_clear_line_and_exit_2(
    tmp_path: Path, pack: str, command: list[str]
) -> None:
    (tmp_path / pack).write_text(BAD_PACKS[pack], encoding="utf-8")
    done = run([*command, "--rules-dir", str(tmp_path)], jsonl([STREAM[0]]))
    assert done.returncode == 2
    stderr = done.stderr.decode().strip()
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1
    assert pack in stderr
    assert done.stdout == b""


def test_an_extra_rules_dir_adds_its_rules(tmp_path: Path) -> None:
    (tmp_path / "community.toml").write_text(
        "[[rule]]\n"
        'id = "community.zapp"\n'
        'kind = "kakao"\n'
        'category = "contact"\n'
        'view = "words"\n'
        "patterns = ['zapp id: (?P<value>[a-z0-9_]+)']\n",
        encoding="utf-8",
    )
    text = "zapp id: kumo_77"
    # (the learned model's contact head takes this for an ID as well: rules only here)
    assert run(["check", "--no-model", text]).returncode == 0
    done = run(["check", "--rules-dir", str(tmp_path), text])
    assert done.returncode == 1, done.stderr.decode()
    assert "rule community.zapp" in done.stdout.decode()


def test_scan_respects_the_allow_list() -> None:
    record = {"id": "a1", "channel": "c", "author": "u", "text": "mail support@example-shop.jp"}
    allowed = run(["scan", "--allow", "example-shop.jp"], jsonl([record]))
    assert assert_contract([record], allowed.stdout)[0]["flagged"] is False
    plain = run(["scan"], jsonl([record]))
    assert assert_contract([record], plain.stdout)[0]["flagged"] is True


def test_a_bad_allow_list_entry_is_one_clear_line_and_exit_2() -> None:
    done = run(["scan", "--allow", "!!!"], jsonl([STREAM[0]]))
    assert done.returncode == 2
    stderr = done.stderr.decode().strip()
    assert len(stderr.splitlines()) == 1
    assert "'!!!'" in stderr
    assert done.stdout == b""
