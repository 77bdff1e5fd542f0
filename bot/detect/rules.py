"""Rule packs: loading and validating the detection rules kept as data in ``rules/*.toml``.

A pack is one TOML file per family (phone, email, messengers, social, links, invites,
solicit ...)::

    [pack]
    family = "messengers"
    description = "IDs of messenger apps tied to a platform name"

    [vars]                          # reusable regex fragments, used as {{name}} in patterns
    handle = '[a-z0-9][a-z0-9._-]{1,29}'

    [normalize]                     # optional: words the text views understand (see normalize.py)
    at_words = ["あっと"]

    [[rule]]
    id = "line.id"                  # unique over all loaded packs
    kind = "line"                   # one of findings.KINDS
    also_kinds = ["url"]            # optional: the same span is also reported as these kinds
    category = "contact"            # contact | solicit
    view = "words"                  # raw | text | words | digits
    detector = "regex"              # regex (default) | phone (structural phone-number check)
    patterns = ['...']              # `regex` module syntax; optional named groups:
                                    #   span  -> the reported span (default: the whole match)
                                    #   value, value_* -> the identifier checked against the
                                    #   allow-list (the first that matched)
                                    #   kind_<kind> -> the kind of this match (one pattern for
                                    #   several platforms; `kind` is then the fallback)
    triggers = ["line", "ライン"]    # optional: literals one of which must be in the view (for
                                    # digits-view rules: in the words view); a cheap pre-filter
    confidence = 0.9                # base confidence of a match
    threshold = 0.5                 # report only at or above this confidence
    allow = "handle"                # which allow-list applies: link | email | handle | number
    [rule.context]                  # words near the match that raise or lower confidence
    window = 24                     # characters each side, in the words view
    raise = ['id', '追加']
    raise_by = 0.1
    lower = ['スタンプ']
    lower_by = 0.6
    [rule.params]                   # detector-specific tuning (phone: prefixes, lengths ...)
                                    # (or params_from = "phone.number": share a rule's tuning)
    [rule.kind_by]                  # optional: the kind is the first whose regex matches the
    group = "platform"              # whole text of this group (one pattern, many platforms)
    line = '{{line_alias}}'
    telegram = '{{telegram_alias}}'
    [rule.examples]                 # run by tests/detect/test_rules_examples.py
    positive = ["LINE ID: yuki_0321"]
    negative = ["LINEのスタンプ可愛い"]

Loading validates everything it can (unknown keys, kinds, categories, views, detectors, bad
regexes, undefined vars, duplicate ids, out-of-range numbers); whether the examples pass is left
to the test suite, so that a pack with a weak rule still loads in production.
"""

from __future__ import annotations

import dataclasses
import marshal
import re
import re._compiler as _sre_compiler  # CPython's engine internals: see first_character_guard
import re._constants as _sre
import re._parser as _sre_parser
import sys
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.detect.findings import KINDS, Category
from bot.detect.normalize import NORMALIZE_KEYS, NormalizerConfig
from bot.detect.pattern_cache import (
    cache_folder,
    mark_used,
    pattern_cache,
    prune_stale,
    write_atomically,
)

# `tomllib` and `regex` are imported where they are needed: a start from the rule-set cache
# (see "The rule-set cache" below) parses no TOML, and the packs need no `regex` pattern today.
if TYPE_CHECKING:
    import regex

    # A compiled pattern: the standard library's when it accepts the source, else `regex`'s.
    Pattern = re.Pattern[str] | regex.Pattern[str]


def __getattr__(name: str) -> Any:
    """``Pattern`` at run time, without importing `regex` for those who do not ask for it."""
    if name == "Pattern":
        import regex

        return re.Pattern[str] | regex.Pattern[str]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


VIEWS = ("raw", "text", "words", "digits")
DETECTORS = ("regex", "phone")
ALLOW_TYPES = ("link", "email", "handle", "number")

_PACK_KEYS = frozenset({"pack", "vars", "normalize", "rule"})
_PACK_META_KEYS = frozenset({"family", "description"})
_RULE_KEYS = frozenset(
    {
        "id", "kind", "also_kinds", "category", "view", "detector", "patterns", "triggers",
        "confidence", "threshold", "allow", "context", "params", "examples", "description",
        "kind_by", "params_from",
    }
)
_CONTEXT_KEYS = frozenset({"window", "raise", "raise_by", "lower", "lower_by"})
_EXAMPLE_KEYS = frozenset({"positive", "negative"})
# (standard-library patterns: ASCII classes without flags match the same in both engines)
_VAR_RE = re.compile(r"\{\{([a-z_][a-z0-9_]*)\}\}")
_RULE_ID_RE = re.compile(r"[a-z0-9_]+(?:[.\-][a-z0-9_]+)*")

# Detector-specific parameters: name -> (type, default). Tuning lives in the packs; these are
# the accepted keys and their types (defaults are only used when a pack omits a key).
PHONE_PARAMS: dict[str, tuple[type, Any]] = {
    "mobile_prefixes": (list, ["070", "080", "090", "050", "020", "060"]),
    "mobile_length": (int, 11),
    "special_prefixes": (dict, {"0120": 10, "0800": 11, "0570": 10}),
    "landline_length": (int, 10),
    "international_min": (int, 9),
    "international_max": (int, 15),
    "national_min_after_cc": (int, 7),
    "max_pieces": (int, 8),
    "max_two_digit_groups": (int, 2),
    "max_two_digit_groups_after_mobile_prefix": (int, 4),
    "mobile_confidence": (float, 0.9),
    "landline_confidence": (float, 0.75),
    "international_confidence": (float, 0.85),
    "nanp_confidence": (float, 0.0),
    "bare_country_confidence": (float, 0.0),
    "bridge_max_chars": (int, 0),
    "bridge_min_piece": (int, 3),
    "bridge_confidence": (float, 0.6),
}
DETECTOR_PARAMS: dict[str, dict[str, tuple[type, Any]]] = {"regex": {}, "phone": PHONE_PARAMS}


class RulePackError(Exception):
    """A pack that cannot be used. ``str()`` names the file, the rule (if any) and the reason."""

    def __init__(self, file: Path, rule_id: str | None, reason: str) -> None:
        self.file = file
        self.rule_id = rule_id
        self.reason = reason
        where = f"{file}: rule {rule_id!r}" if rule_id is not None else f"{file}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Context:
    """Words near a match that raise or lower its confidence (``[rule.context]``)."""

    window: int = 24
    raise_re: Pattern | None = None
    raise_by: float = 0.1
    lower_re: Pattern | None = None
    lower_by: float = 0.5


@dataclass(frozen=True)
class Rule:
    """One validated, compiled rule."""

    id: str
    kind: str
    category: Category
    view: str
    detector: str
    patterns: tuple[Pattern, ...]
    confidence: float
    threshold: float
    source: Path
    also_kinds: tuple[str, ...] = ()
    # Kinds named by (?P<kind_xxx>...) groups: the group that matched decides the kind.
    group_kinds: tuple[str, ...] = ()
    # [rule.kind_by]: the text of group ``kind_group`` is classified by the first of these
    # (kind, pattern) pairs that matches it whole.
    kind_group: str | None = None
    kind_by: tuple[tuple[str, Pattern], ...] = ()
    triggers: tuple[str, ...] = ()
    allow: str | None = None
    context: Context = field(default_factory=Context)
    params: Mapping[str, Any] = field(default_factory=dict)
    params_from: str | None = None
    positive_examples: tuple[str, ...] = ()
    negative_examples: tuple[str, ...] = ()
    description: str = ""

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind this rule can report."""
        return (self.kind, *self.also_kinds, *self.group_kinds)


@dataclass(frozen=True)
class RuleSet:
    """Every loaded rule, in pack order, with the merged ``[normalize]`` words and the files."""

    rules: tuple[Rule, ...]
    normalizer: NormalizerConfig
    files: tuple[Path, ...]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


# Where the built-in packs are: in a wheel (and so after `pip install .`), setup.py ships the
# packs of rules/ as the data of the package `bot.detect.builtin_rules`, i.e. in this folder;
# a source checkout or an editable install has no such folder and reads rules/ itself, so that
# an edited pack takes effect at once. The installed copy is looked for first: next to an
# installed `bot` package, "../rules" is site-packages/rules, another distribution's business.
_INSTALLED_RULES = "builtin_rules"


def default_rules_dir() -> Path:
    """The folder of the built-in rule packs.

    The copy installed with the package (``bot/detect/builtin_rules/``) when there is one, else
    the repository's top-level ``rules/`` folder (next to the ``bot`` package).
    """
    here = Path(__file__).resolve().parent
    installed = here / _INSTALLED_RULES
    if installed.is_dir():
        return installed
    return here.parent.parent / "rules"


def pack_files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        directory = Path(directory)
        if not directory.is_dir():
            raise RulePackError(directory, None, "rule pack folder does not exist")
        files.extend(sorted(directory.glob("*.toml")))
    return files


def load_packs(dirs: Sequence[Path] | None = None) -> RuleSet:
    """Load and validate every ``*.toml`` pack in *dirs* (default: the built-in packs).

    A process that finds the very same packs (byte for byte, same loading code, same Python)
    loaded by an earlier one takes the result from the rule-set cache instead of parsing and
    validating them again (see "The rule-set cache" below); anything else loads afresh.
    """
    files = pack_files(list(dirs) if dirs is not None else [default_rules_dir()])
    contents = [_read_bytes(path) for path in files]
    folder = cache_folder()
    key = _cache_key(files, contents) if folder is not None else None
    cache_path = folder / _cache_file_name(key) if folder is not None and key is not None else None
    if cache_path is not None and key is not None:
        cached = _load_cached(cache_path, key, files)
        if cached is not None:
            return cached
    rule_set, normalize_tables = _load_packs(files, contents)
    if cache_path is not None and key is not None:
        _store_cached(cache_path, key, normalize_tables, rule_set)
    return rule_set


def _read_bytes(path: Path) -> bytes | OSError:
    """The bytes of a pack, or the error reading it (reported when loading reaches the file)."""
    try:
        return path.read_bytes()
    except OSError as error:
        return error


def _pack_text(content: bytes | OSError) -> str:
    """What ``Path.read_text(encoding="utf-8")`` returns (or raises) for a file of *content*:
    strict UTF-8 and universal newlines. (The bytes are read once, so that a pack edited while
    loading cannot be cached under bytes other than the ones that were parsed.)"""
    if isinstance(content, OSError):
        raise content
    return content.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _load_packs(
    files: list[Path], contents: list[bytes | OSError]
) -> tuple[RuleSet, list[dict[str, Any]]]:
    """Parse and validate the packs; also returns each file's ``[normalize]`` table."""
    import tomllib

    raw_packs: list[tuple[Path, dict[str, Any]]] = []
    variables: dict[str, tuple[str, Path]] = {}
    normalizer = NormalizerConfig()
    normalize_tables: list[dict[str, Any]] = []
    for path, content in zip(files, contents, strict=True):
        try:
            data = tomllib.loads(_pack_text(content))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise RulePackError(path, None, f"cannot read TOML: {error}") from error
        unknown = set(data) - _PACK_KEYS
        if unknown:
            raise RulePackError(path, None, f"unknown top-level key(s): {', '.join(sorted(unknown))}")
        meta = data.get("pack", {})
        if not isinstance(meta, dict) or set(meta) - _PACK_META_KEYS:
            raise RulePackError(path, None, f"[pack] may only hold {sorted(_PACK_META_KEYS)}")
        for name, value in _table(data, "vars", path).items():
            if not isinstance(value, str):
                raise RulePackError(path, None, f"var {name!r} must be a string")
            if name in variables and variables[name][0] != value:
                raise RulePackError(
                    path, None, f"var {name!r} already defined differently in {variables[name][1]}"
                )
            variables[name] = (value, path)
        normalize_table = _table(data, "normalize", path)
        unknown = set(normalize_table) - NORMALIZE_KEYS
        if unknown:
            raise RulePackError(path, None, f"unknown [normalize] key(s): {', '.join(sorted(unknown))}")
        for key, value in normalize_table.items():
            expected = dict if key == "spelled_words" else list
            if not isinstance(value, expected):
                raise RulePackError(path, None, f"[normalize] {key} must be a {expected.__name__}")
        normalizer = normalizer.merged(normalize_table)
        normalize_tables.append(normalize_table)
        raw_packs.append((path, data))

    expanded = _expand_vars({name: value for name, (value, _) in variables.items()}, files)
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for path, data in raw_packs:
        raw_rules = data.get("rule", [])
        if not isinstance(raw_rules, list):
            raise RulePackError(path, None, "[[rule]] must be an array of tables")
        for index, raw in enumerate(raw_rules):
            rule = _build_rule(path, index, raw, expanded)
            if rule.id in seen:
                raise RulePackError(path, rule.id, f"duplicate rule id (also in {seen[rule.id]})")
            seen[rule.id] = path
            rules.append(rule)
    rule_set = RuleSet(tuple(_resolve_params_from(rules)), normalizer, tuple(files))
    return rule_set, normalize_tables


def _resolve_params_from(rules: list[Rule]) -> list[Rule]:
    """``params_from = "phone.number"``: a rule shares another rule's detector tuning (so the
    tuning lives in one place, and the engine runs the structural pass once for both)."""
    by_id = {rule.id: rule for rule in rules}
    resolved: list[Rule] = []
    for rule in rules:
        if rule.params_from is not None:
            source = by_id.get(rule.params_from)
            if source is None or source.detector != rule.detector:
                raise RulePackError(
                    rule.source, rule.id,
                    f"params_from {rule.params_from!r} is not a loaded rule with detector {rule.detector!r}",
                )
            if source.params_from is not None:
                raise RulePackError(rule.source, rule.id, "params_from must name a rule with its own params")
            rule = dataclasses.replace(rule, params=source.params)
        resolved.append(rule)
    return resolved


def _table(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RulePackError(path, None, f"[{key}] must be a table")
    return value


def _expand_vars(variables: dict[str, str], files: list[Path]) -> dict[str, str]:
    expanded: dict[str, str] = {}

    def expand(name: str, stack: tuple[str, ...]) -> str:
        if name in expanded:
            return expanded[name]
        if name in stack:
            raise RulePackError(files[0] if files else Path("rules"), None,
                                f"var cycle: {' -> '.join((*stack, name))}")
        if name not in variables:
            raise KeyError(name)
        value = _VAR_RE.sub(lambda m: expand(m.group(1), (*stack, name)), variables[name])
        expanded[name] = value
        return value

    for name in variables:
        try:
            expand(name, ())
        except KeyError as missing:
            raise RulePackError(
                files[0] if files else Path("rules"), None,
                f"var {name!r} uses undefined var {missing.args[0]!r}",
            ) from None
    return expanded


def _substitute(text: str, variables: dict[str, str], path: Path, rule_id: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise RulePackError(path, rule_id, f"undefined var {{{{{name}}}}}")
        return variables[name]

    return _VAR_RE.sub(replace, text)


def _compile(source: str, path: Path, rule_id: str, what: str) -> Pattern:
    r"""Compile a pack pattern.

    The standard library's engine is tried first: it compiles and runs several times faster on
    the long alternations the packs use (start-up counts: the CLI is timed as a whole process).
    Patterns that need the `regex` module (\p{...} classes, repeated group names,
    variable-length lookbehind) are compiled with it; if neither accepts the pattern, the
    `regex` module's error is the reason reported.
    """
    # The guard and the compiled programs come from the start-up cache when a process compiled
    # the same source before (see bot.detect.pattern_cache).
    guard = pattern_cache.derived("first-guard", source, lambda: first_character_guard(source) or "")
    try:
        return pattern_cache.compile(guard + source)
    except (re.error, ValueError, OverflowError, RecursionError):
        pass
    if guard:  # (never expected: the guard parsed; the unguarded pattern is as good)
        try:
            return pattern_cache.compile(source)
        except (re.error, ValueError, OverflowError, RecursionError):
            pass
    import regex

    try:
        return regex.compile(source)
    except (regex.error, TypeError, ValueError, OverflowError) as error:
        raise RulePackError(path, rule_id, f"bad regex in {what}: {error}") from error


# ---------------------------------------------------------------------------- first-character guard
#
# The standard library's engine skips quickly to the positions where a match can start only when a
# pattern begins with a literal or a character class. Pack patterns mostly begin with a
# lookbehind ("(?<![a-z0-9])" before a platform name) or an alternation of such branches, so the
# engine attempts every alternative at every position. A lookahead listing every character a
# match can start with, put in front, rejects most positions at once (two to three times faster
# on the long solicitation and platform patterns), and changes no match: it only restates what
# the pattern requires of its first character.


class _NoGuard(Exception):
    """The first characters of a pattern cannot be listed (any character, a back-reference ...)."""


_CATEGORY_ESCAPES = {
    _sre.CATEGORY_DIGIT: r"\d",
    _sre.CATEGORY_NOT_DIGIT: r"\D",
    _sre.CATEGORY_SPACE: r"\s",
    _sre.CATEGORY_NOT_SPACE: r"\S",
    _sre.CATEGORY_WORD: r"\w",
    _sre.CATEGORY_NOT_WORD: r"\W",
}


def first_character_guard(source: str) -> str | None:
    """``(?=[...])`` naming every character a match of *source* (a standard-library pattern)
    can start with, or None when that cannot be told or would not help: a match may be empty,
    may start with any character, case-insensitive flags, or the engine already skips by a
    literal prefix or a leading class of its own."""
    try:
        tree = _sre_parser.parse(source)
        if tree.state.flags & ~re.UNICODE:
            return None
        flags = tree.state.flags
        if _sre_compiler._get_literal_prefix(tree, flags)[0] or _sre_compiler._get_charset_prefix(tree, flags):
            return None  # already fast: the engine searches for the prefix itself
        first: list[str] = []
        if _first_of_sequence(tree, first):
            return None  # the pattern can match the empty string
    except (_NoGuard, re.error, RecursionError, AttributeError, TypeError, ValueError):
        return None  # (AttributeError/TypeError: another Python's engine internals)
    return "(?=[" + "".join(dict.fromkeys(first)) + "])"


def class_body(items: Any) -> str | None:
    """The inside of a character class (``[...]``) matching what the parse tree's class *items*
    match; None when they cannot be listed (a negated class, a category without an escape)."""
    parts: list[str] = []
    for item_op, item_av in items:
        if item_op is _sre.LITERAL:
            parts.append(_class_char(item_av))
        elif item_op is _sre.RANGE:
            parts.append(_class_char(item_av[0]) + "-" + _class_char(item_av[1]))
        elif item_op is _sre.CATEGORY and item_av in _CATEGORY_ESCAPES:
            parts.append(_CATEGORY_ESCAPES[item_av])
        else:
            return None
    return "".join(parts)


def _class_char(code_point: int) -> str:
    char = chr(code_point)
    return char if char.isascii() and char.isalnum() else f"\\U{code_point:08x}"


def _first_of_sequence(items: Any, first: list[str]) -> bool:
    """Add the possible first characters of a sequence to *first*; True if it can match empty."""
    return all(_first_of_item(op, av, first) for op, av in items)


def _first_of_item(op: Any, av: Any, first: list[str]) -> bool:
    """Add one item's possible first characters; True if the item can match empty (so the next
    item's first characters count too). Zero-width assertions count as empty: ignoring what
    they require only lists more characters, never fewer."""
    if op is _sre.LITERAL:
        first.append(_class_char(av))
        return False
    if op is _sre.IN:
        body = class_body(av)
        if body is None:  # a negated class, ...
            raise _NoGuard
        first.append(body)
        return False
    if op is _sre.BRANCH:
        empty = False
        for branch in av[1]:
            empty = _first_of_sequence(branch, first) or empty
        return empty
    if op is _sre.SUBPATTERN:
        _, add_flags, _, sub = av
        if add_flags & ~re.UNICODE:
            raise _NoGuard
        return _first_of_sequence(sub, first)
    if op is _sre.ATOMIC_GROUP:
        return _first_of_sequence(av, first)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        minimum, _, sub = av
        return _first_of_sequence(sub, first) or minimum == 0
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return True
    raise _NoGuard  # any character, back-references, conditionals ...


def _number(raw: dict[str, Any], key: str, default: float, path: Path, rule_id: str) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise RulePackError(path, rule_id, f"{key} must be a number between 0 and 1")
    return float(value)


def _string_list(value: Any, path: Path, rule_id: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulePackError(path, rule_id, f"{what} must be a list of strings")
    return tuple(value)


def _build_rule(path: Path, index: int, raw: Any, variables: dict[str, str]) -> Rule:
    if not isinstance(raw, dict):
        raise RulePackError(path, None, f"rule #{index + 1} is not a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID_RE.fullmatch(rule_id):
        raise RulePackError(
            path, None if not isinstance(rule_id, str) else rule_id,
            f"rule #{index + 1}: missing or malformed id (lowercase words joined by '.' or '-')",
        )
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RulePackError(path, rule_id, f"unknown key(s): {', '.join(sorted(unknown))}")
    for required in ("kind", "category"):
        if required not in raw:
            raise RulePackError(path, rule_id, f"missing required field {required!r}")
    kind = raw["kind"]
    if kind not in KINDS:
        raise RulePackError(path, rule_id, f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    also_kinds = _string_list(raw.get("also_kinds", []), path, rule_id, "also_kinds")
    for extra in also_kinds:
        if extra not in KINDS:
            raise RulePackError(path, rule_id, f"unknown kind {extra!r} in also_kinds")
    try:
        category = Category(raw["category"])
    except ValueError:
        raise RulePackError(
            path, rule_id, f"unknown category {raw['category']!r} (expected contact or solicit)"
        ) from None
    view = raw.get("view", "words")
    if view not in VIEWS:
        raise RulePackError(path, rule_id, f"unknown view {view!r} (expected one of {', '.join(VIEWS)})")
    detector = raw.get("detector", "regex")
    if detector not in DETECTORS:
        raise RulePackError(
            path, rule_id, f"unknown detector {detector!r} (expected one of {', '.join(DETECTORS)})"
        )
    if detector == "regex" and "patterns" not in raw:
        raise RulePackError(path, rule_id, "missing required field 'patterns'")
    sources = _string_list(raw.get("patterns", []), path, rule_id, "patterns")
    if detector == "regex" and not sources:
        raise RulePackError(path, rule_id, "patterns must not be empty")
    patterns = tuple(
        _compile(_substitute(source, variables, path, rule_id), path, rule_id, f"patterns[{i}]")
        for i, source in enumerate(sources)
    )
    group_kinds: list[str] = []
    for pattern in patterns:
        for name in pattern.groupindex:
            if name.startswith("kind_"):
                if name[5:] not in KINDS:
                    raise RulePackError(path, rule_id, f"group {name!r} names an unknown kind")
                if name[5:] not in group_kinds:
                    group_kinds.append(name[5:])
    kind_group, kind_by = _kind_by(raw.get("kind_by"), patterns, variables, path, rule_id)
    for kind_name, _ in kind_by:
        if kind_name not in group_kinds:
            group_kinds.append(kind_name)
    triggers = tuple(t.casefold() for t in _string_list(raw.get("triggers", []), path, rule_id, "triggers"))
    if any(not t for t in triggers):
        raise RulePackError(path, rule_id, "triggers must not contain an empty string")
    allow = raw.get("allow")
    if allow is not None and allow not in ALLOW_TYPES:
        raise RulePackError(path, rule_id, f"unknown allow {allow!r} (expected one of {', '.join(ALLOW_TYPES)})")

    context_raw = raw.get("context", {})
    if not isinstance(context_raw, dict):
        raise RulePackError(path, rule_id, "context must be a table")
    unknown = set(context_raw) - _CONTEXT_KEYS
    if unknown:
        raise RulePackError(path, rule_id, f"unknown context key(s): {', '.join(sorted(unknown))}")
    window = context_raw.get("window", 24)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 200:
        raise RulePackError(path, rule_id, "context.window must be an integer from 0 to 200")
    context = Context(
        window=window,
        raise_re=_context_re(context_raw.get("raise", []), variables, path, rule_id, "raise"),
        raise_by=_number(context_raw, "raise_by", 0.1, path, rule_id),
        lower_re=_context_re(context_raw.get("lower", []), variables, path, rule_id, "lower"),
        lower_by=_number(context_raw, "lower_by", 0.5, path, rule_id),
    )

    params_raw = raw.get("params", {})
    if not isinstance(params_raw, dict):
        raise RulePackError(path, rule_id, "params must be a table")
    accepted = DETECTOR_PARAMS[detector]
    unknown = set(params_raw) - set(accepted)
    if unknown:
        raise RulePackError(
            path, rule_id, f"unknown param(s) for detector {detector!r}: {', '.join(sorted(unknown))}"
        )
    params: dict[str, Any] = {}
    for name, (expected, default) in accepted.items():
        value = params_raw.get(name, default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise RulePackError(path, rule_id, f"param {name!r} must be a {expected.__name__}")
        params[name] = value

    params_from = raw.get("params_from")
    if params_from is not None and (not isinstance(params_from, str) or "params" in raw):
        raise RulePackError(path, rule_id, "params_from must be a rule id, and excludes [rule.params]")
    examples = raw.get("examples", {})
    if not isinstance(examples, dict) or set(examples) - _EXAMPLE_KEYS:
        raise RulePackError(path, rule_id, "examples must be a table with 'positive' and/or 'negative'")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise RulePackError(path, rule_id, "description must be a string")
    return Rule(
        id=rule_id,
        kind=kind,
        category=category,
        view=view,
        detector=detector,
        patterns=patterns,
        confidence=_number(raw, "confidence", 0.9, path, rule_id),
        threshold=_number(raw, "threshold", 0.5, path, rule_id),
        source=path,
        also_kinds=also_kinds,
        group_kinds=tuple(group_kinds),
        kind_group=kind_group,
        kind_by=kind_by,
        triggers=triggers,
        allow=allow,
        context=context,
        params=params,
        params_from=params_from,
        positive_examples=_string_list(examples.get("positive", []), path, rule_id, "examples.positive"),
        negative_examples=_string_list(examples.get("negative", []), path, rule_id, "examples.negative"),
        description=description,
    )


def _kind_by(
    value: Any, patterns: tuple[Pattern, ...], variables: dict[str, str], path: Path, rule_id: str
) -> tuple[str | None, tuple[tuple[str, Pattern], ...]]:
    """Validate ``[rule.kind_by]``: ``group`` names a group of every pattern, every other key
    is a kind whose value is a regex."""
    if value is None:
        return None, ()
    if not isinstance(value, dict) or not isinstance(value.get("group"), str):
        raise RulePackError(path, rule_id, "kind_by must be a table with a 'group' name and kind = 'regex' entries")
    group = value["group"]
    for pattern in patterns:
        if group not in pattern.groupindex:
            raise RulePackError(path, rule_id, f"kind_by group {group!r} is not a group of every pattern")
    entries: list[tuple[str, Pattern]] = []
    for kind_name, source in value.items():
        if kind_name == "group":
            continue
        if kind_name not in KINDS:
            raise RulePackError(path, rule_id, f"kind_by names an unknown kind {kind_name!r}")
        if not isinstance(source, str):
            raise RulePackError(path, rule_id, f"kind_by.{kind_name} must be a regex string")
        entries.append(
            (kind_name, _compile(_substitute(source, variables, path, rule_id), path, rule_id, f"kind_by.{kind_name}"))
        )
    if not entries:
        raise RulePackError(path, rule_id, "kind_by names no kind")
    return group, tuple(entries)


def _context_re(
    value: Any, variables: dict[str, str], path: Path, rule_id: str, what: str
) -> Pattern | None:
    words = _string_list(value, path, rule_id, f"context.{what}")
    if not words:
        return None
    sources = [_substitute(w, variables, path, rule_id) for w in words]
    for i, source in enumerate(sources):
        _compile(source, path, rule_id, f"context.{what}[{i}]")
    return _compile("|".join(f"(?:{s})" for s in sources), path, rule_id, f"context.{what}")


# ---------------------------------------------------------------------------- the rule-set cache
#
# Parsing the packs' TOML and validating their rules is most of what loading costs, and
# `contact-guard scan` is timed as a whole process. A loaded rule set depends only on the bytes
# of the packs (and their paths, which the rules and errors name), on the code that interprets
# them (this module, the kinds and categories of findings.py, the [normalize] keys of
# normalize.py, the regex compilation of pattern_cache.py) and on the Python that runs it. The
# cache file holds a copy of all of that beside the loaded result, and a process uses the result
# only when every one of those inputs is byte for byte the same: a changed, added or removed
# pack, or changed code, loads and validates afresh (so a bad pack still fails with its file,
# rule and reason), and the cache then holds the new result. Only successful loads are stored.
#
# The stored result is plain data: each rule's fields with patterns as (engine, source), whose
# compiled programs come from the pattern cache; the [normalize] tables are merged again. A
# cache file that cannot be read, is corrupt or does not rebuild is ignored (a fresh load).
# One file per Python, version of that code and checkout (so that checkouts sharing a cache
# folder do not keep replacing each other's file); it keeps the last set of packs loaded.
# CONTACT_GUARD_CACHE_DIR=off switches it off with the pattern cache.

_CACHE_FORMAT = 1
_INTERPRETING_CODE = ("rules.py", "findings.py", "normalize.py", "pattern_cache.py")


def _cache_file_name(key: tuple[Any, ...]) -> str:
    _, _, _, code, _ = key
    checksum = zlib.crc32(str(default_rules_dir()).encode("utf-8", "surrogateescape"))
    for source in code:
        checksum = zlib.crc32(source, checksum)
    return f"rules-{sys.implementation.cache_tag}-{checksum:08x}.marshal"


def _cache_key(files: list[Path], contents: list[bytes | OSError]) -> tuple[Any, ...] | None:
    """Every input of a load, or None when one cannot be read (then nothing is cached)."""
    if any(isinstance(content, OSError) for content in contents):
        return None
    here = Path(__file__).parent
    try:
        code = tuple((here / name).read_bytes() for name in _INTERPRETING_CODE)
    except OSError:
        return None
    packs = tuple((str(path), content) for path, content in zip(files, contents, strict=True))
    return (_CACHE_FORMAT, sys.version, sys.platform, code, packs)


def _load_cached(cache_path: Path, key: tuple[Any, ...], files: list[Path]) -> RuleSet | None:
    try:
        stored = marshal.loads(cache_path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(stored, tuple) and len(stored) == 3 and stored[0] == key):
        return None
    _, normalize_tables, rule_records = stored
    try:
        rule_set = _rule_set_from_records(files, normalize_tables, rule_records)
    except Exception:  # the cache can never make loading fail: load afresh
        return None
    mark_used(cache_path)
    return rule_set


def _store_cached(
    cache_path: Path, key: tuple[Any, ...], normalize_tables: list[dict[str, Any]], rule_set: RuleSet
) -> None:
    try:
        data = marshal.dumps((key, tuple(normalize_tables), tuple(map(_rule_record, rule_set))))
    except ValueError:  # a value marshal cannot write (a TOML date in a list ...): no cache
        return
    if write_atomically(cache_path, data):
        prune_stale(cache_path)


def _rule_record(rule: Rule) -> dict[str, Any]:
    """A rule as marshal-able data: every field, with patterns as (engine, source)."""
    record = {f.name: getattr(rule, f.name) for f in dataclasses.fields(rule)}
    context = {f.name: getattr(rule.context, f.name) for f in dataclasses.fields(rule.context)}
    context["raise_re"] = _pattern_record(rule.context.raise_re)
    context["lower_re"] = _pattern_record(rule.context.lower_re)
    record.update(
        category=rule.category.value,
        source=str(rule.source),
        patterns=tuple(map(_pattern_record, rule.patterns)),
        kind_by=tuple((kind, _pattern_record(pattern)) for kind, pattern in rule.kind_by),
        context=context,
        params=dict(rule.params),
    )
    return record


def _rule_set_from_records(
    files: list[Path], normalize_tables: tuple[dict[str, Any], ...], rule_records: tuple[dict[str, Any], ...]
) -> RuleSet:
    normalizer = NormalizerConfig()
    for table in normalize_tables:
        normalizer = normalizer.merged(table)
    file_by_name = {str(path): path for path in files}
    rules = []
    for record in rule_records:
        context = record["context"]
        rules.append(
            Rule(
                **{
                    **record,
                    "category": Category(record["category"]),
                    "source": file_by_name[record["source"]],
                    "patterns": tuple(map(_compiled, record["patterns"])),
                    "kind_by": tuple((kind, _compiled(pattern)) for kind, pattern in record["kind_by"]),
                    "context": Context(
                        **{
                            **context,
                            "raise_re": _compiled(context["raise_re"]),
                            "lower_re": _compiled(context["lower_re"]),
                        }
                    ),
                }
            )
        )
    # (params_from rules share their source's params object, as a fresh load makes them)
    return RuleSet(tuple(_resolve_params_from(rules)), normalizer, tuple(files))


def _pattern_record(pattern: Pattern | None) -> tuple[str, str] | None:
    if pattern is None:
        return None
    return ("re" if isinstance(pattern, re.Pattern) else "regex", pattern.pattern)


def _compiled(record: tuple[str, str] | None) -> Any:
    """The pattern of a `_pattern_record`, compiled by the engine that compiled it first."""
    if record is None:
        return None
    engine, source = record
    if engine == "re":
        return pattern_cache.compile(source)
    import regex

    return regex.compile(source)
