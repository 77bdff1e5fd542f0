"""Phone-number families missed on blind-written sets (acceptance 2, round 5), as a table: each
family's rows must be flagged as a phone number, and its hard negatives (the nearest ordinary
sentences: labelled numbers, counts, the same digits without a phone word) left alone.
The sentences are written for this table, not taken from any corpus.
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_kind_found

POSITIVES: list[tuple[str, str]] = [
    # a Chinese mobile without +86, next to a phone word (zh or en)
    ("cn_mobile", "有事打我手机 137 5520 4418"),
    ("cn_mobile", "电话号码：18912034476"),
    ("cn_mobile", "my phone back home is 152-6638-0471"),
    ("cn_mobile", "微信同号 135 5220 4418"),
    # a Japanese mobile a digit short or long (the writer's slip), next to a phone word
    ("mobile_typo", "携帯: 090-441-2286"),
    ("mobile_typo", "電話番号 ０８０ー３３９ー５５７２"),
    ("mobile_typo", "ring me, 070 3318 44920"),
    ("mobile_typo", "でんわ: ぜろはちぜろ にーいちろく きゅうきゅうさんよん"),
    # the last four digits given before the prefix and the middle group
    ("reversed_pieces", "番号は下四桁が7781で、上は090-2264"),
    ("reversed_pieces", "電話、末尾 3309 / 頭 080 6617"),
    ("reversed_pieces", "phone ends in 4471, begins 070 2238"),
    # a mobile prefix read out digit by digit, then pairs
    ("prefix_read_out", "text me: zero nine zero, 31 47, 85 62"),
    ("prefix_read_out", "ぜろ はち ぜろ 12 43 65 87 に電話"),
    # readings: katakana English "two", romaji with a macron, the Chinese dictation 1 (幺)
    ("readings", "ゼロナインゼロ トゥーワンワンスリー フォーフォートゥーワン"),
    ("readings", "zero kyū zero, yon yon ni ni, roku roku kyū ichi"),
    ("readings", "手机 幺五八 二〇四七 三三六幺"),
    # English dictation in pairs (tens and teens words)
    ("english_pairs", "phone: oh eight oh, fifty-five twenty-one, thirty-three oh nine"),
    ("english_pairs", "cell is six one seven, five five five, oh one sixty-two"),
    ("english_pairs", "text me, three one two, five five five, nineteen eighty-eight"),
    # a unit right after a number's last group (no quantity: the number runs on into a word)
    ("quantities", "〇八〇 五五二一 三三〇九時に電話して"),
    ("quantities", "携帯 080-5521-3309日中は出られない"),
    ("quantities", "電話は 080 5521 3309 本日中に"),
]

NEGATIVES: list[tuple[str, str]] = [
    ("cn_mobile", "订单号 137 5520 4418 请查收"),
    ("cn_mobile", "快递单号：18912034476，电话通知了"),
    ("cn_mobile", "the sim ran 152-6638-0471 steps"),
    ("cn_mobile", "13755204418"),
    ("cn_mobile", "cell count 1111 1111 111 in the sample"),
    ("mobile_typo", "090-441-2286"),
    ("mobile_typo", "会員番号 080-339-5572 の方は電話番号の登録不要です"),
    ("mobile_typo", "電話受付 10:00-18:00 定休日 090 日"),
    ("mobile_typo", "電話番号は 090-000-0000 のように入力"),
    ("reversed_pieces", "カードの下4桁が7781、有効期限は 09/28"),
    ("reversed_pieces", "部屋は 1203、〒080-0012 帯広市"),
    ("reversed_pieces", "7781 points, then 090-2264 in round two"),
    ("prefix_read_out", "0 1 0, 02 03 04 05 were drawn"),
    ("prefix_read_out", "1 0 9, 31 47, 85 62 on the scoreboard"),
    ("prefix_read_out", "0.80 2.15 33.07 were the split times"),
    # decimals and prices never bridge into a mobile
    ("decimals", "¥0.80 → ¥21.55 → ¥33.07 の値動き"),
    ("decimals", "rates went 0.90, then 44.18, then 77.26"),
    # a label and its "No." apart
    ("labels", "シリアル No. 0908-4127-731"),
    ("labels", "会員 番号 090-4127-7731"),
    ("readings", "トゥモローランドに9時集合"),
    # times and counts said in words
    ("english_pairs", "call me at eight thirty or nine fifteen, ten forty at the latest"),
    ("english_pairs", "phone rang at seven forty-five, eight twenty, nine fifty-five and ten ten"),
    ("english_pairs", "text the results: twenty-one, thirty-four, fifty-five, eighty-nine, ninety"),
    # groups that count something (a unit or counter glued to them) never bridge into a number
    ("quantities", "第080話は 5521人が見て 3309票入った"),
    ("quantities", "価格 070円 → 2218円 → 4409円"),
    ("quantities", "電話で聞いたら 090 番台は 4412 件、 7703 件は別"),
]


@pytest.mark.parametrize(("family", "text"), POSITIVES)
def test_phone_family_is_found(family: str, text: str) -> None:
    assert_kind_found(text, "phone", family)


@pytest.mark.parametrize(("family", "text"), NEGATIVES)
def test_phone_family_hard_negative_stays_clean(family: str, text: str) -> None:
    assert_clean(text, family)
