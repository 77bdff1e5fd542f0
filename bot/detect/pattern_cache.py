"""A persistent cache of compiled standard-library regex programs, to start fast.

Compiling the rule packs' patterns is most of `contact-guard scan`'s start-up: the standard
library parses and assembles every pattern in Python (tens of milliseconds for the packs),
each time a process starts. The assembled program of a pattern depends only on its source and
on the Python version, so it is kept in a file and handed straight to the engine next time.

- Keyed by the exact pattern source: a pack that changes changes its sources, which are then
  compiled afresh. The file keeps everything this process used plus, most recently written
  first, what earlier processes stored, up to ``MAX_BYTES`` in all: an upgrade or a checkout
  with churn leaves stale programs behind, and loading them is start-up time. A process that
  finds entries over that budget writes the file without them (once: it is then within it).
- Small facts derived from a source (``derived``: e.g. the first-character guard of
  ``bot.detect.rules``) are kept beside the programs, so a warm start parses no pattern.
- Programs are kept as the bytes of their 32-bit code words (marshal reads those in one
  copy; a list of ints, one object per word, took twice the time of everything else).
- One file per Python version and engine (``sys.version``, ``_sre.MAGIC``), byte order and file
  format; another Python never reads it. The file name also carries a checksum of ``bot/detect/rules.py``, which
  computes the derived facts: a changed guard computation never reuses a stale guard.
- Only CPython 3.11-3.13, whose engine internals this mirrors, use the cache; an entry whose
  shape or group tables do not hold together is compiled afresh.
- Any failure (no cache folder, unreadable or corrupt file, engine internals that differ from
  CPython 3.11-3.13's) falls back to ``re.compile``: the cache can make start-up slower only by
  the time of one failed file read, and never changes a pattern. The engine validates every
  program it is given.

Where: ``$CONTACT_GUARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/contact-guard``, else
``~/.cache/contact-guard``. ``CONTACT_GUARD_CACHE_DIR=off`` disables it.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import time
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:  # CPython's engine internals (3.11+); without them the cache stays off
    import _sre
    from re import _compiler as _sre_compiler
    from re import _parser as _sre_parser
except ImportError:  # pragma: no cover - other implementations
    _sre = None  # type: ignore[assignment]
if sys.implementation.name != "cpython" or not (3, 11) <= sys.version_info[:2] <= (3, 13):
    _sre = None  # type: ignore[assignment]  # (internals not known to match: no cache)
elif array("I").itemsize != _sre.CODESIZE:
    _sre = None  # type: ignore[assignment]  # (no array type of the engine's code words)

__all__ = ["PatternCache", "cache_folder", "mark_used", "pattern_cache", "prune_stale", "write_atomically"]


def _debug(message: str, *args: object, exc_info: bool = False) -> None:
    """Log at debug level. `logging` is imported only then: it is a sizeable part of the
    start-up this module exists to shorten, and it is only needed when something failed."""
    import logging

    logging.getLogger(__name__).debug(message, *args, exc_info=exc_info)


# (flags, program, number of groups - 1, group index, index group): _sre.compile's arguments
# after the pattern source, with the program's code words packed as bytes (array "I").
_Entry = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...]]

# Changes when the file's layout does (it is part of the file name).
_FORMAT = 3  # (3: programs led by a first-character guard skip by its class, see _guarded_code)

# The size of the file's entries (UTF-8 sources and values, program bytes) beyond which the
# least recently written entries that this process did not use are dropped. The built-in packs
# need ~6 MB today at load (many patterns inline the long platform-alias alternation), and a
# process that meets a long text ~2.5 MB more (the long-text scans' tries, the window plans:
# see windows._LongTexts); the rest is room for what other runs use (edited packs, extra packs),
# each megabyte of which costs a start ~3.5% more instructions to load.
MAX_BYTES = 10_000_000

# Each version of the loading code, Python or checkout has cache files of its own (a few MB),
# which nothing reads once it is gone: an upgrade would leave them behind for ever. So a run that
# writes a cache file deletes the files of the same kind ("regex-...", "rules-...") that no run
# has read or written for STALE_AFTER_S, except the KEEP_NEWEST most recently used ones: another
# install sharing the folder that starts rarely keeps its warm start. A run marks the files it
# starts from as used (their modification time), so a long-lived install is never pruned while
# it is in use. Temporary files of a write that was killed halfway go after an hour.
STALE_AFTER_S = 7 * 24 * 3600
KEEP_NEWEST = 4
_ORPHAN_AFTER_S = 3600


def cache_folder() -> Path | None:
    """The folder of the start-up caches (this one and bot.detect.rules'), None when off."""
    configured = os.environ.get("CONTACT_GUARD_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "none") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "contact-guard"


class PatternCache:
    """Compiles standard-library patterns, reusing programs assembled by earlier processes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stored: dict[str, _Entry] = {}
        self._used: dict[str, _Entry] = {}
        self._derived: dict[str, str] = {}
        self._derived_used: dict[str, str] = {}
        self._loaded = False
        self._changed = False
        self._file_bytes = 0

    def compile(self, source: str) -> re.Pattern[str]:
        """``re.compile(source)``, from the cache when the program is known.

        Raises ``re.error`` (and the other exceptions ``re.compile`` raises) for a bad pattern.
        """
        if _sre is None or self.path is None:
            return re.compile(source)
        if not self._loaded:
            self._load()
        entry = self._stored.get(source)
        if entry is not None and _well_formed(entry):
            try:
                compiled: re.Pattern[str] = _compile_entry(source, entry)
            except Exception:  # a program this engine rejects: compile it afresh
                _debug("cached regex program rejected; compiling afresh", exc_info=True)
            else:
                self._used[source] = entry
                return compiled
        try:
            entry = _assemble(source)
            compiled = _compile_entry(source, entry)
        except re.error:
            raise
        except Exception:  # engine internals unlike CPython 3.11-3.13's: no caching
            _debug("regex program not cacheable; using re.compile", exc_info=True)
            return re.compile(source)
        self._used[source] = entry
        self._changed = True
        return compiled

    def derived(self, what: str, source: str, compute: Callable[[], str]) -> str:
        """``compute()``, a string derived from *source* alone, remembered across processes
        under (*what*, *source*)."""
        if self.path is None:
            return compute()
        if not self._loaded:
            self._load()
        key = what + "\0" + source
        value = self._derived.get(key)
        if not isinstance(value, str):
            value = compute()
            self._derived[key] = value
            self._changed = True
        self._derived_used[key] = value
        return value

    def save(self) -> None:
        """Write the cache if this process compiled anything new or the file holds entries over
        ``MAX_BYTES`` (atomically; errors ignored)."""
        if self.path is None or not self._loaded:
            return
        if not self._changed and self._file_bytes <= MAX_BYTES:
            return  # (the common warm start: entries are no larger than their bytes in the file)
        budget = MAX_BYTES - _size(self._used, _program_size) - _size(self._derived_used, _text_size)
        programs, budget = _recent_first(self._used, self._stored, budget, _program_size)
        derived, _ = _recent_first(self._derived_used, self._derived, budget, _text_size)
        dropped = len(programs) < len(self._stored.keys() | self._used.keys()) or len(derived) < len(
            self._derived
        )
        if not (self._changed or dropped):
            return
        try:
            data = marshal.dumps({"programs": programs, "derived": derived})
        except ValueError as error:  # a value marshal cannot write
            _debug("regex cache not written to %s: %s", self.path, error)
            return
        if not write_atomically(self.path, data):
            return
        prune_stale(self.path)
        self._file_bytes = len(data)
        self._stored = programs
        self._derived = dict(derived)
        self._changed = False

    def _load(self) -> None:
        self._loaded = True
        if self.path is None:
            return
        try:
            data = self.path.read_bytes()
        except OSError:
            return
        self._file_bytes = len(data)
        try:
            stored = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            _debug("regex cache %s is corrupt; ignored", self.path)
            return
        mark_used(self.path)
        if isinstance(stored, dict):
            programs, derived = stored.get("programs"), stored.get("derived")
            if isinstance(programs, dict) and isinstance(derived, dict):
                self._stored = programs
                self._derived = derived


def _recent_first(
    used: dict[str, Any], stored: dict[Any, Any], budget: int, size: Callable[[Any, Any], int | None]
) -> tuple[dict[str, Any], int]:
    """What a table of the file keeps, and the budget left: every entry *used* by this process
    (the most recent), then the *stored* entries (most recent first) while their sizes fit in
    *budget*. A stored entry that *size* cannot measure (not one that ``compile`` or ``derived``
    would take) is dropped."""
    kept = dict(used)
    for key, value in stored.items():
        if key in kept:
            continue
        cost = size(key, value)
        if cost is None:
            continue
        if cost > budget:
            break
        budget -= cost
        kept[key] = value
    return kept, budget


def _size(table: dict[str, Any], size: Callable[[Any, Any], int | None]) -> int:
    return sum(size(key, value) or 0 for key, value in table.items())


def _program_size(source: Any, entry: Any) -> int | None:
    """About the bytes of a program's entry in the file (None when it is not an ``_Entry``)."""
    if isinstance(source, str) and isinstance(entry, tuple) and len(entry) == 5 and isinstance(entry[1], bytes):
        return len(source.encode("utf-8", "surrogatepass")) + len(entry[1])
    return None


def _text_size(key: Any, value: Any) -> int | None:
    """The UTF-8 bytes of a derived entry's key and value (None when they are not text)."""
    if isinstance(key, str) and isinstance(value, str):
        return len(key.encode("utf-8", "surrogatepass")) + len(value.encode("utf-8", "surrogatepass"))
    return None


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace *path* with *data* so that a concurrent reader sees the old or the new file,
    never half of one. False (logged at debug level) when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # (only when writing: it is slow to import)

        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        _debug("cache not written to %s: %s", path, error)
        return False
    return True


def mark_used(path: Path) -> None:
    """Record that a run started from the cache file *path* (see ``prune_stale``)."""
    try:
        os.utime(path)
    except OSError:  # a read-only cache folder: no run prunes it either
        return


def prune_stale(written: Path, *, now: float | None = None) -> list[Path]:
    """Delete the cache files of *written*'s kind that are stale (see ``STALE_AFTER_S``), and
    orphaned temporary files, from its folder. Returns what was deleted; never raises.

    The kind is the file name up to its first "-" (``regex-cpython-311-1d6e515d.marshal``); a
    name without one (a test's own cache file) has no kind and nothing is pruned beside it."""
    kind, dash, _ = written.name.partition("-")
    if not dash or not written.name.endswith(".marshal"):
        return []
    now = time.time() if now is None else now
    deleted: list[Path] = []
    try:
        candidates: list[tuple[float, Path]] = []
        for path in written.parent.iterdir():
            name = path.name
            if name.startswith(".tmp-"):
                age_limit = _ORPHAN_AFTER_S
            elif name.startswith(kind + "-") and name.endswith(".marshal") and path != written:
                candidates.append((path.stat().st_mtime, path))
                continue
            else:
                continue
            if now - path.stat().st_mtime > age_limit:
                path.unlink()
                deleted.append(path)
        candidates.sort(reverse=True)  # most recently used first
        for used_at, path in candidates[KEEP_NEWEST - 1 :]:  # (*written* is the newest of all)
            if now - used_at > STALE_AFTER_S:
                path.unlink()
                deleted.append(path)
    except OSError as error:  # raced by another run, or a folder we may not change: keep going
        _debug("cache folder %s not pruned: %s", written.parent, error)
    return deleted


def _compile_entry(source: str, entry: _Entry) -> re.Pattern[str]:
    flags, program, groups, group_index, index_group = entry
    return _sre.compile(source, flags, array("I", program).tolist(), groups, group_index, index_group)


def _well_formed(entry: Any) -> bool:
    """Whether a stored entry has ``_sre.compile``'s shape with group tables that agree (the
    engine validates the program itself, not the group names)."""
    if not (isinstance(entry, tuple) and len(entry) == 5):
        return False
    _flags, program, groups, group_index, index_group = entry
    return (
        isinstance(program, bytes)
        and len(program) % _sre.CODESIZE == 0
        and isinstance(groups, int)
        and isinstance(group_index, dict)
        and isinstance(index_group, tuple)
        and len(index_group) == groups + 1
        and all(
            isinstance(name, str) and isinstance(number, int) and 0 < number <= groups
            and index_group[number] == name
            for name, number in group_index.items()
        )
        and sum(name is not None for name in index_group) == len(group_index)
    )


def _assemble(source: str) -> _Entry:
    """What ``re._compiler.compile`` hands to ``_sre.compile`` for *source* (no flags), with
    the guard's characters as the program's first-character set (see _guarded_code)."""
    tree: Any = _sre_parser.parse(source, 0)
    program = array("I", _guarded_code(tree)).tobytes()
    group_index = dict(tree.state.groupdict)
    index_group: list[str | None] = [None] * tree.state.groups
    for name, number in group_index.items():
        index_group[number] = name
    return (int(tree.state.flags), program, tree.state.groups - 1, group_index, tuple(index_group))


def _guarded_code(tree: Any) -> list[int]:
    """``re._compiler._code(tree, 0)``, but a pattern led by a one-character lookahead (the
    first-character guard ``(?=[...])`` of bot.detect.rules) gets that class as the
    first-character set of its info block, which the standard compiler only sets for a
    leading class that is consumed. The engine then skips, in a tight loop, every position
    whose character is outside the set, instead of entering a match attempt there that the
    guard fails at once (a 4,000-character text: 4,000 attempts per pattern).

    Exact: the set is a hint the engine reads only to skip positions; every position it skips
    is one where the guard, the pattern's first item, fails. As the standard compiler, no set
    for a pattern that may match the empty string (its info block then has none either)."""
    code: list[int] = _sre_compiler._code(tree, 0)
    flags = tree.state.flags
    if not tree.data or flags & (re.IGNORECASE | re.LOCALE):
        return code
    op, av = tree.data[0]
    if op is not _sre_compiler.ASSERT or av[0] != 1 or len(av[1]) != 1:
        return code
    item_op, item_av = av[1][0]
    if item_op is _sre_compiler.LITERAL:
        items = [(item_op, item_av)]
    elif item_op is _sre_compiler.IN and all(
        member_op in (_sre_compiler.LITERAL, _sre_compiler.RANGE) for member_op, _ in item_av
    ):
        items = list(item_av)
    else:
        return code
    info_flags = code[2]
    if code[0] != _sre_compiler.INFO or info_flags or tree.getwidth()[0] == 0:
        return code  # (a prefix or set of its own already, or a match may be empty)
    info: list[int] = []
    _sre_compiler._compile_info(info, _LeadingClass(tree, items), flags)
    return info + code[1 + code[1] :]


class _LeadingClass:
    """What _compile_info reads of a pattern (its widths, its first item), with the guard's
    class as the first item."""

    def __init__(self, tree: Any, items: list[tuple[Any, Any]]) -> None:
        self._tree = tree
        self.data = [(_sre_compiler.IN, items)]

    def getwidth(self) -> tuple[int, int]:
        widths: tuple[int, int] = self._tree.getwidth()
        return widths


def _default_path() -> Path | None:
    folder = cache_folder()
    if folder is None or _sre is None:
        return None
    version = zlib.crc32(f"{sys.version}|{_sre.MAGIC}|{sys.platform}|{sys.byteorder}|{_FORMAT}".encode())
    try:  # (the derived facts are computed there: see the module docstring)
        version = zlib.crc32(Path(__file__).with_name("rules.py").read_bytes(), version)
    except OSError:
        return None
    return folder / f"regex-{sys.implementation.cache_tag}-{version:08x}.marshal"


pattern_cache = PatternCache(_default_path())
"""The process-wide cache used by rule loading."""
