"""The detector: runs the rule packs over the normalised views of a message.

``Detector.scan(text)`` returns every contact detail or solicitation found, as
:class:`~bot.detect.findings.Finding` objects whose spans index the ORIGINAL text.
``Detector.explain(text)`` returns the same findings plus the normalised views, for the admin's
``contact-guard check`` and ``/guard test``.

Speed: every pattern is compiled once at load; views are built only when a rule needs them;
a rule with ``triggers`` runs only when one of its literals occurs in its view (one scan per
view and script, see _TriggerScan); a triggered rule's pattern runs only when a literal it
cannot match without occurs (see _required_literals); the phone pass is skipped on texts too
short to hold a number (see _PhonePass); on a long text, a pattern runs only in windows around
the literals its matches consume (see _windows). Each shortcut is exact, and tested against the
general path (tests/detect/test_prefilters.py, test_windows.py, test_properties.py,
test_rules_phone.py).
"""

from __future__ import annotations

import itertools
import logging
import re
import re._constants as _sre  # CPython's parse tree: see _required_literals
import re._parser as _sre_parser
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import regex

from bot.detect.allowlist import Allowlist
from bot.detect.findings import Finding
from bot.detect.normalize import (
    Normalizer,
    View,
    digit_view,
    estimate_digit_count,
    fold,
    literal_alternation,
)
from bot.detect.pattern_cache import pattern_cache
from bot.detect.phone import PhoneMatch, PhoneTuning, find_phone_numbers
from bot.detect.rules import Pattern, Rule, RuleSet, class_body, default_rules_dir, load_packs

__all__ = ["Detector", "Explanation", "default_rules_dir", "load_detector"]

log = logging.getLogger(__name__)

# One rule reports at most this many findings per message: a message is acted on as soon as it
# has one, and a flood of repeats ("LINE交換しよ " x 500) need not produce hundreds of findings.
# Only REPORTED findings count, so allow-listed identifiers cannot be used to push a real one
# past the cap.
MAX_FINDINGS_PER_RULE = 20
# Structural phone candidates examined per message (a message holding a hundred numbers is
# flagged long before the end).
MAX_PHONE_CANDIDATES = 100


@dataclass(frozen=True)
class Explanation:
    """Findings of one message together with the views the rules saw."""

    text: str
    findings: list[Finding]
    views: dict[str, str] = field(default_factory=dict)

    def marked(self, finding: Finding) -> str:
        """The original text with *finding*'s span between ⟦ and ⟧."""
        t = self.text
        return f"{t[: finding.start]}⟦{t[finding.start : finding.end]}⟧{t[finding.end :]}"

    def __str__(self) -> str:
        lines = [f"message: {self.text!r}"]
        if not self.findings:
            lines.append("findings: none")
        else:
            lines.append(f"findings ({len(self.findings)}):")
            for f in self.findings:
                lines.append(
                    f"  - {f.kind} ({f.category.value}) rule={f.rule_id} "
                    f"confidence={f.confidence:.2f} span={f.start}:{f.end} text={f.text!r}"
                )
                lines.append(f"      {self.marked(f)!r}")
        lines.append("views:")
        for name, view_text in self.views.items():
            lines.append(f"  {name:<7} {view_text!r}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _PhonePass:
    """One structural phone pass (rules with identical params share it per message), with the
    lengths below which a message cannot hold a number it reports."""

    key: str
    # The search's tuning. No reported number is shorter than its ``min_length``, the shortest
    # valid length (compared with the estimate of the digits a folded text may hold).
    tuning: PhoneTuning
    # Exact without any estimate: the digits view holds at most one digit per folded character
    # (a reading said twice, "double four", spends the word "double" on it), and no number the
    # pass reports has fewer digits than this: national numbers have 10 digits or more, "+"
    # numbers ``international_min`` or more (+81: 11), bridged ones ``mobile_length``.
    fewest_digits: int

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> _PhonePass:
        tuning = PhoneTuning.of(params)
        fewest = min(10, tuning.intl_min)
        if tuning.bridge:
            fewest = min(fewest, tuning.mobile_length)
        return cls(key=repr(sorted(params.items())), tuning=tuning, fewest_digits=fewest)


class _Views:
    """Lazily built views of one message (a rule only pays for the views it uses)."""

    __slots__ = ("_base", "_built", "_clusters", "_phones", "anchors", "long_texts", "normalizer", "text", "triggers")

    def __init__(
        self, text: str, normalizer: Normalizer, long_texts: Callable[[], _LongTexts] | None = None
    ) -> None:
        self.text = text
        self.normalizer = normalizer
        self.long_texts = long_texts
        self._base: View | None = None
        self._built: dict[str, View] = {}
        self._phones: dict[str, list[PhoneMatch]] = {}
        # view name -> trigger literals the scan found in it (each one occurs in the view)
        self.triggers: dict[str, set[str]] = {}
        # long texts (see _windows): view name -> where each anchor literal occurs in it; and
        # (view name, an anchor's literals) -> where any of them occurs, as clusters
        self.anchors: dict[str, dict[str, list[int]] | None] = {}
        self._clusters: dict[tuple[str, frozenset[str]], list[tuple[int, int]] | None] = {}

    def anchor_clusters(self, view_name: str, anchor: _Anchor) -> list[tuple[int, int]] | None:
        """Where the literals of *anchor* occur in the view *view_name*, as clusters (see
        _clusters)."""
        key = (view_name, anchor.literals)
        if key in self._clusters:
            return self._clusters[key]
        view_text = self.get(view_name).text
        if view_name in self.anchors:
            found = self.anchors[view_name]
        else:  # (a view without trigger literals: not scanned yet)
            scan = self.long_texts().scan_of(view_name) if self.long_texts is not None else None
            found = self.anchors[view_name] = scan.scan(view_text, set()) if scan is not None else None
        if found is None:
            self._clusters[key] = None
            return None
        lists = [found[literal] for literal in anchor.literals if literal in found]
        positions = lists[0] if len(lists) == 1 else sorted(itertools.chain.from_iterable(lists))
        clusters = self._clusters[key] = _clusters(positions, len(view_text))
        return clusters

    def phone_numbers(self, phone_pass: _PhonePass) -> list[PhoneMatch]:
        found = self._phones.get(phone_pass.key)
        if found is None:
            base_text = self.base().text
            if len(base_text) < phone_pass.fewest_digits:
                found = []  # (exact: see _PhonePass)
            # No number is shorter than the shortest valid length: skip building the view.
            # (Long texts are tokenised once anyway: the estimate would only double the work.)
            elif len(base_text) < 400 and estimate_digit_count(base_text) < phone_pass.tuning.min_length:
                found = []
            else:
                found = list(
                    itertools.islice(
                        find_phone_numbers(self.get("digits").text, phone_pass.tuning), MAX_PHONE_CANDIDATES
                    )
                )
            self._phones[phone_pass.key] = found
        return found

    def base(self) -> View:
        if self._base is None:
            self._base = fold(self.text)
        return self._base

    def get(self, name: str) -> View:
        view = self._built.get(name)
        if view is not None:
            return view
        if name == "raw":
            view = View("raw", self.text)
        elif name == "text":
            view = self.normalizer.text_view(self.base())
        elif name == "words":
            view = self.normalizer.words_view(self.get("text"))
        elif name == "digits":
            view = digit_view(self.base())
        else:  # pragma: no cover - rule loading rejects unknown views
            raise ValueError(f"unknown view {name!r}")
        self._built[name] = view
        return view


class Detector:
    """Runs a validated :class:`RuleSet`. Thread-safe (no per-message state is kept)."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.normalizer = Normalizer(rules.normalizer)
        # What each pattern cannot match without (see _required_literals) ...
        requirements = {rule.id: [_required_literals(p) for p in rule.patterns] for rule in rules.rules}
        # ... and, per view, the literals the trigger scan's findings may prove present.
        provable: dict[str, set[str]] = {}
        for rule in rules.rules:
            for pattern_requirements in requirements[rule.id]:
                provable.setdefault(rule.view, set()).update(*pattern_requirements)
        self._always, self._trigger_index, holders = _build_trigger_index(rules.rules, provable)
        # Phone rules with identical params share one structural pass per message.
        self._phone_passes = {
            rule.id: _PhonePass.of(rule.params) for rule in rules.rules if rule.detector == "phone"
        }
        # Views at least this long are scanned in windows (see _windows; tests lower it).
        self.windowed_from = WINDOWED_FROM
        self._pattern_plans = {
            rule.id: tuple(
                _plan_pattern(pattern, pattern_requirements, rule, holders.get(rule.view, {}))
                for pattern, pattern_requirements in zip(rule.patterns, requirements[rule.id], strict=True)
            )
            for rule in rules.rules
        }
        # What long texts need (see _windows), built when the first one comes: most runs (a bulk
        # scan of short messages) never need it, and start-up is part of their time.
        self._long_texts: _LongTexts | None = None

    def _long_text_support(self) -> _LongTexts:
        if self._long_texts is None:
            self._long_texts = _LongTexts.of(self.rules.rules, self._pattern_plans, self._trigger_index)
        return self._long_texts

    # ---- public API ----------------------------------------------------------------------

    def scan(self, text: str, allowlist: Allowlist | None = None) -> list[Finding]:
        """Every finding in *text*, sorted by start. Never raises on a string."""
        return self._scan(text, allowlist, _Views(text, self.normalizer, self._long_text_support))

    def explain(self, text: str, allowlist: Allowlist | None = None) -> Explanation:
        views = _Views(text, self.normalizer, self._long_text_support)
        findings = self._scan(text, allowlist, views)
        return Explanation(
            text=text,
            findings=findings,
            views={name: views.get(name).text for name in ("text", "words", "digits")},
        )

    # ---- internals -----------------------------------------------------------------------

    def _scan(self, text: str, allowlist: Allowlist | None, views: _Views) -> list[Finding]:
        if not isinstance(text, str):
            raise TypeError(f"scan() needs a str, not {type(text).__name__}")
        findings: list[Finding] = []
        if not text or text.isspace():
            return findings
        active = set(self._always)
        try:
            for view_name, (scan, table) in self._trigger_index.items():
                view_text = views.get(view_name).text
                found = views.triggers[view_name] = set()
                long_scan = (
                    self._long_text_support().scan_of(view_name)
                    if len(view_text) >= self.windowed_from
                    else None
                )
                if long_scan is not None:
                    views.anchors[view_name] = long_scan.scan(view_text, found)
                else:
                    for findall in scan.findalls:  # (scan.findall, without a call in between)
                        found.update(findall(view_text))
                for literal in found:
                    active.update(table[literal])
        except Exception:  # a normalisation defect: run every rule rather than none
            log.exception("trigger scan failed on a message of %d characters", len(text))
            active = set(range(len(self.rules.rules)))
        rules = self.rules.rules
        for index in sorted(active):
            rule = rules[index]
            try:
                self._run_rule(rule, text, allowlist, views, findings)
            except Exception:  # a defect in one rule must not silence all the others
                log.exception("rule %s failed on a message of %d characters", rule.id, len(text))
        return _deduplicate(findings)

    def _run_rule(
        self,
        rule: Rule,
        text: str,
        allowlist: Allowlist | None,
        views: _Views,
        out: list[Finding],
    ) -> None:
        if rule.detector == "phone":
            matches = views.phone_numbers(self._phone_passes[rule.id])
            if not matches:
                return  # (most texts: decided without building the digits view)
            digits = views.get("digits")
            reported = 0
            for match in matches:
                start, end = digits.original_span(match.start, match.end)
                confidence = min(rule.confidence, match.confidence)
                if match.shape == "bridged":
                    bridge = _bridge_length(text, start, end, digits, match, rule)
                    if bridge is None:
                        continue
                    if bridge == "wordy":
                        # "starts with 080, then 6637, ends with 5521": English words between
                        # the groups; reported only with a phone word nearby
                        confidence -= rule.context.raise_by
                if match.shape == "nanp" and len(set(match.digits)) > 2 and _drawn_nanp(text, digits, match):
                    # the 3-3-4 groups drawn with one dash or dot ("617-555-0138",
                    # "6 1 7 - 5 5 5 - 0 1 3 8") say "phone number" as a phone word does
                    confidence += rule.context.raise_by
                reported += self._emit(rule, text, start, end, match.digits, confidence, allowlist, views, out)
                if reported >= MAX_FINDINGS_PER_RULE:
                    return
            return
        view = views.get(rule.view)
        view_text = view.text
        if not view_text:
            return
        reported = 0
        found = views.triggers.get(rule.view, ())
        window_plans = (
            self._long_text_support().plans[rule.id] if len(view_text) >= self.windowed_from else None
        )
        for number, plan in enumerate(self._pattern_plans[rule.id]):
            passed = True  # (exact: see _required_literals; inlined: this loop is hot)
            for gate in plan.gates:
                if gate.one_of is not None:
                    for literal in gate.one_of:
                        if literal in view_text:
                            break
                    else:
                        passed = False
                        break
                elif (
                    gate.search is not None
                    and gate.proven_by.isdisjoint(found)
                    and gate.search(view_text) is None
                ):
                    passed = False
                    break
            if not passed:
                continue
            windowed = window_plans[number] if window_plans is not None else None
            if windowed is not None:
                windows = _windows(view_text, windowed, views, rule.view)
                if windows is not None:
                    if not windows:
                        continue
                    matches: Iterable[re.Match[str]] = _windowed_matches(plan.pattern, view_text, windows, windowed)
                else:
                    matches = plan.pattern.finditer(view_text)
            else:
                matches = plan.pattern.finditer(view_text)
            for match in matches:
                span_group = "span" if plan.has_span and match.start("span") >= 0 else 0
                v_start, v_end = match.span(span_group)
                if v_end <= v_start:
                    continue
                start, end = view.original_span(v_start, v_end)
                value = ""
                if allowlist and rule.allow is not None:
                    value = _value_text(text, view, match, span_group, plan.pattern)
                kind = _matched_kind(rule, match) if rule.group_kinds else None
                reported += self._emit(
                    rule, text, start, end, value, rule.confidence, allowlist, views, out, kind
                )
                if reported >= MAX_FINDINGS_PER_RULE:
                    return  # the message is flagged many times over

    def _emit(
        self,
        rule: Rule,
        text: str,
        start: int,
        end: int,
        value: str,
        confidence: float,
        allowlist: Allowlist | None,
        views: _Views,
        out: list[Finding],
        kind: str | None = None,
    ) -> bool:
        """Append the finding unless context, threshold or allow-list rule it out. *kind*
        replaces the rule's main kind (a ``kind_*`` group matched)."""
        if not 0 <= start < end <= len(text):
            return False
        context = rule.context
        if context.raise_re is not None or context.lower_re is not None:
            words = views.get("words")
            w_start = words.view_index(start)
            w_end = words.view_index(end)
            region = _context_region(words.text, w_start - context.window, w_end + context.window)
            if context.raise_re is not None and context.raise_re.search(region):
                confidence += context.raise_by
            if context.lower_re is not None and context.lower_re.search(region):
                confidence -= context.lower_by
            confidence = min(1.0, max(0.0, confidence))
        if confidence < rule.threshold:
            return False
        if allowlist and _allowed(rule, value, allowlist):
            return False
        matched = text[start:end]
        for reported_kind in (kind or rule.kind, *rule.also_kinds):
            out.append(
                Finding(reported_kind, rule.category, start, end, matched, rule.id, round(confidence, 3))
            )
        return True


def _matched_kind(rule: Rule, match: re.Match[str] | regex.Match[str]) -> str:
    """The kind of *match*: its ``[rule.kind_by]`` group's text classified, else the first
    ``kind_*`` group that took part in it, else the rule's kind."""
    if rule.kind_group is not None:
        text = match.group(rule.kind_group)
        if text:
            for kind, pattern in rule.kind_by:
                if pattern.fullmatch(text):
                    return kind
        return rule.kind
    for kind in rule.group_kinds:
        name = "kind_" + kind
        if name in match.re.groupindex and match.start(name) >= 0:
            return kind
    return rule.kind


def _trigger_view(rule: Rule) -> str:
    """Where a rule's trigger literals are looked for: its own view, except that the digits
    view has no words, so digit rules (a platform named near a number) look in the words view."""
    return "words" if rule.view == "digits" else rule.view


@dataclass(frozen=True, slots=True)
class _TriggerScan:
    """Finds the trigger literals of one view: one ``findall`` per group of literals.

    The standard library's engine tries every alternative of the literals' trie at each
    position whose character may start a literal, so a view with many literals in several
    scripts pays for all of them at every character. Split into groups that share no character
    (Latin/ASCII literals, the others), each findall skips the other groups' text in C.

    Each findall reports, at every position where a literal of its group starts, the longest
    one starting there (the literals inside it are switched on through the table).

    Exact: a literal of one group cannot start where another group's literal starts (they
    share no character), so each group's findall reports at its positions what one findall of
    all the literals reports there: the literals found are the same.
    """

    findalls: tuple[Callable[[str], list[str]], ...]

    def findall(self, text: str) -> list[str]:
        return [literal for findall in self.findalls for literal in findall(text)]


# Letters of the words a context window must not cut in two (Latin: Japanese runs have no
# spaces, and widening to their ends would take in whole sentences).
_LATIN_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'")


# How far a window is widened to finish a word: longer runs (a digit run, a code) hold no
# context word, and widening through them for every finding would make long texts quadratic.
_CONTEXT_WORD_REACH = 16


def _context_region(text: str, start: int, end: int) -> str:
    """``text[start:end]`` (clamped), widened to whole Latin words at both ends (by at most
    _CONTEXT_WORD_REACH characters each): a window that cut "can't see" to "can't se" read a
    different phrase from the one written."""
    start = max(0, start)
    end = min(len(text), end)
    word = _LATIN_WORD_CHARACTERS
    floor = max(0, start - _CONTEXT_WORD_REACH)
    while start > floor and start < len(text) and text[start] in word and text[start - 1] in word:
        start -= 1
    ceiling = min(len(text), end + _CONTEXT_WORD_REACH)
    while 0 < end < ceiling and text[end] in word and text[end - 1] in word:
        end += 1
    return text[start:end]


def _overlapping_findall(pattern: re.Pattern[str]) -> Callable[[str], list[str]]:
    """The longest literal starting at every position where one starts, overlapping or not.

    A findall resumes after each literal it finds: in "started another one", which holds
    "started a" and "another one", it would never see the second. Searching again from just
    after each literal's start finds it. (A lookahead findall, ``(?=(...))``, would do the same
    in one call but loses the engine's first-character skip: +17% per message.) Most views
    hold no literal at all and cost one search."""
    search = pattern.search

    def every_literal(text: str) -> list[str]:
        found: list[str] = []
        match = search(text)
        while match is not None:
            found.append(match.group())
            match = search(text, match.start() + 1)
        return found

    return every_literal


# A group of literals gets a findall of its own when both groups have this many different
# first characters (alternatives of the trie's root): fewer are cheaper than one more call.
_MIN_GROUP_FIRST_CHARACTERS = 16


def _literal_groups(literals: Sequence[str]) -> list[list[str]]:
    """*literals* split into groups with no character in common (see _TriggerScan): the
    literals made of ASCII only, and the others, unless they share a character (a literal
    mixing scripts) or one side is too small to pay."""
    ascii_group = [literal for literal in literals if literal.isascii()]
    other_group = [literal for literal in literals if not literal.isascii()]
    if (
        not set("".join(ascii_group)).isdisjoint("".join(other_group))
        or min(len({w[0] for w in ascii_group}), len({w[0] for w in other_group})) < _MIN_GROUP_FIRST_CHARACTERS
    ):
        return [list(literals)]
    return [ascii_group, other_group]


def _build_trigger_index(
    rules: Sequence[Rule], provable: Mapping[str, set[str]]
) -> tuple[
    list[int],
    dict[str, tuple[_TriggerScan, dict[str, frozenset[int]]]],
    dict[str, dict[str, set[str]]],
]:
    """Rules without triggers (always run); per view, a scan for every trigger literal with
    the rules each found literal switches on (a literal found also switches on the rules of
    every shorter literal inside it, because the scan reports the longest literal starting at
    each position); and
    per view, the trigger literals that hold a string of *provable* (see _holders)."""
    always: list[int] = []
    by_view: dict[str, dict[str, set[int]]] = {}
    for index, rule in enumerate(rules):
        if not rule.triggers:
            always.append(index)
            continue
        table = by_view.setdefault(_trigger_view(rule), {})
        for literal in rule.triggers:
            table.setdefault(literal, set()).add(index)
    index_by_view: dict[str, tuple[_TriggerScan, dict[str, frozenset[int]]]] = {}
    holders_by_view: dict[str, dict[str, set[str]]] = {}
    for view_name, table in by_view.items():
        literals = sorted(table, key=len, reverse=True)
        holders = holders_by_view[view_name] = _holders(literals, provable.get(view_name, set()) | set(table))
        # (the literals inside one are among its substrings: looked up, rather than compared
        # with every other literal)
        closing: dict[str, set[int]] = {literal: set() for literal in literals}
        for inner, switched_on in table.items():
            for holder in holders[inner]:
                closing[holder].update(switched_on)
        closed = {literal: frozenset(closing[literal]) for literal in literals}
        # The standard library's engine is several times faster than `regex` on an
        # alternation of literals; written as a trie, it finds the same (longest) literal.
        scan = _TriggerScan(
            tuple(
                _overlapping_findall(pattern_cache.compile(_alternation_source(group)))
                for group in _literal_groups(literals)
            )
        )
        index_by_view[view_name] = (scan, closed)
    return always, index_by_view, holders_by_view


# ---------------------------------------------------------------------------------------------
# Required literals: skipping a pattern that cannot match
#
# A triggered rule runs each of its patterns over its view, and one pattern call costs ~0.5-1 us
# on a short message even when nothing matches (the engine tries the pattern at every position).
# Most patterns cannot match unless one of a few literals occurs in the text ("hmu", "dm",
# "got|have|use"); `in`, or a search for those literals, costs a fraction of that and skips the
# pattern when they are absent.
#
# Exact by construction: the literals are read off the pattern's parse tree so that the text of
# every match holds one of them (for a positive lookaround: the text around the match). A
# pattern whose literals cannot be told (case-insensitive, the `regex` module's) always runs.
# ---------------------------------------------------------------------------------------------

# What a parse-tree node tells: (exact, requirements).
#   exact:        every string the node can match, when there are few (else None);
#   requirements: sets of literals such that, wherever the node matches, the text holds one
#                 literal of EACH set (none known: empty).
_Requirements = tuple[frozenset[str], ...]
_Literals = tuple[frozenset[str] | None, _Requirements]

# Exactly known stretches ("lines?", "[.!?] ") multiply their strings: keep them small.
_MAX_EXACT_STRINGS = 64
_MAX_CLASS_CHARS = 16
# Up to this many literals, `in` each is cheaper than a search call (~150 ns on a short text).
_MAX_LITERALS_BY_IN = 3
# Requirements kept per pattern (the most selective), for the rule to choose from.
_KEPT_REQUIREMENTS = 8
_UNKNOWN: _Literals = (None, ())
_ZERO_WIDTH: _Literals = (frozenset({""}), ())
_CASE_FLAGS = re.IGNORECASE | re.LOCALE


class _Unanalysable(Exception):
    """Case-insensitive matching inside the pattern: its literals do not say what it matches."""


@dataclass(frozen=True, slots=True)
class _Gate:
    """A requirement of a pattern, as checked before running it: the pattern cannot match
    unless one of *one_of* (a few literals) is in the view, or else unless *search* (for one
    of several literals) finds something."""

    one_of: tuple[str, ...] | None = None
    search: Callable[[str], object] | None = None
    # Trigger literals of the view that hold one of search's literals: the trigger scan found
    # one of them in the view, and the search would find something too.
    proven_by: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _PatternPlan:
    """A rule's pattern with what is derived from it once, at load."""

    pattern: Pattern
    has_span: bool  # a ``span`` group marks the part of a match that is reported
    gates: tuple[_Gate, ...] = ()  # the pattern runs only when each passes


# Requirements checked per pattern, most selective first: a further check costs ~0.1 us when
# the ones before it pass, a pattern run 0.3-5 us. (One check -> three: ~1 % fewer instructions
# per message of the benchmark stream.)
_MAX_GATES = 3


def _plan_pattern(
    pattern: Pattern, requirements: _Requirements, rule: Rule, holders: Mapping[str, set[str]]
) -> _PatternPlan:
    """The pattern with the most selective of its *requirements* that a run of *rule* does not
    already prove (up to _MAX_GATES), as checks before running it. *holders*: the
    trigger literals of the rule's view that hold a given string (see _holders)."""
    has_span = "span" in pattern.groupindex
    own_triggers = frozenset(rule.triggers) if _trigger_view(rule) == rule.view else frozenset()
    gates: list[_Gate] = []
    for literals in requirements:
        # Trigger literals that hold one of the literals: found by the trigger scan, they
        # prove the requirement met.
        proven_by = frozenset().union(*(holders.get(literal, ()) for literal in literals))
        if own_triggers and own_triggers <= proven_by:
            # The rule runs (outside the all-rules fallback) only when one of its own triggers
            # is in its view: every run already meets this requirement.
            continue
        if len(literals) <= _MAX_LITERALS_BY_IN:
            gates.append(_Gate(one_of=tuple(sorted(literals))))
        else:
            search = pattern_cache.compile(_alternation_source(literals)).search
            gates.append(_Gate(search=search, proven_by=proven_by))
        if len(gates) == _MAX_GATES:
            break
    return _PatternPlan(pattern, has_span, tuple(gates))


def _holders(triggers: Iterable[str], wanted: set[str]) -> dict[str, set[str]]:
    """Each of *wanted* that is a substring of one of *triggers* -> the triggers that hold it."""
    holders: dict[str, set[str]] = {}
    for trigger in triggers:
        for inner in _substrings(trigger) & wanted:
            holders.setdefault(inner, set()).add(trigger)
    return holders


def _substrings(text: str) -> set[str]:
    return {text[start:end] for start in range(len(text)) for end in range(start + 1, len(text) + 1)}


def _alternation_source(literals: Iterable[str]) -> str:
    """``literal_alternation(literals)``, from the start-up cache when an earlier process built
    it (building the trie in Python costs more than compiling it from the cache)."""
    words = sorted(set(literals))
    if _DERIVED_VERSION is None or any("\0" in word for word in words):
        return literal_alternation(words)
    return pattern_cache.derived(
        f"literal-trie-{_DERIVED_VERSION}", "\0".join(words), lambda: literal_alternation(words)
    )


def _derived_version() -> str | None:
    """Names what this module keeps in the start-up cache (literal tries, required literals)
    by the code that derives them (this file and normalize.py's literal_alternation): another
    version never reads what this one derived. None: not cached."""
    try:
        source = Path(__file__).read_bytes() + Path(__file__).with_name("normalize.py").read_bytes()
    except OSError:
        return None
    return f"{zlib.crc32(source):08x}"


_DERIVED_VERSION = _derived_version()


def _required_literals(pattern: Pattern) -> _Requirements:
    """Sets of literals, the most selective first, such that every text *pattern* matches
    holds a literal of each set; none when that cannot be told.

    Parsing the packs' patterns takes tens of milliseconds: the result is kept in the start-up
    cache beside the compiled programs (literals joined by NUL, sets by SOH)."""
    if not isinstance(pattern, re.Pattern) or pattern.flags & _CASE_FLAGS:
        return ()
    source, flags = pattern.pattern, pattern.flags
    if not isinstance(source, str):
        return ()
    if _DERIVED_VERSION is None:
        joined = _joined_requirements(source, flags)
    else:
        joined = pattern_cache.derived(
            f"required-literals-{_DERIVED_VERSION}-{flags}", source, lambda: _joined_requirements(source, flags)
        )
    return tuple(frozenset(literals.split("\0")) for literals in joined.split("\1")) if joined else ()


def _joined_requirements(source: str, flags: int) -> str:
    try:
        tree = _sre_parser.parse(source, flags)
        if tree.state.flags & _CASE_FLAGS:
            return ""
        requirements = _sequence_literals(tree)[1]
    except (_Unanalysable, re.error, RecursionError, AttributeError, TypeError, ValueError):
        return ""  # (AttributeError/TypeError/ValueError: another Python's parse tree)
    # (minimised, the best few only: a long pattern has hundreds of requirements)
    best = sorted(set(requirements), key=_selectivity)[: 2 * _KEPT_REQUIREMENTS]
    kept: list[frozenset[str]] = []
    for literals in sorted({_minimal(r) for r in best}, key=_selectivity):
        if not any("\0" in literal or "\1" in literal for literal in literals):
            kept.append(literals)
    return "\1".join("\0".join(sorted(literals)) for literals in kept[:_KEPT_REQUIREMENTS])


def _sequence_literals(items: Iterable[tuple[Any, Any]]) -> _Literals:
    """A sequence matches its items one after the other: a stretch of exactly known items
    matches one of the concatenations of their strings (zero-width items add nothing), and
    every item's own requirements hold as well."""
    requirements: list[frozenset[str]] = []
    stretch: set[str] = {""}
    exact_throughout = True
    for op, av in items:
        exact, required = _item_literals(op, av)
        requirements.extend(required)
        if exact is not None:
            joined = {before + after for before in stretch for after in exact}
            if len(joined) <= _MAX_EXACT_STRINGS:
                stretch = joined
                continue
        exact_throughout = False
        if "" not in stretch:  # (a stretch that may match nothing requires nothing)
            requirements.append(frozenset(stretch))
        stretch = set(exact) if exact is not None else {""}
    if "" not in stretch:
        requirements.append(frozenset(stretch))
    return (frozenset(stretch) if exact_throughout else None), tuple(requirements)


def _item_literals(op: Any, av: Any) -> _Literals:
    if op is _sre.LITERAL:
        return frozenset({chr(av)}), ()
    if op is _sre.IN:
        chars: set[str] = set()
        for item_op, item_av in av:
            if item_op is _sre.LITERAL:
                chars.add(chr(item_av))
            elif item_op is _sre.RANGE and item_av[1] - item_av[0] < _MAX_CLASS_CHARS:
                chars.update(map(chr, range(item_av[0], item_av[1] + 1)))
            else:  # a negated class, \s, \w ...
                return _UNKNOWN
        return (frozenset(chars), ()) if len(chars) <= _MAX_CLASS_CHARS else _UNKNOWN
    if op is _sre.BRANCH:
        alternatives = [_sequence_literals(alternative) for alternative in av[1]]
        exact: frozenset[str] | None = None
        if all(e is not None for e, _ in alternatives):
            union = frozenset().union(*(e for e, _ in alternatives if e is not None))
            exact = union if len(union) <= _MAX_EXACT_STRINGS else None
        # a match is a match of one alternative: it holds one of what the alternatives require
        if all(required for _, required in alternatives):
            best = (
                required[0] if len(required) == 1 else min(required, key=_selectivity)
                for _, required in alternatives
            )
            return exact, (frozenset().union(*best),)
        return exact, ()
    if op is _sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if (add_flags | del_flags) & _CASE_FLAGS:
            raise _Unanalysable
        return _sequence_literals(sub)
    if op is _sre.ATOMIC_GROUP:
        return _sequence_literals(av)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        minimum, maximum, sub = av
        exact, required = _sequence_literals(sub)
        if minimum == 0:  # may match nothing: requires nothing
            return (exact | {""} if exact is not None and maximum == 1 else None), ()
        return (exact if minimum == maximum == 1 else None), required
    if op is _sre.AT or op is _sre.ASSERT_NOT:
        return _ZERO_WIDTH
    if op is _sre.ASSERT:  # zero-width, but what it looks at is in the text
        return _ZERO_WIDTH[0], _sequence_literals(av[1])[1]
    return _UNKNOWN  # any character, a negated literal, a back-reference, a conditional ...


# ---------------------------------------------------------------------------------------------
# Windows: patterns on long texts
#
# A long text (a 4,000-character post) switches on nearly every rule and passes nearly every
# gate, and each pattern then attempts a match at every position of the view: ~0.1-0.4 ms per
# pattern, 10-20 ms per text. Yet a match is short (the packs' patterns match at most a few
# hundred characters, most under 60) and holds a literal of each of a few sets (its anchors,
# found like the requirements above, but in what the match itself consumes). On a view of
# WINDOWED_FROM characters or more, a pattern therefore runs only over the windows around the
# occurrences of its anchors' literals.
#
# Exact by construction:
# - A match consumes at most *width* characters (the pattern has no unbounded repeat outside
#   its lookarounds) and holds an occurrence of each anchor, so it lies within *width* of one
#   occurrence of every anchor: inside one window. No match starts between windows.
# - A run over a window is given an end (``endpos``) past every character that an attempt
#   started inside the window can read (what it consumes, its lookaheads, boundary checks), so
#   each attempt decides as on the whole view. Matches starting past the window are dropped (an
#   attempt there may have read up to the end). Lookbehinds are not cut: the run starts at
#   ``pos``, which leaves the text before it visible.
# - How far an attempt reads: at most *reads* characters that are not in *runs* (the characters
#   a lookahead's unbounded repeat, ``[0-9]+`` in "not a version", may take any number of), and
#   any number of characters in *runs*, from its start.
# Window after window, the runs meet the same matches in the same order as one run over the
# whole view. test_prefilters.py compares both on long texts.
# ---------------------------------------------------------------------------------------------

# Views of at least this many characters are scanned in windows. (Below it the searches placing
# them would cost about what they save: a 25-character message runs each pattern once.)
WINDOWED_FROM = 800
# Requirements used as anchors (each further one narrows the windows).
_MAX_ANCHORS = 3
# Single characters that are rare in ordinary text (other single characters and two-letter
# Latin words, "on", "ig", occur all over a long text: an anchor holding one would only cost
# the pass that finds its literals).
_RARE_CHARACTERS = frozenset("@＠")
# Occurrences closer than this after one already placed only widen its window (one search per
# step rather than per occurrence on a text dense with the literals).
_ANCHOR_STEP = 32
# Windows covering more than 1/this of a text are not worth placing further.
_WHOLE_TEXT_SHARE = 2
# A view holding an anchor literal at one position in this many or more is run whole: its
# windows would cover it (and finding every literal costs about a run of a pattern).
_MOST_HITS_PER = 8


@dataclass(frozen=True, slots=True)
class _Anchor:
    """Literals one of which every match consumes: a search for any of them."""

    literals: frozenset[str]
    longest: int


@dataclass(frozen=True, slots=True)
class _WindowPlan:
    width: int  # the most characters a match consumes
    anchors: tuple[_Anchor, ...]
    reads: int  # see above
    # From a window's end: the end of the stretch an attempt inside it may read (a match of
    # ``(?:[runs]*+.){reads}``); None when *runs* is empty (the end is ``reads`` further).
    read_end: Callable[[str, int], re.Match[str] | None] | None

    def endpos(self, text: str, window_end: int) -> int:
        length = len(text)
        if self.read_end is None:
            return min(length, window_end + self.reads + 1)
        stretch = self.read_end(text, window_end)
        return length if stretch is None else min(length, stretch.end() + 1)


def _window_plan(pattern: Pattern) -> _WindowPlan | None:
    """How *pattern* is run on long texts; None: over the whole view (a match may be long, or
    consume no literal that can be told)."""
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    source, flags = pattern.pattern, pattern.flags
    if pattern.flags & _CASE_FLAGS:
        return None
    compute = lambda: _joined_window_plan(source, flags)  # noqa: E731
    joined = (
        compute()
        if _DERIVED_VERSION is None
        else pattern_cache.derived(f"window-plan-{_DERIVED_VERSION}-{flags}", source, compute)
    )
    if not joined:
        return None
    width, reads, runs, *anchor_sets = joined.split("\1")
    anchors = tuple(
        _Anchor(literals, max(map(len, literals)))
        for literals in (frozenset(joined_set.split("\0")) for joined_set in anchor_sets)
    )
    read_end = (
        pattern_cache.compile(f"(?s:(?:[{runs}]*+.){{{int(reads)}}})").match if runs else None
    )
    return _WindowPlan(int(width), anchors, int(reads), read_end)


def _joined_window_plan(source: str, flags: int) -> str:
    """width, reads, runs and the anchors' literals, joined by SOH (literals by NUL); "" when
    the pattern is not run in windows."""
    try:
        tree = _sre_parser.parse(source, flags)
        if tree.state.flags & _CASE_FLAGS:
            return ""
        width = tree.getwidth()[1]
        if width >= _sre.MAXREPEAT:
            return ""
        runs: list[str] = []
        _consumed, reads = _read_extent(tree, runs)
        consumed = _without_lookarounds(tree)
        requirements = _sequence_literals(consumed)[1]
    except (_Unanalysable, _Unbounded, re.error, RecursionError, AttributeError, TypeError, ValueError):
        return ""  # (AttributeError/TypeError/ValueError: another Python's parse tree)
    anchors = [
        literals
        for literals in sorted({_minimal(r) for r in requirements}, key=_selectivity)
        if literals and all(map(_rare, literals))
    ][:_MAX_ANCHORS]
    if not anchors:
        return ""
    if any("\0" in literal or "\1" in literal for literals in anchors for literal in literals):
        return ""
    return "\1".join(
        [str(width), str(reads), "".join(dict.fromkeys(runs)), *("\0".join(sorted(a)) for a in anchors)]
    )


class _Unbounded(Exception):
    """A part of a pattern reads arbitrarily far in a way _read_extent cannot bound."""


def _read_extent(items: Iterable[tuple[Any, Any]], runs: list[str]) -> tuple[int, int]:
    """(consumed, reads) of a sequence: at most *consumed* characters not in *runs* are
    consumed, and at most *reads* are read (counted the same way), from its start. The
    character classes that unbounded repeats take are added to *runs*."""
    consumed = reads = 0
    for op, av in items:
        item_consumed, item_reads = _item_read_extent(op, av, runs)
        reads = max(reads, consumed + item_reads)
        consumed += item_consumed
    return consumed, reads


def _item_read_extent(op: Any, av: Any, runs: list[str]) -> tuple[int, int]:
    if op is _sre.LITERAL or op is _sre.NOT_LITERAL or op is _sre.IN or op is _sre.ANY:
        return 1, 1
    if op is _sre.AT:
        return 0, 1  # (\b, $: look at the next character)
    if op is _sre.ASSERT or op is _sre.ASSERT_NOT:
        direction, sub = av
        if direction < 0:
            return 0, 0  # a lookbehind reads before the attempt's start: never cut off
        return 0, _read_extent(sub, runs)[1]
    if op is _sre.BRANCH:
        extents = [_read_extent(alternative, runs) for alternative in av[1]]
        return max(c for c, _ in extents), max(r for _, r in extents)
    if op is _sre.SUBPATTERN:
        return _read_extent(av[3], runs)
    if op is _sre.ATOMIC_GROUP:
        return _read_extent(av, runs)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        _minimum, maximum, sub = av
        if maximum < _sre.MAXREPEAT:
            consumed, reads = _read_extent(sub, runs)
            if maximum == 0:
                return 0, 0
            return maximum * consumed, (maximum - 1) * consumed + reads
        runs.extend(_run_classes(sub))
        return 0, 1  # (any run of *runs*, then the character that ends it)
    raise _Unbounded  # a back-reference, a conditional ...


def _run_classes(items: Iterable[tuple[Any, Any]]) -> list[str]:
    """Class-body sources of every character an unbounded repeat of *items* can consume; raises
    _Unbounded unless it consumes only listed characters (no lookaround either)."""
    classes: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            classes.append(class_body([(op, av)]) or "")
        elif op is _sre.IN:
            body = class_body(av)
            if body is None:
                raise _Unbounded  # a negated class: nearly every character
            classes.append(body)
        elif op is _sre.BRANCH:
            for alternative in av[1]:
                classes.extend(_run_classes(alternative))
        elif op is _sre.SUBPATTERN:
            classes.extend(_run_classes(av[3]))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            classes.extend(_run_classes(av[2]))
        else:
            raise _Unbounded
    return classes


def _rare(literal: str) -> bool:
    """*literal* is selective enough for an anchor (see _RARE_CHARACTERS), and of one script:
    a literal mixing ASCII with other characters would keep the long-text scan from splitting
    its literals into groups (see _TriggerScan), which costs it five times more on Latin text."""
    if not literal.isascii() and any(character.isascii() for character in literal):
        return False
    return len(literal) >= 3 or (len(literal) == 2 and not literal.isascii()) or literal in _RARE_CHARACTERS


def _without_lookarounds(items: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The parse tree without its lookarounds: what a match consumes (its requirements are
    literals inside the match itself)."""
    kept: list[tuple[Any, Any]] = []
    for op, av in items:
        if op is _sre.ASSERT or op is _sre.ASSERT_NOT:
            continue
        if op is _sre.BRANCH:
            av = (av[0], [_without_lookarounds(alternative) for alternative in av[1]])
        elif op is _sre.SUBPATTERN:
            av = (*av[:3], _without_lookarounds(av[3]))
        elif op is _sre.ATOMIC_GROUP:
            av = _without_lookarounds(av)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            av = (av[0], av[1], _without_lookarounds(av[2]))
        kept.append((op, av))
    return kept


class _LongTexts:
    """How each pattern runs on long texts (see _windows), and per view the scan that finds its
    trigger and anchor literals (see _LongTextScan), built when first needed: the tries of a
    view's scan compile to ~0.7 MB."""

    def __init__(
        self,
        plans: Mapping[str, tuple[_WindowPlan | None, ...]],
        literals: Mapping[str, tuple[Iterable[str], set[str]]],
    ) -> None:
        self.plans = plans  # rule id -> the window plan of each of its patterns
        self._literals = literals  # view -> (trigger literals, anchor literals)
        self._scans: dict[str, _LongTextScan] = {}

    @classmethod
    def of(
        cls,
        rules: Sequence[Rule],
        pattern_plans: Mapping[str, tuple[_PatternPlan, ...]],
        trigger_index: Mapping[str, tuple[_TriggerScan, Mapping[str, frozenset[int]]]],
    ) -> _LongTexts:
        plans = {rule.id: tuple(_window_plan(plan.pattern) for plan in pattern_plans[rule.id]) for rule in rules}
        anchors: dict[str, set[str]] = {}
        for rule in rules:
            for window_plan in plans[rule.id]:
                if window_plan is not None:
                    for anchor in window_plan.anchors:
                        anchors.setdefault(rule.view, set()).update(anchor.literals)
        literals = {
            view: (tuple(trigger_index[view][1]) if view in trigger_index else (), found)
            for view, found in anchors.items()
        }
        return cls(plans, literals)

    def scan_of(self, view: str) -> _LongTextScan | None:
        """The scan of *view*; None when none of its patterns runs in windows."""
        if view not in self._literals:
            return None
        built = self._scans.get(view)
        if built is None:
            triggers, anchors = self._literals[view]
            built = self._scans[view] = _LongTextScan.of(triggers, anchors)
        return built


@dataclass(frozen=True, slots=True)
class _LongTextScan:
    """On a long text, one scan of a view finds its trigger literals (as _TriggerScan does)
    and where every anchor literal of its patterns occurs (see _windows): one walk of one trie
    instead of two."""

    searches: tuple[Callable[..., re.Match[str] | None], ...]  # one per group (_literal_groups)
    # a literal found (the longest of all starting at its position) -> the longest trigger
    # literal it starts with (the one _TriggerScan finds there), and the anchor literals it
    # starts with (each occurs at the same position)
    trigger_of: Mapping[str, str | None]
    anchors_of: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, triggers: Iterable[str], anchors: Iterable[str]) -> _LongTextScan:
        trigger_set, anchor_set = set(triggers), set(anchors)
        literals = sorted(trigger_set | anchor_set, key=len, reverse=True)
        trigger_of: dict[str, str | None] = {}
        anchors_of: dict[str, tuple[str, ...]] = {}
        for literal in literals:
            prefixes = [literal[:end] for end in range(len(literal), 0, -1)]
            trigger_of[literal] = next((prefix for prefix in prefixes if prefix in trigger_set), None)
            anchors_of[literal] = tuple(prefix for prefix in prefixes if prefix in anchor_set)
        searches = tuple(
            pattern_cache.compile(_alternation_source(group)).search for group in _literal_groups(literals)
        )
        return cls(searches, trigger_of, anchors_of)

    def scan(self, text: str, triggers: set[str]) -> dict[str, list[int]] | None:
        """Adds the trigger literals of *text* to *triggers*; returns, per anchor literal, the
        positions where it starts, in order (None: so many that windows would cover the text).
        Overlapping literals are found too (see _overlapping_findall)."""
        trigger_of = self.trigger_of
        anchors_of = self.anchors_of
        hits: list[tuple[str, int]] = []
        for search in self.searches:
            match = search(text)
            while match is not None:
                literal, start = match.group(), match.start()
                trigger = trigger_of[literal]
                if trigger is not None:
                    triggers.add(trigger)
                if anchors_of[literal]:
                    hits.append((literal, start))
                match = search(text, start + 1)
        if len(hits) * _MOST_HITS_PER > len(text):
            return None
        found: dict[str, list[int]] = {}
        for literal, start in hits:
            for anchor in anchors_of[literal]:
                at = found.get(anchor)
                if at is None:
                    found[anchor] = [start]
                else:
                    at.append(start)
        for positions in found.values():
            positions.sort()  # (the groups' searches each run through the text)
        return found


def _windows(text: str, plan: _WindowPlan, views: _Views, view_name: str) -> list[tuple[int, int]] | None:
    """The stretches of *text* (the view *view_name* of *views*) within *plan.width* of an
    occurrence of every anchor, in order; None when they would cover most of the text (a run
    over the whole text then costs no more than placing them)."""
    windows: list[tuple[int, int]] | None = None
    for anchor in plan.anchors:
        clusters = views.anchor_clusters(view_name, anchor)
        if clusters is None:
            continue  # (everywhere: another anchor may narrow the text down)
        placed = _around(clusters, len(text), anchor.longest, plan.width)
        if placed is None:
            continue
        windows = placed if windows is None else _intersection(windows, placed)
        if not windows:
            break
    return windows


def _clusters(positions: list[int], length: int) -> list[tuple[int, int]] | None:
    """Sorted *positions* as runs (first, last) with less than _ANCHOR_STEP between
    neighbours; None when so many that windows around them would cover most of any text."""
    if len(positions) * _WHOLE_TEXT_SHARE > length:
        return None
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and position - runs[-1][1] < _ANCHOR_STEP:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def _around(
    clusters: list[tuple[int, int]], length: int, longest: int, width: int
) -> list[tuple[int, int]] | None:
    windows: list[tuple[int, int]] = []
    covered = 0
    for first, last in clusters:
        low, high = max(0, first - width), min(length, last + longest + width)
        if windows and low <= windows[-1][1]:
            covered += high - windows[-1][1]
            windows[-1] = (windows[-1][0], high)
        else:
            covered += high - low
            windows.append((low, high))
        if covered * _WHOLE_TEXT_SHARE > length:
            return None
    return windows


def _intersection(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    both: list[tuple[int, int]] = []
    i = j = 0
    while i < len(first) and j < len(second):
        low = max(first[i][0], second[j][0])
        high = min(first[i][1], second[j][1])
        if low < high:
            both.append((low, high))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return both


def _windowed_matches(
    pattern: Pattern, text: str, windows: Sequence[tuple[int, int]], plan: _WindowPlan
) -> Iterable[re.Match[str]]:
    for start, end in windows:
        for match in pattern.finditer(text, start, plan.endpos(text, end)):
            if match.start() >= end:
                break  # (outside the window: decided on a cut-off view, not trusted)
            yield match


def _selectivity(literals: frozenset[str]) -> tuple[float, int, list[str]]:
    """Sort key: the requirement least likely to hold by chance first (few literals, long ones;
    then a fixed order)."""
    return sum(0.1 ** len(literal) for literal in literals), len(literals), sorted(literals)


def _minimal(literals: frozenset[str]) -> frozenset[str]:
    """*literals* without those that contain another (present, they prove it present too)."""
    kept: list[str] = []
    for literal in sorted(literals, key=len):
        if not any(shorter in literal for shorter in kept):
            kept.append(literal)
    return frozenset(kept)


def _value_text(
    text: str, view: View, match: regex.Match[str], span_group: int | str, pattern: regex.Pattern[str]
) -> str:
    """The identifier to check against the allow-list: the ``value``/``value_*`` group that
    matched (else the span) as
    the rule's view reads it, so that an obfuscated link ("disc0rd . gg / code") compares in
    its repaired form, like the admin's entry."""
    group: int | str = span_group
    for name in pattern.groupindex:
        if name.startswith("value") and match.start(name) >= 0:
            group = name
            break
    return "".join(match.group(group).split()).lstrip("@")


# A dash or a dot drawn between the groups of a North American number (as folded or as written).
_GROUP_DRAWING = frozenset("-.‐‑‒–—―－．・･ー")


_DASH_WORD_RE = re.compile(r",?(?:dash|hyphen)(?![a-z]),?")


def _drawn_nanp(text: str, digits: View, match: PhoneMatch) -> bool:
    """Are the groups of a North American number (3-3-4) drawn in *text* with the same dash or
    dot, and nothing but spaces between its other digits? "212-555-0147", "212.555.0147",
    "2 1 2 - 5 5 5 - 0 1 4 7" (not "212 555 0147", "(212) 555-0147" or "212-555 0147")."""
    view_text = digits.text
    drawn: list[str] = []
    count = 0
    for k in range(match.start, match.end):
        char = view_text[k]
        if "0" <= char <= "9":
            count += 1
            continue
        gap_start, gap_end = digits.original_span(k, k + 1)
        # (the dash said as a word, between commas: "nine one seven, dash, five ...")
        mark = _DASH_WORD_RE.sub("-", "".join(text[gap_start:gap_end].lower().split()))
        if not mark:
            continue
        if count not in (3, 6) or len(mark) != 1 or mark not in _GROUP_DRAWING:
            return False
        drawn.append(mark)
    return len(drawn) == 2 and drawn[0] == drawn[1]


def _bridge_length(
    text: str, start: int, end: int, digits: View, match: PhoneMatch, rule: Rule
) -> Literal["short", "wordy"] | None:
    """How short is the text between the runs of a bridged number: "short", "wordy" or None
    (too long, or over a line break)? Only the text where the digits view breaks a run counts:
    digits spelled as words ("最後は nine nine one two") are the number, however long they are
    written. Short: at most twice ``bridge_max_chars`` characters; wordy: that many letters,
    kana and kanji once spaces and punctuation are left out (English words are longer)."""
    if "\n" in text[start:end]:
        return None
    between = letters = 0
    view_text = digits.text
    limit = 2 * int(rule.params["bridge_max_chars"])
    k = view_text.find("|", match.start, match.end)
    while k >= 0:
        gap_start, gap_end = digits.original_span(k, k + 1)
        between += gap_end - gap_start
        letters += sum(c.isalnum() for c in text[gap_start:gap_end])
        k = view_text.find("|", k + 1, match.end)
    if between <= limit:
        return "short"
    return "wordy" if letters <= limit else None


def _allowed(rule: Rule, value: str, allowlist: Allowlist) -> bool:
    kind = rule.allow
    if kind == "link":
        return allowlist.allows_link(value)
    if kind == "email":
        return allowlist.allows_email(value)
    if kind == "handle":
        return allowlist.allows_handle(value)
    if kind == "number" or rule.detector == "phone":
        return allowlist.allows_number(value)
    return False


def _deduplicate(findings: list[Finding]) -> list[Finding]:
    """Keep one finding per kind where spans nest: the widest, then the most confident."""
    if len(findings) < 2:
        return findings  # (most messages: nothing to compare)
    findings.sort(key=lambda f: (f.kind, f.start, -(f.end - f.start), -f.confidence))
    kept: list[Finding] = []
    last_by_kind: dict[str, Finding] = {}
    for finding in findings:
        previous = last_by_kind.get(finding.kind)
        if previous is not None and finding.start >= previous.start and finding.end <= previous.end:
            continue
        kept.append(finding)
        if previous is None or finding.end > previous.end:
            last_by_kind[finding.kind] = finding
    kept.sort(key=lambda f: (f.start, f.end, f.kind))
    return kept


def load_detector(extra_rule_dirs: Sequence[Path] = ()) -> Detector:
    """A detector with the built-in ``rules/`` packs plus any *extra_rule_dirs*.

    Raises :class:`~bot.detect.rules.RulePackError` for a pack that cannot be used.
    """
    detector = Detector(load_packs([default_rules_dir(), *map(Path, extra_rule_dirs)]))
    pattern_cache.save()  # the next process starts without compiling these patterns again
    return detector
