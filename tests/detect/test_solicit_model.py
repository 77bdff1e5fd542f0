"""The learned solicitation model: its file, its pieces and spans, and where the engine asks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect.engine import load_detector
from bot.detect.findings import Category
from bot.detect.solicit_model import (
    CHUNK_CHARS,
    FEATURES_VERSION,
    MIN_WORD_CHARS,
    MODEL_RULE_ID,
    ModelError,
    SolicitModel,
    _normalised,
    _pieces,
    default_model_path,
    features,
    judgeable,
)
from bot.detect.window import ConversationWindow, WindowMessage

DETECTOR = load_detector()
SHIPPED = DETECTOR.solicit_model


def tiny_model(threshold: float = 0.5) -> SolicitModel:
    """A model that takes any text holding "moveaway" for a solicitation."""
    return SolicitModel.from_dict(
        {
            "features_version": FEATURES_VERSION,
            "bias": -4.0,
            "threshold": threshold,
            "weights": {"move": 40.0, "away": 40.0},
        }
    )


# ---------------------------------------------------------------------------- the model file


def test_the_shipped_model_loads_and_is_used_by_default() -> None:
    assert SHIPPED is not None
    assert 0.5 < SHIPPED.threshold < 1.0
    assert len(SHIPPED.weights) > 1000
    data = json.loads(default_model_path().read_text(encoding="utf-8"))
    assert data["features_version"] == FEATURES_VERSION
    assert data["training"]["cv_clean_fpr"] <= 0.01


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"features_version": FEATURES_VERSION + 1}, "train the model again"),
        ({"threshold": 1.5}, "threshold must be a number between 0 and 1"),
        ({"threshold": True}, "threshold must be a number between 0 and 1"),
        ({"bias": "high"}, "bias must be a number"),
        ({"weights": {}}, "weights must be a non-empty object"),
        ({"weights": {"toolong": 1.0}}, "weight 'toolong'"),
        ({"weights": {"ab": float("nan")}}, "weight 'ab'"),
    ],
)
def test_a_bad_model_is_refused_with_the_reason(change: dict[str, object], reason: str) -> None:
    good = {"features_version": FEATURES_VERSION, "bias": 0.0, "threshold": 0.9, "weights": {"ab": 1.0}}
    with pytest.raises(ModelError, match=reason) as raised:
        SolicitModel.from_dict({**good, **change}, source="my-model.json")
    assert str(raised.value).startswith("my-model.json: ")


def test_an_unreadable_model_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(ModelError, match="cannot read"):
        SolicitModel.load(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match=r"broken\.json: not JSON"):
        SolicitModel.load(broken)
    with pytest.raises(ModelError):
        load_detector(solicit_model=broken)


# ---------------------------------------------------------------------------- features and pieces


def test_features_fold_width_case_digits_and_invisible_characters() -> None:
    assert features("ＬＩＮＥ　１２３") == features("line 999")
    assert features("li\u200bne") == features("line")
    assert " l" in features("line") and "ne " in features("line")  # word edges are pieces


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_features_are_every_1_to_4_character_piece_of_the_normalised_text(text: str) -> None:
    normal = _normalised(text)
    assert features(text) == {normal[i : i + n] for n in range(1, 5) for i in range(len(normal) - n + 1)}


def test_short_texts_are_not_judged() -> None:
    model = tiny_model()
    assert not judgeable("moveaway"[: MIN_WORD_CHARS - 1])
    assert model.judge("move!") is None  # the weights alone would say yes
    assert model.judge("move away") is not None


def test_a_long_text_is_judged_by_pieces_and_the_span_is_the_asking_piece() -> None:
    filler = "We talked about the new map and the patch notes for a while. " * 20
    text = filler + "Then he said: move away with me. " + filler
    judgement = tiny_model().judge(text)
    assert judgement is not None
    piece = text[judgement.start : judgement.end]
    assert "move away" in piece
    assert len(piece) <= CHUNK_CHARS
    assert piece == piece.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .。!\n\u3000x"), max_size=2000))
def test_pieces_are_ordered_disjoint_bounded_and_cover_the_text(text: str) -> None:
    pieces = list(_pieces(text))
    covered = 0
    for start, end in pieces:
        assert covered <= start < end <= len(text)
        assert end - start <= CHUNK_CHARS
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert text[covered:start].strip() == ""  # nothing but spaces between pieces
        covered = end
    assert text[covered:].strip() == ""


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=1200))
def test_the_model_never_raises_and_its_span_points_into_the_text(text: str) -> None:
    assert SHIPPED is not None
    probability = SHIPPED.highest_probability(text)
    assert 0.0 <= probability <= 1.0
    judgement = SHIPPED.judge(text)
    if judgement is not None:
        assert 0 <= judgement.start < judgement.end <= len(text)
        assert judgement.probability >= SHIPPED.threshold


# ---------------------------------------------------------------------------- in the engine


def test_the_engine_asks_the_model_only_when_the_rules_find_nothing() -> None:
    detector = load_detector(solicit_model=False)
    detector.solicit_model = tiny_model()
    [finding] = detector.scan("let us move away from here together")
    assert (finding.kind, finding.category, finding.rule_id) == ("solicit", Category.SOLICIT, MODEL_RULE_ID)
    assert finding.text == "let us move away from here together"
    assert detector.scan("let us move away from here together", model=False) == []
    # A rule finding: the model is not asked, and no second solicit finding is added.
    ruled = detector.scan("LINE交換しよ move away now")
    assert ruled and all(f.rule_id != MODEL_RULE_ID for f in ruled)
    explanation = detector.explain("nothing to see in this one")
    assert explanation.findings == [] and explanation.model is not None
    assert explanation.model[1] == 0.5


def test_rules_only_detector_has_no_model() -> None:
    detector = load_detector(solicit_model=False)
    assert detector.solicit_model is None
    assert detector.explain("hello there").model is None


def test_the_window_does_not_ask_the_model_about_joined_texts() -> None:
    detector = load_detector(solicit_model=False)
    detector.solicit_model = tiny_model()
    window = ConversationWindow(
        detector.scan, scan_joined=lambda text: detector.scan(text, model=False)
    )
    # Each message alone is too short for the model; joined, they would read "move away".
    first = window.observe(WindowMessage("m1", "c", "a", "move", 1.0))
    second = window.observe(WindowMessage("m2", "c", "a", "away", 2.0))
    assert first == [] and second == []
    joined_scan_with_model = ConversationWindow(detector.scan)
    joined_scan_with_model.observe(WindowMessage("m1", "c", "a", "move", 1.0))
    found = joined_scan_with_model.observe(WindowMessage("m2", "c", "a", "away", 2.0))
    assert [f.rule_id for f in found] == [MODEL_RULE_ID]  # what scan_joined prevents


# ---------------------------------------------------------------------------- the shipped model
# Fresh sentences, in no training corpus: asks the rules have no pattern for, which the shipped
# model must report, and ordinary chat near them that it must leave alone. A retrained model
# has to keep these.

MODEL_ONLY_ASKS = [
    "もっと気軽にやり取りできる場所に移りませんか",
    "外部でお話しできる手段はありますか？",
    "手数料がもったいないので、直接振り込みでどうでしょう",
    "別のアプリのほうが通知に気づきやすいので、そっちで話しませんか",
    "do you use any other messaging apps? would be easier to talk there",
    "i'd love to chat somewhere without all the lag of this server, got another app?",
    "this is getting long, want to move it to a proper messenger?",
]

EVERYDAY_NEAR_MISSES = [
    "明日の配信って何時からでしたっけ？",
    "このイラスト、背景だけもう少し暗くできますか？",
    "修正版をこのスレッドに上げました、確認お願いします",
    "レイドの集合、21時で大丈夫そうですか？",
    "推しのアクスタ、交換に出してる人いますか？",
    "ボイチャでゆっくり話しましょう",
    "ここで話した内容、議事録にまとめておきますね",
    "could you post the file in this channel when it's ready?",
    "what time does the tournament start tomorrow?",
    "thanks for the feedback, i'll fix the colours tonight",
    "we can talk it over in the voice channel here tonight",
    "can you ping me in this thread when you're done?",
    "let's continue in the #trading channel so the main chat stays clean",
]


@pytest.mark.parametrize("text", MODEL_ONLY_ASKS)
def test_the_model_reports_asks_no_rule_describes(text: str) -> None:
    assert DETECTOR.scan(text, model=False) == []  # else this row tests the rules, not the model
    [finding] = DETECTOR.scan(text)
    assert finding.rule_id == MODEL_RULE_ID and finding.kind == "solicit"
    assert text[finding.start : finding.end] == finding.text == text.strip()


@pytest.mark.parametrize("text", EVERYDAY_NEAR_MISSES)
def test_the_model_leaves_everyday_chat_alone(text: str) -> None:
    assert DETECTOR.scan(text) == []
