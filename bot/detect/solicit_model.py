"""A learned second opinion on solicitation: character n-grams and logistic regression.

The rule packs catch asks to move off the platform by their wording ("LINE交換しない?",
"what's your snap?"). Blind-written test sets showed the limit of that method: every new set
brought wordings no earlier set had, and adding them as patterns no longer raised recall on
sets nobody had tuned on. A small linear model over character n-grams generalises across
wordings instead: it weighs every 1- to 4-character piece of the message, in Japanese and
English alike, and was trained on about 3,400 blind-written messages (solicitations against
clean messages, most of them hard negatives: platforms named in passing, refusals, prices,
meetings inside the server).

The model only speaks when the rules found nothing in a message (a flagged message needs no
second opinion), and never on the window's joined texts: it was trained on single messages, and
one author's unrelated messages joined together are not a message anybody wrote.

The model file (``models/solicit.json``, written by ``benchmarks/train_solicit_model.py``)
holds the weights of the n-grams that matter, a bias and the threshold the training chose for a
clean false-positive rate of 0.5% under cross-validation. Scoring is pure Python: one pass
over the n-grams of the message, each a dict lookup, so time is linear in length.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "FEATURES_VERSION",
    "MODEL_RULE_ID",
    "ModelError",
    "SolicitModel",
    "default_model_path",
    "features",
    "judgeable",
]

# Bumped whenever ``features`` changes: a model trained on other features must not load.
FEATURES_VERSION = 1
MODEL_RULE_ID = "solicit.model"
NGRAM_MIN, NGRAM_MAX = 1, 4
# Texts longer than this are judged in pieces (sentences joined up to this length): the model
# learned from chat messages, and one ask inside a long post would be diluted by the rest.
CHUNK_CHARS = 300
# Fewer letters and digits than this carry too little wording to judge ("?", "教えて〜", "ok"):
# the model is not asked about them, in training or in use. Short asks name a platform or
# contact ("LINE交換しよ", "snap?"), and the rules find those.
MIN_WORD_CHARS = 8

_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
# Where a long text may be cut: after a sentence end or a line break.
_SENTENCE_END = re.compile(r"(?<=[。！？!?．.\n])")


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and the reason."""


def default_model_path() -> Path:
    return Path(__file__).with_name("models") / "solicit.json"


def _normalised(text: str) -> str:
    """Compatibility forms folded, case folded, invisible characters dropped, every digit 0
    (the model must learn "a number here", not which number), whitespace runs one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _INVISIBLE.sub("", text)
    text = _DIGIT.sub("0", text)
    return " " + _SPACE.sub(" ", text).strip() + " "


def judgeable(text: str) -> bool:
    """Whether *text* has enough wording for the model (see MIN_WORD_CHARS)."""
    return sum(char.isalnum() for char in text) >= MIN_WORD_CHARS


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
class Judgement:
    """The model's verdict on one stretch of a text: ``text[start:end]`` scored ``probability``."""

    start: int
    end: int
    probability: float


class SolicitModel:
    """Logistic regression over :func:`features`, scaled by one over the square root of their
    number (the length normalisation it was trained with)."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float) -> None:
        self.weights = weights
        self.bias = bias
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path | None = None) -> SolicitModel:
        path = default_model_path() if path is None else Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the solicitation model ({exc.strerror})") from None
        except ValueError as exc:
            raise ModelError(f"{path}: not JSON ({exc})") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "model") -> SolicitModel:
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
        bias, threshold, weights = data.get("bias"), data.get("threshold"), data.get("weights")
        if not _is_number(bias):
            raise bad("bias must be a number")
        if not _is_number(threshold) or not 0.0 < threshold < 1.0:
            raise bad("threshold must be a number between 0 and 1")
        if not isinstance(weights, dict) or not weights:
            raise bad("weights must be a non-empty object of n-gram: weight")
        for gram, weight in weights.items():
            if not NGRAM_MIN <= len(gram) <= NGRAM_MAX or not _is_number(weight):
                raise bad(f"weight {gram!r}: must be a {NGRAM_MIN}-{NGRAM_MAX} character n-gram with a number")
        return cls({gram: float(w) for gram, w in weights.items()}, float(bias), float(threshold))

    def probability(self, text: str) -> float:
        """How likely the text asks to move off the platform, 0..1."""
        grams = features(text)
        total = sum(map(self.weights.get, grams, itertools.repeat(0.0)))
        logit = self.bias + total / math.sqrt(max(len(grams), 1))
        if logit < -40:  # (math.exp overflows beyond ~709; both ends saturate long before)
            return 0.0
        return 1.0 / (1.0 + math.exp(-logit))

    def judge(self, text: str) -> Judgement | None:
        """The stretch of *text* the model takes for a solicitation (the most likely one), or
        None. A short text is judged whole; a long one in pieces of whole sentences."""
        best = self.most_likely(text)
        return best if best is not None and best.probability >= self.threshold else None

    def most_likely(self, text: str) -> Judgement | None:
        """The piece of *text* with the highest probability, or None when no piece has enough
        wording to judge."""
        best: Judgement | None = None
        for start, end in _pieces(text):
            piece = text[start:end]
            if not judgeable(piece):
                continue
            probability = self.probability(piece)
            if best is None or probability > best.probability:
                best = Judgement(start, end, probability)
        return best

    def highest_probability(self, text: str) -> float:
        best = self.most_likely(text)
        return 0.0 if best is None else best.probability


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
