"""Long texts: a pattern runs only in windows around the literals its matches consume.

See the section comment below; the engine calls _windows and _windowed_matches from
Detector._run_patterns, and builds _LongTexts when its first long text comes.
"""

from __future__ import annotations

import re
import re._constants as _sre  # CPython's parse tree
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from bot.detect.literals import (
    _CASE_FLAGS,
    _MAX_EXACT_STRINGS,
    _PARSE_ERRORS,
    _alternation_source,
    _derived,
    _group_patterns,
    _item_literals,
    _longest_prefixes,
    _minimal,
    _parse,
    _selectivity,
    _Unanalysable,
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
#   its lookarounds) and consumes an occurrence of each anchor, starting at most the anchor's
#   *lead* characters after the match's start (see the section on leads). So a match starts
#   in [p - lead, p] for an occurrence p of every anchor: in a window (the windows of an anchor
#   are those stretches, and of several anchors the stretches all of them have). No match
#   starts between windows.
# - A run over a window is given an end (``endpos``) past every character that an attempt
#   started inside the window can read (what it consumes, its lookaheads, boundary checks), so
#   each attempt decides as on the whole view. Matches starting past the window are dropped (an
#   attempt there may have read up to the end). Lookbehinds are not cut: the run starts at
#   ``pos``, which leaves the text before it visible.
# - How far an attempt reads: at most *reads* characters that are not in *runs* (the characters
#   a lookahead's unbounded repeat, ``[0-9]+`` in "not a version", may take any number of), and
#   any number of characters in *runs*, from its start.
# - A match may run on past the start of the next window: as a run over the whole view, the
#   windowed runs go on where the last match ended (_windowed_matches).
# Window after window, the runs meet the same matches in the same order as one run over the
# whole view. tests/detect/test_windows.py compares both, and checks the anchors and leads of
# every pack pattern on every match of the packs' examples.
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
# Characters past the Basic Multilingual Plane (emoji: "👻", "📷") are rare in any script.
_LAST_BMP_CHARACTER = 0xFFFF
# A call attempting a match at one position costs about as much as a search moving over this
# many positions (see _windowed_matches).
_POSITIONS_PER_CALL = 5
# Occurrences closer than this to the one before share its window (see _clusters).
_ANCHOR_STEP = 32
# Windows costing more than 1/this of a run over the whole text are not worth running (the
# positions in them cost more than most: they are where attempts get far).
_WHOLE_TEXT_SHARE = 2
# Setting a window's run up costs about as much as a search moving over this many positions.
_WINDOW_COST = 24
# An anchor literal found at one position in this many or more of a view is not placed: its
# windows would cover the view (_EVERYWHERE; the literals searched alone stop being searched
# for when that many of them are found).
_MOST_HITS_PER = 8
# An anchor whose literals are found at one position in this many or more of a view is not
# placed either (as good as everywhere; the clusters would cost more than they save).
_MOST_ANCHOR_HITS_PER = 4


@dataclass(frozen=True, slots=True)
class _Anchor:
    """Literals one of which every match consumes, starting at most *lead* characters after
    the start of the match."""

    literals: frozenset[str]
    lead: int
    searched_alone: bool  # some of the literals are _searched_alone (see _LongTextScan.scan_words)


@dataclass(frozen=True, slots=True)
class _WindowPlan:
    width: int  # the most characters a match consumes
    anchors: tuple[_Anchor, ...]
    reads: int  # see above
    nonempty: bool  # every match consumes a character
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
    width, shortest, reads, runs, *anchor_sets = joined.split("\1")
    anchors = tuple(
        _Anchor(frozenset(literals), int(lead), any(map(_searched_alone, literals)))
        for lead, *literals in (a.split("\0") for a in anchor_sets)
    )
    read_end = (
        pattern_cache.compile(f"(?s:(?:[{runs}]*+.){{{int(reads)}}})").match if runs else None
    )
    return _WindowPlan(int(width), anchors, int(reads), int(shortest) > 0, read_end)


def _joined_window_plan(source: str, flags: int) -> str:
    """width, the fewest characters a match consumes, reads, runs and the anchors (each its
    lead, then its literals), joined by SOH
    (an anchor's parts by NUL); "" when the pattern is not run in windows."""
    try:
        tree = _parse(source, flags)
        shortest, width = tree.getwidth()
        if width >= _sre.MAXREPEAT or _holds_mark(tree):
            return ""
        runs: list[str] = []
        _consumed, reads = _read_extent(tree, runs)
        requirements = _led_literals(_without_lookarounds(tree))[1]
        anchors = _rare_anchors(requirements)
        if not anchors:
            # No set of rare literals: perhaps of short words the pattern itself bounds ("x", "ig").
            anchors = _word_anchors(_led_literals(_marked(tree, after=False, before=False))[1])
    except (*_PARSE_ERRORS, _Unbounded):
        return ""
    if not anchors:
        return ""
    if any("\0" in literal or "\1" in literal for literals, _lead in anchors for literal in literals):
        return ""
    return "\1".join(
        [
            str(width),
            str(shortest),
            str(reads),
            "".join(dict.fromkeys(runs)),
            *("\0".join([str(min(lead, width)), *sorted(literals)]) for literals, lead in anchors),
        ]
    )


def _rare_anchors(requirements: Iterable[tuple[frozenset[str], int]]) -> list[tuple[frozenset[str], int]]:
    """The most selective requirements whose literals are all _rare, with their leads."""
    usable: dict[frozenset[str], int] = {}
    for literals, lead in requirements:
        kept = _minimal(literals)
        if kept and all(map(_rare, kept)):
            _keep_lead(usable, kept, _minimal_lead(literals, kept, lead))
    return sorted(usable.items(), key=lambda item: _selectivity(item[0]))[:_MAX_ANCHORS]


def _keep_lead(usable: dict[frozenset[str], int], literals: frozenset[str], lead: int) -> None:
    """Each requirement is a fact ("one of them starts within *lead*"): of two about the same
    literals, the smaller lead holds too."""
    usable[literals] = min(lead, usable.get(literals, lead))


def _minimal_lead(literals: frozenset[str], kept: frozenset[str], lead: int) -> int:
    """The lead of *kept* (_minimal(*literals*), some of them unmarked), when one of *literals*
    starts within *lead*: a literal dropped for holding a kept one holds it at most its extra
    characters further on."""
    kept_texts = [_unmarked(literal) for literal in kept]
    further = 0
    for literal in literals - kept:
        text = _unmarked(literal)
        further = max(further, len(text) - min((len(k) for k in kept_texts if k in text), default=0))
    return lead + further


# ---------------------------------------------------------------------------------------------
# Leads: how far into a match its anchor starts
#
# A match that consumes an anchor literal starting at position p starts at p or before, and at
# most *lead* characters before: the window of an occurrence at p is [p - lead, p] (the
# attempts starting there; each reads on as far as it needs, see _WindowPlan.endpos). The
# requirements are those of literals._sequence_literals, each with the most characters the
# items before it in the match can consume.
# ---------------------------------------------------------------------------------------------

_LedRequirements = list[tuple[frozenset[str], int]]


def _led_literals(items: Iterable[tuple[Any, Any]]) -> tuple[frozenset[str] | None, _LedRequirements, int]:
    """(exact strings, requirements with their leads, the most characters consumed) of a
    sequence, read as literals._sequence_literals reads it."""
    requirements: _LedRequirements = []
    stretch: set[str] = {""}
    stretch_lead = 0  # the most characters before the stretch
    consumed = 0
    exact_throughout = True
    for op, av in items:
        exact, required, width = _item_led_literals(op, av)
        requirements.extend((literals, consumed + lead) for literals, lead in required)
        if exact is not None:
            joined = {before + after for before in stretch for after in exact}
            if len(joined) <= _MAX_EXACT_STRINGS:
                stretch = joined
                consumed += width
                continue
        exact_throughout = False
        if "" not in stretch:
            requirements.append((frozenset(stretch), stretch_lead))
        if exact is not None:
            stretch, stretch_lead = set(exact), consumed
        else:
            stretch, stretch_lead = {""}, consumed + width
        consumed += width
    if "" not in stretch:
        requirements.append((frozenset(stretch), stretch_lead))
    return (frozenset(stretch) if exact_throughout else None), requirements, consumed


def _item_led_literals(op: Any, av: Any) -> tuple[frozenset[str] | None, _LedRequirements, int]:
    if op is _sre.LITERAL or op is _sre.IN:
        return _item_literals(op, av)[0], [], 0 if op is _sre.LITERAL and chr(av) in _MARKS else 1
    if op is _sre.BRANCH:
        alternatives = [_led_literals(alternative) for alternative in av[1]]
        exact: frozenset[str] | None = None
        if all(e is not None for e, _, _ in alternatives):
            union = frozenset().union(*(e for e, _, _ in alternatives if e is not None))
            exact = union if len(union) <= _MAX_EXACT_STRINGS else None
        width = max(w for _, _, w in alternatives)
        if all(required for _, required, _ in alternatives):
            best = [min(required, key=lambda r: _selectivity(r[0])) for _, required, _ in alternatives]
            return exact, [(frozenset().union(*(r for r, _ in best)), max(lead for _, lead in best))], width
        return exact, [], width
    if op is _sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if (add_flags | del_flags) & _CASE_FLAGS:
            raise _Unanalysable
        return _led_literals(sub)
    if op is _sre.ATOMIC_GROUP:
        return _led_literals(av)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        minimum, maximum, sub = av
        exact, required, width = _led_literals(sub)
        if minimum == 0:
            return (exact | {""} if exact is not None and maximum == 1 else None), [], maximum * width
        # (what one repetition requires: in the last one at the latest)
        led = [(literals, (maximum - 1) * width + lead) for literals, lead in required]
        return (exact if minimum == maximum == 1 else None), led, maximum * width
    if op is _sre.AT:
        return frozenset({""}), [], 0
    if op is _sre.GROUPREF_EXISTS:
        _group, yes, no = av
        return None, [], max(_led_literals(yes)[2], _led_literals(no or ())[2])
    if op is _sre.NOT_LITERAL or op is _sre.ANY:
        return None, [], 1
    return None, [], _sre.MAXREPEAT  # (a back-reference ...: no bound known)


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
    if op is _sre.GROUPREF_EXISTS:  # (?(name)yes|no): an attempt goes on with one of the two
        _group, yes, no = av
        extents = [_read_extent(yes, runs), _read_extent(no or (), runs)]
        return max(c for c, _ in extents), max(r for _, r in extents)
    raise _Unbounded  # a back-reference ...


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
    return (
        len(literal) >= 3
        or (len(literal) == 2 and not literal.isascii())
        or literal in _RARE_CHARACTERS
        or (len(literal) == 1 and ord(literal) > _LAST_BMP_CHARACTER)
    )


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


# ---------------------------------------------------------------------------------------------
# Word anchors: short literals the pattern itself bounds by non-letters
#
# The platform alternations hold one- and two-letter names ("x", "ig", "tg", "fb", "qq"), and
# those occur all over a long text, inside words. But a pattern that reads "ig" only where no
# letter comes before it and none after it (``(?<![a-z0-9_])(?:...|ig|...)(?![a-z0-9_])``)
# consumes a *standalone* "ig", which is rare in prose. Such literals are read off the parse
# tree with marks: _AFTER_NON_LETTER at a point where the character before is not in a-z (or
# there is none), _BEFORE_NON_LETTER where the character after is not in a-z (or there is none).
# A mark is set only where the pattern proves it: a lookaround (``(?<![a-z0-9_])``,
# ``(?![a-z0-9_\-]|...)``, ``(?=[でのは])``), an anchor (``^``, ``$``), or a consumed character
# outside a-z (``[ \t]{1,3}x``). Marks are zero-width, so a marked literal is found by a search
# with the same lookarounds (_word_search_source, _LongTextScan.scan_words), and every match of
# the pattern consumes one of each marked anchor's literals exactly as it consumes a plain
# anchor's. (A mark the pattern does not prove is left out: the literal is then less rare.)
# ---------------------------------------------------------------------------------------------

_AFTER_NON_LETTER = "\x02"
_BEFORE_NON_LETTER = "\x03"
_MARKS = _AFTER_NON_LETTER + _BEFORE_NON_LETTER
_LETTERS = frozenset(range(ord("a"), ord("z") + 1))


def _holds_mark(items: Iterable[tuple[Any, Any]]) -> bool:
    """Whether the pattern itself may consume a mark character: its literals and widths would
    then be read wrong (a mark counts as zero-width), so it is not run in windows."""
    for op, av in items:
        if op is _sre.LITERAL:
            found = chr(av) in _MARKS
        elif op is _sre.IN:
            found = any(
                (kind is _sre.LITERAL and chr(value) in _MARKS)
                or (kind is _sre.RANGE and value[0] <= max(map(ord, _MARKS)) and value[1] >= min(map(ord, _MARKS)))
                for kind, value in av
            )
        elif op is _sre.BRANCH:
            found = any(map(_holds_mark, av[1]))
        elif op is _sre.SUBPATTERN:
            found = _holds_mark(av[3])
        elif op is _sre.ATOMIC_GROUP:
            found = _holds_mark(av)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            found = _holds_mark(av[2])
        elif op is _sre.ASSERT or op is _sre.ASSERT_NOT:
            found = _holds_mark(av[1])
        elif op is _sre.GROUPREF_EXISTS:
            found = _holds_mark(av[1]) or (av[2] is not None and _holds_mark(av[2]))
        else:
            found = False
        if found:
            return True
    return False
_ZERO_WIDTH_OPS = (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)
_SINGLE_CHARACTER_OPS = (_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY)
_NO_LETTER_CATEGORIES = (_sre.CATEGORY_DIGIT, _sre.CATEGORY_SPACE, _sre.CATEGORY_LINEBREAK)


def _word_anchors(requirements: Iterable[tuple[frozenset[str], int]]) -> list[tuple[frozenset[str], int]]:
    """The most selective requirements (read with boundary marks) whose literals are each rare
    (_rare, then without their marks: a weaker requirement, found by the plain scan) or
    _searched_alone, with their leads."""
    usable: dict[frozenset[str], int] = {}
    for literals, lead in requirements:
        kept = _minimal(frozenset(_unmarked(literal) if _rare(_unmarked(literal)) else literal for literal in literals))
        if kept and all(_rare(_unmarked(literal)) or _searched_alone(literal) for literal in kept):
            _keep_lead(usable, kept, _minimal_lead(literals, kept, lead))
    return sorted(usable.items(), key=lambda item: _word_selectivity(item[0]))[:_MAX_ANCHORS]


def _unmarked(literal: str) -> str:
    return literal.translate({ord(mark): None for mark in _MARKS})


def _marked_word(literal: str) -> bool:
    """*literal* is ASCII text from a letter to a letter, marked on both ends: no letter comes
    right before or after it (a standalone short word: "x", "ig", "dm")."""
    text = _unmarked(literal)
    leading = literal[: len(literal) - len(literal.lstrip(_MARKS))]
    trailing = literal[len(literal.rstrip(_MARKS)) :]
    return (
        _AFTER_NON_LETTER in leading
        and _BEFORE_NON_LETTER in trailing
        and text.isascii()
        and text[:1].isalpha()
        and text[-1:].isalpha()
    )


def _searched_alone(literal: str) -> bool:
    """*literal* is an anchor literal the long-text scan finds with a search of its own (see
    _LongTextScan.scan): a marked standalone word (_marked_word), or one of three characters
    or more mixing ASCII with other characters (rare, but it would keep the tries of a scan
    from splitting their literals by script, see _rare). Other anchor literals are _rare."""
    text = _unmarked(literal)
    if _marked_word(literal):
        return True
    return len(text) >= 3 and not text.isascii() and any(character.isascii() for character in text)


def _plain_word(literal: str) -> bool:
    """*literal* is a standalone word of letters a-z alone, marked only on its ends ("<ig>")."""
    return (
        len(literal) > 2
        and literal[0] == _AFTER_NON_LETTER
        and literal[-1] == _BEFORE_NON_LETTER
        and _PLAIN_LETTERS.fullmatch(literal[1:-1]) is not None
    )


_PLAIN_LETTERS = re.compile("[a-z]+")


def _word_selectivity(literals: frozenset[str]) -> tuple[float, int, list[str]]:
    """_selectivity, counting what a literal's characters (not its marks) select."""
    return sum(0.1 ** len(_unmarked(literal)) for literal in literals), len(literals), sorted(literals)


def _marked(items: Sequence[tuple[Any, Any]], after: bool, before: bool) -> list[tuple[Any, Any]]:
    """*items* without their lookarounds (what a match consumes), with a mark (a LITERAL of
    _AFTER_NON_LETTER / _BEFORE_NON_LETTER) before / after each consuming item where the
    pattern proves it. *after* / *before*: whether it holds at the start / end of *items*."""
    kept: list[tuple[Any, Any]] = []
    for index, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH_OPS:
            continue
        starts_after = _after_non_letter(items, index, after)
        ends_before = _before_non_letter(items, index, before)
        if op is _sre.BRANCH:
            kept.append((op, (av[0], [_marked(alternative, starts_after, ends_before) for alternative in av[1]])))
            continue
        if op is _sre.SUBPATTERN:
            kept.append((op, (*av[:3], _marked(av[3], starts_after, ends_before))))
            continue
        if op is _sre.ATOMIC_GROUP:
            kept.append((op, _marked(av, starts_after, ends_before)))
            continue
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            av = (av[0], av[1], _marked(av[2], after=False, before=False))
        if starts_after:
            kept.append((_sre.LITERAL, ord(_AFTER_NON_LETTER)))
        kept.append((op, av))
        if ends_before:
            kept.append((_sre.LITERAL, ord(_BEFORE_NON_LETTER)))
    return kept


def _after_non_letter(items: Sequence[tuple[Any, Any]], index: int, at_start: bool) -> bool:
    """Whether the character before item *index* of *items* is never in a-z (or absent)."""
    consumed = items[index]
    if _letters_matched(*consumed) is not None:  # a lookbehind right after it may tell
        for op, av in items[index + 1 :]:
            if not _zero_width(op, av):
                break
            if _proves_after_non_letter_before(op, av, consumed):
                return True
    return _neighbours_non_letter(reversed(items[:index]), behind=True, at_edge=at_start)


def _before_non_letter(items: Sequence[tuple[Any, Any]], index: int, at_end: bool) -> bool:
    """Whether the character after item *index* of *items* is never in a-z (or absent)."""
    return _neighbours_non_letter(items[index + 1 :], behind=False, at_edge=at_end)


def _neighbours_non_letter(neighbours: Iterable[tuple[Any, Any]], *, behind: bool, at_edge: bool) -> bool:
    """Whether the character next to an item is never in a-z: *neighbours* are the items
    before it, nearest first (*behind*), or after it; *at_edge*: what holds when none of
    them decides (the item may be at the pattern's start or end)."""
    for op, av in neighbours:
        if op in _ZERO_WIDTH_OPS:
            if _proves_non_letter(op, av, behind=behind):
                return True
            continue
        if not _edge_outside_letters(op, av, last=behind):
            return False
        if _min_width(op, av) > 0:
            return True
    return at_edge


_AT_STARTS = (_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING, _sre.AT_BEGINNING_LINE)
_AT_ENDS = (_sre.AT_END, _sre.AT_END_STRING, _sre.AT_END_LINE)


def _proves_non_letter(op: Any, av: Any, *, behind: bool) -> bool:
    """A zero-width item that holds only where the character before it (*behind*), or after
    it, is not in a-z (or absent)."""
    if op is _sre.AT:
        return av in (_AT_STARTS if behind else _AT_ENDS)
    direction, sub = av
    if (direction > 0) if behind else (direction < 0):  # (a lookahead tells nothing behind)
        return False
    if op is _sre.ASSERT_NOT:
        return _excludes_letters(sub)
    return _sequence_min_width(sub) > 0 and _sequence_edge_outside_letters(sub, last=behind)


def _proves_after_non_letter_before(op: Any, av: Any, consumed: tuple[Any, Any]) -> bool:
    """A zero-width item right after the one-character item *consumed* that holds only where
    the character before *consumed* is not in a-z: ``t(?<=on t)``, ``q(?<![a-z0-9_]q)``, or
    a branch of such lookbehinds."""
    if op is _sre.BRANCH:
        return all(
            len(alternative) == 1 and _proves_after_non_letter_before(*alternative[0], consumed)
            for alternative in av[1]
        )
    if op is _sre.SUBPATTERN:
        return len(av[3]) == 1 and _proves_after_non_letter_before(*av[3][0], consumed)
    if op is not _sre.ASSERT and op is not _sre.ASSERT_NOT:
        return False
    direction, sub = av
    if direction > 0 or len(sub) < 2 or _letters_matched(*sub[-1]) is None:
        return False
    # sub[-1] reads the consumed character, sub[-2] the one before it
    if op is _sre.ASSERT:
        return _letters_matched(*sub[-2]) == "none"
    return len(sub) == 2 and sub[-1] == consumed and _letters_matched(*sub[-2]) == "all"


def _zero_width(op: Any, av: Any) -> bool:
    """The item never consumes a character (a lookaround, or groups of nothing else)."""
    if op in _ZERO_WIDTH_OPS:
        return True
    if op is _sre.BRANCH:
        return all(all(_zero_width(*item) for item in alternative) for alternative in av[1])
    if op is _sre.SUBPATTERN:
        return all(_zero_width(*item) for item in av[3])
    return False


def _excludes_letters(sub: Sequence[tuple[Any, Any]]) -> bool:
    """A negative lookaround over *sub* fails on every letter a-z: *sub* is one character item
    matching them all, or a branch with such an alternative."""
    if len(sub) != 1:
        return False
    op, av = sub[0]
    if op is _sre.BRANCH:
        return any(len(alternative) == 1 and _letters_matched(*alternative[0]) == "all" for alternative in av[1])
    return _letters_matched(op, av) == "all"


def _letters_matched(op: Any, av: Any) -> str | None:
    """Of a one-character item: "all" when it matches every letter a-z, "none" when it matches
    none of them, "some" otherwise (or unknown); None: not a one-character item."""
    if op is _sre.LITERAL:
        return "some" if av in _LETTERS else "none"
    if op is _sre.NOT_LITERAL:
        return "some" if av in _LETTERS else "all"
    if op is _sre.ANY:
        return "all"
    if op is not _sre.IN:
        return None
    negated = bool(av) and av[0][0] is _sre.NEGATE
    covered: set[int] = set()
    known = True  # (every member's letters are known: *covered* is exact)
    for member_op, member_av in av[1:] if negated else av:
        if member_op is _sre.LITERAL:
            if member_av in _LETTERS:
                covered.add(member_av)
        elif member_op is _sre.RANGE:
            covered.update(_LETTERS.intersection(range(member_av[0], member_av[1] + 1)))
        elif member_op is _sre.CATEGORY and member_av is _sre.CATEGORY_WORD:
            covered.update(_LETTERS)
        elif not (member_op is _sre.CATEGORY and member_av in _NO_LETTER_CATEGORIES):
            known = False
    all_letters = covered == _LETTERS  # (a lower bound: holds even when not *known*)
    no_letters = known and not covered
    if negated:
        all_letters, no_letters = no_letters, all_letters
    return "all" if all_letters else "none" if no_letters else "some"


def _edge_outside_letters(op: Any, av: Any, last: bool) -> bool:
    """Every non-empty match of the item begins (*last*: ends) with a character outside a-z."""
    matched = _letters_matched(op, av)
    if matched is not None:
        return matched == "none"
    if op in _ZERO_WIDTH_OPS:
        return True  # (never non-empty)
    if op is _sre.BRANCH:
        return all(_sequence_edge_outside_letters(alternative, last) for alternative in av[1])
    if op is _sre.SUBPATTERN:
        return _sequence_edge_outside_letters(av[3], last)
    if op is _sre.ATOMIC_GROUP:
        return _sequence_edge_outside_letters(av, last)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return _sequence_edge_outside_letters(av[2], last)
    return False


def _sequence_edge_outside_letters(items: Sequence[tuple[Any, Any]], last: bool) -> bool:
    for op, av in reversed(items) if last else items:
        if op in _ZERO_WIDTH_OPS:
            continue
        if not _edge_outside_letters(op, av, last):
            return False
        if _min_width(op, av) > 0:
            return True  # (the edge character is this item's, or an earlier non-empty one's)
    return True


def _min_width(op: Any, av: Any) -> int:
    """The fewest characters the item consumes (0 when unsure)."""
    if op in _SINGLE_CHARACTER_OPS:
        return 1
    if op is _sre.BRANCH:
        return min(_sequence_min_width(alternative) for alternative in av[1])
    if op is _sre.SUBPATTERN:
        return _sequence_min_width(av[3])
    if op is _sre.ATOMIC_GROUP:
        return _sequence_min_width(av)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return av[0] * _sequence_min_width(av[2])
    return 0


def _sequence_min_width(items: Sequence[tuple[Any, Any]]) -> int:
    return sum(_min_width(op, av) for op, av in items)


def _word_search_source(literal: str) -> str:
    """A pattern matching where *literal* occurs, from its first character (not its marks:
    _LongTextScan.scan reads the position of a match as the literal's): its marks become
    lookarounds, the ones before its first character a lookbehind over both."""
    text = _unmarked(literal)
    leading = literal[: literal.index(text[0])]
    parts = [re.escape(text[0])]
    if _AFTER_NON_LETTER in leading:
        parts.append(f"(?<![a-z]{re.escape(text[0])})")
    for character in literal[len(leading) + 1 :]:
        if character == _AFTER_NON_LETTER:
            parts.append("(?<![a-z])")
        elif character == _BEFORE_NON_LETTER:
            parts.append("(?![a-z])")
        else:
            parts.append(re.escape(character))
    return "".join(parts)


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


# In a scan's positions: the literal occurs too often to tell (the anchors holding it are not
# used, see _Views.anchor_clusters). (An empty list, compared by identity.)
_EVERYWHERE: list[int] = []


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
    # The anchor literals _searched_alone: one search finds where any of them may occur, then
    # each one starting with the character there is matched (first character -> (literal,
    # its match)); None when there are none.
    word_search: Callable[..., re.Match[str] | None] | None
    words_at: Mapping[str, tuple[tuple[str, Callable[..., re.Match[str] | None]], ...]]
    words: tuple[str, ...]
    # Of those, the standalone words of letters a-z alone ("<ig>": _plain_word): where one
    # occurs, the letters there are the whole word, so no two of them start at one position,
    # and a search for any of them (a trie) after a non-letter (or at the start) says which
    # one, as its group 1. None when there are none.
    plain_words: Callable[..., Iterator[re.Match[str]]] | None
    plain_word_first: Callable[..., re.Match[str] | None] | None

    @classmethod
    def of(cls, triggers: Iterable[str], anchors: Iterable[str]) -> _LongTextScan:
        anchor_set = set(anchors)
        all_words = sorted(literal for literal in anchor_set if _searched_alone(literal))
        anchor_set.difference_update(all_words)
        plain = [word for word in all_words if _plain_word(word)]
        plain_words = plain_word_first = None
        if plain:
            trie = _alternation_source(_unmarked(word) for word in plain)
            plain_words = pattern_cache.compile(f"[^a-z]({trie})(?![a-z])").finditer
            plain_word_first = pattern_cache.compile(f"({trie})(?![a-z])").match
        words = [word for word in all_words if not _plain_word(word)]
        word_search = None
        words_at: dict[str, list[tuple[str, Callable[..., re.Match[str] | None]]]] = {}
        if words:
            word_search = pattern_cache.compile("|".join(map(_word_search_source, words))).search
            for word in words:
                words_at.setdefault(_unmarked(word)[0], []).append(
                    (word, pattern_cache.compile(_word_search_source(word)).match)
                )
        trigger_set = set(triggers)
        literals = sorted(trigger_set | anchor_set, key=len, reverse=True)
        longest_trigger = _longest_prefixes(literals, trigger_set)
        trigger_of = {literal: longest_trigger.get(literal) for literal in literals}
        anchors_of: dict[str, tuple[str, ...]] = {}
        for literal in literals:
            prefixes = [literal[:end] for end in range(len(literal), 0, -1)]
            anchors_of[literal] = tuple(prefix for prefix in prefixes if prefix in anchor_set)
        # (no literals: no search, which would match the empty string everywhere)
        searches = tuple(pattern.search for pattern in _group_patterns(literals)) if literals else ()
        return cls(
            searches,
            trigger_of,
            anchors_of,
            word_search,
            {first: tuple(matches) for first, matches in words_at.items()},
            tuple(all_words),
            plain_words,
            plain_word_first,
        )

    def scan(self, text: str, triggers: set[str]) -> dict[str, list[int]]:
        """Adds the trigger literals of *text* to *triggers*; returns, per anchor literal
        found, the positions where it starts, in order (_EVERYWHERE: so many that its windows
        would cover the text, see _MOST_HITS_PER). Overlapping literals are found too (see
        _overlapping_findall)."""
        trigger_of = self.trigger_of
        anchors_of = self.anchors_of
        at_literal: dict[str, list[int]] = {}  # a literal found -> where
        for search in self.searches:
            match = search(text)
            while match is not None:
                literal, start = match.group(), match.start()
                trigger = trigger_of[literal]
                if trigger is not None:
                    triggers.add(trigger)
                at = at_literal.get(literal)
                if at is None:
                    at_literal[literal] = [start]
                else:
                    at.append(start)
                match = search(text, start + 1)
        found: dict[str, list[int]] = {}
        for literal, positions in at_literal.items():
            for anchor in anchors_of[literal]:  # (each occurs where the literal found does)
                at = found.get(anchor)
                if at is None:
                    found[anchor] = positions.copy()
                else:
                    at.extend(positions)
        most = len(text) // _MOST_HITS_PER
        for anchor, positions in found.items():
            if len(positions) > most:  # (its windows would cover the text)
                found[anchor] = _EVERYWHERE
            else:
                positions.sort()  # (from several literals, and groups' searches)
        return found

    def scan_words(self, text: str) -> dict[str, list[int]]:
        """Per anchor literal searched alone (_searched_alone), the positions where it starts
        in *text*, in order (_EVERYWHERE for all of them once there are too many to place:
        see _MOST_HITS_PER). A search of its own, run only when a pattern anchored on one of
        them gets to run (see _Views.anchor_clusters)."""
        most = len(text) // _MOST_HITS_PER
        found: dict[str, list[int]] = {}
        count = 0
        if self.plain_words is not None and self.plain_word_first is not None:
            first = self.plain_word_first(text)
            if first is not None:
                found[_AFTER_NON_LETTER + first.group(1) + _BEFORE_NON_LETTER] = [0]
                count = 1
            for match in self.plain_words(text):
                word = _AFTER_NON_LETTER + match.group(1) + _BEFORE_NON_LETTER
                at = found.get(word)
                if at is None:
                    found[word] = [match.start(1)]
                else:
                    at.append(match.start(1))  # (in order: one search runs through the text)
                count += 1
                if count > most:
                    return dict.fromkeys(self.words, _EVERYWHERE)
        word_search = self.word_search
        if word_search is None:
            return found
        words_at = self.words_at
        match = word_search(text)
        while match is not None:
            start = match.start()
            for word, match_word in words_at[text[start]]:
                if match_word(text, start) is not None:
                    at = found.get(word)
                    if at is None:
                        found[word] = [start]
                    else:
                        at.append(start)  # (in order: one search runs through the text)
                    count += 1
            if count > most:
                return dict.fromkeys(self.words, _EVERYWHERE)
            match = word_search(text, start + 1)
        return found


def _windows(text: str, plan: _WindowPlan, views: _Views, view_name: str) -> list[tuple[int, int]] | None:
    """The stretches of *text* (the view *view_name* of *views*) where a match may start: at
    most an anchor's lead before one of its occurrences, for every anchor, in order; None when
    running them would cost about as much as a run over the whole text (see _around)."""
    windows: list[tuple[int, int]] | None = None
    for anchor in plan.anchors:
        if anchor.searched_alone:
            # Before a search of its own: do the literals the scan found already fill the text?
            clusters = views.anchor_clusters(view_name, anchor, words=False)
            if clusters is None or _around(clusters, len(text), anchor.lead, plan.reads) is None:
                continue
        clusters = views.anchor_clusters(view_name, anchor)
        if clusters is None:
            continue  # (everywhere: another anchor may narrow the text down)
        placed = _around(clusters, len(text), anchor.lead, plan.reads)
        if placed is None:
            continue
        windows = placed if windows is None else _intersection(windows, placed)
        if not windows:
            break
    return windows


def _clusters(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted *positions* as runs (first, last) with less than _ANCHOR_STEP between
    neighbours. (A literal found all over the text never gets here: see _MOST_HITS_PER.)"""
    if not positions:
        return []
    step = _ANCHOR_STEP
    # (the gaps between runs, as one comprehension over neighbours: a dense anchor has hundreds)
    gaps = [(before, after) for before, after in pairwise(positions) if after - before >= step]
    firsts = [positions[0], *(after for _before, after in gaps)]
    lasts = [*(before for before, _after in gaps), positions[-1]]
    return list(zip(firsts, lasts, strict=True))


def _around(
    clusters: list[tuple[int, int]], length: int, lead: int, reads: int
) -> list[tuple[int, int]] | None:
    """The windows of the anchor occurrences *clusters*: where a match holding one may start
    (see the section on leads); None when running them would cost about as much as a run over
    the whole text. What a window costs (see _windowed_matches), in positions a search moves
    over: its own positions and those after it that its attempts may read (or a call per
    position), and setting the run up."""
    if lead + 1 < _ANCHOR_STEP:
        # Clusters are _ANCHOR_STEP apart: their windows neither overlap nor touch. (Each
        # costs at least _WINDOW_COST + 1: too many of them are decided without placing them.)
        if len(clusters) * (_WINDOW_COST + 1) * _WHOLE_TEXT_SHARE > length:
            return None
        windows = [(first - lead if first > lead else 0, last + 1) for first, last in clusters]
    else:
        windows = []
        for first, last in clusters:
            low = first - lead if first > lead else 0
            if windows and low <= windows[-1][1]:
                windows[-1] = (windows[-1][0], last + 1)
            else:
                windows.append((low, last + 1))
    per_call = _POSITIONS_PER_CALL
    cost = sum(
        _WINDOW_COST + min(high - low + reads, (high - low) * per_call) for low, high in windows
    )
    return None if cost * _WHOLE_TEXT_SHARE > length else windows


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
    """The matches of *pattern* over the whole of *text* (all of which start in *windows*), in
    order, as a run over the whole text finds them."""
    resume = 0  # where a run over the whole text goes on: the end of the last match
    for start, end in windows:
        start = max(start, resume)
        if start >= end:
            continue  # (inside the last match: a run over the whole text skips it)
        endpos = plan.endpos(text, end)
        if plan.nonempty and (end - start) * _POSITIONS_PER_CALL < endpos - start:
            # A few starts, but attempts that may read far: a search would go on past the
            # window's end (to endpos) when nothing matches in it. Attempt each start instead,
            # as a search does, one after the other (no match is empty: each goes on at its end).
            match_at = pattern.match
            position = start
            while position < end:
                match = match_at(text, position, endpos)
                if match is None:
                    position += 1
                else:
                    yield match
                    position = resume = match.end()
            continue
        for match in pattern.finditer(text, start, endpos):
            if match.start() >= end:
                break  # (outside the window: decided on a cut-off view, not trusted)
            yield match
            resume = match.end()
