"""The escalation policy: a pure function over a sorted table of ladder steps.

Nothing here does I/O; the store (``bot.ledger.store``) loads the history, calls
:func:`decide` inside its transaction and records what it returned.

Vocabulary
----------
* **Action** — one thing the bot does: ``delete`` (the offending message(s)), ``warn`` (a polite
  DM), ``final_warn`` (a DM saying the next violation is the last), ``timeout`` (with a
  duration, at most Discord's 28 days), ``report`` (an embed in the moderators' channel),
  ``kick``, ``ban``.
* **LadderStep** — ``threshold`` active points -> actions. A member's *active points* are the
  points of their non-pardoned strikes younger than the decay window, plus the new violation.
* **Ladder** — the sorted steps, the points each category weighs, and the decay window.
  The step applied is the highest one whose threshold is <= the active points.

Deletion is the baseline, not a ladder choice: in enforce mode every counted or uncounted
violation has its message(s) deleted, whether or not the step lists ``delete`` (the default
ladder lists it for readability). Shadow mode performs nothing but a report to the moderators,
while :attr:`Decision.intended_actions` still says what enforce mode would have done.

Text form (used by ``/guard ladder set``)::

    1: warn; 2: final_warn, report; 3: ban, report
    1: delete, warn; 2: timeout 1h, report; 4: ban, report

Durations accept ``s``, ``m``, ``h``, ``d`` (``timeout 90m``, ``timeout 1d12h``) or bare seconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Literal, cast, get_args

ActionKind = Literal["delete", "warn", "final_warn", "timeout", "report", "kick", "ban"]
ACTION_KINDS: tuple[str, ...] = get_args(ActionKind)

# "location" is the image scanner's photo-with-GPS finding; the others are bot.detect's Category.
CATEGORIES: tuple[str, ...] = ("contact", "solicit", "location")
DEFAULT_POINTS: Mapping[str, int] = MappingProxyType({"contact": 1, "solicit": 1, "location": 1})

MAX_TIMEOUT_S = 28 * 24 * 3600  # Discord rejects communication_disabled_until beyond 28 days
DEFAULT_DECAY_DAYS = 90
MAX_DECAY_DAYS = 3650
MAX_POINTS = 1000
MAX_THRESHOLD = 10_000
MAX_STEPS = 20


class ConfigError(ValueError):
    """A configuration value is impossible; the message says which and why."""


class LadderError(ConfigError):
    """The escalation ladder is impossible; the message names the offending step."""


# --------------------------------------------------------------------------- actions / steps


@dataclass(frozen=True, slots=True)
class Action:
    """One side effect. ``duration_s`` is required for ``timeout`` and forbidden otherwise."""

    kind: ActionKind
    duration_s: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ACTION_KINDS:
            raise LadderError(
                f"unknown action {self.kind!r}; expected one of {', '.join(ACTION_KINDS)}"
            )
        if self.kind == "timeout":
            if self.duration_s is None:
                raise LadderError("timeout needs a duration, e.g. 'timeout 1h'")
            if isinstance(self.duration_s, bool) or not isinstance(self.duration_s, int):
                raise LadderError(f"timeout duration must be whole seconds, not {self.duration_s!r}")
            if self.duration_s < 1:
                raise LadderError(f"timeout duration must be at least 1 second, not {self.duration_s}")
            if self.duration_s > MAX_TIMEOUT_S:
                raise LadderError(
                    f"timeout duration {format_duration(self.duration_s)} exceeds Discord's "
                    "28-day limit"
                )
        elif self.duration_s is not None:
            raise LadderError(f"action {self.kind!r} takes no duration")

    def to_text(self) -> str:
        if self.kind == "timeout" and self.duration_s is not None:
            return f"timeout {format_duration(self.duration_s)}"
        return self.kind

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.duration_s is not None:
            out["duration_s"] = self.duration_s
        return out

    @classmethod
    def from_json(cls, data: Any) -> Action:
        if isinstance(data, str):
            return cls(cast(ActionKind, data))
        if not isinstance(data, Mapping) or "kind" not in data:
            raise LadderError(f"an action must be an object with a 'kind', not {data!r}")
        unknown = set(data) - {"kind", "duration_s"}
        if unknown:
            raise LadderError(f"unknown action field(s): {', '.join(sorted(unknown))}")
        return cls(data["kind"], data.get("duration_s"))


@dataclass(frozen=True, slots=True)
class LadderStep:
    threshold: int
    actions: tuple[Action, ...]

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise LadderError(f"step threshold must be a whole number, not {self.threshold!r}")
        if not 1 <= self.threshold <= MAX_THRESHOLD:
            raise LadderError(
                f"step {self.threshold}: threshold must be between 1 and {MAX_THRESHOLD}"
            )
        if not self.actions:
            raise LadderError(f"step {self.threshold}: needs at least one action")
        kinds = [a.kind for a in self.actions]
        duplicates = sorted({k for k in kinds if kinds.count(k) > 1})
        if duplicates:
            raise LadderError(f"step {self.threshold}: action listed twice: {', '.join(duplicates)}")
        if "kick" in kinds and "ban" in kinds:
            raise LadderError(f"step {self.threshold}: kick and ban together make no sense")

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(a.kind for a in self.actions)

    def to_text(self) -> str:
        return f"{self.threshold}: " + ", ".join(a.to_text() for a in self.actions)


# --------------------------------------------------------------------------- ladder


@dataclass(frozen=True, slots=True)
class Ladder:
    """Sorted steps, points per category, decay window. Validated on construction."""

    steps: tuple[LadderStep, ...]
    points: Mapping[str, int] = field(default_factory=lambda: DEFAULT_POINTS)
    decay_days: int = DEFAULT_DECAY_DAYS

    def __post_init__(self) -> None:
        steps = tuple(self.steps)
        if not steps:
            raise LadderError("the ladder needs at least one step")
        if len(steps) > MAX_STEPS:
            raise LadderError(f"the ladder has {len(steps)} steps; at most {MAX_STEPS} are allowed")
        for step in steps:
            if not isinstance(step, LadderStep):
                raise LadderError(f"not a ladder step: {step!r}")
        for previous, step in pairwise(steps):
            if step.threshold == previous.threshold:
                raise LadderError(f"step {step.threshold}: threshold listed twice")
            if step.threshold < previous.threshold:
                raise LadderError(
                    f"step {step.threshold}: thresholds must increase "
                    f"(it comes after step {previous.threshold})"
                )
        object.__setattr__(self, "steps", steps)

        points = dict(DEFAULT_POINTS)
        for category, value in dict(self.points).items():
            if category not in CATEGORIES:
                raise LadderError(
                    f"unknown category {category!r} in points; expected one of "
                    f"{', '.join(CATEGORIES)}"
                )
            if isinstance(value, bool) or not isinstance(value, int):
                raise LadderError(f"points for {category!r} must be a whole number, not {value!r}")
            if not 0 <= value <= MAX_POINTS:
                raise LadderError(f"points for {category!r} must be between 0 and {MAX_POINTS}")
            points[category] = value
        object.__setattr__(self, "points", MappingProxyType(points))

        if isinstance(self.decay_days, bool) or not isinstance(self.decay_days, int):
            raise LadderError(f"decay must be a whole number of days, not {self.decay_days!r}")
        if not 1 <= self.decay_days <= MAX_DECAY_DAYS:
            raise LadderError(f"decay must be between 1 and {MAX_DECAY_DAYS} days")

    # -- lookup

    def step_for(self, active_points: int) -> LadderStep | None:
        """The highest step whose threshold <= *active_points* (None below the first step)."""
        chosen: LadderStep | None = None
        for step in self.steps:
            if step.threshold <= active_points:
                chosen = step
            else:
                break
        return chosen

    def next_step_after(self, active_points: int) -> LadderStep | None:
        """The first step a member with *active_points* has not reached yet."""
        return next((s for s in self.steps if s.threshold > active_points), None)

    def points_for(self, category: str) -> int:
        try:
            return self.points[category]
        except KeyError:
            raise ConfigError(f"unknown category {category!r}") from None

    @property
    def decay(self) -> timedelta:
        return timedelta(days=self.decay_days)

    def replace(
        self,
        *,
        steps: Sequence[LadderStep] | None = None,
        points: Mapping[str, int] | None = None,
        decay_days: int | None = None,
    ) -> Ladder:
        merged_points = dict(self.points)
        if points is not None:
            merged_points.update(points)
        return Ladder(
            tuple(steps) if steps is not None else self.steps,
            merged_points,
            self.decay_days if decay_days is None else decay_days,
        )

    # -- text form

    @classmethod
    def parse(
        cls,
        text: str,
        *,
        points: Mapping[str, int] | None = None,
        decay_days: int = DEFAULT_DECAY_DAYS,
    ) -> Ladder:
        """Parse ``"1: warn; 2: final_warn, report; 3: ban, report"``.

        Steps are separated by ``;`` or new lines; a step may be written in any order (they are
        sorted), but the same threshold twice is an error.
        """
        if not text or not text.strip():
            raise LadderError("the ladder is empty; write steps like '1: warn; 2: ban, report'")
        steps: list[LadderStep] = []
        for raw in re.split(r"[;\n]", text):
            chunk = raw.strip()
            if not chunk:
                continue
            head, sep, body = chunk.partition(":")
            if not sep:
                raise LadderError(f"step {chunk!r}: expected 'THRESHOLD: action, action'")
            head = head.strip()
            if not re.fullmatch(r"\d{1,6}", head):
                raise LadderError(f"step {chunk!r}: threshold {head!r} is not a whole number >= 1")
            threshold = int(head)
            actions: list[Action] = []
            for item in body.split(","):
                words = item.split()
                if not words:
                    raise LadderError(f"step {threshold}: empty action")
                kind = words[0].lower()
                if kind not in ACTION_KINDS:
                    raise LadderError(
                        f"step {threshold}: unknown action {words[0]!r}; expected one of "
                        f"{', '.join(ACTION_KINDS)}"
                    )
                duration: int | None = None
                if len(words) > 2:
                    raise LadderError(f"step {threshold}: cannot read {item.strip()!r}")
                if len(words) == 2:
                    try:
                        duration = parse_duration(words[1])
                    except ConfigError as exc:
                        raise LadderError(f"step {threshold}: {exc}") from None
                try:
                    actions.append(Action(cast(ActionKind, kind), duration))
                except LadderError as exc:
                    raise LadderError(f"step {threshold}: {exc}") from None
            steps.append(LadderStep(threshold, tuple(actions)))
        thresholds = [s.threshold for s in steps]
        for threshold in thresholds:
            if thresholds.count(threshold) > 1:
                raise LadderError(f"step {threshold}: threshold listed twice")
        steps.sort(key=lambda s: s.threshold)
        return cls(tuple(steps), points if points is not None else DEFAULT_POINTS, decay_days)

    def to_text(self) -> str:
        return "; ".join(step.to_text() for step in self.steps)

    # -- JSON

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [
                {"threshold": s.threshold, "actions": [a.to_json() for a in s.actions]}
                for s in self.steps
            ],
            "points": dict(self.points),
            "decay_days": self.decay_days,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Any) -> Ladder:
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise LadderError(f"ladder JSON is not valid JSON: {exc}") from None
        if not isinstance(data, Mapping):
            raise LadderError("ladder JSON must be an object with 'steps'")
        unknown = set(data) - {"steps", "points", "decay_days"}
        if unknown:
            raise LadderError(f"unknown ladder field(s): {', '.join(sorted(unknown))}")
        raw_steps = data.get("steps")
        if not isinstance(raw_steps, list):
            raise LadderError("ladder JSON needs a list of 'steps'")
        steps: list[LadderStep] = []
        for raw in raw_steps:
            if not isinstance(raw, Mapping) or "threshold" not in raw or "actions" not in raw:
                raise LadderError(f"a step needs 'threshold' and 'actions': {raw!r}")
            threshold = raw["threshold"]
            if not isinstance(raw["actions"], list):
                raise LadderError(f"step {threshold}: 'actions' must be a list")
            try:
                actions = tuple(Action.from_json(a) for a in raw["actions"])
            except LadderError as exc:
                raise LadderError(f"step {threshold}: {exc}") from None
            steps.append(LadderStep(threshold, actions))
        points = data.get("points", DEFAULT_POINTS)
        if not isinstance(points, Mapping):
            raise LadderError("ladder 'points' must be an object")
        return cls(tuple(steps), points, data.get("decay_days", DEFAULT_DECAY_DAYS))


def default_ladder() -> Ladder:
    """1st strike: delete + warn; 2nd: delete + final warning + report; 3rd: delete + ban + report."""
    return Ladder(
        (
            LadderStep(1, (Action("delete"), Action("warn"))),
            LadderStep(2, (Action("delete"), Action("final_warn"), Action("report"))),
            LadderStep(3, (Action("delete"), Action("ban"), Action("report"))),
        )
    )


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """``"90"``, ``"90s"``, ``"10m"``, ``"1h30m"``, ``"7d"`` -> seconds."""
    cleaned = text.strip().lower()
    if re.fullmatch(r"\d{1,9}", cleaned):
        return int(cleaned)
    parts = re.findall(r"(\d{1,9})([smhdw])", cleaned)
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        raise ConfigError(f"cannot read duration {text!r}; write e.g. 60s, 10m, 1h, 7d")
    return sum(int(n) * _DURATION_UNITS[u] for n, u in parts)


def format_duration(seconds: int) -> str:
    """The shortest exact text form: 3600 -> ``1h``, 5400 -> ``1h30m``."""
    if seconds <= 0:
        return f"{seconds}s"
    out = []
    remaining = seconds
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


# --------------------------------------------------------------------------- history / decision


@dataclass(frozen=True, slots=True)
class StrikeRecord:
    """One entry of a member's history, as the store returns it.

    ``expires`` is ``created + decay`` as of the guild's current ladder (the store rewrites it
    when the decay window changes). A pardoned or expired strike stays in the history and no
    longer counts. ``points == 0`` marks a violation that was recorded but never counted
    (e.g. a photo with location data while location strikes are off).
    """

    id: int
    guild_id: int
    member_id: int
    channel_id: int
    message_ids: tuple[str, ...]
    kind: str
    category: str
    points: int
    created: datetime
    expires: datetime
    step_threshold: int | None = None
    pardoned_at: datetime | None = None
    pardoned_by: int | None = None
    pardon_reason: str | None = None
    shadow: bool = False
    # The learned model's verdict alone, held for the moderators' review (see
    # GuildConfig.for_review): recorded with 0 points, so it never counts on its own.
    review: bool = False

    @property
    def pardoned(self) -> bool:
        return self.pardoned_at is not None

    @property
    def shadow_only(self) -> bool:
        """Shadow mode alone: a strike held for review is stored in shadow too (nothing was
        done), but shows as held for review, which says more."""
        return self.shadow and not self.review

    def is_active(self, now: datetime, ladder: Ladder | None = None) -> bool:
        """Counts toward escalation at *now*: not pardoned, weighs > 0, younger than the decay.

        With *ladder* the decay window is the ladder's (what :func:`decide` uses); without, the
        stored ``expires``. A strike exactly ``decay_days`` old no longer counts.
        """
        if self.pardoned or self.points <= 0:
            return False
        return now < (self.expires_by(ladder) if ladder is not None else self.expires)

    def expires_by(self, ladder: Ladder) -> datetime:
        """When the strike stops counting under *ladder*'s decay (the stored ``expires`` is the
        decay of the day it was written)."""
        return self.created + ladder.decay


@dataclass(frozen=True, slots=True)
class Violation:
    """The new violation, as the policy sees it."""

    kind: str
    category: str
    points: int

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ConfigError(f"unknown category {self.category!r}")
        if self.points < 0:
            raise ConfigError(f"points must be >= 0, not {self.points}")


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do about a new violation.

    * ``actions`` — what to perform now (``delete`` first in enforce mode; only ``report`` in
      shadow mode).
    * ``intended_actions`` — what enforce mode would do (equal to ``actions`` unless shadow).
    * ``step`` — the ladder step applied (None when the violation does not count or the active
      points are below the first threshold).
    * ``active_strikes``/``active_points`` — counting the new violation.
    * ``next_step``/``points_to_next`` — what a further violation would reach (None at the top).
    """

    step: LadderStep | None
    actions: tuple[Action, ...]
    intended_actions: tuple[Action, ...]
    counted: bool
    points: int
    active_strikes: int
    active_points: int
    next_step: LadderStep | None
    points_to_next: int | None
    shadow: bool

    @property
    def action_kinds(self) -> tuple[str, ...]:
        return tuple(a.kind for a in self.actions)


def active_history(
    history: Iterable[StrikeRecord], ladder: Ladder, now: datetime
) -> list[StrikeRecord]:
    return [s for s in history if s.is_active(now, ladder)]


def decide(
    history: Iterable[StrikeRecord],
    new_violation: Violation,
    ladder: Ladder,
    now: datetime,
    *,
    shadow: bool = False,
) -> Decision:
    """Decide the actions for *new_violation* given the member's *history*. No I/O.

    Active points = points of non-pardoned strikes younger than ``ladder.decay_days`` at *now*
    (strictly: a strike exactly that old no longer counts) + the new violation's points.
    A violation weighing 0 points is recorded but does not escalate: enforce mode deletes and
    warns (the warning's text depends on the category), shadow mode reports.
    """
    active = active_history(history, ladder, now)
    return decide_from_totals(
        sum(s.points for s in active), len(active), new_violation, ladder, shadow=shadow
    )


def decide_from_totals(
    prior_points: int,
    prior_strikes: int,
    new_violation: Violation,
    ladder: Ladder,
    *,
    shadow: bool = False,
) -> Decision:
    """:func:`decide` given the totals of the member's ACTIVE history (same rules); the store
    computes those totals from narrow rows instead of building a record per past strike."""
    if prior_points < 0 or prior_strikes < 0:
        raise ConfigError("history totals cannot be negative")
    counted = new_violation.points > 0
    active_points = prior_points + new_violation.points
    active_strikes = prior_strikes + (1 if counted else 0)

    step: LadderStep | None
    if counted:
        step = ladder.step_for(active_points)
        step_actions = step.actions if step is not None else ()
    else:
        step = None
        step_actions = (Action("warn"),)

    # Deletion is the baseline in enforce mode; keep it first so the content disappears before
    # anything else (a DM or a ban) happens.
    intended = (Action("delete"), *(a for a in step_actions if a.kind != "delete"))
    actions: tuple[Action, ...] = (Action("report"),) if shadow else intended

    next_step = ladder.next_step_after(active_points)
    return Decision(
        step=step,
        actions=actions,
        intended_actions=intended,
        counted=counted,
        points=new_violation.points,
        active_strikes=active_strikes,
        active_points=active_points,
        next_step=next_step,
        points_to_next=(next_step.threshold - active_points) if next_step is not None else None,
        shadow=shadow,
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a member stands now (for ``/mystrikes`` and warnings)."""

    active: tuple[StrikeRecord, ...]
    active_points: int
    current_step: LadderStep | None
    next_step: LadderStep | None
    points_to_next: int | None


def standing(history: Iterable[StrikeRecord], ladder: Ladder, now: datetime) -> Standing:
    active = tuple(active_history(history, ladder, now))
    points = sum(s.points for s in active)
    next_step = ladder.next_step_after(points)
    return Standing(
        active=active,
        active_points=points,
        current_step=ladder.step_for(points),
        next_step=next_step,
        points_to_next=(next_step.threshold - points) if next_step is not None else None,
    )
