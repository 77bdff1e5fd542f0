"""Building the report embed (pure: ledger values in, a discord.Embed out)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.discord.reports import (
    Outcome,
    build_report_embed,
    masked_findings,
    report_content,
    with_outcome,
)
from bot.ledger.models import Evidence, FindingRecord
from bot.ledger.policy import StrikeRecord, default_ladder

CREATED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TEXT = "メールは kazu.0315@gmail.com 電話 090-1234-5678"


def strike(**changes: object) -> StrikeRecord:
    values: dict[str, object] = {
        "id": 17, "guild_id": 1, "member_id": 2, "channel_id": 3, "message_ids": ("44",),
        "kind": "email", "category": "contact", "points": 1, "created": CREATED,
        "expires": CREATED, "step_threshold": 2,
    }
    values.update(changes)
    return StrikeRecord(**values)  # type: ignore[arg-type]


def evidence(*findings: FindingRecord, text: str = TEXT) -> Evidence:
    return Evidence(17, 3, ("44",), text, text.casefold(), findings, (), CREATED)


EMAIL = FindingRecord("email", "contact", "email.plain", 5, 24, masked="ka***@gmail.com")
PHONE_UNMASKED_RECORD = FindingRecord("phone", "contact", "phone.jp", 28, 41)  # masked text missing


def fields(embed: object) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}  # type: ignore[attr-defined]


def test_masked_findings_use_the_stored_mask_and_fill_in_missing_ones() -> None:
    assert masked_findings(evidence(EMAIL, PHONE_UNMASKED_RECORD)) == (
        ("email", "ka***@gmail.com"),
        ("phone", "090-****-5678"),
    )
    assert masked_findings(None) == ()
    out_of_range = FindingRecord("phone", "contact", "phone.jp", 30, 400)
    assert masked_findings(evidence(out_of_range)) == (), "a bad span shows nothing rather than the wrong text"


@pytest.mark.parametrize(
    ("lang", "title", "evidence_field", "strikes_field", "strikes_value"),
    [
        ("en", "Contact details removed", "Evidence (masked)", "Strikes", "2 active · step 2: final warning, report to the moderators"),
        ("ja", "連絡先を含むメッセージを削除しました", "証拠(マスク済み)", "違反記録", "有効 2 件 · 段階 2: 最終警告, モデレーターへの報告"),
    ],
)
def test_report_embed_in_both_languages(lang: str, title: str, evidence_field: str, strikes_field: str, strikes_value: str) -> None:
    content = report_content(
        strike(), evidence(EMAIL, PHONE_UNMASKED_RECORD), default_ladder(),
        params={"active_strikes": 2, "step_threshold": 2, "kinds": ["email", "phone"]}, member_name="kazu_*bold*",
    )
    embed = build_report_embed(content, lang)
    shown = fields(embed)
    assert embed.title == title
    assert strikes_value == shown[strikes_field]
    assert "ka***@gmail.com" in shown[evidence_field] and "090-****-5678" in shown[evidence_field]
    assert "kazu.0315" not in str(embed.to_dict()) and "1234" not in str(embed.to_dict())
    assert "kazu\\_\\*bold\\*" in next(iter(shown.values())), "member names cannot inject markdown"
    assert "https://discord.com/channels/1/3/44" in str(embed.to_dict())
    assert embed.footer.text and "17" in embed.footer.text
    assert embed.timestamp == CREATED


def test_shadow_report_says_nothing_was_done_and_notes_are_shown() -> None:
    content = report_content(
        strike(shadow=True), evidence(EMAIL), default_ladder(),
        params={"active_strikes": 1, "step_threshold": 1, "shadow": True}, notes=("member_outranks_bot", "no_such_note"),
    )
    embed = build_report_embed(content, "en")
    assert embed.title == "Contact details detected (shadow mode)"
    assert embed.description is not None
    assert "Shadow mode: nothing was deleted" in embed.description
    assert "at or above the bot's" in embed.description
    assert embed.description.count("⚠️") == 2, "an unknown note key is ignored, not shown raw"


def test_report_without_step_or_evidence() -> None:
    content = report_content(strike(step_threshold=None), None, default_ladder(), params={"active_strikes": 0})
    shown = fields(build_report_embed(content, "en"))
    assert shown["Strikes"] == "0 active · below the first step"
    assert shown["Evidence (masked)"] == "(image or attachment only)"
    assert shown["Kind"] == "E-mail address"


def test_outcome_closes_the_report_in_place() -> None:
    embed = build_report_embed(report_content(strike(), evidence(EMAIL), default_ladder()), "ja")
    outcome = Outcome("ban", 99, CREATED)
    closed = with_outcome(embed, outcome, "ja")
    assert fields(closed)["対応"] == f"🔨 <@99> が BAN しました(<t:{int(CREATED.timestamp())}:f>)"
    assert "対応" not in fields(embed), "the original embed is not modified"
    assert closed.colour != embed.colour
    rebuilt = build_report_embed(report_content(strike(), evidence(EMAIL), default_ladder()), "en", Outcome("dismiss", None, CREATED))
    assert fields(rebuilt)["Outcome"].startswith("☑️ Dismissed by contact-guard")
