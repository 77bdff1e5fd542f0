"""`contact-guard` subcommands of the detect layer: `scan` (the JSON Lines filter) and `check`.

`contact-guard scan` is the detector contract of the evaluation kit: one JSON object per input
line ``{"id", "channel", "author", "text"}``, exactly one JSON line out per line in, same order,
flushed after every line. Messages go through a cross-message window keyed by (channel, author),
so identifiers split over one author's messages are caught. A line that cannot be read is still
answered (``flagged: false`` with an ``error`` key) so the output never falls out of step, and
the command exits 0 at end of input. Exit status 2 only when the detector cannot be built (a bad
rules pack), before any line is read.

`contact-guard check TEXT` explains to an admin what the detector sees in one message: each
finding with rule id, kind, category and confidence, the span marked in the original text, and
the normalised views the rules ran on. Exit 0 when nothing was found, 1 when something was found,
2 on error (for example a bad rules pack), so scripts can use it as a test.

Heavy modules (the engine, rule loading) are imported inside the handlers, and discord.py is never
imported, so `scan` starts fast.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
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
            "order, flushing after every line. One author's consecutive messages in one channel "
            'are joined to catch split identifiers. An optional numeric "timestamp" (seconds) '
            "on an input line drives the window's expiry; otherwise arrival time is used. A "
            'line that cannot be read is answered with flagged=false and an "error" key.'
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


# ---------------------------------------------------------------------------- detector set-up


class _Loaded:
    """The detector and allow-list built from the command line options."""

    def __init__(self, detector: Detector, allowlist: Allowlist | None) -> None:
        self.detector = detector
        self.allowlist = allowlist

    def scan(self, text: str) -> list[Finding]:
        return self.detector.scan(text, self.allowlist)


def _load(args: argparse.Namespace, command: str) -> _Loaded | None:
    """Load the rule packs and the allow-list, or print why not (one line) and return None."""
    from bot.detect.allowlist import Allowlist
    from bot.detect.engine import load_detector
    from bot.detect.rules import RulePackError

    try:
        detector = load_detector(extra_rule_dirs=tuple(args.rules_dir))
        allowlist = Allowlist.from_entries(args.allow) if args.allow else None
    except (RulePackError, ValueError, OSError) as exc:
        # A RulePackError already names the file, the rule and the reason: keep it on one line.
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"contact-guard {command}: {reason}", file=sys.stderr)
        return None
    return _Loaded(detector, allowlist)


# ---------------------------------------------------------------------------- scan


class _BadLine(Exception):
    """An input line that cannot be scanned; the message says why."""


def _parse_line(raw: bytes) -> tuple[Any, dict[str, Any]]:
    """Returns (id to echo, object). Raises _BadLine with the id known so far."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadLine(None, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not line.strip():
        raise _BadLine(None, "empty line")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(None, f"bad JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise _BadLine(None, "bad JSON (nested too deeply)") from None
    if not isinstance(obj, dict):
        raise _BadLine(None, "not a JSON object")
    message_id = obj.get("id")
    echo = message_id if isinstance(message_id, str | int | float | bool) else None
    if not isinstance(message_id, str) or not message_id:
        raise _BadLine(echo, '"id" must be a non-empty string')
    if not isinstance(obj.get("text"), str):
        raise _BadLine(message_id, '"text" must be a string')
    for key in ("channel", "author"):
        if key in obj and not isinstance(obj[key], str):
            raise _BadLine(message_id, f'"{key}" must be a string')
    stamp = obj.get("timestamp")
    if stamp is not None and not _finite_number(stamp):
        raise _BadLine(message_id, '"timestamp" must be a finite number of seconds')
    return message_id, obj


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


def scan_stream(
    lines: Iterable[bytes],
    out: IO[str],
    err: IO[str],
    scan: Callable[[str], list[Finding]],
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Answer every input line with one output line; returns how many lines were malformed."""
    from bot.detect.window import ConversationWindow, WindowMessage

    window = ConversationWindow(scan)
    bad_lines = 0
    for line_number, raw in enumerate(lines, 1):
        message_id: Any = None
        try:
            message_id, obj = _parse_line(raw)
            text: str = obj["text"]
            channel, author = obj.get("channel"), obj.get("author")
            if channel is None or author is None:
                # Without a stream to belong to, a message is judged on its own.
                findings = scan(text)
            else:
                stamp = obj.get("timestamp")
                timestamp = clock() if stamp is None else float(stamp)
                findings = window.observe(
                    WindowMessage(message_id, channel, author, text, timestamp)
                )
            if not findings:  # most messages: the answer line without a dict and an encoder
                out.write('{"id": ' + _encode_string(message_id) + ', "flagged": false, "findings": []}\n')
                out.flush()
                continue
            answer: dict[str, Any] = {
                "id": message_id,
                "flagged": True,
                # Findings without a span (a cross-message finding anchored on an empty message)
                # still flag the message but cannot be shown as a span of it.
                "findings": [_finding_json(f) for f in findings if f.start < f.end],
            }
        except _BadLine as exc:
            echo, reason = exc.args
            bad_lines += 1
            err.write(f"contact-guard scan: input line {line_number}: {reason}\n")
            err.flush()
            answer = {"id": echo, "flagged": False, "findings": [], "error": reason}
        except Exception as exc:  # a detector bug must not desynchronise the whole stream
            bad_lines += 1
            reason = f"internal error: {type(exc).__name__}"
            # The exception text may quote the message; the id and line number are enough.
            err.write(f"contact-guard scan: input line {line_number} (id {message_id}): {reason}\n")
            err.flush()
            answer = {"id": message_id, "flagged": False, "findings": [], "error": reason}
        out.write(_ENCODER.encode(answer) + "\n")
        out.flush()
    return bad_lines


def run_scan(args: argparse.Namespace) -> int:
    loaded = _load(args, "scan")
    if loaded is None:
        return EXIT_ERROR
    # The rule set and the modules live until exit: moved out of the collector's sight, a
    # full collection no longer walks them (about 3 ms each, at random lines of the stream).
    gc.freeze()
    scan_stream(sys.stdin.buffer, sys.stdout, sys.stderr, loaded.scan)
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


def render_check(text: str, findings: Sequence[Finding], views: Sequence[tuple[str, str]]) -> str:
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
    sys.stdout.write(render_check(text, findings, list(explanation.views.items())))
    sys.stdout.flush()
    return EXIT_FOUND if findings else EXIT_CLEAN
