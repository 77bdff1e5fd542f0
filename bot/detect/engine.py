"""The detector: runs the rule packs over the normalised views of a message.

``Detector.scan(text)`` returns every contact detail or solicitation found, as
:class:`~bot.detect.findings.Finding` objects whose spans index the ORIGINAL text.
``Detector.explain(text)`` returns the same findings plus the normalised views, for the admin's
``contact-guard check`` and ``/guard test``.

Speed: every pattern is compiled once at load; views are built only when a rule needs them;
a rule with ``triggers`` runs only when one of its literals occurs in its view (one scan per
view and script, see _TriggerScan; a short text that every view reads alike gets one scan for
all of them, see _SharedTriggerScan); a triggered rule's pattern runs only when a literal it
cannot match without occurs (see literals.py), checked for all of a rule's patterns by one
unrolled function (see _compile_gate_check); the phone pass is skipped on texts too
short to hold a number (see _PhonePass); on a long text, a pattern runs only in windows around
the literals its matches consume (see windows.py). Each shortcut is exact, and tested against the
general path (tests/detect/test_prefilters.py, test_windows.py, test_properties.py,
test_rules_phone.py).
"""

from __future__ import annotations

import itertools
import logging
import marshal
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any, Literal, TypeVar

import regex

from bot.detect.allowlist import Allowlist
from bot.detect.findings import Category, Finding
from bot.detect.learned import LearnedModel, Verdict
from bot.detect.literals import (
    _alternation_source,
    _group_patterns,
    _longest_prefixes,
    _required_literals,
    _Requirements,
)
from bot.detect.normalize import (
    Normalizer,
    View,
    digit_view,
    estimate_digit_count,
    fold,
)
from bot.detect.pattern_cache import pattern_cache
from bot.detect.phone import PhoneMatch, PhoneTuning, find_phone_numbers
from bot.detect.rules import Pattern, Rule, RuleSet, default_rules_dir, load_packs
from bot.detect.windows import (
    _EVERYWHERE,
    _MOST_ANCHOR_HITS_PER,
    WINDOWED_FROM,
    _Anchor,
    _clusters,
    _LongTexts,
    _LongTextScan,
    _windowed_matches,
    _windows,
)

__all__ = ["Detector", "Explanation", "default_rules_dir", "load_detector"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

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
    # Per head of the learned model ("solicit", "contact"): its probability for the text (its
    # most likely piece) and the threshold it must reach; None when the model is not asked.
    model: dict[str, tuple[float, float]] | None = None

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
        for head, (probability, threshold) in (self.model or {}).items():
            lines.append(f"model:  {head} probability {probability:.2f} (reports from {threshold:.2f})")
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

    __slots__ = (
        "_base", "_built", "_clusters", "_phones", "allow_listed", "anchors", "long_texts",
        "normalizer", "text", "triggers", "words",
    )

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
        # long texts (see _windows): view name -> where each anchor literal occurs in it ...
        self.anchors: dict[str, dict[str, list[int]] | None] = {}
        # ... and each anchor literal searched alone, once a pattern needs them (None until
        # then: most texts are short); and (view name, an anchor's literals, words) -> where
        # any of them occurs, as clusters (also keyed by the literals found, + "present")
        self.words: dict[str, dict[str, list[int]]] | None = None
        self._clusters: dict[tuple[object, ...], list[tuple[int, int]] | None] = {}
        # Whether a rule found an identifier the allow-list then let through: the text is then
        # not "nothing found", and the learned model is not asked (it knows no allow-list).
        self.allow_listed = False

    def _long_text_scan(self, view_name: str) -> _LongTextScan | None:
        return self.long_texts().scan_of(view_name) if self.long_texts is not None else None

    def anchor_clusters(
        self, view_name: str, anchor: _Anchor, words: bool = True
    ) -> list[tuple[int, int]] | None:
        """Where the literals of *anchor* occur in the view *view_name*, as clusters (see
        _clusters); None when they are everywhere. *words* False: only the literals the
        view's scan finds (not those _searched_alone, whose search costs one more pass)."""
        key = (view_name, anchor.literals, words)
        if key in self._clusters:
            return self._clusters[key]
        view_text = self.get(view_name).text
        if view_name in self.anchors:
            found = self.anchors[view_name]
        else:  # (a view without trigger literals: not scanned yet)
            scan = self._long_text_scan(view_name)
            found = self.anchors[view_name] = scan.scan(view_text, set()) if scan is not None else None
        if found is None:
            self._clusters[key] = None
            return None
        # (from the literals found: an anchor may hold hundreds, a text a few of them)
        present = found.keys() & anchor.literals
        lists = [found[literal] for literal in present]
        if words and anchor.searched_alone:  # (their own search, once per view when first needed)
            if self.words is None:
                self.words = {}
            found_alone = self.words.get(view_name)
            if found_alone is None:
                scan = self._long_text_scan(view_name)
                found_alone = scan.scan_words(view_text) if scan is not None else {}
                self.words[view_name] = found_alone
            present_alone = found_alone.keys() & anchor.literals
            lists += [found_alone[literal] for literal in present_alone]
            present |= present_alone
        if (
            any(positions is _EVERYWHERE for positions in lists)
            or sum(map(len, lists)) * _MOST_ANCHOR_HITS_PER > len(view_text)
        ):
            self._clusters[key] = None
            return None
        # Anchors of other patterns often hold the same literals found: cluster those once.
        present_key = (view_name, frozenset(present), words, "present")
        clusters = self._clusters.get(present_key)
        if clusters is None:
            positions = lists[0] if len(lists) == 1 else sorted(itertools.chain.from_iterable(lists))
            clusters = self._clusters[present_key] = _clusters(positions)
        self._clusters[key] = clusters
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
    """Runs a validated :class:`RuleSet`. Thread-safe: no per-message state is kept; what the
    first long text builds (_long_text_support, and each view's scan in it) only depends on
    the rules, and two threads that both build it get the same (harmless if built twice)."""

    def __init__(self, rules: RuleSet, learned_model: LearnedModel | None = None) -> None:
        self.rules = rules
        # The learned second opinion (see learned.py), or None when off.
        self.learned_model = learned_model
        self.normalizer = Normalizer(rules.normalizer)
        # What each pattern cannot match without (see _required_literals) ...
        requirements = {rule.id: [_required_literals(p) for p in rule.patterns] for rule in rules.rules}
        # ... and, per view, the literals the trigger scan's findings may prove present.
        provable: dict[str, set[str]] = {}
        for rule in rules.rules:
            for pattern_requirements in requirements[rule.id]:
                provable.setdefault(rule.view, set()).update(*pattern_requirements)
        self._always, self._trigger_index, holders = _build_trigger_index(rules.rules, provable)
        # One scan for the trigger literals of every view, for the texts all views read alike.
        self._shared_triggers = _SharedTriggerScan.of(self._trigger_index)
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
        # Per rule, which of its patterns pass their gates, as one function (see _GateCheck).
        self._gate_checks = {
            rule.id: _compile_gate_check(self._pattern_plans[rule.id])
            for rule in rules.rules
            if rule.detector != "phone"
        }
        # What long texts need (see _windows), built when the first one comes: most runs (a bulk
        # scan of short messages) never need it, and start-up is part of their time.
        self._long_texts: _LongTexts | None = None

    def _long_text_support(self) -> _LongTexts:
        if self._long_texts is None:
            self._long_texts = _LongTexts.of(self.rules.rules, self._pattern_plans, self._trigger_index)
        return self._long_texts

    # ---- public API ----------------------------------------------------------------------

    def scan(
        self, text: str, allowlist: Allowlist | None = None, *, model: bool = True
    ) -> list[Finding]:
        """Every finding in *text*, sorted by start. Never raises on a string.

        When the rules find nothing, the learned model (if loaded) gives its opinion, unless
        *model* is False: the cross-message window scans joined texts that way, as the model
        judges messages, not one author's several messages run together."""
        views = _Views(text, self.normalizer, self._long_text_support)
        findings = self._scan(text, allowlist, views)
        learned_model = self.learned_model
        if model and learned_model is not None and _asks_model(findings, views):
            return _verdict_findings(text, _judged(learned_model.verdicts, text, []))
        return findings

    def explain(
        self, text: str, allowlist: Allowlist | None = None, *, model: bool = True
    ) -> Explanation:
        """What :meth:`scan` finds, with the views the rules saw and the learned model's
        probabilities (also when the rules found something)."""
        views = _Views(text, self.normalizer, self._long_text_support)
        findings = self._scan(text, allowlist, views)
        learned_model = self.learned_model if model else None
        probabilities = None
        if learned_model is not None:
            if _asks_model(findings, views):
                verdicts, probabilities = _judged(learned_model.assess, text, ([], {}))
                findings = _verdict_findings(text, verdicts)
            else:
                probabilities = learned_model.probabilities(text)
        return Explanation(
            text=text,
            findings=findings,
            views={name: views.get(name).text for name in ("text", "words", "digits")},
            model=probabilities,
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
            shared = self._shared_triggers
            if shared is None or not self._shared_trigger_scan(shared, views, active):
                self._trigger_scans(views, active)
        except Exception:  # a normalisation defect: run every rule rather than none
            log.exception("trigger scan failed on a message of %d characters", len(text))
            active = set(range(len(self.rules.rules)))
        rules = self.rules.rules
        gate_checks = self._gate_checks
        for index in sorted(active):
            rule = rules[index]
            try:
                gate_check = gate_checks.get(rule.id)
                if gate_check is None:
                    self._run_phone_rule(rule, text, allowlist, views, findings)
                    continue
                view = views.get(rule.view)
                if not view.text:
                    continue
                numbers = gate_check(view.text, views.triggers.get(rule.view, ()))  # (exact: see _required_literals)
                if numbers:  # (most rules a message switches on: none of their patterns can match)
                    self._run_patterns(rule, numbers, view, text, allowlist, views, findings)
            except Exception:  # a defect in one rule must not silence all the others
                log.exception("rule %s failed on a message of %d characters", rule.id, len(text))
        return _deduplicate(findings)

    def _shared_trigger_scan(self, shared: _SharedTriggerScan, views: _Views, active: set[int]) -> bool:
        """The trigger scan of every view at once (see _SharedTriggerScan), when the views are
        one short text; False (nothing done) otherwise."""
        first, *others = shared.views
        view_text = views.get(first).text
        if len(view_text) >= self.windowed_from:
            return False
        for view_name in others:
            if views.get(view_name).text != view_text:
                return False
        triggers = views.triggers
        for view_name in shared.views:
            triggers[view_name] = set()
        found: set[str] = set()
        for findall in shared.scan.findalls:
            found.update(findall(view_text))
        rules, inner = shared.rules, shared.inner
        for literal in found:
            active.update(rules[literal])
            for view_name, reported in inner[literal]:
                triggers[view_name].add(reported)
        return True

    def _trigger_scans(self, views: _Views, active: set[int]) -> None:
        """The trigger scan of each view: adds the rules its literals switch on to *active*."""
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

    def _run_phone_rule(
        self,
        rule: Rule,
        text: str,
        allowlist: Allowlist | None,
        views: _Views,
        out: list[Finding],
    ) -> None:
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

    def _run_patterns(
        self,
        rule: Rule,
        numbers: Iterable[int],
        view: View,
        text: str,
        allowlist: Allowlist | None,
        views: _Views,
        out: list[Finding],
    ) -> None:
        """Run the patterns *numbers* of *rule* (those whose gates pass) over its *view*."""
        view_text = view.text
        reported = 0
        window_plans = (
            self._long_text_support().plans[rule.id] if len(view_text) >= self.windowed_from else None
        )
        plans = self._pattern_plans[rule.id]
        for number in numbers:
            plan = plans[number]
            windowed = window_plans[number] if window_plans is not None else None
            windows = _windows(view_text, windowed, views, rule.view) if windowed is not None else None
            matches: Iterable[re.Match[str]]
            if windows is None:
                matches = plan.pattern.finditer(view_text)
            elif not windows:
                continue
            else:
                matches = _windowed_matches(plan.pattern, view_text, windows, windowed)
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
            views.allow_listed = True
            return False
        matched = text[start:end]
        for reported_kind in (kind or rule.kind, *rule.also_kinds):
            out.append(
                Finding(reported_kind, rule.category, start, end, matched, rule.id, round(confidence, 3))
            )
        return True


def _asks_model(findings: list[Finding], views: _Views) -> bool:
    """The learned model is asked when the rules found nothing, not even an identifier the
    allow-list let through (the model knows no allow-list)."""
    return not findings and not views.allow_listed


def _judged(judge: Callable[[str], _T], text: str, fallback: _T) -> _T:
    """*judge* (a method of the learned model) on *text*; *fallback* if it fails: a defect in
    the model must not cost the rules' verdicts."""
    try:
        return judge(text)
    except Exception:
        log.exception("learned model failed on a message of %d characters", len(text))
        return fallback


def _verdict_findings(text: str, verdicts: list[Verdict]) -> list[Finding]:
    """The learned model's verdicts as findings, sorted by start."""
    findings = [
        Finding(
            verdict.kind,
            Category.SOLICIT if verdict.head == "solicit" else Category.CONTACT,
            verdict.start,
            verdict.end,
            text[verdict.start : verdict.end],
            verdict.rule_id,
            round(verdict.probability, 3),
        )
        for verdict in verdicts
    ]
    return sorted(findings, key=lambda finding: finding.start)


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

    @classmethod
    def of(cls, literals: Sequence[str]) -> _TriggerScan:
        """The scan of *literals*, longest first. The standard library's engine is several
        times faster than `regex` on an alternation of literals; written as a trie, it finds
        the same (longest) literal."""
        return cls(tuple(_overlapping_findall(pattern) for pattern in _group_patterns(literals)))

    def findall(self, text: str) -> list[str]:
        return [literal for findall in self.findalls for literal in findall(text)]


@dataclass(frozen=True, slots=True)
class _SharedTriggerScan:
    """The trigger scans of every view as one, for a text that all of them read alike.

    The text and words views are the same string for nearly every message (the words view
    differs only where leetspeak, dotted or spelled letters were folded: 4 of the 424 texts of
    the benchmark stream), and each view's scan is calls and a walk of its trie. One scan of the
    literals of both costs about what the words scan alone did (the text scan was ~15 k
    instructions per message, ~3 %).

    Exact: the scan reports, at each position where a literal of the union starts, the longest
    one there; each view's own scan would report there the longest of ITS literals starting
    there, which is the longest of them that the reported one starts with (``inner``), and
    nothing at the positions where no literal of the union starts. So every view gets the
    found set its own scan gives, and ``rules`` (the rules those literals switch on in their
    views) the same rules. Compared with the per-view scans in tests/detect/test_prefilters.py.
    """

    views: tuple[str, ...]
    scan: _TriggerScan
    # a literal the scan reports -> the rules it switches on in all the views
    rules: Mapping[str, frozenset[int]]
    # a literal the scan reports -> (view, what that view's scan reports there), for each view
    # with a literal it starts with
    inner: Mapping[str, tuple[tuple[str, str], ...]]

    @classmethod
    def of(cls, index: Mapping[str, tuple[_TriggerScan, Mapping[str, frozenset[int]]]]) -> _SharedTriggerScan | None:
        """The shared scan of the views of *index* (view -> its scan and the rules each literal
        it reports switches on); None when there are fewer than two."""
        if len(index) < 2:
            return None
        union = sorted(set().union(*(table for _scan, table in index.values())), key=len, reverse=True)
        prefixes = [(view_name, table, _longest_prefixes(union, table)) for view_name, (_scan, table) in index.items()]
        rules: dict[str, frozenset[int]] = {}
        inner: dict[str, tuple[tuple[str, str], ...]] = {}
        for literal in union:
            reported: list[tuple[str, str]] = []
            switched_on: list[frozenset[int]] = []
            for view_name, table, longest in prefixes:
                prefix = longest.get(literal)
                if prefix is not None:
                    reported.append((view_name, prefix))
                    switched_on.append(table[prefix])
            inner[literal] = tuple(reported)
            rules[literal] = switched_on[0] if len(switched_on) == 1 else frozenset().union(*switched_on)
        return cls(tuple(index), _TriggerScan.of(union), rules, inner)


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
        index_by_view[view_name] = (_TriggerScan.of(literals), closed)
    return always, index_by_view, holders_by_view


# Up to this many literals, a gate is `in` tests rather than a search: in the unrolled gate
# check (see _compile_gate_check) each `in` is ~300 instructions, a search call 2.5-8 k on a
# message of the benchmark stream.
_MAX_LITERALS_BY_IN = 8


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


# The patterns of a rule whose gates pass on a view's text, given the trigger literals found in
# it: _compile_gate_check's function (the engine's only kind; tests compare it with _gates_pass
# tried on each pattern).
_GateCheck = Callable[[str, Collection[str]], list[int]]


def _gates_pass(plan: _PatternPlan, text: str, found: Collection[str]) -> bool:
    """Does every gate of *plan* pass on the view *text* (*found*: the trigger literals the
    scan found in it)? The definition _compile_gate_check's functions compute, kept as the
    reference tests/detect/test_gate_checks.py compares them with."""
    for gate in plan.gates:
        if gate.one_of is not None:
            if not any(literal in text for literal in gate.one_of):
                return False
        elif gate.search is not None and gate.proven_by.isdisjoint(found) and gate.search(text) is None:
            return False
    return True


# What a search costs, in `in` tests (to put the cheaper checks first).
_SEARCH_COST = 12


def _gate_cost(gate: _Gate) -> int:
    """Sort key: the cheaper check first (a gate's order does not change whether all pass)."""
    return len(gate.one_of) if gate.one_of is not None else _SEARCH_COST


def _compile_gate_check(plans: Sequence[_PatternPlan]) -> _GateCheck:
    """``lambda text, found: [n for n, plan in enumerate(plans) if _gates_pass(plan, text,
    found)]``, as the straight-line Python function it unrolls to.

    A triggered rule has up to 21 patterns, and looping over each one's gates was the largest
    cost of a message: ~17 patterns and ~21 gates per scan of the benchmark stream, ~2/3 of it
    the interpreter's loop rather than the checks (~4 k instructions per pattern). Unrolled, each
    pattern is one ``if`` of ``in`` tests and search calls, in the order `and` and `or`
    short-circuit as the loop's breaks did; the cheaper checks come first. (A requirement of
    a few literals is already a gate of ``in`` tests, see _plan_pattern: the same answer as a
    search for the alternation of its literals; and the trigger literals that would spare the
    search all occur in the text, so a gate they prove passes its ``in`` tests too.) Literals
    are written with ``repr``; the searches and the trigger sets are names bound in the
    function's namespace.
    tests/detect/test_gate_checks.py compares it with _gates_pass.
    """
    namespace: dict[str, object] = {}
    lines = ["def gate_check(text, found):", "    numbers = []"]
    for number, plan in enumerate(plans):
        conditions: list[str] = []
        for index, gate in enumerate(sorted(plan.gates, key=_gate_cost)):
            if gate.one_of is not None:
                conditions.append("(" + " or ".join(f"{literal!r} in text" for literal in gate.one_of) + ")")
            elif gate.search is not None:
                namespace[f"search_{number}_{index}"] = gate.search
                call = f"search_{number}_{index}(text) is not None"
                if gate.proven_by:
                    namespace[f"proven_{number}_{index}"] = gate.proven_by
                    call = f"(not proven_{number}_{index}.isdisjoint(found) or {call})"
                conditions.append(call)
        if conditions:
            lines.append(f"    if {' and '.join(conditions)}:")
            lines.append(f"        numbers.append({number})")
        else:
            lines.append(f"    numbers.append({number})")
    lines.append("    return numbers")
    exec(_gate_check_code("\n".join(lines)), namespace)
    return namespace["gate_check"]  # type: ignore[return-value]


def _gate_check_code(source: str) -> CodeType:
    """``compile(source)``, from the start-up cache when an earlier process compiled it.

    Compiling the packs' gate checks (~55 KB of source) is ~90 M instructions, ~9 % of a start;
    loading the marshalled code is a fraction of that. Keyed by the exact source, in the
    cache's file of this Python version (see pattern_cache), as .pyc files keep the code of a
    module; anything that does not load as code is compiled afresh."""

    def compiled() -> str:
        return marshal.dumps(compile(source, "<gate check>", "exec")).decode("latin-1")

    try:
        code = marshal.loads(pattern_cache.derived("gate-check-code", source, compiled).encode("latin-1"))
    except (EOFError, ValueError, TypeError, UnicodeEncodeError):
        code = None
    return code if isinstance(code, CodeType) else compile(source, "<gate check>", "exec")


def _holders(triggers: Iterable[str], wanted: set[str]) -> dict[str, set[str]]:
    """Each of *wanted* that is a substring of one of *triggers* -> the triggers that hold it."""
    holders: dict[str, set[str]] = {}
    for trigger in triggers:
        for inner in _substrings(trigger) & wanted:
            holders.setdefault(inner, set()).add(trigger)
    return holders


def _substrings(text: str) -> set[str]:
    return {text[start:end] for start in range(len(text)) for end in range(start + 1, len(text) + 1)}


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


def load_detector(
    extra_rule_dirs: Sequence[Path] = (), *, learned_model: bool | Path = True
) -> Detector:
    """A detector with the built-in ``rules/`` packs plus any *extra_rule_dirs*, and the
    built-in learned model (or the model file *learned_model* names, or none if False).

    Raises :class:`~bot.detect.rules.RulePackError` for a pack that cannot be used and
    :class:`~bot.detect.learned.ModelError` for a model file that cannot.
    """
    model = None
    if learned_model is not False:
        model = LearnedModel.load(None if learned_model is True else Path(learned_model))
    detector = Detector(load_packs([default_rules_dir(), *map(Path, extra_rule_dirs)]), model)
    pattern_cache.save()  # the next process starts without compiling these patterns again
    return detector
