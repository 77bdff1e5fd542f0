"""A learned second opinion: character n-grams and logistic regression.

The rule packs catch asks to move off the platform by their wording ("LINE交換しない?",
"what's your snap?") and identifiers by their shape. Blind-written test sets showed the limit of
fixing patterns from examples: every new set brought wordings and disguises no earlier set had,
and adding them as patterns no longer raised recall on sets nobody had tuned on. A small linear
model over character n-grams generalises across wordings instead: it weighs every 1- to
4-character piece of the message, in Japanese and English alike.

The model has two heads, each a logistic regression over the same pieces:
- ``solicit``: asks and offers to move off the platform (rule id ``solicit.model``);
- ``contact``: contact details the rules did not recognise (rule id ``contact.model``), with a
  second, multi-class regression that names the kind (phone, line, email, ...).
Each head reports a piece of text when its probability reaches the head's threshold, which the
training chose for a given clean false-positive rate under cross-validation.

The model only speaks when the rules found nothing in a message (a flagged message needs no
second opinion), and never on the window's joined texts: it was trained on single messages, and
one author's unrelated messages joined together are not a message anybody wrote.

The model file (``models/learned.json``, written by ``training/train_learned_model.py``) holds
the weights of the n-grams that matter. Scoring is pure Python: the pieces of a message are
computed once, and each head sums their weights (a dict lookup each), so time is linear in
length.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.detect.findings import KINDS
from bot.detect.normalize import estimate_digit_count, fold, invisible_class

__all__ = [
    "CONTACT_RULE_ID",
    "FEATURES_VERSION",
    "LEARNED_RULE_IDS",
    "SOLICIT_RULE_ID",
    "LearnedModel",
    "ModelError",
    "Verdict",
    "default_model_path",
    "features",
    "judgeable",
]

# Bumped whenever ``features`` changes: a model trained on other features must not load.
FEATURES_VERSION = 2
SOLICIT_RULE_ID = "solicit.model"
CONTACT_RULE_ID = "contact.model"
LEARNED_RULE_IDS = frozenset({SOLICIT_RULE_ID, CONTACT_RULE_ID})
HEADS = ("solicit", "contact")  # the order verdicts come in
NGRAM_MIN, NGRAM_MAX = 1, 4
# Texts longer than this are judged in pieces (sentences joined up to this length): the model
# learned from chat messages, and one ask inside a long post would be diluted by the rest.
CHUNK_CHARS = 300
# Fewer letters and digits than this carry too little wording to judge ("?", "教えて〜", "ok"):
# the model is not asked about them, in training or in use. Short asks name a platform or
# contact ("LINE交換しよ", "snap?"), and the rules find those.
MIN_WORD_CHARS = 8
# ... and a text with no letters at all (digits, symbols, emoji: "9405 5112 0620", "0️⃣9️⃣0️⃣…") has
# no wording either: numbers are the phone pass's, which reads every digit form and knows
# which groupings make a number. (In the training corpora the rules caught every such contact
# item; the model only added false alarms on tracking and order numbers.)
# A text that cannot hold this many digits (readings counted, an upper bound) is no phone
# number, whatever its n-grams say: "nyan_cafe_0505" is a handle. (The rules report no number
# of fewer than 9 digits; 7 leaves room for a number written in parts.)
MIN_PHONE_DIGITS = 7

# (the folding's own set: zero-width characters, bidi controls, variation selectors, the keycap
# and other combining marks that decorate "fancy text", tag characters)
_INVISIBLE = re.compile(f"[{invisible_class()}]")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
# Where a long text may be cut: after a sentence end or a line break.
_SENTENCE_END = re.compile(r"(?<=[。！？!?．.\n])")


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and the reason."""


def default_model_path() -> Path:
    return Path(__file__).with_name("models") / "learned.json"


def _normalised(text: str) -> str:
    """Compatibility forms folded, case folded, invisible characters dropped, every digit 0
    (the model must learn "a number here", not which number), whitespace runs one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _INVISIBLE.sub("", text)
    text = _DIGIT.sub("0", text)
    return " " + _SPACE.sub(" ", text).strip() + " "


def judgeable(text: str) -> bool:
    """Whether *text* has enough wording for the model (see MIN_WORD_CHARS)."""
    return sum(char.isalnum() for char in text) >= MIN_WORD_CHARS and any(char.isalpha() for char in text)


def features(text: str) -> set[str]:
    """The distinct 1- to 4-character pieces of the normalised text (a space pads each end,
    so word starts and ends are pieces of their own)."""
    normal = _normalised(text)
    # (NGRAM_MIN..NGRAM_MAX = 1..4, spelled out: zipping shifted copies is about twice as fast
    # as slicing at every position, and this runs on every message the rules leave alone)
    grams = set(normal)
    second, third, fourth = normal[1:], normal[2:], normal[3:]
    grams.update(map("".join, zip(normal, second, strict=False)))
    grams.update(map("".join, zip(normal, second, third, strict=False)))
    grams.update(map("".join, zip(normal, second, third, fourth, strict=False)))
    return grams


@dataclass(frozen=True)
class Verdict:
    """A head's verdict on one stretch of a text: ``text[start:end]`` is a *kind* (``solicit``
    for the solicit head) with ``probability``."""

    head: str
    kind: str
    start: int
    end: int
    probability: float

    @property
    def rule_id(self) -> str:
        return f"{self.head}.model"


@dataclass(frozen=True)
class _Linear:
    """One logistic regression: a bias and n-gram weights, over pieces scaled by one over the
    square root of their number (the length normalisation the training used)."""

    bias: float
    weights: dict[str, float]

    def logit(self, grams: set[str], scale: float) -> float:
        return self.bias + sum(map(self.weights.get, grams, itertools.repeat(0.0))) * scale


@dataclass(frozen=True)
class _Head:
    name: str
    threshold: float
    linear: _Linear
    # The contact head's kind regressions (one per kind; the largest logit names it).
    kinds: Mapping[str, _Linear]

    def kind(self, grams: set[str], scale: float, text: str) -> str:
        """The kind of the contact detail in *text* (whose pieces are *grams*)."""
        if not self.kinds:
            return self.name
        kinds = self.kinds
        if "phone" in kinds and len(kinds) > 1 and estimate_digit_count(fold(text).text) < MIN_PHONE_DIGITS:
            kinds = {kind: linear for kind, linear in kinds.items() if kind != "phone"}
        return max(kinds, key=lambda kind: kinds[kind].logit(grams, scale))


class LearnedModel:
    """The heads of the model file; see the module's docstring."""

    def __init__(self, heads: Mapping[str, _Head]) -> None:
        self.heads = tuple(heads[name] for name in HEADS if name in heads)

    def head(self, name: str) -> _Head | None:
        return next((head for head in self.heads if head.name == name), None)

    @classmethod
    def load(cls, path: Path | None = None) -> LearnedModel:
        path = default_model_path() if path is None else Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the learned model ({exc.strerror})") from None
        except ValueError as exc:
            raise ModelError(f"{path}: not JSON ({exc})") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "model") -> LearnedModel:
        def bad(reason: str) -> ModelError:
            return ModelError(f"{source}: {reason}")

        if not isinstance(data, dict):
            raise bad("the model must be a JSON object")
        version = data.get("features_version")
        if version != FEATURES_VERSION:
            raise bad(
                f"trained on features version {version!r}, this code computes version "
                f"{FEATURES_VERSION}: train the model again"
            )
        heads = data.get("heads")
        if not isinstance(heads, dict) or not heads or set(heads) - set(HEADS):
            raise bad(f"heads must be an object with one or both of {', '.join(HEADS)}")
        parsed: dict[str, _Head] = {}
        for name, raw in heads.items():
            if not isinstance(raw, dict):
                raise bad(f"head {name}: must be an object")
            threshold = raw.get("threshold")
            if not _is_number(threshold) or not 0.0 < threshold < 1.0:
                raise bad(f"head {name}: threshold must be a number between 0 and 1")
            kinds_raw = raw.get("kinds", {})
            if name == "solicit" and kinds_raw:
                raise bad("head solicit: has no kinds")
            if name == "contact" and not (isinstance(kinds_raw, dict) and kinds_raw):
                raise bad("head contact: kinds must name at least one kind")
            kinds: dict[str, _Linear] = {}
            for kind, kind_raw in kinds_raw.items():
                if kind not in KINDS or kind == "solicit":
                    raise bad(f"head {name}: unknown contact kind {kind!r}")
                kinds[kind] = _linear(kind_raw, f"head {name}, kind {kind}", bad)
            parsed[name] = _Head(name, float(threshold), _linear(raw, f"head {name}", bad), kinds)
        return cls(parsed)

    def verdicts(self, text: str) -> list[Verdict]:
        """Each head's verdict on *text* where it reaches the head's threshold: the most likely
        stretch (a short text whole, a long one in pieces of whole sentences)."""
        return self._verdicts(text, self._best(text))

    def probabilities(self, text: str) -> dict[str, tuple[float, float]]:
        """Per head, (its highest probability on *text*, its threshold); for explanations."""
        return self._probabilities(self._best(text))

    def assess(self, text: str) -> tuple[list[Verdict], dict[str, tuple[float, float]]]:
        """:meth:`verdicts` and :meth:`probabilities` together, judging *text* once."""
        best = self._best(text)
        return self._verdicts(text, best), self._probabilities(best)

    def _verdicts(self, text: str, best: dict[str, tuple[float, int, int]]) -> list[Verdict]:
        found = []
        for head in self.heads:
            probability, start, end = best.get(head.name, (0.0, 0, 0))
            if probability >= head.threshold:
                piece = text[start:end]
                grams = features(piece)  # (again: only for the rare verdict)
                kind = head.kind(grams, 1.0 / math.sqrt(max(len(grams), 1)), piece)
                found.append(Verdict(head.name, kind, start, end, probability))
        return found

    def _probabilities(self, best: dict[str, tuple[float, int, int]]) -> dict[str, tuple[float, float]]:
        return {head.name: (best.get(head.name, (0.0,))[0], head.threshold) for head in self.heads}

    def _best(self, text: str) -> dict[str, tuple[float, int, int]]:
        """Per head, (probability, start, end) of its most likely piece of *text*; no entry when
        no piece has enough wording to judge."""
        best: dict[str, tuple[float, int, int]] = {}
        for start, end in _pieces(text):
            piece = text[start:end]
            if not judgeable(piece):
                continue
            grams = features(piece)
            scale = 1.0 / math.sqrt(max(len(grams), 1))
            for head in self.heads:
                probability = _sigmoid(head.linear.logit(grams, scale))
                if head.name not in best or probability > best[head.name][0]:
                    best[head.name] = (probability, start, end)
        return best


def _linear(raw: Any, where: str, bad: Callable[[str], ModelError]) -> _Linear:
    if not isinstance(raw, dict):
        raise bad(f"{where}: must be an object")
    bias, weights = raw.get("bias"), raw.get("weights")
    if not _is_number(bias):
        raise bad(f"{where}: bias must be a number")
    if not isinstance(weights, dict) or not weights:
        raise bad(f"{where}: weights must be a non-empty object of n-gram: weight")
    # (checked in bulk, with C-level maps: a model holds tens of thousands of weights, and this
    # runs at every start)
    if not set(map(type, weights.values())) <= {int, float} or not all(
        map(math.isfinite, weights.values())
    ):
        gram = next(g for g, w in weights.items() if not _is_number(w))
        raise bad(f"{where}: weight {gram!r} must be a {NGRAM_MIN}-{NGRAM_MAX} character n-gram with a number")
    if not set(map(len, weights)) <= set(range(NGRAM_MIN, NGRAM_MAX + 1)):
        gram = next(g for g in weights if not NGRAM_MIN <= len(g) <= NGRAM_MAX)
        raise bad(f"{where}: weight {gram!r} must be a {NGRAM_MIN}-{NGRAM_MAX} character n-gram with a number")
    return _Linear(float(bias), weights)


def _sigmoid(logit: float) -> float:
    if logit < -40:  # (math.exp overflows beyond ~709; both ends saturate long before)
        return 0.0
    return 1.0 / (1.0 + math.exp(-logit))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """Spans of *text* to judge, trimmed of whitespace: the text itself when short, else runs
    of whole sentences of up to CHUNK_CHARS characters (a longer sentence is cut there)."""
    length = len(text)
    if length <= CHUNK_CHARS:
        yield from _trimmed(text, 0, length)
        return
    start = fitting = 0  # the current piece's start, and its furthest sentence end so far
    for cut in itertools.chain((m.start() for m in _SENTENCE_END.finditer(text)), (length,)):
        if cut - start > CHUNK_CHARS:
            if fitting > start:
                yield from _trimmed(text, start, fitting)
                start = fitting
            while cut - start > CHUNK_CHARS:
                yield from _trimmed(text, start, start + CHUNK_CHARS)
                start += CHUNK_CHARS
        fitting = cut
    yield from _trimmed(text, start, length)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end
