"""An installed copy (a wheel, `pip install .`) carries the built-in rule packs and uses them.

The packs are data in the repository's top-level ``rules/`` folder; setup.py ships them in the
wheel as ``bot/detect/builtin_rules/``. A source checkout (and an editable install) keeps
reading ``rules/`` itself, so that an edited pack takes effect at once.
"""

from __future__ import annotations

import importlib.metadata
import json
import marshal
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.detect import rules

REPO = Path(__file__).resolve().parents[1]
PACKS = sorted(path.name for path in (REPO / "rules").glob("*.toml"))
INSTALLED = "bot/detect/builtin_rules"
# `license = "MIT"` (an SPDX expression) in pyproject.toml needs setuptools 77 or newer.
SETUPTOOLS_MAJOR = 77


def test_in_the_source_tree_the_packs_are_read_from_the_top_level_rules_folder() -> None:
    assert PACKS, "no rule pack in rules/"
    assert Path(rules.__file__).resolve().is_relative_to(REPO)
    assert rules.default_rules_dir() == REPO / "rules"
    assert not (REPO / INSTALLED).exists()  # (only a wheel has it)


def test_an_installed_copy_of_the_packs_comes_before_a_rules_folder_beside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    (site / INSTALLED).mkdir(parents=True)
    (site / "rules").mkdir()  # another distribution's top-level package, not ours
    monkeypatch.setattr(rules, "__file__", str(site / "bot" / "detect" / "rules.py"))
    assert rules.default_rules_dir() == site / INSTALLED


def _setuptools_major() -> int:
    try:
        return int(importlib.metadata.version("setuptools").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return 0


def _run(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [str(arg) for arg in args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


PROBE = """
import json, sys
import bot
from bot.detect import rules
print(json.dumps({
    "bot": bot.__file__,
    "rules_dir": str(rules.default_rules_dir()),
    "sources": sorted({str(rule.source) for rule in rules.load_packs()}),
    "sys_path": sys.path,
}))
"""


@pytest.mark.slow
def test_a_wheel_carries_the_packs_and_its_installed_copy_detects_with_them(tmp_path: Path) -> None:
    if _setuptools_major() < SETUPTOOLS_MAJOR:
        # (the test extra installs it; CI must not skip this silently)
        message = (
            f"building the wheel offline needs setuptools>={SETUPTOOLS_MAJOR} in this"
            " environment: pip install -e '.[test]'"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    # Build from a copy of the working tree: an in-tree build leaves build/ and *.egg-info
    # behind, and a stale build/lib would end up in later wheels.
    source = tmp_path / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
            ".hypothesis", "results", "*.sqlite3", "*.db*", ".env",
        ),
    )
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    wheels = tmp_path / "wheels"
    built = _run(
        *pip, "wheel", source, "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("contact_guard-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in [*PACKS, "README.md"]:
            assert archive.read(f"{INSTALLED}/{name}") == (REPO / "rules" / name).read_bytes()
        # the learned model's weights, which the bot loads at every start
        model = "bot/detect/models/learned.json"
        assert archive.read(model) == (REPO / model).read_bytes()
    # (nothing else at the top: no top-level rules/ package of ours in site-packages)
    dist_info = "-".join(wheel.name.split("-")[:2]) + ".dist-info"
    assert {name.split("/")[0] for name in names} == {"bot", dist_info}

    site = (tmp_path / "site").resolve()
    installed = _run(*pip, "install", "--no-deps", "--no-index", "--target", site, wheel)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # Only the installed copy on the path (and this interpreter's environment, for the
    # dependencies), not the source tree: no PYTHONPATH to it, and a working directory outside.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(
        PYTHONPATH=str(site),
        PYTHONDONTWRITEBYTECODE="1",
        CONTACT_GUARD_CACHE_DIR=str(tmp_path / "cache"),
    )
    work = tmp_path / "work"
    work.mkdir()

    probe = _run(sys.executable, "-c", PROBE, env=env, cwd=work)
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout)
    assert Path(seen["bot"]).is_relative_to(site)
    on_path = [Path(entry).resolve() for entry in seen["sys_path"] if entry]
    assert REPO not in on_path
    assert [entry for entry in on_path if (entry / "bot" / "__init__.py").exists()] == [site]
    assert Path(seen["rules_dir"]) == site / INSTALLED
    assert {Path(source).name for source in seen["sources"]} <= set(PACKS)
    assert all(Path(source).parent == site / INSTALLED for source in seen["sources"])

    # The probe's load filled the rule-set cache; `contact-guard check "LINE ID: yuki_0321"`,
    # the installed command, finds the contact from it (a warm start that rewrote nothing).
    (cache_file,) = (tmp_path / "cache").glob("rules-*.marshal")
    stored = cache_file.stat(), cache_file.read_bytes()
    command = site / "bin" / "contact-guard"
    check = _run(command, "check", "LINE ID: yuki_0321", env=env, cwd=work)
    assert check.returncode == 1, check.stdout + check.stderr  # 1: something found
    assert "1 finding:" in check.stdout and "line (contact)" in check.stdout, check.stdout
    clean = _run(command, "check", "see you tomorrow", env=env, cwd=work)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # 0: nothing found
    assert "learned model, solicit: probability" in clean.stdout, clean.stdout
    assert [path.name for path in (tmp_path / "cache").glob("rules-*.marshal")] == [cache_file.name]
    # (the same file, never replaced; its time only marks it used, see pattern_cache.mark_used)
    assert (cache_file.stat().st_ino, cache_file.read_bytes()) == (stored[0].st_ino, stored[1])

    # ... because it is keyed on the installed packs, their paths and bytes.
    key = marshal.loads(cache_file.read_bytes())[0]
    packs = dict(key[4])
    assert sorted(Path(path).name for path in packs) == PACKS
    for path, content in packs.items():
        assert Path(path).parent == site / INSTALLED
        assert content == (REPO / "rules" / Path(path).name).read_bytes()
