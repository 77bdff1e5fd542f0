"""Loading rule packs: a bad pack fails at load with file, rule id and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.detect.engine import load_detector
from bot.detect.rules import RulePackError, default_rules_dir, load_packs

_GOOD_RULE = """
[[rule]]
id = "test.good"
kind = "line"
category = "contact"
view = "words"
patterns = ['line id: (?P<value>[a-z]+)']
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("body", "rule_id", "reason"),
    [
        (_GOOD_RULE.replace("line id: (?P<value>[a-z]+)", "line id: ([a-z]+"), "test.good", "bad regex"),
        (_GOOD_RULE.replace('kind = "line"', 'kind = "pager"'), "test.good", "unknown kind 'pager'"),
        (_GOOD_RULE.replace('category = "contact"', 'category = "spam"'), "test.good", "unknown category"),
        (_GOOD_RULE.replace('view = "words"', 'view = "pixels"'), "test.good", "unknown view"),
        (_GOOD_RULE.replace('kind = "line"\n', ""), "test.good", "missing required field 'kind'"),
        (_GOOD_RULE.replace("patterns = ", "pattern = "), "test.good", "unknown key(s): pattern"),
        (_GOOD_RULE + 'confidence = 1.5\n', "test.good", "confidence must be a number between 0 and 1"),
        (_GOOD_RULE + _GOOD_RULE, "test.good", "duplicate rule id"),
        (_GOOD_RULE.replace("[a-z]+", "{{nowhere}}"), "test.good", "undefined var {{nowhere}}"),
        (_GOOD_RULE + 'detector = "magic"\n', "test.good", "unknown detector"),
        (
            _GOOD_RULE.replace('view = "words"', 'view = "digits"\ndetector = "phone"\n[rule.params]\nmobile_lenght = 11'),
            "test.good",
            "unknown param(s) for detector 'phone': mobile_lenght",
        ),
        (_GOOD_RULE + "[rule.context]\nraise = ['(unclosed']\n", "test.good", "bad regex in context.raise"),
        (_GOOD_RULE + "[rule.kind_by]\ngroup = 'nope'\nline = 'line'\n", "test.good", "kind_by group 'nope' is not a group"),
        (_GOOD_RULE + "[rule.kind_by]\ngroup = 'value'\npager = 'x'\n", "test.good", "kind_by names an unknown kind 'pager'"),
        (_GOOD_RULE.replace("(?P<value>", "(?P<kind_pager>"), "test.good", "group 'kind_pager' names an unknown kind"),
        (
            _GOOD_RULE.replace('view = "words"', 'view = "digits"\ndetector = "phone"\nparams_from = "no.such.rule"'),
            "test.good",
            "params_from 'no.such.rule' is not a loaded rule",
        ),
    ],
)
def test_bad_pack_names_file_rule_and_reason(tmp_path: Path, body: str, rule_id: str, reason: str) -> None:
    folder = _write(tmp_path, "broken.toml", body)
    with pytest.raises(RulePackError) as caught:
        load_packs([folder])
    error = caught.value
    assert error.file == folder / "broken.toml"
    assert error.rule_id == rule_id
    assert reason in error.reason
    assert str(error).startswith(f"{folder / 'broken.toml'}: rule {rule_id!r}: ")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[[rule]\nid = 'x'", "cannot read TOML"),
        ("[surprise]\nkey = 1\n", "unknown top-level key(s): surprise"),
        ("[normalize]\nat_wordz = ['x']\n", "unknown [normalize] key(s): at_wordz"),
        ('[[rule]]\nkind = "line"\ncategory = "contact"\npatterns = ["x"]\n', "missing or malformed id"),
    ],
)
def test_bad_pack_without_a_rule_names_file_and_reason(tmp_path: Path, body: str, reason: str) -> None:
    folder = _write(tmp_path, "broken.toml", body)
    with pytest.raises(RulePackError) as caught:
        load_packs([folder])
    assert caught.value.file == folder / "broken.toml"
    assert reason in caught.value.reason


def test_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", _GOOD_RULE)
    folder = _write(tmp_path, "b.toml", _GOOD_RULE)
    with pytest.raises(RulePackError) as caught:
        load_packs([folder])
    assert caught.value.file.name == "b.toml"
    assert "a.toml" in caught.value.reason


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="does not exist"):
        load_packs([tmp_path / "nope"])


def test_extra_pack_folder_adds_rules(tmp_path: Path) -> None:
    folder = _write(tmp_path, "extra.toml", _GOOD_RULE.replace("line id: (?P<value>[a-z]+)", "secretapp: (?P<value>[a-z]+)"))
    detector = load_detector(extra_rule_dirs=[folder])
    findings = detector.scan("secretapp: someone")
    assert [f.rule_id for f in findings] == ["test.good"]


def test_an_extra_pack_cannot_reuse_a_builtin_id(tmp_path: Path) -> None:
    folder = _write(tmp_path, "extra.toml", _GOOD_RULE.replace("test.good", "platform.id"))
    with pytest.raises(RulePackError, match="duplicate rule id"):
        load_detector(extra_rule_dirs=[folder])


def test_kind_by_classifies_the_named_group(tmp_path: Path) -> None:
    body = """
[[rule]]
id = "test.kinds"
kind = "line"
category = "contact"
view = "words"
patterns = ['(?P<app>alpha|beta)-id: [a-z]+']
[rule.kind_by]
group = "app"
telegram = 'alpha'
kakao = 'beta'
"""
    detector = load_detector(extra_rule_dirs=[_write(tmp_path, "kinds.toml", body)])
    assert [f.kind for f in detector.scan("beta-id: someone") if f.rule_id == "test.kinds"] == ["kakao"]
    assert [f.kind for f in detector.scan("alpha-id: someone") if f.rule_id == "test.kinds"] == ["telegram"]


def test_builtin_packs_load_and_cover_every_family() -> None:
    rules = load_packs([default_rules_dir()])
    kinds = {kind for rule in rules for kind in rule.kinds}
    assert kinds >= {
        "phone", "email", "line", "instagram", "x", "telegram", "whatsapp", "kakao", "wechat",
        "snapchat", "tiktok", "facebook", "signal", "skype", "discord_invite", "url", "solicit",
    }
    assert {path.stem for path in rules.files} >= {"phone", "email", "messengers", "social", "links", "solicit"}


def test_context_words_are_read_whole_at_the_window_edges(tmp_path: Path) -> None:
    # A 3-character window ends (or starts) inside a word: cut to "se", it read a context word
    # that was not written ("seemed", "nose").
    body = """
[[rule]]
id = "test.context-edge"
kind = "line"
category = "contact"
view = "words"
patterns = ['pal code (?P<value>[a-z]+)']
confidence = 0.9
threshold = 0.5
[rule.context]
window = 3
lower = ["(?<![a-z])se(?![a-z])"]
lower_by = 0.6
"""
    detector = load_detector(extra_rule_dirs=[_write(tmp_path, "edge.toml", body)])

    def found(text: str) -> bool:
        return any(f.rule_id == "test.context-edge" for f in detector.scan(text))

    assert found("pal code yuna seemed fine")  # (cut: "pal code yuna se")
    assert not found("pal code yuna se to that")  # the context word itself is still read
    assert found("nose pal code yuna")  # (cut: "se pal code yuna")
