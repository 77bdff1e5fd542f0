"""The rule-set cache: a warm start gives the very rule set a fresh load gives, and any change
to its inputs (a pack, the loading code), a corrupt file or a disabled cache loads afresh."""

from __future__ import annotations

import marshal
import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect import rules
from bot.detect.engine import Detector
from bot.detect.pattern_cache import KEEP_NEWEST
from bot.detect.rules import RulePackError, default_rules_dir, load_packs

_RULE = """
[[rule]]
id = "test.app"
kind = "line"
category = "contact"
view = "words"
patterns = ['secretapp: (?P<value>[a-z]+)']
confidence = 0.9
[rule.context]
raise = ['id']
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CONTACT_GUARD_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def fresh_loads(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """The file lists of the loads that parsed TOML (not taken from the cache)."""
    calls: list[list[Path]] = []
    load = rules._load_packs

    def counting(files: list[Path], contents: list[bytes | OSError]) -> object:
        calls.append(list(files))
        return load(files, contents)

    monkeypatch.setattr(rules, "_load_packs", counting)
    return calls


def _pack(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_warm_load_is_the_rule_set_of_a_fresh_load(
    cache_dir: Path, fresh_loads: list[list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    dirs = [default_rules_dir()]
    cold = load_packs(dirs)
    warm = load_packs(dirs)
    assert len(fresh_loads) == 1  # the second came from the cache
    monkeypatch.setenv("CONTACT_GUARD_CACHE_DIR", "off")
    uncached = load_packs(dirs)
    # (dataclass equality: every field of every rule, compiled programs included)
    assert warm == cold == uncached
    for warm_rule, fresh_rule in zip(warm, uncached, strict=True):
        assert [type(p) for p in warm_rule.patterns] == [type(p) for p in fresh_rule.patterns]
        assert warm_rule.source is warm.files[warm.files.index(fresh_rule.source)]
    by_id = {rule.id: rule for rule in warm}
    for rule in warm:  # shared tuning stays shared, as a fresh load makes it
        if rule.params_from is not None:
            assert rule.params is by_id[rule.params_from].params


def test_a_warm_detector_finds_what_a_fresh_one_finds(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_packs()
    warm = Detector(load_packs())
    monkeypatch.setenv("CONTACT_GUARD_CACHE_DIR", "off")
    fresh = Detector(load_packs())
    texts = [example for rule in fresh.rules for example in (*rule.positive_examples, *rule.negative_examples)]
    assert texts
    for text in texts:
        assert warm.scan(text) == fresh.scan(text)


def test_a_changed_pack_is_loaded_afresh(
    tmp_path: Path, cache_dir: Path, fresh_loads: list[list[Path]]
) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE)
    assert load_packs([folder]).by_id("test.app").confidence == 0.9
    _pack(tmp_path, "app.toml", _RULE.replace("0.9", "0.8"))  # same size, other bytes
    assert load_packs([folder]).by_id("test.app").confidence == 0.8
    assert load_packs([folder]).by_id("test.app").confidence == 0.8
    assert len(fresh_loads) == 2


def test_an_added_or_removed_pack_is_loaded_afresh(
    tmp_path: Path, cache_dir: Path, fresh_loads: list[list[Path]]
) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE)
    assert [r.id for r in load_packs([folder])] == ["test.app"]
    _pack(tmp_path, "more.toml", _RULE.replace("test.app", "test.more"))
    assert [r.id for r in load_packs([folder])] == ["test.app", "test.more"]
    (folder / "app.toml").unlink()
    assert [r.id for r in load_packs([folder])] == ["test.more"]
    assert len(fresh_loads) == 3


def test_changed_loading_code_loads_afresh(
    tmp_path: Path, cache_dir: Path, fresh_loads: list[list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE)
    load_packs([folder])
    monkeypatch.setattr(rules, "_INTERPRETING_CODE", ("rules.py", "findings.py"))
    load_packs([folder])
    assert len(fresh_loads) == 2


@pytest.mark.parametrize(
    ("body", "rule_id", "reason"),
    [
        (_RULE.replace('kind = "line"', 'kind = "pager"'), "test.app", "unknown kind 'pager'"),
        (_RULE.replace("[a-z]+)", "[a-z]+"), "test.app", "bad regex in patterns[0]"),
        (_RULE + _RULE, "test.app", "duplicate rule id"),
        ("[[rule]\n", None, "cannot read TOML"),
    ],
)
def test_a_pack_broken_after_it_was_cached_still_fails_with_file_rule_and_reason(
    tmp_path: Path, cache_dir: Path, body: str, rule_id: str | None, reason: str
) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE)
    load_packs([folder])
    assert any(cache_dir.iterdir())
    _pack(tmp_path, "app.toml", body)
    for _ in range(2):  # (and a failed load caches nothing)
        with pytest.raises(RulePackError) as caught:
            load_packs([folder])
        assert caught.value.file == folder / "app.toml"
        assert caught.value.rule_id == rule_id
        assert reason in caught.value.reason


def test_an_unreadable_pack_is_reported_as_without_a_cache(tmp_path: Path, cache_dir: Path) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE)
    load_packs([folder])
    (folder / "app.toml").unlink()
    (folder / "app.toml").mkdir()  # globbed, cannot be read
    with pytest.raises(RulePackError, match=r"cannot read TOML: .*Is a directory"):
        load_packs([folder])


def _cache_file(cache_dir: Path) -> Path:
    (path,) = cache_dir.glob("rules-*.marshal")
    return path


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda data: b"",
        lambda data: b"\x00garbage",
        lambda data: data[: len(data) // 2],
        lambda data: marshal.dumps(42),
        # the right key, records that do not make rules
        lambda data: marshal.dumps((marshal.loads(data)[0], (), ({"id": "x"},))),
        lambda data: marshal.dumps(
            (marshal.loads(data)[0], marshal.loads(data)[1], ({**marshal.loads(data)[2][0], "patterns": (("re", "(x"),)},))
        ),
    ],
)
def test_a_corrupt_cache_file_is_ignored(
    tmp_path: Path, cache_dir: Path, fresh_loads: list[list[Path]], corrupt: object
) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE)
    expected = load_packs([folder])
    path = _cache_file(cache_dir)
    path.write_bytes(corrupt(path.read_bytes()))  # type: ignore[operator]
    assert load_packs([folder]) == expected
    assert len(fresh_loads) == 2
    assert load_packs([folder]) == expected  # (the fresh load stored a good file again)
    assert len(fresh_loads) == 2


def test_patterns_of_the_regex_module_come_back_from_the_cache(
    tmp_path: Path, cache_dir: Path, fresh_loads: list[list[Path]]
) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE.replace("[a-z]+", r"\p{Han}+"))
    cold = load_packs([folder])
    warm = load_packs([folder])
    assert len(fresh_loads) == 1
    assert warm == cold
    assert type(warm.rules[0].patterns[0]).__module__.startswith("_regex")


def test_a_pack_marshal_cannot_store_still_loads(
    tmp_path: Path, cache_dir: Path, fresh_loads: list[list[Path]]
) -> None:
    folder = _pack(tmp_path, "app.toml", '[normalize]\nat_words = ["x", 1979-05-27]\n' + _RULE)
    assert load_packs([folder]) == load_packs([folder])
    assert len(fresh_loads) == 2
    assert not list(cache_dir.glob("rules-*.marshal"))


def test_the_cache_can_be_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_loads: list[list[Path]]
) -> None:
    monkeypatch.setenv("CONTACT_GUARD_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    folder = _pack(tmp_path, "app.toml", _RULE)
    load_packs([folder])
    load_packs([folder])
    assert len(fresh_loads) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packs"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"\r", b"\n", b"\r\n", b"\xef\xbb\xbf", b"\xe9", b"\xc3\xa9", b"\x00"])))
def test_packs_are_decoded_as_read_text_decodes_them(pieces: list[bytes]) -> None:
    content = b"".join(pieces)
    handle, name = tempfile.mkstemp()
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)

        def outcome(read: object) -> object:
            try:
                return read()  # type: ignore[operator]
            except UnicodeDecodeError as error:
                return str(error)

        assert outcome(lambda: rules._pack_text(content)) == outcome(
            lambda: Path(name).read_text(encoding="utf-8")
        )
    finally:
        os.unlink(name)


def test_checkouts_sharing_a_cache_folder_keep_their_own_file(
    tmp_path: Path, cache_dir: Path, fresh_loads: list[list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _pack(tmp_path, "app.toml", _RULE)
    load_packs([folder])
    with monkeypatch.context() as patch:
        patch.setattr(rules, "default_rules_dir", lambda: tmp_path / "another-checkout" / "rules")
        load_packs([folder])
        assert len(list(cache_dir.glob("rules-*.marshal"))) == 2
        load_packs([folder])
    load_packs([folder])
    assert len(fresh_loads) == 2  # each checkout loaded afresh once, then from its own file


def test_the_rule_set_cache_is_marked_used_and_prunes_files_no_run_uses(
    tmp_path: Path, cache_dir: Path
) -> None:
    cache_dir.mkdir()
    month_ago = time.time() - 30 * 24 * 3600
    stale = []
    for i in range(KEEP_NEWEST + 1):  # left behind by older versions of the loading code
        path = cache_dir / f"rules-cpython-311-f000000{i}.marshal"
        path.write_bytes(b"old")
        os.utime(path, (month_ago - i, month_ago - i))
        stale.append(path)
    folder = _pack(tmp_path, "a.toml", _RULE)
    load_packs([folder])  # a cold load writes its cache file and prunes the folder
    (ours,) = set(cache_dir.glob("rules-*.marshal")) - set(stale)
    assert [path.exists() for path in stale] == [True] * (KEEP_NEWEST - 1) + [False] * 2
    os.utime(ours, (month_ago, month_ago))
    load_packs([folder])  # a warm start marks the file it started from
    assert ours.stat().st_mtime > month_ago + 29 * 24 * 3600
