"""Cross-message window: catches contact details split over one author's consecutive messages.

A member who knows that "090-4412-7789" gets deleted sends "090", "4412" and "7789" as three
messages instead. The window keeps, per (channel, author) *stream*, the last few messages of that
author in that channel, joins them into one text and scans the joined text with the ordinary
single-message scanner. Other members' messages never enter the stream, so a split survives
interleaving ("090" / someone else: "lol" / "4412-7789").

A joined finding is reported only when it is NEW: it touches at least two messages (or needed an
earlier message as context) and is not merely a finding that a single message already produced.
It names every message that carries a part of it (``Finding.message_ids``) so the bot deletes all
the parts, and its span indexes the text of the focus message (the newest one, or the edited
one), as the bot acts on that message. Reported parts are remembered as found, so the same split
is never reported twice; they stay in the stream only so that a part sent later still extends it
("LINE ID" / "yuna" is reported, then "_0830" arrives: reported again naming all three, so the
bot deletes the last part too). Deleting a message (``forget``) removes it for good.

How parts are joined: a member who splits "070-8812-3345" after a hyphen or "discord.gg/x" before
the dot meant one string, so at identifier punctuation the parts are glued; elsewhere a space
stands between them, as if the member had typed one sentence ("hit me up on telegram" / "handle
is" / "nova_trades77"). Some boundaries read both ways: "kohei.m88" / "@gmail.com" is one e-mail
address but "instagram" / "@hana" is a platform and a handle; "jess" / "ie.w99" may be one handle
cut in two or two words. For those the window scans a second, fused joining (glued before an "@",
and between two parts that are each one bare Latin token), and uses it only where the spaced
reading found nothing.

Memory and time are bounded: a stream holds at most ``max_messages`` messages no older than
``max_age_s``; at most ``max_streams`` streams are tracked (least recently used evicted first,
and streams whose messages have all expired are dropped as time moves on); the joined text is
capped at ``max_chars`` characters. Each message costs one scan of itself plus
one scan of at most ``max_chars`` joined characters (a few more only when a context-only finding
is reported, to find which messages were its context).

Those scans are the cost; the rest is kept small because in live traffic nearly every message
joins a stream: a boundary between two messages is decided once, not at every join containing
it; where the parts landed is worked out only for a joining whose scan found something; and
the context search reuses the scan of the whole joining and a short message's own findings
rather than scanning those texts again. Every such shortcut is checked against the window as
first written (tests/detect/test_window_equivalence.py).

Pure: no discord, no database, no clock (timestamps come with the messages).
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
    # What the message's own text produced (spans index ``text``), each naming the message. A
    # tuple: most messages produce nothing, and the empty tuple is shared, where an empty list
    # per message would be one more object for the collector to walk while the stream lives.
    single: Sequence[Finding]
    # (kind, start, end) of parts of cross-message findings already reported, in ``text``
    # offsets (a tuple for the same reason; reports are rare, so it is rebuilt on each one).
    reported: tuple[tuple[str, int, int], ...] = ()
    # The separators (spaced, fused) decided between the previous message's text, the very
    # string object in ``boundary_left``, and this text: a message is joined with the same
    # predecessor on every message after it, so each boundary is decided once, not once per
    # join. Exact whatever happens to the stream: the same object is the same text, and the
    # decision depends only on the two texts (an edit, which changes this text, clears it).
    boundary_left: str | None = None
    boundary: tuple[str, str] = (" ", " ")


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
        # In live traffic nearly every join re-finds earlier findings, and each is mapped
        # here: no min/max calls, and the pieces (in joined order, none overlapping the next)
        # after the span are not looked at.
        for piece in self.pieces:
            _, piece_start, piece_end, text_start = piece
            if piece_end <= start:
                continue  # before the span
            if piece_start >= end:
                break  # after it, and so are the pieces that follow
            lo = start if start > piece_start else piece_start
            hi = end if end < piece_end else piece_end
            if lo < hi:
                shift = text_start - piece_start
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


_SPACED = (" ", " ")  # both joinings put a space between the parts
_GLUED = ("", "")  # both glue them
_FUSED_ONLY = (" ", "")  # the spaced joining spaces them, the fused one glues them


def _separators(left: str, right: str) -> tuple[str, str]:
    """What goes between two consecutive parts in the spaced and in the fused joining."""
    if not left or not right:
        return _SPACED
    # _glue_character and _starts_with_at inline for ASCII characters (the usual case, with
    # the same answers: NFKC leaves every ASCII character as it is), as this runs for every
    # boundary of every join.
    last = left[-1]
    ends_joined = last in _GLUE_CHARACTERS if last < "\x80" else _glue_character(last)
    first = right[0]
    starts_at = first == "@" if first < "\x80" else _starts_with_at(right)
    if ends_joined:  # "070-", "riko_22@", "line.me/ti/p/"
        return _GLUED
    if not starts_at and (
        first in _GLUE_CHARACTERS if first < "\x80" else _glue_character(first)
    ):  # ".gg/", "_0830"
        return _GLUED
    if starts_at:
        return _FUSED_ONLY
    # _word_split inline (and _is_fragment in it): most boundaries fail its first test.
    if (
        len(left) <= _FRAGMENT_MAX_LENGTH + 1
        and len(right) <= _FRAGMENT_MAX_LENGTH
        and not right.strip(_FRAGMENT_CHARACTERS)
        and not (left.isdigit() and right.isdigit())
        and (_is_fragment(left) or _is_handle_start(left))
    ):
        return _FUSED_ONLY
    return _SPACED


def _word_split(left: str, right: str) -> bool:
    """Two parts that are each one bare Latin token, at least one with a letter: maybe one
    handle cut in two ("jess" / "ie.w99", also "@ri" / "na_cafe": the left part may open with
    the handle's "@"). Digit-only groups are never fused: the scanner reads digits through
    spaces anyway, and fusing would erase the grouping that tells a phone number from a list of
    numbers ("03" / "11" / "24" / "31" / "38")."""
    return (
        (_is_fragment(left) or _is_handle_start(left))
        and _is_fragment(right)
        and not (left.isdigit() and right.isdigit())
    )


def _is_fragment(text: str) -> bool:
    # Nothing left once the fragment characters are stripped from both ends: all are such.
    return 0 < len(text) <= _FRAGMENT_MAX_LENGTH and not text.strip(_FRAGMENT_CHARACTERS)


def _is_handle_start(text: str) -> bool:
    """An "@" (or its fullwidth form) and then a fragment: the first piece of a handle."""
    return len(text) > 1 and _starts_with_at(text) and _is_fragment(text[1:])


def _assemble(
    spans: list[tuple[int, int, int]], texts: list[str], gaps: list[str]
) -> _Joined:
    """The joined text of ``texts`` (the kept parts of the entries in ``spans``) with
    ``gaps[k]`` between part k and part k + 1, and where each part landed."""
    return _Joined(_interleave(texts, gaps), _place(spans, texts, gaps))


def _interleave(texts: list[str], gaps: list[str]) -> str:
    """``texts`` joined with ``gaps[k]`` between part k and part k + 1."""
    parts = [texts[0]]
    for gap, text in zip(gaps, itertools.islice(texts, 1, None), strict=True):
        parts.append(gap)
        parts.append(text)
    return "".join(parts)


def _place_whole(texts: list[str], gaps: list[str]) -> tuple[_Piece, ...]:
    """``_place`` when every part is a whole entry text (spans (k, 0, len(texts[k])))."""
    cursor = len(texts[0])
    pieces = [_new_piece((0, 0, cursor, 0))]
    for index in range(1, len(texts)):
        start = cursor + len(gaps[index - 1])
        cursor = start + len(texts[index])
        pieces.append(_new_piece((index, start, cursor, 0)))
    return tuple(pieces)


def _place(
    spans: list[tuple[int, int, int]], texts: list[str], gaps: list[str]
) -> tuple[_Piece, ...]:
    """Where each part of ``_interleave(texts, gaps)`` landed."""
    pieces: list[_Piece] = []
    cursor = 0
    for k, (index, lo, _) in enumerate(spans):
        if k:
            cursor += len(gaps[k - 1])
        end = cursor + len(texts[k])
        pieces.append(_new_piece((index, cursor, end, lo)))
        cursor = end
    return tuple(pieces)


# Finding's fields, set through their slot descriptors on a bare instance (with_message_ids).
_FINDING_FIELDS = (
    "kind",
    "category",
    "start",
    "end",
    "text",
    "rule_id",
    "confidence",
    "message_ids",
    "attachment_id",
)
if tuple(f.name for f in dataclasses.fields(Finding)) != _FINDING_FIELDS:  # pragma: no cover
    raise ImportError("Finding's fields changed: update with_message_ids")
_bare_finding = functools.partial(object.__new__, Finding)
(
    _set_kind,
    _set_category,
    _set_start,
    _set_end,
    _set_text,
    _set_rule_id,
    _set_confidence,
    _set_message_ids,
    _set_attachment_id,
) = (getattr(Finding, name).__set__ for name in _FINDING_FIELDS)


def with_message_ids(finding: Finding, message_ids: tuple[str, ...]) -> Finding:
    """``finding`` naming ``message_ids``. Same as ``dataclasses.replace`` but several times
    faster, which counts on the per-message path (every finding of every message is copied):
    the copy's slots are set directly, skipping the frozen dataclass's ``__init__`` (a call of
    ``object.__setattr__`` per field) and its ``__post_init__`` checks, which look only at
    fields the copy takes unchanged from a finding that passed them. A test checks it keeps
    every field."""
    copy = _bare_finding()
    _set_kind(copy, finding.kind)
    _set_category(copy, finding.category)
    _set_start(copy, finding.start)
    _set_end(copy, finding.end)
    _set_text(copy, finding.text)
    _set_rule_id(copy, finding.rule_id)
    _set_confidence(copy, finding.confidence)
    _set_message_ids(copy, message_ids)
    _set_attachment_id(copy, finding.attachment_id)
    return copy


def _combined(single: Sequence[Finding], cross: list[Finding]) -> list[Finding]:
    """A message's own findings and its new cross-message ones. A learned model's verdict on the
    message alone gives way to the rules' joined findings: it was only asked because the rules
    found nothing in the message alone, and its guess of the kind is no longer needed."""
    if cross:
        return [*(f for f in single if f.rule_id not in LEARNED_RULE_IDS), *cross]
    return [*single]  # a new list: the caller may change it, not the window's entry


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
        # Joined texts may need a narrower scan: the learned model judges messages, and
        # one author's messages run together are not one (Detector.scan with model=False).
        self._scan_joined = scan if scan_joined is None else scan_joined
        self._max_age_s = max_age_s
        self._max_messages = max_messages
        self._max_streams = max_streams
        self._max_chars = max_chars
        self._focus_budget = max(1, max_chars // 2)  # the most the focus message keeps (_spans)
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
            # _new_stream inline: most messages start a stream (most members do not split).
            entries = streams[key] = []
            if len(streams) > self._max_streams:
                self._evict()
        else:
            streams.move_to_end(key)
            # _expire only when a message has expired (timestamps need not be in order).
            oldest_allowed = now - self._max_age_s
            for entry in entries:
                if entry.timestamp < oldest_allowed:
                    self._expire(entries, now=now)
                    break
        # _scan_single inline.
        found = self._scan(text)
        single: Sequence[Finding] = ()
        if found:
            ids = (message_id,)
            single = [with_message_ids(f, ids) for f in found]
        entries.append(_Entry(message_id, text, now, single))
        stream_of_message[message_id] = key
        while len(entries) > self._max_messages:
            stream_of_message.pop(entries.pop(0).message_id, None)
        if len(entries) < 2:  # the stream's only message: nothing to join
            return [*single]  # a new list: the caller may change it, not the window's entry
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
        entry.reported = ()  # the old text's parts are gone
        entry.boundary_left = None  # and so is the boundary decided against it
        return _combined(entry.single, self._cross_message(entries, index))

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
        if len(self._streams) > self._max_streams:
            self._evict()
        return entries

    def _evict(self) -> None:
        """Drop least recently used streams until at most ``max_streams`` remain."""
        while len(self._streams) > self._max_streams:
            _, evicted = self._streams.popitem(last=False)
            self._unindex(evicted)

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

    def _scan_single(self, message_id: str, text: str) -> Sequence[Finding]:
        """The message's own findings, each naming it (the shared empty tuple when there are
        none, as for most messages)."""
        found = self._scan(text)
        if not found:
            return ()
        ids = (message_id,)
        return [with_message_ids(f, ids) for f in found]

    def _spans(self, entries: Sequence[_Entry], focus: int) -> list[tuple[int, int, int]]:
        """Which part of each entry the join keeps, as (entry index, start, end), in entry order,
        at most ``max_chars`` characters in all, counting one separator between parts.

        When the texts are too long, the focus message keeps its head (at most half the budget:
        a split continues at the start of the newest part) and its neighbours, walking outwards,
        keep the end that faces the focus (tail before it, head after it) while budget remains."""
        if self._all_whole(entries, focus):
            return [(i, 0, len(e.text)) for i, e in enumerate(entries)]
        return self._walk_spans(entries, focus)

    def _all_whole(self, entries: Sequence[_Entry], focus: int) -> bool:
        """Whether ``_spans`` keeps every text whole, the usual case. Exact: counting a
        separator for every entry (one more than there are), at least 2 characters of budget
        are left before each entry of the walk in _walk_spans, which therefore keeps every text
        whole."""
        with_separators = len(entries)
        for entry in entries:
            with_separators += len(entry.text)
        return len(entries[focus].text) <= self._focus_budget and with_separators <= self._max_chars

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
        # The parts and the two joinings, as _join builds them (every bytecode counts here: this
        # runs for nearly every message in live traffic); where the parts landed (_place) is
        # worked out only for a joining whose scan found something, as most find nothing.
        texts = [entry.text for entry in entries]
        spans: list[tuple[int, int, int]] | None = None  # every text whole: built if needed
        if len(texts[focus]) > self._focus_budget or (
            len(texts) + sum(map(len, texts)) > self._max_chars
        ):  # (not _all_whole, inline)
            spans = self._walk_spans(entries, focus)
            if len(spans) < 2:
                return []
            texts = [entries[i].text[lo:hi] for i, lo, hi in spans]
        spaced_gaps: list[str] = []
        fused_gaps: list[str] = []
        spaced_text = fused_text = left = texts[0]
        for index, right in enumerate(itertools.islice(texts, 1, None), 1):
            if spans is None:  # whole texts: the boundary decided at an earlier join, if any
                entry = entries[index]
                if entry.boundary_left is left:
                    spaced_gap, fused_gap = entry.boundary
                else:
                    spaced_gap, fused_gap = entry.boundary = _separators(left, right)
                    entry.boundary_left = left
            else:
                spaced_gap, fused_gap = _separators(left, right)
            spaced_gaps.append(spaced_gap)
            fused_gaps.append(fused_gap)
            spaced_text += spaced_gap + right  # (as _interleave, without a second loop)
            fused_text += fused_gap + right
            left = right
        variants = [(spaced_text, spaced_gaps, False)]
        # A fused gap differs from its spaced one only by dropping the space: the lengths
        # differ exactly when some gap does, and else the fused joining is the same text.
        if len(fused_text) != len(spaced_text):
            variants.append((fused_text, fused_gaps, True))
        reported: list[Finding] = []
        # The scans of runs of messages that _context_range needed, shared by every finding.
        context_runs: dict[tuple[int, int, bool], tuple[_Joined, list[Finding]]] = {}
        # Parts (entry index, start, end, kind) where the spaced reading found an identifier,
        # new or not: the fused reading is a fallback and must not add a second, different
        # reading of the same characters (an e-mail "instagram@hana.photo" next to the
        # Instagram handle); it may only carry the same identifier on into further messages.
        explained: list[tuple[int, int, int, str]] = []
        last_index = len(entries) - 1
        explain = len(variants) > 1  # (only a fused reading looks at what was explained)
        for text, gaps, is_fused in variants:
            found_in_joined = self._scan_joined(text)
            if not found_in_joined:
                continue
            pieces = _place_whole(texts, gaps) if spans is None else _place(spans, texts, gaps)
            joined = _Joined(text, pieces)
            # The run of every message is this very joining (_join of all the entries around
            # the same focus): _context_range need not scan it again.
            context_runs[(0, last_index, is_fused)] = (joined, found_in_joined)
            for found in found_in_joined:
                parts = joined.touched(found.start, found.end)
                if not parts:
                    continue
                if is_fused and explained and _rereads(parts, found.kind, explained):
                    continue
                if explain and not is_fused and found.category is Category.CONTACT:
                    explained += [(piece[0], lo, hi, found.kind) for piece, lo, hi in parts]
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
            entry = entries[piece.entry_index]
            entry.reported = (*entry.reported, (found.kind, lo, hi))
        return self._focus_finding(found, entries[focus].text, parts, focus, ids)

    @staticmethod
    def _is_new(entries: Sequence[_Entry], kind: str, parts: list[tuple[_Piece, int, int]]) -> bool:
        """A joined finding is new unless every message it touches already has a finding of the
        same kind over that part: its own, or a part of a cross-message finding reported before."""
        for (entry_index, _, _, _), lo, hi in parts:
            entry = entries[entry_index]
            for f in entry.single:
                # (a learned model's verdict covers nothing: the rules' joined finding names
                # every part, which the bot must delete)
                if f.kind == kind and f.start < hi and lo < f.end and f.rule_id not in LEARNED_RULE_IDS:
                    break
            else:
                for r_kind, r_start, r_end in entry.reported:
                    if r_kind == kind and r_start < hi and lo < r_end:
                        break
                else:
                    return True  # this part is not covered
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
        caches the scan of each run for the rest of the call (seeded with the joining of every
        message, scanned already), so however many findings need their context, one message
        costs at most two scans per message in the window."""
        whole_limit = max(1, self._max_chars // 2)

        def reproduces(first: int, last: int) -> bool:
            cached = runs.get((first, last, fused))
            if cached is None:
                run = entries[first : last + 1]
                only = run[0]
                if first == last and len(only.text) <= whole_limit:
                    # One message, short enough to be joined whole: its join is its own text,
                    # whose scan gave the message's own findings (the scanner is a function of
                    # the text; the ids they name are not looked at here).
                    piece = _new_piece((0, 0, len(only.text), 0))
                    cached = (_Joined(only.text, (piece,)), list(only.single))
                else:
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
        # dataclasses.replace(found, start=start, end=end, text=..., message_ids=message_ids),
        # built as with_message_ids builds its copy: the span is a valid one of focus_text
        # (0 <= start <= end), the only field __post_init__ would check that changes.
        copy = with_message_ids(found, message_ids)
        _set_start(copy, start)
        _set_end(copy, end)
        _set_text(copy, focus_text[start:end])
        return copy


def _rereads(
    parts: list[tuple[_Piece, int, int]], kind: str, explained: list[tuple[int, int, int, str]]
) -> bool:
    """Whether a fused finding reads characters the spaced reading already explained, other
    than by carrying the same identifier on into more messages: "insta is" / "@ko" /
    "ta_runs", spaced, finds the handle "@ko"; fused, "@kota_runs" is that handle, whole, and
    names the message that holds its end (which the bot must delete too)."""
    overlapped: set[int] = set()
    for piece, lo, hi in parts:
        index = piece.entry_index
        for e_index, e_lo, e_hi, e_kind in explained:
            if e_index == index and lo < e_hi and e_lo < hi:
                if e_kind != kind:
                    return True
                overlapped.add(index)
    if not overlapped:
        return False
    return all(piece.entry_index in overlapped for piece, _, _ in parts)
