"""Train the solicitation model (bot/detect/models/solicit.json) from labelled corpora.

    pip install -e ".[train]"
    python training/train_solicit_model.py --corpus training/corpora --corpus ../shared/corpus

Positives are the single messages labelled ``solicit``; negatives the ``clean`` single messages
and every message of a clean conversation. Contact messages are left out: the rules find
identifiers, and a model taught that "LINE" means contact would flag the clean messages that
name a platform in passing. A text that occurs twice counts once; a text with both labels is
dropped (and named). Texts too short for the model to judge (``judgeable``) are left out.

The threshold is chosen under cross-validation (5 folds, 3 shufflings): the probability that
only ``--fpr`` of the clean messages reach when scored by a model that did not see them. The
script prints that, the recall of solicitations at the threshold, and writes the model with only
the ``--keep`` n-grams of largest weight (the rest change no verdict measurably, and the file
stays small). Same corpora, same file: the output is deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

try:
    import numpy as np
    import scipy.sparse as sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
except ImportError:  # pragma: no cover - a message instead of a traceback
    sys.exit('training needs scikit-learn: pip install -e ".[train]"')

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.detect.solicit_model import (
    FEATURES_VERSION,
    SolicitModel,
    default_model_path,
    features,
    judgeable,
)


def corpus_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.jsonl")))
        elif path.is_file():
            files.append(path)
        else:
            sys.exit(f"train: no corpus at {path}")
    return files


def labelled_texts(files: list[Path], clean: list[str]) -> tuple[list[str], list[int]]:
    labels: dict[str, set[int]] = {text: {0} for text in clean}
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                sys.exit(f"train: {file}:{number}: not JSON ({exc})")
            label = item.get("label")
            if "messages" in item:
                if label == "clean":
                    for message in item["messages"]:
                        labels.setdefault(message["text"], set()).add(0)
            elif label in ("solicit", "clean"):
                labels.setdefault(item["text"], set()).add(1 if label == "solicit" else 0)
    texts, ys = [], []
    for text, found in labels.items():
        if not judgeable(text):  # the model is never asked about these (MIN_WORD_CHARS)
            continue
        if len(found) > 1:
            print(f"train: dropped, labelled both ways: {text[:60]!r}", file=sys.stderr)
            continue
        texts.append(text)
        ys.append(found.pop())
    return texts, ys


def repository_negatives(root: Path) -> list[str]:
    """The texts this repository asserts are clean, which the rules leave alone: the hard
    negatives of the test tables (the parametrised ``test_*negative*``, ``*clean*`` and
    ``*left_alone*`` tests of tests/detect) and the negative examples of the solicitation rules. They are the nearest misses anybody has
    written (a call inside Discord, a platform named in passing, a price asked), and a model
    that flagged them would break those tests."""
    import importlib

    import pytest

    from bot.detect.engine import load_detector
    from bot.detect.findings import Category

    detector = load_detector(solicit_model=False)
    candidates: list[str] = []
    for rule in detector.rules.rules:
        if rule.category is Category.SOLICIT:
            candidates.extend(rule.negative_examples)
    for path in sorted(root.glob("tests/detect/test_*.py")):
        module = importlib.import_module(f"tests.detect.{path.stem}")
        for name, function in vars(module).items():
            if not callable(function) or not name.startswith("test_"):
                continue
            if not any(word in name for word in ("negative", "clean", "left_alone")):
                continue
            for mark in getattr(function, "pytestmark", []):
                if mark.name != "parametrize":
                    continue
                names = [n.strip() for n in mark.args[0].split(",")] if isinstance(mark.args[0], str) else list(mark.args[0])
                if "text" not in names:
                    continue
                column = names.index("text")
                for row in mark.args[1]:
                    values = row.values if isinstance(row, type(pytest.param(None))) else row
                    text = values if len(names) == 1 else values[column]
                    if isinstance(text, str):
                        candidates.append(text)
    return [text for text in dict.fromkeys(candidates) if not detector.scan(text, model=False)]


def matrix(texts: list[str], vocabulary: dict[str, int], *, grow: bool) -> sparse.csr_matrix:
    """Rows of the features SolicitModel.probability sums: 1/sqrt(count) per distinct n-gram."""
    rows, columns, values = [], [], []
    for row, text in enumerate(texts):
        grams = features(text)
        scale = 1.0 / math.sqrt(max(len(grams), 1))
        for gram in sorted(grams):
            column = vocabulary.get(gram)
            if column is None:
                if not grow:
                    continue
                column = vocabulary[gram] = len(vocabulary)
            rows.append(row)
            columns.append(column)
            values.append(scale)
    return sparse.csr_matrix((values, (rows, columns)), shape=(len(texts), len(vocabulary)))


def fit(texts: list[str], ys: np.ndarray, c: float) -> tuple[dict[str, int], LogisticRegression]:
    vocabulary: dict[str, int] = {}
    x = matrix(texts, vocabulary, grow=True)
    model = LogisticRegression(C=c, max_iter=10_000, class_weight="balanced")
    return vocabulary, model.fit(x, ys)


def out_of_fold(texts: list[str], ys: np.ndarray, c: float, seeds: int) -> list[np.ndarray]:
    runs = []
    for seed in range(seeds):
        probabilities = np.zeros(len(texts))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, ys):
            vocabulary, model = fit([texts[i] for i in train], ys[train], c)
            held = matrix([texts[i] for i in test], vocabulary, grow=False)
            probabilities[test] = model.predict_proba(held)[:, 1]
        runs.append(probabilities)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True,
                        help="a corpus folder or .jsonl file (scorer format); repeatable")
    parser.add_argument("--out", type=Path, default=default_model_path())
    parser.add_argument("--fpr", type=float, default=0.005,
                        help="clean false-positive rate the threshold allows under cross-validation")
    parser.add_argument("--c", type=float, default=16.0, help="inverse L2 regularisation strength")
    parser.add_argument("--keep", type=int, default=20_000, help="n-grams kept, largest weights first")
    parser.add_argument("--no-repository-negatives", action="store_true",
                        help="leave out the clean texts of the test tables and rule examples")
    parser.add_argument("--seeds", type=int, default=3, help="cross-validation shufflings")
    args = parser.parse_args(argv)

    files = corpus_files(args.corpus)
    root = Path(__file__).resolve().parent.parent
    clean = [] if args.no_repository_negatives else repository_negatives(root)
    texts, labels = labelled_texts(files, clean)
    ys = np.array(labels)
    positives, negatives = int(ys.sum()), int(len(ys) - ys.sum())
    print(f"{len(files)} files and {len(clean)} repository negatives: "
          f"{positives} solicitations, {negatives} clean messages")

    runs = out_of_fold(texts, ys, args.c, args.seeds)
    thresholds = [float(np.quantile(run[ys == 0], 1 - args.fpr, method="higher")) for run in runs]
    threshold = round(float(np.median(thresholds)), 4)
    recall = float(np.mean([(run[ys == 1] >= threshold).mean() for run in runs]))
    fpr = float(np.mean([(run[ys == 0] >= threshold).mean() for run in runs]))
    print(f"cross-validated at threshold {threshold}: solicit recall {recall:.3f}, clean FPR {fpr:.4f}")

    vocabulary, model = fit(texts, ys, args.c)
    weights = model.coef_[0]
    grams = sorted(vocabulary, key=lambda g: (-abs(weights[vocabulary[g]]), g))[: args.keep]
    document = {
        "features_version": FEATURES_VERSION,
        "bias": round(float(model.intercept_[0]), 6),
        "threshold": threshold,
        "training": {
            "solicit": positives,
            "clean": negatives,
            "repository_negatives": len(clean),
            "c": args.c,
            "cv_fpr_target": args.fpr,
            "cv_solicit_recall": round(recall, 4),
            "cv_clean_fpr": round(fpr, 4),
            "corpora_sha256": hashlib.sha256(
                b"".join(sorted(f.read_bytes() for f in files))
            ).hexdigest(),
        },
        "weights": {g: round(float(weights[vocabulary[g]]), 6) for g in sorted(grams)},
    }
    SolicitModel.from_dict(document, source="trained model")  # what the bot will load
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(grams)} of {len(vocabulary)} n-grams")
    return 0


if __name__ == "__main__":
    sys.exit(main())
