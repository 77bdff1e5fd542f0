"""`contact-guard` subcommands of the detect layer: `scan` (the JSON Lines filter) and `check`.

`contact-guard scan` is the detector contract of the evaluation kit: one JSON object per input
line ``{"id", "channel", "author", "text"}``, exactly one JSON line out per line in, same order,
each answer flushed before the command waits for more input (so a caller that sends one line and
waits gets its answer). Messages go through a cross-message window keyed by (channel, author),
so identifiers split over one author's messages are caught. ``--jobs N`` scans in N forked
processes, each stream always in the same one, with the same answers (see _scan_parallel). A
line that cannot be read is still answered (``flagged: false`` with an ``error`` key) so the
output never falls out of step, and the command exits 0 at end of input. Exit status 2 only when
the detector cannot be built (a bad rules pack), before any line is read; with --jobs, 1 when a
worker process died.

`contact-guard check TEXT` explains to an admin what the detector sees in one message: each
finding with rule id, kind, category and confidence, the span marked in the original text, and
the normalised views the rules ran on. Exit 0 when nothing was found, 1 when something was found,
2 on error (for example a bad rules pack), so scripts can use it as a test.

Heavy modules (the engine, rule loading) are imported inside the handlers, and discord.py is never
imported, so `scan` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import marshal
import math
import os
import select
import signal
import sys
import time
import traceback
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.detect.allowlist import Allowlist
    from bot.detect.engine import Detector
    from bot.detect.findings import Finding

# One encoder for every line: json.dumps with any option builds a new encoder per call, which
# costs more than the rest of answering a clean message.
_ENCODER = json.JSONEncoder(ensure_ascii=False)
# The string encoder _ENCODER uses (the C one when available): a clean message's answer is
# written without building a dict, byte for byte what _ENCODER would write.
_encode_string = json.encoder.encode_basestring
# _ENCODER.encode builds this C encoder anew on every call (with a fresh dict for detecting
# circular references, which an answer built here cannot have); built once, it writes the same.
_c_encoder = (
    json.encoder.c_make_encoder(
        None,  # markers: no check for circular references
        _ENCODER.default,
        _encode_string,
        None,  # indent
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        _ENCODER.sort_keys,
        _ENCODER.skipkeys,
        _ENCODER.allow_nan,
    )
    if json.encoder.c_make_encoder is not None
    else None
)


def _encode(answer: dict[str, Any]) -> str:
    """``_ENCODER.encode(answer)``."""
    if _c_encoder is None:
        return _ENCODER.encode(answer)
    return "".join(_c_encoder(answer, 0))


EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this layer's subcommands to *sub*. Handlers import heavy modules lazily."""
    scan = sub.add_parser(
        "scan",
        help="JSON Lines filter: one message per stdin line, one verdict per stdout line",
        description=(
            'Reads {"id", "channel", "author", "text"} JSON objects, one per line, and writes '
            '{"id", "flagged", "findings": [{"kind", "start", "end", "text", ...}]} for each, in '
            "order, each answer flushed before waiting for more input. One author's consecutive "
            "messages in one channel are joined to catch split identifiers. An optional numeric "
            '"timestamp" (seconds) on an input line drives the window\'s expiry; otherwise '
            'arrival time is used. A line that cannot be read is answered with flagged=false and '
            'an "error" key.'
        ),
    )
    scan.add_argument(
        "--jobs",
        type=_jobs_option,
        default=1,
        metavar="N",
        help=(
            'scanning processes (default 1): a number, or "auto" for the CPUs this process may '
            "use, at most 4. The rules are loaded once and the workers forked from it; each "
            "(channel, author) stream is always judged by the same worker and the answers are "
            "written in input order, so they are those of --jobs 1 except in three corner cases "
            "listed in benchmarks/README.md (an edit that arrives with another channel or "
            "author, timestamps that go backwards across streams, more than 10,000 streams "
            "within two minutes). For bulk scans of exported history; the default stays exact."
        ),
    )
    _add_detector_options(scan)
    scan.set_defaults(handler=run_scan)

    check = sub.add_parser(
        "check",
        help="explain what the detector finds in one message (exit 0 clean, 1 found, 2 error)",
        description=(
            "Shows each finding (rule id, kind, category, confidence) with its span marked in the "
            "text, and the normalised views the rules ran on. Exit status: 0 nothing found, "
            "1 something found, 2 error (for example a bad rules pack)."
        ),
    )
    check.add_argument(
        "text", nargs="?", default="-", help='the message text; "-" or absent reads standard input'
    )
    _add_detector_options(check)
    check.set_defaults(handler=run_check)


def _add_detector_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules-dir",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="an extra folder of rule packs (*.toml) loaded after the built-in ones; repeatable",
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="ENTRY",
        help="allow-list entry (a domain, @handle or number) never reported; repeatable",
    )
    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "--no-model",
        action="store_true",
        help="rules only: leave out the learned model (rule ids solicit.model, contact.model)",
    )
    model.add_argument(
        "--model",
        dest="model_file",
        type=Path,
        metavar="FILE",
        help="a learned model file to use instead of the built-in one",
    )


# ---------------------------------------------------------------------------- detector set-up


class _Loaded:
    """The detector and allow-list built from the command line options."""

    def __init__(self, detector: Detector, allowlist: Allowlist | None) -> None:
        self.detector = detector
        self.allowlist = allowlist

    def scan(self, text: str) -> list[Finding]:
        return self.detector.scan(text, self.allowlist)

    def scan_joined(self, text: str) -> list[Finding]:
        """The scan of one author's messages joined by the window: rules only."""
        return self.detector.scan(text, self.allowlist, model=False)


def _load(args: argparse.Namespace, command: str) -> _Loaded | None:
    """Load the rule packs and the allow-list, or print why not (one line) and return None."""
    from bot.detect.allowlist import Allowlist
    from bot.detect.engine import load_detector
    from bot.detect.learned import ModelError
    from bot.detect.rules import RulePackError

    model: bool | Path = False if args.no_model else (args.model_file or True)
    try:
        detector = load_detector(extra_rule_dirs=tuple(args.rules_dir), learned_model=model)
        allowlist = Allowlist.from_entries(args.allow) if args.allow else None
    except (RulePackError, ModelError, ValueError, OSError) as exc:
        # A RulePackError already names the file, the rule and the reason: keep it on one line.
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"contact-guard {command}: {reason}", file=sys.stderr)
        return None
    return _Loaded(detector, allowlist)


# ---------------------------------------------------------------------------- scan

# A line read and checked: (line number, id, text, channel or None, author or None, timestamp
# or None). Plain values in a tuple, because --jobs sends them to the worker processes in
# batches with marshal, the cheapest serialisation of plain values.
_Message = tuple[int, str, str, str | None, str | None, int | float | None]


class _BadLine(Exception):
    """An input line that cannot be scanned; the message says why."""


def _parse_line(line_number: int, raw: bytes) -> _Message:
    """The message on one input line. Raises _BadLine with the id known so far."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadLine(None, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    # `not line.strip()` without building a stripped copy of every line: str.strip() and
    # str.isspace() agree on what whitespace is.
    if not line or line.isspace():
        raise _BadLine(None, "empty line")
    try:
        obj = _loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(None, f"bad JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise _BadLine(None, "bad JSON (nested too deeply)") from None
    if not isinstance(obj, dict):
        raise _BadLine(None, "not a JSON object")
    message_id = obj.get("id")
    if not isinstance(message_id, str) or not message_id:
        echo = message_id if isinstance(message_id, str | int | float | bool) else None
        raise _BadLine(echo, '"id" must be a non-empty string')
    text = obj.get("text")
    if not isinstance(text, str):
        raise _BadLine(message_id, '"text" must be a string')
    # Absent is fine (the message is judged alone), null is not a string.
    channel = obj.get("channel")
    if not isinstance(channel, str) and (channel is not None or "channel" in obj):
        raise _BadLine(message_id, '"channel" must be a string')
    author = obj.get("author")
    if not isinstance(author, str) and (author is not None or "author" in obj):
        raise _BadLine(message_id, '"author" must be a string')
    stamp = obj.get("timestamp")
    if stamp is not None and not _finite_number(stamp):
        raise _BadLine(message_id, '"timestamp" must be a finite number of seconds')
    return line_number, message_id, text, channel, author, stamp


# The C scanner behind json.loads, with json.loads's settings; see _loads.
_scan_json = json.JSONDecoder().scan_once
_JSON_WHITESPACE = " \t\n\r"


def _loads(line: str) -> Any:
    """``json.loads(line)``, cheaper for the usual input line: a JSON object from the first
    character to the newline. json.loads finds where the value starts with a regular expression
    (here: the "{" at 0), runs the scanner from there, checks that only whitespace follows (here
    without a second regular expression) and raises "Extra data" otherwise. Anything else
    (leading whitespace, a byte order mark, trailing data, not an object) goes to json.loads
    itself, so every value and every error is exactly its own; the scanner raises the same
    JSONDecodeError for a malformed object as it does inside json.loads, from the same index."""
    if line.startswith("{"):
        try:
            obj, end = _scan_json(line, 0)
        except StopIteration:
            return json.loads(line)
        if end == len(line) or not line[end:].strip(_JSON_WHITESPACE):
            return obj
    return json.loads(line)


def _finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer too large for a float
        return False


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "start": finding.start,
        "end": finding.end,
        "text": finding.text,
        "category": str(finding.category),
        "rule": finding.rule_id,
        "confidence": finding.confidence,
        "message_ids": list(finding.message_ids),
    }


class _Answerer:
    """Turns input lines into answer lines (each ending in a newline): reads and checks a line,
    then judges the message, through the cross-message window when it belongs to a stream.
    Counts the lines answered with an error; their reasons go to ``err`` at once."""

    def __init__(
        self,
        scan: Callable[[str], list[Finding]],
        err: IO[str],
        clock: Callable[[], float],
        scan_joined: Callable[[str], list[Finding]] | None = None,
    ) -> None:
        from bot.detect.window import ConversationWindow

        self._scan = scan
        self._err = err
        self._clock = clock
        self._window = ConversationWindow(scan, scan_joined=scan_joined)
        self.bad_lines = 0

    def read(self, line_number: int, raw: bytes) -> _Message | str:
        """The message on one input line, or the answer line of a line that cannot be read."""
        try:
            return _parse_line(line_number, raw)
        except _BadLine as exc:
            echo, reason = exc.args
            self._complain(f"input line {line_number}: {reason}")
            return _error_answer(echo, reason)
        except Exception as exc:  # e.g. json's limit on the digits of an integer
            return self._internal_error(line_number, None, exc)

    def judge(self, message: _Message) -> str:
        """The answer line of a message read by ``read``."""
        line_number, message_id, text, channel, author, stamp = message
        try:
            if channel is None or author is None:
                # Without a stream to belong to, a message is judged on its own.
                findings = self._scan(text)
            else:
                timestamp = self._clock() if stamp is None else float(stamp)
                findings = self._window.observe_fields(
                    message_id, channel, author, text, timestamp
                )
            if not findings:  # most messages: the answer line without a dict and an encoder
                return '{"id": ' + _encode_string(message_id) + ', "flagged": false, "findings": []}\n'
            answer = {
                "id": message_id,
                "flagged": True,
                # Findings without a span (a cross-message finding anchored on an empty message)
                # still flag the message but cannot be shown as a span of it.
                "findings": [_finding_json(f) for f in findings if f.start < f.end],
            }
            return _encode(answer) + "\n"
        except Exception as exc:  # a detector bug must not desynchronise the whole stream
            return self._internal_error(line_number, message_id, exc)

    def answer(self, line_number: int, raw: bytes) -> str:
        """The answer line of one input line: ``read``, then ``judge`` what could be read."""
        message = self.read(line_number, raw)
        return message if message.__class__ is str else self.judge(message)  # type: ignore[arg-type]

    def _internal_error(self, line_number: int, message_id: str | None, exc: Exception) -> str:
        reason = f"internal error: {type(exc).__name__}"
        # The exception text may quote the message; the id and line number are enough.
        self._complain(f"input line {line_number} (id {message_id}): {reason}")
        return _error_answer(message_id, reason)

    def _complain(self, what: str) -> None:
        self.bad_lines += 1
        self._err.write(f"contact-guard scan: {what}\n")
        self._err.flush()


def _error_answer(echo: Any, reason: str) -> str:
    return _encode({"id": echo, "flagged": False, "findings": [], "error": reason}) + "\n"


_READ_SIZE = 1 << 16  # what a pipe holds on Linux


def scan_stream(
    lines: Iterable[bytes],
    out: IO[str],
    err: IO[str],
    scan: Callable[[str], list[Finding]],
    clock: Callable[[], float] = time.monotonic,
    scan_joined: Callable[[str], list[Finding]] | None = None,
) -> int:
    """Answer every input line with one output line, flushed at once; returns how many lines
    were malformed. *scan_joined* scans the window's joined texts (default: *scan*)."""
    answerer = _Answerer(scan, err, clock, scan_joined)
    answer = answerer.answer
    for line_number, raw in enumerate(lines, 1):
        out.write(answer(line_number, raw))
        out.flush()
    return answerer.bad_lines


class _LineSplitter:
    """Cuts what reads return into lines, each ending in a newline except perhaps the last
    one at end of input: exactly the lines iterating a binary file gives."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # the start of a line whose end has not arrived

    def feed(self, chunk: bytes) -> list[bytes]:
        """The lines completed by ``chunk``."""
        if b"\n" not in chunk:
            # Kept in pieces: a line longer than many reads is joined once, not once per read.
            self._pending.append(chunk)
            return []
        lines = chunk.split(b"\n")
        if self._pending:
            lines[0] = b"".join(self._pending) + lines[0]
        tail = lines.pop()
        self._pending = [tail] if tail else []
        return [line + b"\n" for line in lines]

    def end(self) -> list[bytes]:
        """The last line, if the input did not end with a newline."""
        last = b"".join(self._pending)
        self._pending = []
        return [last] if last else []


def _input_chunks(fd: int, read_size: int = _READ_SIZE) -> Iterator[list[bytes]]:
    """The lines of a file descriptor (see _LineSplitter), grouped by what one read returned:
    every line that had arrived when the reader would next block."""
    splitter = _LineSplitter()
    while chunk := os.read(fd, read_size):
        if lines := splitter.feed(chunk):
            yield lines
    if lines := splitter.end():
        yield lines


def _scan_serial(answerer: _Answerer, stdin_fd: int, out: IO[bytes]) -> None:
    """--jobs 1: answer each group of lines that arrived together with one write and flush.
    Flushing when the next read may block keeps the contract (an interactive caller that sends
    a line and waits gets its answer) without a system call per line."""
    answer = answerer.answer
    line_number = 0
    for lines in _input_chunks(stdin_fd):
        answers = [answer(line_number + offset, raw) for offset, raw in enumerate(lines, 1)]
        line_number += len(lines)
        out.write("".join(answers).encode())
        out.flush()


# ------------------------------------------------------------ scan --jobs N: worker processes
#
# The parent reads and checks the lines, sends each message to the worker that owns its
# (channel, author) stream (so every window stream lives in exactly one worker and is judged
# exactly as one process would judge it), and writes the answers back in input order. Lines that
# cannot be read are answered by the parent. Messages travel in batches (one pipe write per
# batch, not per message) and every batch pending is sent before the parent waits, so an answer
# never waits for more input.

_BATCH = 64  # messages per pipe write to a worker
_MAX_IN_FLIGHT = 8192  # lines read but not yet answered; beyond this stdin is left unread
_MAX_AUTO_JOBS = 4


class _WorkerDied(Exception):
    """A worker process (the argument, a _Worker) ended before answering every message sent
    to it."""


class _Worker:
    """A forked scanning process as the parent sees it."""

    def __init__(self, number: int, pid: int, to_worker: int, from_worker: int) -> None:
        self.number = number
        self.pid = pid
        self.to_worker = to_worker  # non-blocking: a full pipe never stalls the parent
        self.from_worker = from_worker
        self.batch: list[_Message] = []
        self.unsent = bytearray()
        self.in_flight = 0  # messages handed to this worker and not answered yet
        self.answers: deque[bytes] = deque()  # answer lines received, in order
        # Cuts what the worker writes into answer lines (JSON escapes every newline in a string,
        # so each answer is one line).
        self.lines = _LineSplitter()
        self.input_closed = False
        self.finished = False  # its answer pipe reached end of file
        self.status: int | None = None  # wait status once reaped

    def add(self, message: _Message) -> None:
        self.batch.append(message)
        self.in_flight += 1
        if len(self.batch) >= _BATCH:
            self.send()

    def send(self) -> None:
        """Frame the batch (length, then marshal data) and write what the pipe takes."""
        if self.batch:
            frame = marshal.dumps(self.batch)
            self.unsent += len(frame).to_bytes(4, "little") + frame
            self.batch.clear()
        if self.unsent:
            try:
                written = os.write(self.to_worker, self.unsent)
            except BlockingIOError:
                return
            except BrokenPipeError:
                raise _WorkerDied(self) from None
            del self.unsent[:written]

    def receive(self) -> None:
        """Take the answers the worker has written so far."""
        data = os.read(self.from_worker, _READ_SIZE)
        if not data:
            self.finished = True
            if self.in_flight or not self.input_closed or self.lines.end():
                raise _WorkerDied(self)
            return
        lines = self.lines.feed(data)
        self.in_flight -= len(lines)
        self.answers.extend(lines)

    def close_input(self) -> None:
        os.close(self.to_worker)
        self.input_closed = True

    def reap(self) -> int:
        if self.status is None:
            _, self.status = os.waitpid(self.pid, 0)
        return self.status

    def stop(self) -> None:
        """Make sure the process is gone (after an error) and reaped."""
        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            self.reap()

    def close_pipes(self) -> None:
        """Close the parent's ends of the pipes (once, at the end)."""
        if not self.input_closed:
            self.close_input()
        os.close(self.from_worker)


def _worker_main(answerer: _Answerer, from_parent: int, to_parent: int) -> int:
    """A worker's life: judge each batch of messages, write its answers, until end of input."""
    judge = answerer.judge
    buffer = bytearray()
    while chunk := os.read(from_parent, _READ_SIZE):
        buffer += chunk
        start = 0
        while len(buffer) - start >= 4:
            end = start + 4 + int.from_bytes(buffer[start : start + 4], "little")
            if end > len(buffer):
                break
            batch = marshal.loads(buffer[start + 4 : end])
            answers = memoryview("".join(map(judge, batch)).encode())
            while answers:
                answers = answers[os.write(to_parent, answers) :]
            start = end
        del buffer[:start]
    return 0 if not buffer else 1  # a batch cut short means the parent broke off


def _start_workers(jobs: int, answerer: _Answerer, workers: list[_Worker]) -> None:
    """Fork the workers into ``workers`` (the caller's list, so that those already started are
    stopped if a later fork fails). Each inherits the loaded detector (no second start-up) and
    keeps only its own two pipe ends, so it sees end of file when the parent closes its input."""
    sys.stdout.flush()
    sys.stderr.flush()
    for number in range(1, jobs + 1):
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                for worker in workers:
                    os.close(worker.to_worker)
                    os.close(worker.from_worker)
                os.close(to_worker_w)
                os.close(from_worker_r)
                code = _worker_main(answerer, to_worker_r, from_worker_w)
            except KeyboardInterrupt:
                code = 130
            except BrokenPipeError:  # the parent is gone
                code = 1
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)  # never run the parent's clean-up code twice
        os.close(to_worker_r)
        os.close(from_worker_w)
        os.set_blocking(to_worker_w, False)
        workers.append(_Worker(number, pid, to_worker_w, from_worker_r))


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _scan_parallel(answerer: _Answerer, jobs: int, stdin_fd: int, out: IO[bytes]) -> int:
    """--jobs N > 1. Returns 0, or 1 (with one line on stderr) if a worker died. Whatever ends
    the scan (end of input, a dead worker, a reader gone, Ctrl-C), no worker outlives it."""
    workers: list[_Worker] = []
    # Per input line, in input order: the worker that owes its answer, or the answer line
    # itself (bytes) for a line the parent answered.
    order: deque[_Worker | bytes] = deque()
    splitter = _LineSplitter()
    line_number = 0
    stdin_open = True
    try:
        _start_workers(jobs, answerer, workers)
        while True:
            wanted = [w.from_worker for w in workers if not w.finished]
            if stdin_open and len(order) < _MAX_IN_FLIGHT:
                wanted.append(stdin_fd)
            if not wanted:
                break
            blocked = [w.to_worker for w in workers if w.unsent]
            readable, writable, _ = select.select(wanted, blocked, [])
            for worker in workers:
                if worker.to_worker in writable:
                    worker.send()
                if worker.from_worker in readable:
                    worker.receive()
            if stdin_fd in readable:
                chunk = os.read(stdin_fd, _READ_SIZE)
                if chunk:
                    lines = splitter.feed(chunk)
                else:
                    stdin_open = False
                    lines = splitter.end()
                line_number = _hand_out(lines, line_number, answerer.read, workers, order)
            if not stdin_open:
                for worker in workers:
                    if not worker.input_closed and not worker.unsent:
                        worker.close_input()
            _write_answers(order, out)
        for worker in workers:
            if worker.reap() != 0:
                raise _WorkerDied(worker)
        return 0
    except _WorkerDied as exc:
        _write_answers(order, out)  # every answer before the first missing one
        dead: _Worker = exc.args[0]
        dead.stop()
        print(
            f"contact-guard scan: worker process {dead.number} (pid {dead.pid}) ended early "
            f"({_describe_exit(dead.reap())}); {len(order)} input line(s) left unanswered",
            file=sys.stderr,
        )
        return 1
    finally:
        for worker in workers:
            worker.stop()
            worker.close_pipes()


def _hand_out(
    lines: list[bytes],
    line_number: int,
    read: Callable[[int, bytes], _Message | str],
    workers: list[_Worker],
    order: deque[_Worker | bytes],
) -> int:
    """Read each line (numbered on from ``line_number``) and queue its place in ``order``: the
    answer itself for a line that cannot be read, else the worker the message is handed to.
    Sends every batch before returning, so nothing waits in a batch while the parent waits.
    Returns the number of the last line."""
    for raw in lines:
        line_number += 1
        message = read(line_number, raw)
        if message.__class__ is str:
            order.append(message.encode())  # type: ignore[union-attr]
            continue
        channel, author = message[3], message[4]  # type: ignore[index]
        if channel is None or author is None:  # judged alone: the least busy worker
            worker = min(workers, key=lambda w: w.in_flight)
        else:  # the same stream always goes to the same worker
            worker = workers[hash((channel, author)) % len(workers)]
        worker.add(message)  # type: ignore[arg-type]
        order.append(worker)
    for worker in workers:
        worker.send()
    return line_number


def _write_answers(order: deque[_Worker | bytes], out: IO[bytes]) -> None:
    """Write the answers that are due, in input order, and flush them."""
    ready: list[bytes] = []
    while order:
        head = order[0]
        if head.__class__ is bytes:
            ready.append(head)  # type: ignore[arg-type]
        elif head.answers:  # type: ignore[union-attr]
            ready.append(head.answers.popleft())  # type: ignore[union-attr]
        else:
            break
        order.popleft()
    if ready:
        out.write(b"".join(ready))
        out.flush()


def _auto_jobs() -> int:
    """--jobs auto: the CPUs this process may use, at most 4, when there is more than one."""
    if not hasattr(os, "fork"):
        return 1
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 1
    return min(usable, _MAX_AUTO_JOBS) if usable > 1 else 1


def _jobs_option(value: str) -> int:
    """--jobs: "auto" (0 here, resolved when the scan starts) or a number of processes >= 1."""
    if value == "auto":
        return 0
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected "auto" or a number, not {value!r}') from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return jobs


def run_scan(args: argparse.Namespace) -> int:
    loaded = _load(args, "scan")
    if loaded is None:
        return EXIT_ERROR
    # The rule set and the modules live until exit: moved out of the collector's sight, a
    # full collection no longer walks them (about 3 ms each, at random lines of the stream).
    gc.freeze()
    jobs = args.jobs or _auto_jobs()  # (0: --jobs auto)
    answerer = _Answerer(loaded.scan, sys.stderr, time.monotonic, loaded.scan_joined)
    sys.stdout.flush()
    if jobs > 1:
        return _scan_parallel(answerer, jobs, sys.stdin.fileno(), sys.stdout.buffer)
    _scan_serial(answerer, sys.stdin.fileno(), sys.stdout.buffer)
    return 0


# ---------------------------------------------------------------------------- check


def _visible(text: str) -> str:
    """One display line: line breaks and invisible characters become escapes."""
    out: list[str] = []
    for char in text:
        if char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _columns(text: str) -> int:
    """Terminal width of *text*: wide (CJK) characters take two columns, marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def mark_span(text: str, start: int, end: int, context: int = 24) -> tuple[str, str]:
    """The span in brackets with some context, and a caret line under the span."""
    lead = "…" if start > context else ""
    tail = "…" if len(text) - end > context else ""
    before = lead + _visible(text[max(0, start - context) : start])
    inside = _visible(text[start:end])
    after = _visible(text[end : end + context]) + tail
    line = f"{before}[[{inside}]]{after}"
    carets = " " * (_columns(before) + 2) + "^" * max(1, _columns(inside))
    return line, carets


def render_check(
    text: str,
    findings: Sequence[Finding],
    views: Sequence[tuple[str, str]],
    model: dict[str, tuple[float, float]] | None = None,
) -> str:
    lines = [f"text ({len(text)} characters): {_visible(text)}"]
    if not findings:
        lines.append("no findings: the message would be left alone")
    else:
        plural = "s" if len(findings) != 1 else ""
        lines.append(f"{len(findings)} finding{plural}:")
        for number, finding in enumerate(findings, 1):
            lines.append(
                f"  {number}. {finding.kind} ({finding.category}) rule {finding.rule_id} "
                f"confidence {finding.confidence:.2f} span {finding.start}:{finding.end}"
            )
            if finding.start < finding.end:
                marked, carets = mark_span(text, finding.start, finding.end)
                lines.append(f"     {marked}")
                lines.append(f"     {carets}")
    for head, (probability, threshold) in (model or {}).items():
        lines.append(
            f"learned model, {head}: probability {probability:.2f} (reports from {threshold:.2f}; "
            "asked only when the rules find nothing)"
        )
    if views:
        lines.append("normalised views:")
        width = max(len(name) for name, _ in views)
        for name, value in views:
            lines.append(f"  {name.ljust(width)}  {_visible(value)}")
    return "\n".join(lines) + "\n"


def run_check(args: argparse.Namespace) -> int:
    if args.text == "-":
        text = sys.stdin.read()
        # A trailing newline from `echo ... |` is not part of the message.
        text = text[:-1] if text.endswith("\n") else text
    else:
        text = args.text
    loaded = _load(args, "check")
    if loaded is None:
        return EXIT_ERROR
    explanation = loaded.detector.explain(text, loaded.allowlist)
    findings = list(explanation.findings)
    sys.stdout.write(
        render_check(text, findings, list(explanation.views.items()), explanation.model)
    )
    sys.stdout.flush()
    return EXIT_FOUND if findings else EXIT_CLEAN
