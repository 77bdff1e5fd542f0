"""The learned model: its file, its pieces and spans, its heads, and where the engine asks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect.allowlist import Allowlist
from bot.detect.engine import load_detector
from bot.detect.findings import KINDS, Category
from bot.detect.learned import (
    CHUNK_CHARS,
    CONTACT_RULE_ID,
    FEATURES_VERSION,
    LEARNED_RULE_IDS,
    MIN_WORD_CHARS,
    SOLICIT_RULE_ID,
    LearnedModel,
    ModelError,
    _normalised,
    _pieces,
    default_model_path,
    features,
    judgeable,
)
from bot.detect.window import ConversationWindow, WindowMessage

DETECTOR = load_detector()
SHIPPED = DETECTOR.learned_model


def tiny_model(threshold: float = 0.5) -> LearnedModel:
    """A model that takes any text holding "move" and "away" for a solicitation, and "zqx" for
    a contact detail: a LINE ID, a phone number when the text also holds "tel", an e-mail
    address when it holds "mail"."""
    return LearnedModel.from_dict(
        {
            "features_version": FEATURES_VERSION,
            "heads": {
                "solicit": {"bias": -4.0, "threshold": threshold, "weights": {"move": 40.0, "away": 40.0}},
                "contact": {
                    "bias": -4.0,
                    "threshold": threshold,
                    "weights": {"zqx": 80.0},
                    "kinds": {
                        "line": {"bias": 0.0, "weights": {"zqx": 1.0}},
                        "phone": {"bias": 0.0, "weights": {"tel": 50.0}},
                        "email": {"bias": 0.0, "weights": {"mail": 100.0}},
                    },
                },
            },
        }
    )


def judged(model: LearnedModel, text: str, head: str = "solicit") -> tuple[int, int, float] | None:
    """(start, end, probability) of *head*'s verdict on *text*, or None."""
    return next(((v.start, v.end, v.probability) for v in model.verdicts(text) if v.head == head), None)


# ---------------------------------------------------------------------------- the model file


def test_the_shipped_model_loads_and_is_used_by_default() -> None:
    assert SHIPPED is not None
    assert [head.name for head in SHIPPED.heads] == ["solicit", "contact"]
    for head in SHIPPED.heads:
        assert 0.5 < head.threshold < 1.0
        assert len(head.linear.weights) > 1000
    contact = SHIPPED.head("contact")
    assert contact is not None and {"phone", "line", "email", "instagram"} <= set(contact.kinds)
    data = json.loads(default_model_path().read_text(encoding="utf-8"))
    assert data["features_version"] == FEATURES_VERSION
    for head in data["heads"].values():
        assert head["training"]["cv_clean_fpr"] <= 0.01


GOOD_HEAD = {"bias": 0.0, "threshold": 0.9, "weights": {"ab": 1.0}}
GOOD_KINDS = {"line": {"bias": 0.0, "weights": {"ab": 1.0}}}


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"features_version": FEATURES_VERSION + 1, "heads": {"solicit": GOOD_HEAD}}, "train the model again"),
        ({"features_version": FEATURES_VERSION}, "heads must be an object"),
        ({"features_version": FEATURES_VERSION, "heads": {"spam": GOOD_HEAD}}, "heads must be an object"),
        ({"features_version": FEATURES_VERSION, "heads": {"solicit": {**GOOD_HEAD, "threshold": 1.5}}}, "head solicit: threshold must be"),
        ({"features_version": FEATURES_VERSION, "heads": {"solicit": {**GOOD_HEAD, "threshold": True}}}, "threshold must be"),
        ({"features_version": FEATURES_VERSION, "heads": {"solicit": {**GOOD_HEAD, "bias": "high"}}}, "head solicit: bias must be a number"),
        ({"features_version": FEATURES_VERSION, "heads": {"solicit": {**GOOD_HEAD, "weights": {}}}}, "weights must be a non-empty object"),
        ({"features_version": FEATURES_VERSION, "heads": {"solicit": {**GOOD_HEAD, "weights": {"toolong": 1.0}}}}, "weight 'toolong'"),
        ({"features_version": FEATURES_VERSION, "heads": {"solicit": {**GOOD_HEAD, "weights": {"ab": float("nan")}}}}, "weight 'ab'"),
        ({"features_version": FEATURES_VERSION, "heads": {"solicit": {**GOOD_HEAD, "kinds": GOOD_KINDS}}}, "head solicit: has no kinds"),
        ({"features_version": FEATURES_VERSION, "heads": {"contact": GOOD_HEAD}}, "head contact: kinds must name"),
        ({"features_version": FEATURES_VERSION, "heads": {"contact": {**GOOD_HEAD, "kinds": {"fax": GOOD_KINDS["line"]}}}}, "unknown contact kind 'fax'"),
        ({"features_version": FEATURES_VERSION, "heads": {"contact": {**GOOD_HEAD, "kinds": {"line": {"bias": 0.0}}}}}, "kind line: weights must be"),
    ],
)
def test_a_bad_model_is_refused_with_the_reason(document: dict[str, object], reason: str) -> None:
    with pytest.raises(ModelError, match=reason) as raised:
        LearnedModel.from_dict(document, source="my-model.json")
    assert str(raised.value).startswith("my-model.json: ")


def test_an_unreadable_model_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(ModelError, match="cannot read"):
        LearnedModel.load(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match=r"broken\.json: not JSON"):
        LearnedModel.load(broken)
    with pytest.raises(ModelError):
        load_detector(learned_model=broken)


# ---------------------------------------------------------------------------- features and pieces


def test_features_fold_width_case_digits_and_invisible_characters() -> None:
    assert features("ＬＩＮＥ　１２３") == features("line 999")
    assert features("li\u200bne") == features("line")
    assert " l" in features("line") and "ne " in features("line")  # word edges are pieces


@pytest.mark.parametrize(
    "mark",
    ["\u20e3", "\u20dd", "\U000e0041", "\u0336", "\u0332", "\u0489", "\u200d", "\ufe0f"],
    ids=["keycap", "enclosing-circle", "tag-a", "strike-through", "underline", "cyrillic-millions",
         "zwj", "variation-selector"],
)
def test_features_drop_every_character_the_folding_treats_as_invisible(mark: str) -> None:
    # the model sees what the rules see: "L̶I̶N̶E̶" and "0⃣9⃣0⃣" are "line" and "000"
    assert features(mark.join("line 090")) == features("line 090")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_features_are_every_1_to_4_character_piece_of_the_normalised_text(text: str) -> None:
    normal = _normalised(text)
    assert features(text) == {normal[i : i + n] for n in range(1, 5) for i in range(len(normal) - n + 1)}


def test_short_texts_are_not_judged() -> None:
    model = tiny_model()
    assert not judgeable("moveaway"[: MIN_WORD_CHARS - 1])
    assert model.verdicts("move!") == []  # the weights alone would say yes
    assert model.probabilities("move!") == {"solicit": (0.0, 0.5), "contact": (0.0, 0.5)}
    assert judged(model, "move away") is not None


@pytest.mark.parametrize("text", ["9405 5112 0620", "0️⃣8️⃣0️⃣-1️⃣2️⃣3️⃣4️⃣-5️⃣6️⃣7️⃣8️⃣", "①②③④⑤⑥⑦⑧⑨", "12:30 / 14:45 / 2025-01-09"])
def test_texts_without_a_letter_are_left_to_the_rules(text: str) -> None:
    assert not judgeable(text)
    assert tiny_model().probabilities(text) == {"solicit": (0.0, 0.5), "contact": (0.0, 0.5)}


def test_a_long_text_is_judged_by_pieces_and_the_span_is_the_asking_piece() -> None:
    filler = "We talked about the new map and the patch notes for a while. " * 20
    text = filler + "Then he said: move away with me. " + filler
    judgement = judged(tiny_model(), text)
    assert judgement is not None
    piece = text[judgement[0] : judgement[1]]
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
    for probability, threshold in SHIPPED.probabilities(text).values():
        assert 0.0 <= probability <= 1.0 and 0.0 < threshold < 1.0
    for verdict in SHIPPED.verdicts(text):
        assert 0 <= verdict.start < verdict.end <= len(text)
        head = SHIPPED.head(verdict.head)
        assert head is not None and verdict.probability >= head.threshold
        assert verdict.kind in KINDS


# ---------------------------------------------------------------------------- in the engine


def test_the_engine_asks_the_model_only_when_the_rules_find_nothing() -> None:
    detector = load_detector(learned_model=False)
    detector.learned_model = tiny_model()
    [finding] = detector.scan("let us move away from here together")
    assert (finding.kind, finding.category, finding.rule_id) == ("solicit", Category.SOLICIT, SOLICIT_RULE_ID)
    assert finding.text == "let us move away from here together"
    assert detector.scan("let us move away from here together", model=False) == []
    # A rule finding: the model is not asked, and no second solicit finding is added.
    ruled = detector.scan("LINE交換しよ move away now")
    assert ruled and all(f.rule_id not in LEARNED_RULE_IDS for f in ruled)
    explanation = detector.explain("nothing to see in this one")
    assert explanation.findings == [] and explanation.model is not None
    assert set(explanation.model) == {"solicit", "contact"}
    assert explanation.model["solicit"][1] == 0.5
    assert detector.explain("let us move away from here together", model=False).model is None


def test_the_contact_head_names_the_kind_and_both_heads_may_speak() -> None:
    detector = load_detector(learned_model=False)
    detector.learned_model = tiny_model()
    [line] = detector.scan("reach me as zqxbunny please")
    assert (line.kind, line.category, line.rule_id) == ("line", Category.CONTACT, CONTACT_RULE_ID)
    [phone] = detector.scan("tel zqx 12 34 56 78 after nine")
    assert phone.kind == "phone"
    # ... but a text that cannot hold a phone number's digits gets the next likeliest kind
    [handle] = detector.scan("tel zqx after nine tonight")
    assert handle.kind == "line"
    both = detector.scan("move away, zqxbunny is me")
    assert sorted(f.rule_id for f in both) == sorted(LEARNED_RULE_IDS)


def test_an_allow_listed_identifier_is_not_judged_by_the_model_either() -> None:
    # The rules find the community's own number, the allow-list lets it through: that is not
    # "nothing found", and the model (which knows no allow-list) is not asked.
    detector = load_detector(learned_model=False)
    detector.learned_model = tiny_model()
    text = "zqx official line 03-1234-5678"
    assert [f.rule_id for f in detector.scan(text, model=False)] != []
    allow = Allowlist.from_entries(["03-1234-5678"])
    assert detector.scan(text, allow) == []
    assert detector.explain(text, allow).findings == []
    assert [f.rule_id for f in detector.scan("zqx official line, see the pinned post", allow)] == [CONTACT_RULE_ID]


def test_a_model_verdict_on_one_part_gives_way_to_the_rules_joined_finding() -> None:
    # Each message alone is the model's e-mail address (each holds "zqx" and "mail"); joined,
    # the rules find an e-mail address over both, which must name both messages (the bot
    # deletes both), although each part already carries a finding of the kind.
    detector = load_detector(learned_model=False)
    detector.learned_model = tiny_model()
    window = ConversationWindow(detector.scan, scan_joined=lambda text: detector.scan(text, model=False))
    first = window.observe(WindowMessage("m1", "c", "a", "zqx my mail is hana.kobayashi", 1.0))
    assert [(f.kind, f.rule_id) for f in first] == [("email", CONTACT_RULE_ID)]
    assert [(f.kind, f.rule_id) for f in detector.scan("@gmail.com zqxzqx")] == [("email", CONTACT_RULE_ID)]
    found = window.observe(WindowMessage("m2", "c", "a", "@gmail.com zqxzqx", 2.0))
    assert [(f.kind, f.message_ids) for f in found] == [("email", ("m1", "m2"))]


def test_rules_only_detector_has_no_model() -> None:
    detector = load_detector(learned_model=False)
    assert detector.learned_model is None
    assert detector.explain("hello there").model is None


def test_the_window_does_not_ask_the_model_about_joined_texts() -> None:
    detector = load_detector(learned_model=False)
    detector.learned_model = tiny_model()
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
    assert [f.rule_id for f in found] == [SOLICIT_RULE_ID]  # what scan_joined prevents


# ---------------------------------------------------------------------------- the shipped model
# Fresh sentences, in no training corpus: asks the rules have no pattern for, which the shipped
# model must report, and ordinary chat near them that it must leave alone. A retrained model
# has to keep these.

MODEL_ONLY_ASKS = [
    "もっと気軽にやり取りできる場所に移りませんか",
    "外部でお話しできる手段はありますか？",
    "別のアプリのほうが通知に気づきやすいので、そっちで話しませんか",
    "do you use any other messaging apps? would be easier to talk there",
    "i'd love to chat somewhere without all the lag of this server, got another app?",
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
    assert finding.rule_id == SOLICIT_RULE_ID and finding.kind == "solicit"
    assert text[finding.start : finding.end] == finding.text == text.strip()


@pytest.mark.parametrize("text", EVERYDAY_NEAR_MISSES)
def test_the_model_leaves_everyday_chat_alone(text: str) -> None:
    assert DETECTOR.scan(text) == []


# Handles with no platform named and no ID label, which no rule reports, and identifier-like
# ordinary text (file names, labelled numbers, passwords in a joke) that must stay clean.
MODEL_ONLY_HANDLES = [
    "ここに追加してね → mochi.usagi_77",
    "コイツで検索して: kuro_neko.0420",
    "登録名は natsu.umi.1999 だよ〜",
    "探すときは ＠ｈａｎａ＿ｍｉｙａ で",
]

IDENTIFIER_LIKE_CHAT = [
    "注文番号 4471-2290-8813 で問い合わせました",
    "the wifi password is sunflower_2023 lol",
    "mod名は better_ui_patch_v2 です",
    "ファイル名 raid_plan_v3_final.xlsx 見てください",
    "rank up! 60 → 70 finally lets go",
]


@pytest.mark.parametrize("text", MODEL_ONLY_HANDLES)
def test_the_contact_head_reports_handles_no_rule_describes(text: str) -> None:
    assert DETECTOR.scan(text, model=False) == []
    [finding] = DETECTOR.scan(text)
    assert finding.rule_id == CONTACT_RULE_ID and finding.category is Category.CONTACT
    assert finding.kind in KINDS and finding.kind != "solicit"


@pytest.mark.parametrize("text", IDENTIFIER_LIKE_CHAT)
def test_the_contact_head_leaves_identifier_like_chat_alone(text: str) -> None:
    assert DETECTOR.scan(text) == []
