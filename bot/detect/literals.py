"""What a pattern cannot match without: literals read off its parse tree.

The detector skips a pattern whose view lacks them (engine._plan_pattern) and, on long texts,
runs it only in windows around them (bot.detect.windows). Also the tries of literal lists the
engine searches for, kept in the start-up cache.
"""

from __future__ import annotations

import re
import re._constants as _sre  # CPython's parse tree: see _required_literals
import re._parser as _sre_parser
import zlib
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.detect.normalize import literal_alternation
from bot.detect.pattern_cache import pattern_cache
from bot.detect.rules import Pattern

# A group of literals gets a findall of its own when both groups have this many different
# first characters (alternatives of the trie's root): fewer are cheaper than one more call.
_MIN_GROUP_FIRST_CHARACTERS = 16


def _literal_groups(literals: Sequence[str]) -> list[list[str]]:
    """*literals* split into groups with no character in common (see engine._TriggerScan): the
    literals made of ASCII only, and the others, unless they share a character (a literal
    mixing scripts) or one side is too small to pay."""
    ascii_group = [literal for literal in literals if literal.isascii()]
    other_group = [literal for literal in literals if not literal.isascii()]
    if (
        not set("".join(ascii_group)).isdisjoint("".join(other_group))
        or min(len({w[0] for w in ascii_group}), len({w[0] for w in other_group})) < _MIN_GROUP_FIRST_CHARACTERS
    ):
        return [list(literals)]
    return [ascii_group, other_group]


def _group_patterns(literals: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    """The alternation of each group of *literals* (see _literal_groups), compiled: what the
    trigger scans (engine._TriggerScan) and the long-text scan (windows._LongTextScan) search
    with."""
    return tuple(pattern_cache.compile(_alternation_source(group)) for group in _literal_groups(literals))


def _longest_prefixes(texts: Iterable[str], literals: Collection[str]) -> dict[str, str]:
    """Each of *texts* that starts with one of *literals* -> the longest such literal."""
    by_first: dict[str, list[str]] = {}
    for literal in sorted(literals, key=len, reverse=True):
        by_first.setdefault(literal[:1], []).append(literal)
    prefixes: dict[str, str] = {}
    for text in texts:
        if text in literals:  # (itself the longest)
            prefixes[text] = text
            continue
        for literal in by_first.get(text[:1], ()):
            if text.startswith(literal):
                prefixes[text] = literal
                break
    return prefixes


# ---------------------------------------------------------------------------------------------
# Required literals: skipping a pattern that cannot match
#
# A triggered rule runs each of its patterns over its view, and one pattern call costs ~0.5-1 us
# on a short message even when nothing matches (the engine tries the pattern at every position).
# Most patterns cannot match unless one of a few literals occurs in the text ("hmu", "dm",
# "got|have|use"); `in`, or a search for those literals, costs a fraction of that and skips the
# pattern when they are absent.
#
# Exact by construction: the literals are read off the pattern's parse tree so that the text of
# every match holds one of them (for a positive lookaround: the text around the match). A
# pattern whose literals cannot be told (case-insensitive, the `regex` module's) always runs.
# ---------------------------------------------------------------------------------------------

# What a parse-tree node tells: (exact, requirements).
#   exact:        every string the node can match, when there are few (else None);
#   requirements: sets of literals such that, wherever the node matches, the text holds one
#                 literal of EACH set (none known: empty).
_Requirements = tuple[frozenset[str], ...]
_Literals = tuple[frozenset[str] | None, _Requirements]

# Exactly known stretches ("lines?", "[.!?] ") multiply their strings: keep them small.
_MAX_EXACT_STRINGS = 64
_MAX_CLASS_CHARS = 16
# Requirements kept per pattern (the most selective), for the rule to choose from.
_KEPT_REQUIREMENTS = 8
_UNKNOWN: _Literals = (None, ())
_ZERO_WIDTH: _Literals = (frozenset({""}), ())
_CASE_FLAGS = re.IGNORECASE | re.LOCALE


class _Unanalysable(Exception):
    """Case-insensitive matching inside the pattern: its literals do not say what it matches."""


def _alternation_source(literals: Iterable[str]) -> str:
    """``literal_alternation(literals)``, from the start-up cache when an earlier process built
    it (building the trie in Python costs more than compiling it from the cache)."""
    words = sorted(set(literals))
    if any("\0" in word for word in words):
        return literal_alternation(words)
    return _derived("literal-trie", "\0".join(words), lambda: literal_alternation(words))


def _derived_version() -> str | None:
    """Names what is kept in the start-up cache (literal tries, required literals, window
    plans) by the code that derives them (this file, windows.py and normalize.py's
    literal_alternation): another version never reads what this one derived. None: not
    cached."""
    here = Path(__file__)
    try:
        source = b"".join(here.with_name(name).read_bytes() for name in (here.name, "windows.py", "normalize.py"))
    except OSError:
        return None
    return f"{zlib.crc32(source):08x}"


_DERIVED_VERSION = _derived_version()


def _derived(what: str, key: str, compute: Callable[[], str]) -> str:
    """``compute()``, a string derived from *key* alone, from the start-up cache (under *what*
    and _DERIVED_VERSION) when an earlier process derived it; computed afresh when this
    version's derivations are not cached (_DERIVED_VERSION is None)."""
    if _DERIVED_VERSION is None:
        return compute()
    return pattern_cache.derived(f"{what}-{_DERIVED_VERSION}", key, compute)


# What parsing a pattern and reading its parse tree may raise: the pattern's literals cannot be
# told (AttributeError/TypeError/ValueError: another Python's parse tree).
_PARSE_ERRORS = (_Unanalysable, re.error, RecursionError, AttributeError, TypeError, ValueError)


def _parse(source: str, flags: int) -> Any:
    """The parse tree of the pattern *source* compiled with *flags*; raises _Unanalysable when
    it matches case-insensitively (a flag inside it), or one of _PARSE_ERRORS."""
    tree = _sre_parser.parse(source, flags)
    if tree.state.flags & _CASE_FLAGS:
        raise _Unanalysable
    return tree


def _required_literals(pattern: Pattern) -> _Requirements:
    """Sets of literals, the most selective first, such that every text *pattern* matches
    holds a literal of each set; none when that cannot be told.

    Parsing the packs' patterns takes tens of milliseconds: the result is kept in the start-up
    cache beside the compiled programs (literals joined by NUL, sets by SOH)."""
    if not isinstance(pattern, re.Pattern) or pattern.flags & _CASE_FLAGS:
        return ()
    source, flags = pattern.pattern, pattern.flags
    if not isinstance(source, str):
        return ()
    joined = _derived(f"required-literals-{flags}", source, lambda: _joined_requirements(source, flags))
    return tuple(frozenset(literals.split("\0")) for literals in joined.split("\1")) if joined else ()


def _joined_requirements(source: str, flags: int) -> str:
    try:
        requirements = _sequence_literals(_parse(source, flags))[1]
    except _PARSE_ERRORS:
        return ""
    # (minimised, the best few only: a long pattern has hundreds of requirements)
    best = sorted(set(requirements), key=_selectivity)[: 2 * _KEPT_REQUIREMENTS]
    kept: list[frozenset[str]] = []
    for literals in sorted({_minimal(r) for r in best}, key=_selectivity):
        if not any("\0" in literal or "\1" in literal for literal in literals):
            kept.append(literals)
    return "\1".join("\0".join(sorted(literals)) for literals in kept[:_KEPT_REQUIREMENTS])


def _sequence_literals(items: Iterable[tuple[Any, Any]]) -> _Literals:
    """A sequence matches its items one after the other: a stretch of exactly known items
    matches one of the concatenations of their strings (zero-width items add nothing), and
    every item's own requirements hold as well."""
    requirements: list[frozenset[str]] = []
    stretch: set[str] = {""}
    exact_throughout = True
    for op, av in items:
        exact, required = _item_literals(op, av)
        requirements.extend(required)
        if exact is not None:
            joined = {before + after for before in stretch for after in exact}
            if len(joined) <= _MAX_EXACT_STRINGS:
                stretch = joined
                continue
        exact_throughout = False
        if "" not in stretch:  # (a stretch that may match nothing requires nothing)
            requirements.append(frozenset(stretch))
        stretch = set(exact) if exact is not None else {""}
    if "" not in stretch:
        requirements.append(frozenset(stretch))
    return (frozenset(stretch) if exact_throughout else None), tuple(requirements)


def _item_literals(op: Any, av: Any) -> _Literals:
    if op is _sre.LITERAL:
        return frozenset({chr(av)}), ()
    if op is _sre.IN:
        chars: set[str] = set()
        for item_op, item_av in av:
            if item_op is _sre.LITERAL:
                chars.add(chr(item_av))
            elif item_op is _sre.RANGE and item_av[1] - item_av[0] < _MAX_CLASS_CHARS:
                chars.update(map(chr, range(item_av[0], item_av[1] + 1)))
            else:  # a negated class, \s, \w ...
                return _UNKNOWN
        return (frozenset(chars), ()) if len(chars) <= _MAX_CLASS_CHARS else _UNKNOWN
    if op is _sre.BRANCH:
        alternatives = [_sequence_literals(alternative) for alternative in av[1]]
        exact: frozenset[str] | None = None
        if all(e is not None for e, _ in alternatives):
            union = frozenset().union(*(e for e, _ in alternatives if e is not None))
            exact = union if len(union) <= _MAX_EXACT_STRINGS else None
        # a match is a match of one alternative: it holds one of what the alternatives require
        if all(required for _, required in alternatives):
            best = (
                required[0] if len(required) == 1 else min(required, key=_selectivity)
                for _, required in alternatives
            )
            return exact, (frozenset().union(*best),)
        return exact, ()
    if op is _sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if (add_flags | del_flags) & _CASE_FLAGS:
            raise _Unanalysable
        return _sequence_literals(sub)
    if op is _sre.ATOMIC_GROUP:
        return _sequence_literals(av)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        minimum, maximum, sub = av
        exact, required = _sequence_literals(sub)
        if minimum == 0:  # may match nothing: requires nothing
            return (exact | {""} if exact is not None and maximum == 1 else None), ()
        return (exact if minimum == maximum == 1 else None), required
    if op is _sre.AT or op is _sre.ASSERT_NOT:
        return _ZERO_WIDTH
    if op is _sre.ASSERT:  # zero-width, but what it looks at is in the text
        return _ZERO_WIDTH[0], _sequence_literals(av[1])[1]
    return _UNKNOWN  # any character, a negated literal, a back-reference, a conditional ...


def _selectivity(literals: frozenset[str]) -> tuple[float, int, list[str]]:
    """Sort key: the requirement least likely to hold by chance first (few literals, long ones;
    then a fixed order)."""
    return sum(0.1 ** len(literal) for literal in literals), len(literals), sorted(literals)


def _minimal(literals: frozenset[str]) -> frozenset[str]:
    """*literals* without those that contain another (present, they prove it present too)."""
    kept: list[str] = []
    for literal in sorted(literals, key=len):
        if not any(shorter in literal for shorter in kept):
            kept.append(literal)
    return frozenset(kept)
