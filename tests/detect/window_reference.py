"""The cross-message window as it was before its speed work (main at 0deb42a), kept as the
reference the window's fast paths are compared with (test_window_equivalence.py): every verdict
of ``ConversationWindow`` must equal this one's on any stream. Do not optimise this copy; change
it only together with a deliberate change of the window's verdicts.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import string
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.detect.findings import Category, Finding
from bot.detect.learned import LEARNED_RULE_IDS

Scanner = Callable[[str], list[Finding]]
"""Scans one text and returns findings whose spans index that text (``Detector.scan`` bound to
an allow-list fits)."""

StreamKey = tuple[str, str]  # (channel_id, author_id)

# Characters that continue an identifier across a message boundary: "kohei.m88" + "@gmail.com",
# "070-" + "8812-", "discord" + ".gg/", "line.me/ti/p/" + "~haruka", "yuna" + "_0830". When one
# side of a boundary is one of these, the parts are glued with nothing in between, which restores
# the identifier exactly as it would have been typed in one message. Everywhere else a space
# separates the parts: the scanner reads through spaces between digits ("090" / "4412") while
# words stay words ("snap is" / "jess" must not become "isjess").
_GLUE_CHARACTERS = frozenset("._-@/~")
# A whole message that is one bare Latin token, possibly a piece of a handle ("jess", "ie.w99"):
# 1 to 32 of these characters (the regex [A-Za-z0-9_.\-]{1,32}, checked without a regex call,
# which costs more than the rest of deciding a separator).
_FRAGMENT_CHARACTERS = string.ascii_letters + string.digits + "_.-"
_FRAGMENT_MAX_LENGTH = 32


@dataclass(frozen=True)
class WindowMessage:
    """One chat message as the window sees it. ``timestamp`` is in seconds (any epoch, but the
    same for every message); for an edit it is the time of the edit."""

    message_id: str
    channel_id: str
    author_id: str
    text: str
    timestamp: float


@dataclass(slots=True)
class _Entry:
    message_id: str
    text: str
    timestamp: float
    single: list[Finding]  # what the message's own text produced (spans index ``text``)
    # (kind, start, end) of parts of cross-message findings already reported, in ``text`` offsets
    reported: list[tuple[str, int, int]] = dataclasses.field(default_factory=list)


# Named tuples rather than frozen dataclasses: as immutable, and several times cheaper to build,
# which counts because a join of up to six messages is built for every message of a stream.
class _Piece(NamedTuple):
    """Where (part of) one entry's text sits inside the joined text."""

    entry_index: int
    joined_start: int
    joined_end: int
    text_start: int  # offset of the piece inside the entry's own text


# A _Piece built by tuple.__new__ itself: a NamedTuple's own __new__ is a Python function,
# which costs more than the rest of placing a piece.
_new_piece = functools.partial(tuple.__new__, _Piece)


class _Joined(NamedTuple):
    text: str
    pieces: tuple[_Piece, ...]

    def touched(self, start: int, end: int) -> list[tuple[_Piece, int, int]]:
        """The pieces a joined span overlaps, each with the overlap in entry-text offsets."""
        parts: list[tuple[_Piece, int, int]] = []
        for piece in self.pieces:
            lo, hi = max(start, piece.joined_start), min(end, piece.joined_end)
            if lo < hi:
                shift = piece.text_start - piece.joined_start
                parts.append((piece, lo + shift, hi + shift))
        return parts


def _glue_character(char: str) -> bool:
    if char < "\x80":  # NFKC leaves every ASCII character as it is
        return char in _GLUE_CHARACTERS
    # NFKC so that fullwidth "＠", "．", "＿" and "－" glue like their ASCII forms.
    folded = unicodedata.normalize("NFKC", char)
    return len(folded) == 1 and folded in _GLUE_CHARACTERS


def _starts_with_at(text: str) -> bool:
    if not text:
        return False
    first = text[0]
    if first < "\x80":  # NFKC leaves every ASCII character as it is
        return first == "@"
    # NFKC: "＠" and "﹫" start a handle or continue an address like "@".
    return unicodedata.normalize("NFKC", first) == "@"


def _separators(left: str, right: str) -> tuple[str, str]:
    """What goes between two consecutive parts in the spaced and in the fused joining."""
    if not left or not right:
        return " ", " "
    ends_joined = _glue_character(left[-1])  # "070-", "riko_22@", "line.me/ti/p/"
    starts_at = _starts_with_at(right)
    if ends_joined or (_glue_character(right[0]) and not starts_at):  # ".gg/", "_0830"
        return "", ""
    if starts_at or _word_split(left, right):
        return " ", ""
    return " ", " "


def _word_split(left: str, right: str) -> bool:
    """Two parts that are each one bare Latin token, at least one with a letter: maybe one
    handle cut in two ("jess" / "ie.w99"). Digit-only groups are never fused: the scanner reads
    digits through spaces anyway, and fusing would erase the grouping that tells a phone number
    from a list of numbers ("03" / "11" / "24" / "31" / "38")."""
    return (
        (_is_fragment(left) or _is_handle_start(left))
        and _is_fragment(right)
        and not (left.isdigit() and right.isdigit())
    )


def _is_fragment(text: str) -> bool:
    # Nothing left once the fragment characters are stripped from both ends: all are such.
    return 0 < len(text) <= _FRAGMENT_MAX_LENGTH and not text.strip(_FRAGMENT_CHARACTERS)


def _is_handle_start(text: str) -> bool:
    # (Added with the window's "@ri" / "na_cafe" split: a semantic change made on both sides.)
    return len(text) > 1 and _starts_with_at(text) and _is_fragment(text[1:])


def _assemble(
    spans: list[tuple[int, int, int]], texts: list[str], gaps: list[str]
) -> _Joined:
    """The joined text of ``texts`` (the kept parts of the entries in ``spans``) with
    ``gaps[k]`` between part k and part k + 1, and where each part landed."""
    parts: list[str] = []
    pieces: list[_Piece] = []
    cursor = 0
    for k, (index, lo, _) in enumerate(spans):
        if k:
            gap = gaps[k - 1]
            parts.append(gap)
            cursor += len(gap)
        text = texts[k]
        parts.append(text)
        end = cursor + len(text)
        pieces.append(_new_piece((index, cursor, end, lo)))
        cursor = end
    return _Joined("".join(parts), tuple(pieces))


def with_message_ids(finding: Finding, message_ids: tuple[str, ...]) -> Finding:
    """``finding`` naming ``message_ids``. Same as ``dataclasses.replace`` but several times
    faster, which counts on the per-message path; a test checks it keeps every field."""
    return Finding(
        finding.kind,
        finding.category,
        finding.start,
        finding.end,
        finding.text,
        finding.rule_id,
        finding.confidence,
        message_ids,
        finding.attachment_id,
    )


def _combined(single: list[Finding], cross: list[Finding]) -> list[Finding]:
    """The learned model's verdicts on the message alone give way to new joined findings."""
    if cross:
        return [f for f in single if f.rule_id not in LEARNED_RULE_IDS] + cross
    return single


class ConversationWindow:
    """Per (channel, author) memory of recent messages, rescanned joined on every new message."""

    def __init__(
        self,
        scan: Scanner,
        *,
        scan_joined: Scanner | None = None,
        max_age_s: float = 120.0,
        max_messages: int = 6,
        max_streams: int = 10_000,
        max_chars: int = 2_000,
    ) -> None:
        if max_age_s <= 0 or max_messages < 1 or max_streams < 1 or max_chars < 2:
            raise ValueError(
                "window limits must be positive (max_messages, max_streams >= 1, max_chars >= 2)"
            )
        self._scan = scan
        self._scan_joined = scan if scan_joined is None else scan_joined
        self._max_age_s = max_age_s
        self._max_messages = max_messages
        self._max_streams = max_streams
        self._max_chars = max_chars
        self._streams: OrderedDict[StreamKey, list[_Entry]] = OrderedDict()
        self._stream_of_message: dict[str, StreamKey] = {}

    # ------------------------------------------------------------------ public API

    def observe(self, msg: WindowMessage) -> list[Finding]:
        """Scan a new message alone and joined with its author's recent messages in its channel.

        Returns the message's own findings (``message_ids == (msg.message_id,)``) followed by any
        new cross-message findings (naming every part, span into ``msg.text``)."""
        return self.observe_fields(
            msg.message_id, msg.channel_id, msg.author_id, msg.text, msg.timestamp
        )

    def observe_fields(
        self, message_id: str, channel_id: str, author_id: str, text: str, timestamp: float
    ) -> list[Finding]:
        """``observe(WindowMessage(message_id, channel_id, author_id, text, timestamp))``
        without building the message: a frozen dataclass costs about as much to build as the
        window's own work on a message that starts a stream, and `contact-guard scan` observes
        every line it reads."""
        stream_of_message = self._stream_of_message
        if message_id in stream_of_message:
            # A repeated delivery of a message we already hold: treat it as an edit, never as a
            # second copy (which would let one message "join" with itself).
            return self.edit(WindowMessage(message_id, channel_id, author_id, text, timestamp))
        now = timestamp
        streams = self._streams
        if streams:
            # _sweep's first test inline, as it is the usual outcome: the least recently used
            # stream still has a message that has not expired, so nothing can be swept.
            oldest = next(iter(streams.values()))
            if not oldest or oldest[-1].timestamp < now - self._max_age_s:
                self._sweep(now=now)
        key = (channel_id, author_id)
        entries = streams.get(key)
        if entries is None:
            entries = self._new_stream(key)
        else:
            streams.move_to_end(key)
            self._expire(entries, now=now)
        single = self._scan_single(message_id, text)
        entries.append(_Entry(message_id, text, now, single))
        stream_of_message[message_id] = key
        while len(entries) > self._max_messages:
            stream_of_message.pop(entries.pop(0).message_id, None)
        if len(entries) < 2:  # the stream's only message: nothing to join
            return single.copy()  # a copy: the caller may change its list, not the window's
        return _combined(single, self._cross_message(entries, len(entries) - 1))

    def edit(self, msg: WindowMessage) -> list[Finding]:
        """Replace the text of a message still in the window and rescan (its own text and the
        join). A message that is no longer in the window (expired, forgotten, never seen) is
        treated as new."""
        key = self._stream_of_message.get(msg.message_id)
        if key is None:
            return self.observe(msg)
        self._sweep(now=msg.timestamp)
        entries = self._touch_stream(key)
        self._expire(entries, now=msg.timestamp)
        index = next((i for i, e in enumerate(entries) if e.message_id == msg.message_id), None)
        if index is None:  # it just expired
            return self.observe(msg)
        entry = entries[index]
        entry.text = msg.text
        entry.single = self._scan_single(msg.message_id, msg.text)
        entry.reported = []  # the old text's parts are gone
        return _combined(list(entry.single), self._cross_message(entries, index))

    def forget(self, message_id: str) -> None:
        """Drop a deleted message, so it can no longer be part of a join."""
        key = self._stream_of_message.pop(message_id, None)
        if key is None:
            return
        entries = self._streams.get(key)
        if entries is None:
            return
        entries[:] = [e for e in entries if e.message_id != message_id]
        if not entries:
            del self._streams[key]

    @property
    def stream_count(self) -> int:
        """How many (channel, author) streams are tracked (bounded by ``max_streams``)."""
        return len(self._streams)

    def message_ids(self, channel_id: str, author_id: str) -> tuple[str, ...]:
        """The ids of the messages currently held for one stream, oldest first (for inspection
        and tests)."""
        entries = self._streams.get((channel_id, author_id), [])
        return tuple(e.message_id for e in entries)

    # ------------------------------------------------------------------ streams

    def _touch_stream(self, key: StreamKey) -> list[_Entry]:
        entries = self._streams.get(key)
        if entries is None:
            return self._new_stream(key)
        self._streams.move_to_end(key)
        return entries

    def _new_stream(self, key: StreamKey) -> list[_Entry]:
        entries: list[_Entry] = []
        self._streams[key] = entries
        while len(self._streams) > self._max_streams:
            _, evicted = self._streams.popitem(last=False)
            self._unindex(evicted)
        return entries

    def _sweep(self, *, now: float) -> None:
        """Drop idle streams whose messages have all expired, least recently used first, so
        memory follows the members active in the last ``max_age_s`` rather than everyone seen
        since start-up. Amortised O(1): it stops at the first stream still in use."""
        oldest_allowed = now - self._max_age_s
        while self._streams:
            key = next(iter(self._streams))
            entries = self._streams[key]
            if entries and entries[-1].timestamp >= oldest_allowed:
                break  # the usual case, checked without a generator
            if any(e.timestamp >= oldest_allowed for e in entries):
                break
            del self._streams[key]
            self._unindex(entries)

    def _expire(self, entries: list[_Entry], *, now: float) -> None:
        if not entries:
            return  # a new stream
        oldest_allowed = now - self._max_age_s
        kept = [e for e in entries if e.timestamp >= oldest_allowed]
        if len(kept) != len(entries):
            self._unindex(e for e in entries if e.timestamp < oldest_allowed)
            entries[:] = kept

    def _unindex(self, entries: Iterable[_Entry]) -> None:
        for entry in entries:
            self._stream_of_message.pop(entry.message_id, None)

    # ------------------------------------------------------------------ scanning

    def _scan_single(self, message_id: str, text: str) -> list[Finding]:
        """The message's own findings, each naming it."""
        ids = (message_id,)
        return [with_message_ids(f, ids) for f in self._scan(text)]

    def _spans(self, entries: Sequence[_Entry], focus: int) -> list[tuple[int, int, int]]:
        """Which part of each entry the join keeps, as (entry index, start, end), in entry order,
        at most ``max_chars`` characters in all, counting one separator between parts.

        When the texts are too long, the focus message keeps its head (at most half the budget:
        a split continues at the start of the newest part) and its neighbours, walking outwards,
        keep the end that faces the focus (tail before it, head after it) while budget remains."""
        budget = self._max_chars
        with_separators = len(entries)
        for entry in entries:
            with_separators += len(entry.text)
        if len(entries[focus].text) <= max(1, budget // 2) and with_separators <= budget:
            # Everything fits, the usual case. Exact: counting a separator for every entry (one
            # more than there are), at least 2 characters of budget are left before each entry
            # of the walk in _walk_spans, which therefore keeps every text whole.
            return [(i, 0, len(e.text)) for i, e in enumerate(entries)]
        return self._walk_spans(entries, focus)

    def _walk_spans(self, entries: Sequence[_Entry], focus: int) -> list[tuple[int, int, int]]:
        """``_spans`` when the texts may not all fit: the focus first, then outwards."""
        budget = self._max_chars
        spans: dict[int, tuple[int, int]] = {}
        take = min(len(entries[focus].text), max(1, budget // 2))
        spans[focus] = (0, take)
        budget -= take
        order = sorted(
            (i for i in range(len(entries)) if i != focus),
            key=lambda i: (abs(i - focus), i > focus),
        )
        for i in order:
            if budget <= 1:
                break
            text = entries[i].text
            take = min(len(text), budget - 1)  # one character for the separator
            spans[i] = (len(text) - take, len(text)) if i < focus else (0, take)
            budget -= take + 1
        return [(i, *spans[i]) for i in sorted(spans)]

    def _join(self, entries: Sequence[_Entry], focus: int, *, fused: bool = False) -> _Joined:
        """Join the entries, keeping at most ``max_chars`` characters (see ``_spans``)."""
        spans = self._spans(entries, focus)
        texts = [entries[i].text[lo:hi] for i, lo, hi in spans]
        which = 1 if fused else 0
        gaps = [_separators(left, right)[which] for left, right in itertools.pairwise(texts)]
        return _assemble(spans, texts, gaps)

    def _cross_message(self, entries: list[_Entry], focus: int) -> list[Finding]:
        if len(entries) < 2:
            return []
        spans = self._spans(entries, focus)
        if len(spans) < 2:
            return []
        texts = [entries[i].text[lo:hi] for i, lo, hi in spans]
        spaced_gaps: list[str] = []
        fused_gaps: list[str] = []
        for left, right in itertools.pairwise(texts):
            spaced_gap, fused_gap = _separators(left, right)
            spaced_gaps.append(spaced_gap)
            fused_gaps.append(fused_gap)
        spaced = _assemble(spans, texts, spaced_gaps)
        reported: list[Finding] = []
        context_runs: dict[tuple[int, int, bool], tuple[_Joined, list[Finding]]] = {}
        # Parts (entry index, start, end) where the spaced reading found an identifier, new or
        # not: the fused reading is a fallback and must not add a second, different reading of
        # the same characters (an e-mail "instagram@hana.photo" next to the Instagram handle).
        explained: list[tuple[int, int, int, str]] = []
        variants = [(spaced, False)]
        if fused_gaps != spaced_gaps:  # else the fused joining is the same text
            variants.append((_assemble(spans, texts, fused_gaps), True))
        for joined, is_fused in variants:
            for found in self._scan_joined(joined.text):
                parts = joined.touched(found.start, found.end)
                if not parts:
                    continue
                overlapped = [
                    (index, e_kind)
                    for piece, lo, hi in parts
                    for index, e_lo, e_hi, e_kind in explained
                    if piece.entry_index == index and lo < e_hi and e_lo < hi
                ]
                # (Semantic change, made on both sides: a fused reading of the same kind that
                # reaches into messages the spaced reading did not explain is reported.)
                if is_fused and overlapped and (
                    any(e_kind != found.kind for _, e_kind in overlapped)
                    or {piece.entry_index for piece, _, _ in parts} <= {i for i, _ in overlapped}
                ):
                    continue
                if not is_fused and found.category is Category.CONTACT:
                    explained.extend(
                        (piece.entry_index, lo, hi, found.kind) for piece, lo, hi in parts
                    )
                if not self._is_new(entries, found.kind, parts):
                    continue
                finding = self._report(
                    entries, focus, found, parts, fused=is_fused, runs=context_runs
                )
                if finding is not None:
                    reported.append(finding)
        return reported

    def _report(
        self,
        entries: list[_Entry],
        focus: int,
        found: Finding,
        parts: list[tuple[_Piece, int, int]],
        *,
        fused: bool,
        runs: dict[tuple[int, int, bool], tuple[_Joined, list[Finding]]],
    ) -> Finding | None:
        """Name the messages of a new joined finding, anchor it on the focus message and
        remember its parts as reported."""
        indexes = sorted(piece.entry_index for piece, _, _ in parts)
        if len(indexes) == 1:
            # Found inside one message that did not produce it alone: another message supplied
            # the context ("telegram" / "handle is" / "nova_trades77").
            piece, lo, hi = parts[0]
            first, last = self._context_range(
                entries, focus, piece.entry_index, found.kind, lo, hi, fused=fused, runs=runs
            )
        else:
            first, last = indexes[0], indexes[-1]
        # A new finding that does not touch the focus message was not there before the focus
        # arrived (or was edited): the focus supplied context, so it is a part too.
        first, last = min(first, focus), max(last, focus)
        if first == last:
            return None
        ids = tuple(e.message_id for e in entries[first : last + 1])
        for piece, lo, hi in parts:
            entries[piece.entry_index].reported.append((found.kind, lo, hi))
        return self._focus_finding(found, entries[focus].text, parts, focus, ids)

    @staticmethod
    def _is_new(entries: Sequence[_Entry], kind: str, parts: list[tuple[_Piece, int, int]]) -> bool:
        """A joined finding is new unless every message it touches already has a finding of the
        same kind over that part: its own, or a part of a cross-message finding reported before."""
        for piece, lo, hi in parts:
            entry = entries[piece.entry_index]
            if not any(
                f.kind == kind and f.start < hi and lo < f.end and f.rule_id not in LEARNED_RULE_IDS
                for f in entry.single
            ) and not any(
                r_kind == kind and r_start < hi and lo < r_end
                for r_kind, r_start, r_end in entry.reported
            ):
                return True
        return False

    def _context_range(
        self,
        entries: list[_Entry],
        focus: int,
        index: int,
        kind: str,
        lo: int,
        hi: int,
        *,
        fused: bool,
        runs: dict[tuple[int, int, bool], tuple[_Joined, list[Finding]]],
    ) -> tuple[int, int]:
        """The smallest run of messages around ``index`` whose join still produces a finding of
        ``kind`` over ``[lo, hi)`` of message ``index``: first drop messages from the left, then
        from the right. Runs only when a context-only finding is about to be reported; ``runs``
        caches the scan of each run for the rest of the call, so however many findings need
        their context, one message costs at most two scans per message in the window."""

        def reproduces(first: int, last: int) -> bool:
            cached = runs.get((first, last, fused))
            if cached is None:
                run = entries[first : last + 1]
                joined = self._join(run, min(max(focus - first, 0), len(run) - 1), fused=fused)
                cached = (joined, self._scan_joined(joined.text))
                runs[(first, last, fused)] = cached
            joined, found = cached
            for f in found:
                if f.kind != kind:
                    continue
                for piece, p_lo, p_hi in joined.touched(f.start, f.end):
                    if piece.entry_index + first == index and p_lo < hi and lo < p_hi:
                        return True
            return False

        last_index = len(entries) - 1
        first = 0
        for candidate in range(index, -1, -1):
            if reproduces(candidate, last_index):
                first = candidate
                break
        last = last_index
        for candidate in range(index, last_index + 1):
            if reproduces(first, candidate):
                last = candidate
                break
        return first, last

    @staticmethod
    def _focus_finding(
        found: Finding,
        focus_text: str,
        parts: list[tuple[_Piece, int, int]],
        focus: int,
        message_ids: tuple[str, ...],
    ) -> Finding:
        """Re-anchor a joined finding on the focus message: the part of the match inside it, or
        the whole focus text when the match lies entirely in other messages."""
        inside = [(lo, hi) for piece, lo, hi in parts if piece.entry_index == focus]
        if inside:
            start, end = inside[0]
        else:
            start, end = 0, len(focus_text)
        return dataclasses.replace(
            found,
            start=start,
            end=end,
            text=focus_text[start:end],
            message_ids=message_ids,
        )
