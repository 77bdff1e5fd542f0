"""The start-up cache of compiled regex programs: same patterns, robust to bad files."""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
import time
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.detect.pattern_cache import (
    KEEP_NEWEST,
    MAX_BYTES,
    STALE_AFTER_S,
    PatternCache,
    prune_stale,
)

SOURCES = [
    r"(?<![a-z0-9])(?P<platform>line|ライン)[ \t]*(?:id)?[:：]?[ \t]*(?P<value>[a-z0-9_.\-]{3,20})",
    r"(?=[0-9])[0-9]{2,4}(?:-[0-9]{2,4}){2}",
    r"\s{0,4}(?:\(at\)|＠)\s{0,4}",
]
TEXTS = ["LINE id: yuki_0321 ok", "ライン：haru-77", "090-1234-5678 と 12-34", "mio (at) example", "nothing"]


def _same(a: re.Pattern[str], b: re.Pattern[str]) -> None:
    assert a.pattern == b.pattern and a.flags == b.flags and a.groupindex == b.groupindex
    for text in TEXTS:
        assert [(m.span(), m.groupdict()) for m in a.finditer(text)] == [
            (m.span(), m.groupdict()) for m in b.finditer(text)
        ]

_Entry = tuple[Any, ...]  # (flags, program, groups, group index, index group) as stored


def _store_then_edit(path: Path, source: str, edit: Callable[[_Entry], _Entry]) -> None:
    """Cache *source* in the file at *path*, then rewrite its stored entry with *edit*."""
    cache = PatternCache(path)
    cache.compile(source)
    cache.save()
    stored = marshal.loads(path.read_bytes())
    stored["programs"][source] = edit(stored["programs"][source])
    path.write_bytes(marshal.dumps(stored))



def test_a_warm_cache_gives_the_same_patterns_as_re_compile(tmp_path: Path) -> None:
    path = tmp_path / "regex.marshal"
    cold = PatternCache(path)
    for source in SOURCES:
        _same(cold.compile(source), re.compile(source))
    cold.save()
    assert path.exists()
    warm = PatternCache(path)
    for source in SOURCES:
        _same(warm.compile(source), re.compile(source))


def test_derived_values_are_remembered_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "regex.marshal"
    first = PatternCache(path)
    assert first.derived("guard", "abc", lambda: "(?=a)") == "(?=a)"
    first.save()

    def fail() -> str:
        raise AssertionError("should come from the file")

    assert PatternCache(path).derived("guard", "abc", fail) == "(?=a)"


@pytest.mark.parametrize("content", [b"", b"\x00garbage", b"\xe9\x01\x02\x03"])
def test_a_corrupt_cache_file_is_ignored(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "regex.marshal"
    path.write_bytes(content)
    cache = PatternCache(path)
    _same(cache.compile(SOURCES[0]), re.compile(SOURCES[0]))
    cache.save()  # replaces the bad file
    _same(PatternCache(path).compile(SOURCES[0]), re.compile(SOURCES[0]))


def test_a_tampered_program_is_rejected_by_the_engine_and_compiled_afresh(tmp_path: Path) -> None:
    path = tmp_path / "regex.marshal"
    _store_then_edit(path, SOURCES[1], lambda e: (e[0], array("I", [999, 1, 2]).tobytes(), *e[2:]))
    _same(PatternCache(path).compile(SOURCES[1]), re.compile(SOURCES[1]))


@pytest.mark.parametrize("program", [[17, 4, 0], b"\x01\x02\x03", "text"])
def test_a_program_not_stored_as_code_words_is_compiled_afresh(tmp_path: Path, program: object) -> None:
    path = tmp_path / "regex.marshal"
    _store_then_edit(path, SOURCES[1], lambda e: (e[0], program, *e[2:]))
    _same(PatternCache(path).compile(SOURCES[1]), re.compile(SOURCES[1]))


def test_bad_patterns_raise_like_re_compile(tmp_path: Path) -> None:
    with pytest.raises(re.error):
        PatternCache(tmp_path / "regex.marshal").compile("(unclosed")


def test_an_unwritable_folder_costs_nothing_but_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = PatternCache(blocker / "sub" / "regex.marshal")
    _same(cache.compile(SOURCES[2]), re.compile(SOURCES[2]))
    cache.save()  # no exception


def test_no_path_means_no_cache(tmp_path: Path) -> None:
    cache = PatternCache(None)
    _same(cache.compile(SOURCES[0]), re.compile(SOURCES[0]))
    cache.save()
    assert list(tmp_path.iterdir()) == []


def test_stored_group_tables_that_disagree_are_compiled_afresh(tmp_path: Path) -> None:
    def swap_group_numbers(entry: _Entry) -> _Entry:
        flags, program, groups, group_index, index_group = entry
        swapped = {name: groups + 1 - number for name, number in group_index.items()}
        return (flags, program, groups, swapped, index_group)

    path = tmp_path / "regex.marshal"
    _store_then_edit(path, SOURCES[0], swap_group_numbers)
    _same(PatternCache(path).compile(SOURCES[0]), re.compile(SOURCES[0]))


def test_a_stored_derived_value_that_is_not_text_is_computed_again(tmp_path: Path) -> None:
    path = tmp_path / "regex.marshal"
    path.write_bytes(marshal.dumps({"programs": {}, "derived": {"guard\0abc": 7}}))
    assert PatternCache(path).derived("guard", "abc", lambda: "(?=a)") == "(?=a)"


@pytest.mark.parametrize("setting", ["off", "OFF", "0", "none", ""])
def test_the_cache_can_be_switched_off(monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    from bot.detect.pattern_cache import _default_path

    monkeypatch.setenv("CONTACT_GUARD_CACHE_DIR", setting)
    assert _default_path() is None


def test_the_cache_file_lives_in_the_configured_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.detect.pattern_cache import _default_path

    monkeypatch.setenv("CONTACT_GUARD_CACHE_DIR", str(tmp_path))
    path = _default_path()
    assert path is not None and path.parent == tmp_path


def test_every_process_compiles_the_same_sources() -> None:
    """The cache is keyed by pattern source: a source built in hash order (a set's) would be a
    new entry, and a rewrite of the file, in every process (string hashing is per process)."""
    import os
    import subprocess
    import sys

    script = (
        "from bot.detect.pattern_cache import pattern_cache\n"
        "sources = []\n"
        "compile = pattern_cache.compile\n"
        "pattern_cache.compile = lambda source: sources.append(source) or compile(source)\n"
        "from bot.detect.engine import load_detector\n"
        "load_detector()\n"
        "print(repr(sources))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed, "CONTACT_GUARD_CACHE_DIR": "off"},
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and len(next(iter(outputs))) > 1000


def test_the_file_keeps_what_was_used_and_the_most_recent_others_within_its_budget(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.detect import pattern_cache

    path = tmp_path / "regex.marshal"
    older = [rf"old{i}[a-z]{{2,9}}" for i in range(40)]
    writer = PatternCache(path)
    for source in older:  # one process each: the last one is the most recently written
        writer = PatternCache(path)
        writer.compile(source)
        writer.derived("guard", source, lambda: "x" * 100)
        writer.save()
    size = pattern_cache._program_size(older[0], writer._stored[older[0]]) + len("guard\0" + older[0]) + 100
    monkeypatch.setattr(pattern_cache, "MAX_BYTES", 10 * size)

    reader = PatternCache(path)  # a warm process using one old pattern: the file is over budget
    _same(reader.compile(older[0]), re.compile(older[0]))
    reader.save()
    stored = marshal.loads(path.read_bytes())
    kept = [older[0], *older[:0:-1]][: len(stored["programs"])]
    assert list(stored["programs"]) == kept and 3 <= len(kept) < len(older)
    assert len(stored["derived"]) < len(older)

    written = path.stat().st_ino  # (a write replaces the file; a warm start only marks it used)
    again = PatternCache(path)  # within budget now: a warm start writes nothing
    for source in kept:
        _same(again.compile(source), re.compile(source))
    again.save()
    assert path.stat().st_ino == written


# ---------------------------------------------------------------------------- stale cache files

_DAY = 24 * 3600.0


def _file_used(folder: Path, name: str, days_ago: float, now: float) -> Path:
    path = folder / name
    path.write_bytes(b"x")
    os.utime(path, (now - days_ago * _DAY, now - days_ago * _DAY))
    return path


def test_a_write_deletes_stale_files_of_its_kind_but_keeps_the_newest_few(tmp_path: Path) -> None:
    now = time.time()
    written = _file_used(tmp_path, "regex-cpython-311-0000000a.marshal", 0, now)
    # Used 1 hour to 40 days ago, most recently used first.
    ages = [1 / 24, 1, 10, 20, 30, 40]
    others = [_file_used(tmp_path, f"regex-cpython-311-1000000{i}.marshal", age, now) for i, age in enumerate(ages)]
    other_kind = _file_used(tmp_path, "rules-cpython-311-2000000a.marshal", 40, now)
    not_ours = _file_used(tmp_path, "notes.txt", 40, now)
    orphan = _file_used(tmp_path, ".tmp-abc", 2 / 24, now)
    writing = _file_used(tmp_path, ".tmp-def", 1 / (24 * 60), now)

    deleted = prune_stale(written, now=now)

    newest_kept = others[: KEEP_NEWEST - 1]  # with *written*, KEEP_NEWEST files of the kind
    stale = [path for path, age in zip(others, ages, strict=True) if age * _DAY > STALE_AFTER_S]
    expected = sorted({*stale} - {*newest_kept} | {orphan})
    assert sorted(deleted) == expected
    assert sorted(p for p in tmp_path.iterdir()) == sorted(
        {written, *others, other_kind, not_ours, orphan, writing} - set(expected)
    )
    assert others[3] in expected  # used 20 days ago and not among the newest: gone
    assert others[2] in newest_kept and others[2].exists()  # stale but among the newest: kept


def test_a_file_named_without_a_kind_prunes_nothing(tmp_path: Path) -> None:
    now = time.time()
    written = _file_used(tmp_path, "regex.marshal", 0, now)
    old = _file_used(tmp_path, "regex-cpython-311-10000000.marshal", 400, now)
    assert prune_stale(written, now=now) == [] and old.exists()


def test_a_run_marks_the_file_it_starts_from_as_used(tmp_path: Path) -> None:
    path = tmp_path / "regex-cpython-311-0000000a.marshal"
    cache = PatternCache(path)
    cache.compile(SOURCES[0])
    cache.save()
    long_ago = time.time() - 30 * _DAY
    os.utime(path, (long_ago, long_ago))
    PatternCache(path).compile(SOURCES[0])  # a warm start
    assert path.stat().st_mtime > long_ago + 29 * _DAY


def test_saving_the_pattern_cache_prunes_its_folder(tmp_path: Path) -> None:
    now = time.time()
    stale = [_file_used(tmp_path, f"regex-cpython-311-1000000{i}.marshal", 30 + i, now) for i in range(KEEP_NEWEST + 2)]
    cache = PatternCache(tmp_path / "regex-cpython-311-0000000a.marshal")
    cache.compile(SOURCES[1])
    cache.save()
    assert [path.exists() for path in stale] == [True] * (KEEP_NEWEST - 1) + [False] * 3


def test_the_built_in_packs_fit_in_the_budget_with_room_to_spare(tmp_path: Path) -> None:
    """Over MAX_BYTES, every warm start would drop what other runs stored (an edited pack, a
    second checkout) and they would rewrite it in turn."""
    probe = (
        "from bot.detect import pattern_cache as c\n"
        "from bot.detect.engine import load_detector\n"
        "load_detector()\n"
        "print(c._size(c.pattern_cache._used, c._program_size)"
        " + c._size(c.pattern_cache._derived_used, c._text_size))\n"
    )
    env = {**os.environ, "CONTACT_GUARD_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    used = int(done.stdout)
    assert 0 < used < 0.8 * MAX_BYTES, (used, MAX_BYTES)
