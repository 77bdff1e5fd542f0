"""Settings of the running bot, read from the environment and an optional `.env` file.

Real environment variables win over `.env` (python-dotenv's ``override=False``), so a container
or a systemd unit can override what a checked-out `.env` says. Every value is validated here, at
start-up, with an error message that says what to change; nothing later has to re-check.

The token is secret: :class:`Settings` never shows it in ``repr`` and nothing here logs it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_FILE = "contact-guard.sqlite3"
LOG_LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """A setting is missing or invalid. The message is one line telling the admin what to do."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str = field(repr=False)
    database_path: Path
    log_level: str = "INFO"
    rules_extra_dir: Path | None = None
    # The learned model: True (built-in), False (rules only) or a model file.
    learned_model: bool | Path = True
    # Optional endpoint overrides (REST proxy in large deployments; the test suite's fake Discord).
    api_base: str | None = None
    gateway_url: str | None = None

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def _clean(value: str | None) -> str | None:
    """Treat unset and empty (``KEY=`` in .env.example) the same way."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _resolve_path(raw: str, base: Path) -> Path:
    """A path setting: ``~`` expanded, and relative to *base* (the working directory) unless absolute."""
    path = Path(raw).expanduser()
    return path if path.is_absolute() else base / path


def _learned_model(raw: str | None, base: Path) -> bool | Path:
    """LEARNED_MODEL: unset or "on" for the built-in model, "off" for rules only, else a file."""
    if raw is None or raw.lower() == "on":
        return True
    if raw.lower() == "off":
        return False
    path = _resolve_path(raw, base)
    if not path.is_file():
        raise ConfigError(f"LEARNED_MODEL={raw}: give on, off or the path of a model file")
    return path


def _validate_token(raw: str | None) -> str:
    if raw is None:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put your bot token in .env (cp .env.example .env) or the "
            "environment; get it at https://discord.com/developers/applications -> your app -> Bot"
        )
    if raw.lower().startswith("bot "):
        raise ConfigError("DISCORD_TOKEN must be the bare token, without the 'Bot ' prefix")
    if any(ch.isspace() for ch in raw) or not raw.isascii():
        raise ConfigError(
            "DISCORD_TOKEN contains spaces or non-ASCII characters: copy the token again from "
            "the Developer Portal (Bot -> Reset Token)"
        )
    return raw


def _validate_url(name: str, raw: str | None, schemes: tuple[str, ...]) -> str | None:
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(
            f"{name}={raw!r} is not a valid {' or '.join(schemes)} URL "
            f"(example: {schemes[0]}://127.0.0.1:8080/...); leave it empty to use Discord directly"
        )
    return raw


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    dotenv_path: Path | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read and validate the settings.

    *env* defaults to ``os.environ`` merged over the `.env` file found in *cwd* (or at
    *dotenv_path*); tests pass an explicit mapping and get no file reading at all.
    """
    base = cwd or Path.cwd()
    if env is None:
        from dotenv import dotenv_values

        file_values = dotenv_values(dotenv_path or base / ".env")
        merged: dict[str, str] = {k: v for k, v in file_values.items() if v is not None}
        # An empty variable counts as unset (as `KEY=` does in .env), so it never hides a value.
        merged.update({k: v for k, v in os.environ.items() if v.strip()})
        env = merged

    token = _validate_token(_clean(env.get("DISCORD_TOKEN")))

    database = _clean(env.get("DATABASE_PATH")) or DEFAULT_DATABASE_FILE
    database_path = _resolve_path(database, base)
    if database_path.is_dir():
        raise ConfigError(f"DATABASE_PATH={database} is a directory; give a file name")
    if not database_path.parent.is_dir():
        raise ConfigError(
            f"DATABASE_PATH={database}: the folder {database_path.parent} does not exist"
        )

    log_level = (_clean(env.get("LOG_LEVEL")) or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={log_level!r} is not one of {', '.join(LOG_LEVELS)}")

    rules_extra_dir: Path | None = None
    rules_raw = _clean(env.get("RULES_EXTRA_DIR"))
    if rules_raw is not None:
        rules_extra_dir = _resolve_path(rules_raw, base)
        if not rules_extra_dir.is_dir():
            raise ConfigError(f"RULES_EXTRA_DIR={rules_raw}: no such folder")

    learned_model = _learned_model(_clean(env.get("LEARNED_MODEL")), base)

    api_base = _validate_url(
        "DISCORD_API_BASE", _clean(env.get("DISCORD_API_BASE")), ("https", "http")
    )
    gateway_url = _validate_url(
        "DISCORD_GATEWAY_URL", _clean(env.get("DISCORD_GATEWAY_URL")), ("wss", "ws")
    )

    return Settings(
        token=token,
        database_path=database_path,
        log_level=log_level,
        rules_extra_dir=rules_extra_dir,
        learned_model=learned_model,
        api_base=api_base.rstrip("/") if api_base else None,
        gateway_url=gateway_url,
    )
