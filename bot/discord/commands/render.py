"""Shared wording: the ladder in words, kind labels, times, member names.

Pure formatting over ledger values and catalogue templates; used by the commands and by the
report embed so both describe a step or a kind in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import discord

from bot.i18n import catalogue, t
from bot.ledger.policy import Action, Ladder, LadderStep, format_duration

# Discord limits (embed field value, description, message content).
FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 4096
CONTENT_LIMIT = 2000


def learned_model_words(setting: str, lang: str) -> str:
    """A guild's ``learned_model`` setting in words (what a verdict of the model alone does)."""
    return t(f"commands.learned_model.{setting}", lang)


def learned_model_loaded(detector: Any | None) -> bool:
    """The bot runs with a learned model (not without a detector yet, nor LEARNED_MODEL=off)."""
    return getattr(detector, "learned_model", None) is not None


def kind_label(kind: str, lang: str) -> str:
    key = f"reports.kind.{kind}"
    if key in catalogue(lang):
        return t(key, lang)
    return t("reports.kind.unknown", lang, kind=kind)


def action_words(action: Action, lang: str) -> str:
    if action.kind == "timeout" and action.duration_s is not None:
        return t("commands.ladder.action_timeout", lang, duration=format_duration(action.duration_s))
    return t(f"commands.ladder.action_{action.kind}", lang)


def step_words(step: LadderStep | None, lang: str) -> str:
    """``warning, report to the moderators`` — a step's actions, deletion left implicit
    (every violation is deleted in enforce mode, so naming it at each step is noise)."""
    if step is None:
        return t("commands.ladder.next_none", lang)
    actions = [a for a in step.actions if a.kind != "delete"] or list(step.actions)
    return ", ".join(action_words(action, lang) for action in actions)


def ladder_lines(ladder: Ladder, lang: str) -> list[str]:
    lines = []
    for step in ladder.steps:
        word_key = "commands.ladder.points_one" if step.threshold == 1 else "commands.ladder.points_many"
        lines.append(
            t(
                "commands.ladder.step",
                lang,
                threshold=step.threshold,
                points_word=t(word_key, lang),
                actions=step_words(step, lang),
            )
        )
    return lines


def ladder_in_words(ladder: Ladder, lang: str) -> str:
    """The whole ladder: one line per step, the points per category, the decay window."""
    points = dict(ladder.points)
    lines = [
        *ladder_lines(ladder, lang),
        t(
            "commands.ladder.points",
            lang,
            contact=points.get("contact", 1),
            solicit=points.get("solicit", 1),
            location=points.get("location", 1),
        ),
        t("commands.ladder.decay", lang, days=ladder.decay_days),
    ]
    return "\n".join(lines)


def when(moment: datetime | None, style: str = "f") -> str:
    """A Discord timestamp: every reader sees it in their own time zone and language."""
    if moment is None:
        return "—"
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


def user_label(user: discord.abc.User) -> str:
    return f"{user.mention} ({discord.utils.escape_markdown(user.name)})"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def inline_code(text: str) -> str:
    """*text* as inline code: not read as markdown; a backtick (which would end it) is swapped
    for a look-alike."""
    return "`" + text.replace("`", "ˋ") + "`"


def code_block(text: str, limit: int | None = None) -> str:
    """*text* shown exactly in a code block (no markdown, no mentions), its fence neutralised;
    with *limit*, the text is clipped to it."""
    body = text.replace("```", "ˋˋˋ")
    return "```\n" + (clip(body, limit) if limit is not None else body) + "\n```"


def join_lines(lines: Iterable[str], limit: int) -> str:
    """Join lines, stopping before *limit* characters (with an ellipsis line if cut)."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 2:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)
