"""Long texts: a pattern runs only in windows around the literals its matches consume.

See the section comment below; the engine calls _windows and _windowed_matches from
Detector._run_patterns, and builds _LongTexts when its first long text comes.
"""

from __future__ import annotations

import re
import re._constants as _sre  # CPython's parse tree
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.detect.literals import (
    _CASE_FLAGS,
    _PARSE_ERRORS,
    _derived,
    _group_patterns,
    _longest_prefixes,
    _minimal,
    _parse,
    _selectivity,
    _sequence_literals,
)
from bot.detect.pattern_cache import pattern_cache
from bot.detect.rules import Pattern, Rule, class_body

if TYPE_CHECKING:
    from bot.detect.engine import _PatternPlan, _TriggerScan, _Views


# ---------------------------------------------------------------------------------------------
# Windows: patterns on long texts
#
# A long text (a 4,000-character post) switches on nearly every rule and passes nearly every
# gate, and each pattern then attempts a match at every position of the view: ~0.1-0.4 ms per
# pattern, 10-20 ms per text. Yet a match is short (the packs' patterns match at most a few
# hundred characters, most under 60) and holds a literal of each of a few sets (its anchors,
# found like the requirements of bot.detect.literals, but in what the match itself consumes). On a view of
# WINDOWED_FROM characters or more, a pattern therefore runs only over the windows around the
# occurrences of its anchors' literals.
#
# Exact by construction:
# - A match consumes at most *width* characters (the pattern has no unbounded repeat outside
#   its lookarounds) and holds an occurrence of each anchor, so it lies within *width* of one
#   occurrence of every anchor: inside one window. No match starts between windows.
# - A run over a window is given an end (``endpos``) past every character that an attempt
#   started inside the window can read (what it consumes, its lookaheads, boundary checks), so
#   each attempt decides as on the whole view. Matches starting past the window are dropped (an
#   attempt there may have read up to the end). Lookbehinds are not cut: the run starts at
#   ``pos``, which leaves the text before it visible.
# - How far an attempt reads: at most *reads* characters that are not in *runs* (the characters
#   a lookahead's unbounded repeat, ``[0-9]+`` in "not a version", may take any number of), and
#   any number of characters in *runs*, from its start.
# Window after window, the runs meet the same matches in the same order as one run over the
# whole view. tests/detect/test_windows.py compares both.
# ---------------------------------------------------------------------------------------------

# Views of at least this many characters are scanned in windows. (Below it the searches placing
# them would cost about what they save: a 25-character message runs each pattern once.)
WINDOWED_FROM = 800
# Requirements used as anchors (each further one narrows the windows).
_MAX_ANCHORS = 3
# Single characters that are rare in ordinary text (other single characters and two-letter
# Latin words, "on", "ig", occur all over a long text: an anchor holding one would only cost
# the pass that finds its literals).
_RARE_CHARACTERS = frozenset("@＠")
# Occurrences closer than this to the one before share its window (see _clusters).
_ANCHOR_STEP = 32
# Windows covering more than 1/this of a text are not worth placing further.
_WHOLE_TEXT_SHARE = 2
# A view holding an anchor literal at one position in this many or more is run whole: its
# windows would cover it (and finding every literal costs about a run of a pattern).
_MOST_HITS_PER = 8


@dataclass(frozen=True, slots=True)
class _Anchor:
    """Literals one of which every match consumes, and the length of the longest."""

    literals: frozenset[str]
    longest: int


@dataclass(frozen=True, slots=True)
class _WindowPlan:
    width: int  # the most characters a match consumes
    anchors: tuple[_Anchor, ...]
    reads: int  # see above
    # From a window's end: the end of the stretch an attempt inside it may read (a match of
    # ``(?:[runs]*+.){reads}``); None when *runs* is empty (the end is ``reads`` further).
    read_end: Callable[[str, int], re.Match[str] | None] | None

    def endpos(self, text: str, window_end: int) -> int:
        length = len(text)
        if self.read_end is None:
            return min(length, window_end + self.reads + 1)
        stretch = self.read_end(text, window_end)
        return length if stretch is None else min(length, stretch.end() + 1)


def _window_plan(pattern: Pattern) -> _WindowPlan | None:
    """How *pattern* is run on long texts; None: over the whole view (a match may be long, or
    consume no literal that can be told)."""
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    source, flags = pattern.pattern, pattern.flags
    if pattern.flags & _CASE_FLAGS:
        return None
    joined = _derived(f"window-plan-{flags}", source, lambda: _joined_window_plan(source, flags))
    if not joined:
        return None
    width, reads, runs, *anchor_sets = joined.split("\1")
    anchors = tuple(
        _Anchor(literals, max(map(len, literals)))
        for literals in (frozenset(joined_set.split("\0")) for joined_set in anchor_sets)
    )
    read_end = (
        pattern_cache.compile(f"(?s:(?:[{runs}]*+.){{{int(reads)}}})").match if runs else None
    )
    return _WindowPlan(int(width), anchors, int(reads), read_end)


def _joined_window_plan(source: str, flags: int) -> str:
    """width, reads, runs and the anchors' literals, joined by SOH (literals by NUL); "" when
    the pattern is not run in windows."""
    try:
        tree = _parse(source, flags)
        width = tree.getwidth()[1]
        if width >= _sre.MAXREPEAT:
            return ""
        runs: list[str] = []
        _consumed, reads = _read_extent(tree, runs)
        consumed = _without_lookarounds(tree)
        requirements = _sequence_literals(consumed)[1]
    except (*_PARSE_ERRORS, _Unbounded):
        return ""
    anchors = [
        literals
        for literals in sorted({_minimal(r) for r in requirements}, key=_selectivity)
        if literals and all(map(_rare, literals))
    ][:_MAX_ANCHORS]
    if not anchors:
        return ""
    if any("\0" in literal or "\1" in literal for literals in anchors for literal in literals):
        return ""
    return "\1".join(
        [str(width), str(reads), "".join(dict.fromkeys(runs)), *("\0".join(sorted(a)) for a in anchors)]
    )


class _Unbounded(Exception):
    """A part of a pattern reads arbitrarily far in a way _read_extent cannot bound."""


def _read_extent(items: Iterable[tuple[Any, Any]], runs: list[str]) -> tuple[int, int]:
    """(consumed, reads) of a sequence: at most *consumed* characters not in *runs* are
    consumed, and at most *reads* are read (counted the same way), from its start. The
    character classes that unbounded repeats take are added to *runs*."""
    consumed = reads = 0
    for op, av in items:
        item_consumed, item_reads = _item_read_extent(op, av, runs)
        reads = max(reads, consumed + item_reads)
        consumed += item_consumed
    return consumed, reads


def _item_read_extent(op: Any, av: Any, runs: list[str]) -> tuple[int, int]:
    if op is _sre.LITERAL or op is _sre.NOT_LITERAL or op is _sre.IN or op is _sre.ANY:
        return 1, 1
    if op is _sre.AT:
        return 0, 1  # (\b, $: look at the next character)
    if op is _sre.ASSERT or op is _sre.ASSERT_NOT:
        direction, sub = av
        if direction < 0:
            return 0, 0  # a lookbehind reads before the attempt's start: never cut off
        return 0, _read_extent(sub, runs)[1]
    if op is _sre.BRANCH:
        extents = [_read_extent(alternative, runs) for alternative in av[1]]
        return max(c for c, _ in extents), max(r for _, r in extents)
    if op is _sre.SUBPATTERN:
        return _read_extent(av[3], runs)
    if op is _sre.ATOMIC_GROUP:
        return _read_extent(av, runs)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        _minimum, maximum, sub = av
        if maximum < _sre.MAXREPEAT:
            consumed, reads = _read_extent(sub, runs)
            if maximum == 0:
                return 0, 0
            return maximum * consumed, (maximum - 1) * consumed + reads
        runs.extend(_run_classes(sub))
        return 0, 1  # (any run of *runs*, then the character that ends it)
    raise _Unbounded  # a back-reference, a conditional ...


def _run_classes(items: Iterable[tuple[Any, Any]]) -> list[str]:
    """Class-body sources of every character an unbounded repeat of *items* can consume; raises
    _Unbounded unless it consumes only listed characters (no lookaround either)."""
    classes: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL or op is _sre.IN:
            body = class_body(av if op is _sre.IN else [(op, av)])
            if body is None:
                raise _Unbounded  # a negated class: nearly every character
            classes.append(body)
        elif op is _sre.BRANCH:
            for alternative in av[1]:
                classes.extend(_run_classes(alternative))
        elif op is _sre.SUBPATTERN:
            classes.extend(_run_classes(av[3]))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            classes.extend(_run_classes(av[2]))
        else:
            raise _Unbounded
    return classes


def _rare(literal: str) -> bool:
    """*literal* is selective enough for an anchor (see _RARE_CHARACTERS), and of one script:
    a literal mixing ASCII with other characters would keep the long-text scan from splitting
    its literals into groups (see _TriggerScan), which costs it five times more on Latin text."""
    if not literal.isascii() and any(character.isascii() for character in literal):
        return False
    return len(literal) >= 3 or (len(literal) == 2 and not literal.isascii()) or literal in _RARE_CHARACTERS


def _without_lookarounds(items: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The parse tree without its lookarounds: what a match consumes (its requirements are
    literals inside the match itself)."""
    kept: list[tuple[Any, Any]] = []
    for op, av in items:
        if op is _sre.ASSERT or op is _sre.ASSERT_NOT:
            continue
        if op is _sre.BRANCH:
            av = (av[0], [_without_lookarounds(alternative) for alternative in av[1]])
        elif op is _sre.SUBPATTERN:
            av = (*av[:3], _without_lookarounds(av[3]))
        elif op is _sre.ATOMIC_GROUP:
            av = _without_lookarounds(av)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            av = (av[0], av[1], _without_lookarounds(av[2]))
        kept.append((op, av))
    return kept


class _LongTexts:
    """How each pattern runs on long texts (see _windows), and per view the scan that finds its
    trigger and anchor literals (see _LongTextScan), built when first needed: the tries of a
    view's scan compile to ~0.7 MB."""

    def __init__(
        self,
        plans: Mapping[str, tuple[_WindowPlan | None, ...]],
        literals: Mapping[str, tuple[Iterable[str], set[str]]],
    ) -> None:
        self.plans = plans  # rule id -> the window plan of each of its patterns
        self._literals = literals  # view -> (trigger literals, anchor literals)
        self._scans: dict[str, _LongTextScan] = {}

    @classmethod
    def of(
        cls,
        rules: Sequence[Rule],
        pattern_plans: Mapping[str, tuple[_PatternPlan, ...]],
        trigger_index: Mapping[str, tuple[_TriggerScan, Mapping[str, frozenset[int]]]],
    ) -> _LongTexts:
        plans = {rule.id: tuple(_window_plan(plan.pattern) for plan in pattern_plans[rule.id]) for rule in rules}
        anchors: dict[str, set[str]] = {}
        for rule in rules:
            for window_plan in plans[rule.id]:
                if window_plan is not None:
                    for anchor in window_plan.anchors:
                        anchors.setdefault(rule.view, set()).update(anchor.literals)
        literals = {
            view: (tuple(trigger_index[view][1]) if view in trigger_index else (), found)
            for view, found in anchors.items()
        }
        return cls(plans, literals)

    def scan_of(self, view: str) -> _LongTextScan | None:
        """The scan of *view*; None when none of its patterns runs in windows."""
        if view not in self._literals:
            return None
        built = self._scans.get(view)
        if built is None:
            triggers, anchors = self._literals[view]
            built = self._scans[view] = _LongTextScan.of(triggers, anchors)
        return built


@dataclass(frozen=True, slots=True)
class _LongTextScan:
    """On a long text, one scan of a view finds its trigger literals (as _TriggerScan does)
    and where every anchor literal of its patterns occurs (see _windows): one walk of one trie
    instead of two."""

    searches: tuple[Callable[..., re.Match[str] | None], ...]  # one per group (_literal_groups)
    # a literal found (the longest of all starting at its position) -> the longest trigger
    # literal it starts with (the one _TriggerScan finds there), and the anchor literals it
    # starts with (each occurs at the same position)
    trigger_of: Mapping[str, str | None]
    anchors_of: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, triggers: Iterable[str], anchors: Iterable[str]) -> _LongTextScan:
        trigger_set, anchor_set = set(triggers), set(anchors)
        literals = sorted(trigger_set | anchor_set, key=len, reverse=True)
        longest_trigger = _longest_prefixes(literals, trigger_set)
        trigger_of = {literal: longest_trigger.get(literal) for literal in literals}
        anchors_of: dict[str, tuple[str, ...]] = {}
        for literal in literals:
            prefixes = [literal[:end] for end in range(len(literal), 0, -1)]
            anchors_of[literal] = tuple(prefix for prefix in prefixes if prefix in anchor_set)
        searches = tuple(pattern.search for pattern in _group_patterns(literals))
        return cls(searches, trigger_of, anchors_of)

    def scan(self, text: str, triggers: set[str]) -> dict[str, list[int]] | None:
        """Adds the trigger literals of *text* to *triggers*; returns, per anchor literal, the
        positions where it starts, in order (None: so many that windows would cover the text).
        Overlapping literals are found too (see _overlapping_findall)."""
        trigger_of = self.trigger_of
        anchors_of = self.anchors_of
        hits: list[tuple[str, int]] = []
        for search in self.searches:
            match = search(text)
            while match is not None:
                literal, start = match.group(), match.start()
                trigger = trigger_of[literal]
                if trigger is not None:
                    triggers.add(trigger)
                if anchors_of[literal]:
                    hits.append((literal, start))
                match = search(text, start + 1)
        if len(hits) * _MOST_HITS_PER > len(text):
            return None
        found: dict[str, list[int]] = {}
        for literal, start in hits:
            for anchor in anchors_of[literal]:
                at = found.get(anchor)
                if at is None:
                    found[anchor] = [start]
                else:
                    at.append(start)
        for positions in found.values():
            positions.sort()  # (the groups' searches each run through the text)
        return found


def _windows(text: str, plan: _WindowPlan, views: _Views, view_name: str) -> list[tuple[int, int]] | None:
    """The stretches of *text* (the view *view_name* of *views*) within *plan.width* of an
    occurrence of every anchor, in order; None when they would cover most of the text (a run
    over the whole text then costs no more than placing them)."""
    windows: list[tuple[int, int]] | None = None
    for anchor in plan.anchors:
        clusters = views.anchor_clusters(view_name, anchor)
        if clusters is None:
            continue  # (everywhere: another anchor may narrow the text down)
        placed = _around(clusters, len(text), anchor.longest, plan.width)
        if placed is None:
            continue
        windows = placed if windows is None else _intersection(windows, placed)
        if not windows:
            break
    return windows


def _clusters(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted *positions* as runs (first, last) with less than _ANCHOR_STEP between
    neighbours. (A dense text never gets here: _LongTextScan.scan gives up on it.)"""
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and position - runs[-1][1] < _ANCHOR_STEP:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def _around(
    clusters: list[tuple[int, int]], length: int, longest: int, width: int
) -> list[tuple[int, int]] | None:
    windows: list[tuple[int, int]] = []
    covered = 0
    for first, last in clusters:
        low, high = max(0, first - width), min(length, last + longest + width)
        if windows and low <= windows[-1][1]:
            covered += high - windows[-1][1]
            windows[-1] = (windows[-1][0], high)
        else:
            covered += high - low
            windows.append((low, high))
        if covered * _WHOLE_TEXT_SHARE > length:
            return None
    return windows


def _intersection(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    both: list[tuple[int, int]] = []
    i = j = 0
    while i < len(first) and j < len(second):
        low = max(first[i][0], second[j][0])
        high = min(first[i][1], second[j][1])
        if low < high:
            both.append((low, high))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return both


def _windowed_matches(
    pattern: Pattern, text: str, windows: Sequence[tuple[int, int]], plan: _WindowPlan
) -> Iterable[re.Match[str]]:
    for start, end in windows:
        for match in pattern.finditer(text, start, plan.endpos(text, end)):
            if match.start() >= end:
                break  # (outside the window: decided on a cut-off view, not trusted)
            yield match
