"""Message catalogues for everything members and moderators read (Japanese and English).

Catalogues are TOML files under ``locales/<lang>/<area>.toml``; each area (bot, commands,
images, ...) owns one file per language. Keys are ``<area>.<key>`` (nested tables flatten with
dots). Values are ``str.format`` templates. A key missing from one language is a bug, caught by
``tests/test_i18n.py``; at run time it falls back to English rather than showing nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("ja", "en")
DEFAULT_LANGUAGE = "en"
_LOCALES_DIR = Path(__file__).with_name("locales")


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str], source: Path) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(full, value, out, source)
        elif isinstance(value, str):
            out[full] = value
        else:
            raise ValueError(f"{source}: {full} must be a string, not {type(value).__name__}")


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All templates of *lang*, keyed ``area.key``."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    out: dict[str, str] = {}
    for path in sorted((_LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out, path)
    return out


def language_for_locale(locale: str | None) -> str:
    """Map a Discord locale (``ja``, ``en-US``, ...) to a catalogue language."""
    return "ja" if locale and locale.lower().startswith("ja") else "en"


def t(key: str, lang: str, /, **params: object) -> str:
    """The text of *key* in *lang*, formatted with *params*."""
    template = catalogue(lang).get(key)
    if template is None:
        template = catalogue(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise KeyError(f"no message {key!r} in any catalogue")
    return template.format(**params) if params else template
