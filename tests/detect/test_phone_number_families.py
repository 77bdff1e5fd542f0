"""Phone-number families found missing by blind-written training sets: structural disguises of
the digits themselves (invisibles inside separated groups, spaced digits with spaced
separators, a last group spelled in words) and digit-like characters inside handles.

Each family is checked on the digits view (or the folded views) and end to end, with the nearest
ordinary sentences as hard negatives. The sentences are not the training sets' own.
"""

from __future__ import annotations

import pytest

from bot.detect.normalize import digit_view, fold
from tests.detect.family_checks import DETECTOR, assert_clean, assert_kind_found, scan_checked

_INVISIBLES = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")

# ---- invisibles inside the groups of a number with visible separators ----------------------

# Numbers whose groups are drawn with visible separators, each with a phone word where the
# shape alone is weak (North American 3-3-4).
_SEPARATED = [
    ("電話 ", "090-4417-2286", ""),
    ("tel ", "03-5521-7740", ""),
    ("携帯は", "080.3319.6624", "です"),
    ("", "(070) 2231 8890", " に電話"),
    ("call ", "617-555-0138", ""),
    ("my cell is ", "415 555 0192", ""),
    ("", "+81 90 6621 4437", ""),
    ("text me ", "+44 7700 900 461", ""),
]


def _insertions(number: str) -> list[str]:
    """*number* with an invisible inserted at each position between two of its characters, and
    with invisibles at every second and at every third position at once."""
    variants = []
    for k in range(1, len(number)):
        invisible = _INVISIBLES[k % len(_INVISIBLES)]
        variants.append(number[:k] + invisible + number[k:])
    for step in (2, 3):
        chars = []
        for k, char in enumerate(number):
            if k and k % step == 0:
                chars.append(_INVISIBLES[k % len(_INVISIBLES)])
            chars.append(char)
        variants.append("".join(chars))
    return variants


@pytest.mark.parametrize(("before", "number", "after"), _SEPARATED)
def test_invisibles_anywhere_in_a_separated_number(before: str, number: str, after: str) -> None:
    """An invisible anywhere inside (or between) the groups of a number whose groups are already
    drawn leaves it a number, and the finding covers the whole number in the original text."""
    for disguised in _insertions(number):
        text = before + disguised + after
        findings = [f for f in scan_checked(text) if f.kind == "phone"]
        assert findings, text
        covered = "".join(f.text for f in findings)
        assert [c for c in covered if c.isdigit()] == [c for c in number if c.isdigit()], (text, findings)


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        # invisibles inside groups drawn by visible separators mark nothing
        ("09\u200b0-52\u200b83-\u200b7716", "090-5283-7716"),
        ("617 5\u200c55 01\u200c38", "617 555 0138"),
        ("(03)\u200b55\u200b21-7740", "03-5521-7740"),
        # ... but a longer run with visible separators around it is more than one group
        ("(212)555\u200b0147", "212-555-0147"),
        ("555\u200b0147-99", "555-0147-99"),
        ("+1 415\u200c555\u200c0178", "+1 415-555-0178"),
        # invisibles where the groups of an unseparated number end still mark them
        ("347\u200c581\u200c2093", "347-581-2093"),
        ("090\u200b4412\u200b8819", "090-4412-8819"),
    ],
)
def test_invisible_group_marks(written: str, digits: str) -> None:
    assert digit_view(fold(written)).text == digits


@pytest.mark.parametrize("number", ["09044172286", "05031128874"])
def test_invisibles_in_an_unseparated_number(number: str) -> None:
    """One invisible at any position of a number written without separators."""
    for k in range(1, len(number)):
        for invisible in _INVISIBLES:
            assert_kind_found("携帯 " + number[:k] + invisible + number[k:], "phone")


# ---- spaced digits with spaced separators between the groups --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "5 0 3 - 5 5 5 - 0 1 1 9",
        "reach me: 7 1 8 . 5 5 5 . 0 1 6 2",
        "３ １ ２ － ５ ５ ５ － ０ １ ９ ６",
        "two one two - five five five - oh one four seven",
        "0 8 0 - 3 3 1 9 - 6 6 2 4",
        "0 3 . 5 5 2 1 . 7 7 4 0",
        "〇 九 〇 ー 四 四 一 七 ー 二 二 八 六",
        "0 7 7 0 0 - 9 0 0 - 4 6 1",
        "+ 4 4 7 7 0 0 . 9 0 0 . 4 6 1",
        "9 1 7-5 5 5-0 1 4 2",
        "917–555–0142",
        "six four six, dash, five five five, dash, oh one two seven",
    ],
)
def test_spaced_digits_with_spaced_separators(text: str) -> None:
    assert_kind_found(text, "phone")


# ---- a number bridged across short text, its last group spelled in words -------------------


@pytest.mark.parametrize(
    "text",
    [
        "携帯は〇七〇、続けて 2 2 1 5、ラスト eight three oh four",
        "080 から始まって 6613、おしまいは ゼロキュウハチイチ",
        "zero nine zero のあと 4471 で最後 2 2 9 0",
    ],
)
def test_bridge_with_a_spelled_group(text: str) -> None:
    assert_kind_found(text, "phone")


def test_bridge_still_needs_short_text_between() -> None:
    assert_clean("090 のときは色々あって、結局みんなで 1234 回くらい言ったけど最後は 5678")


def test_bridge_over_english_words_needs_a_phone_word() -> None:
    """English words between the groups make a longer gap: with a phone word only."""
    assert_kind_found("text me: it starts with 070, then 2215, and it ends in 9034", "phone")
    assert_clean("it starts with 070, then 2215, and it ends in 9034")
    assert_clean("I bought 080 cards, then 6637 more, and 5521 total")


# ---- counts of digits, landline groups, hyphenated dictation, look-alike digits ------------


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        # a count of digits is text about the number, not a group of it
        ("頭は070-2281、残りの4桁は9034", "070-2281|9034"),
        ("first 3 digits 718, then 555 0162", "718|555 0162"),
        ("4ケタの暗証番号", ""),
        # the Cyrillic Ze drawn for a 3 next to a digit
        ("O8O 55З2 1190", "080 5532 1190"),
        ("зима 2026", "2026"),
    ],
)
def test_digits_view_families(written: str, digits: str) -> None:
    assert digit_view(fold(written)).text == digits


@pytest.mark.parametrize(
    "text",
    [
        "最初が090-3317で、末尾4桁は2290",
        "電話 O9O 66З1 4402",
        "seven-one-eight five five five, oh one six two is my cell",
        "call: four-oh-four, five-five-five, oh-one-seven-three",
    ],
)
def test_number_families_found(text: str) -> None:
    assert_kind_found(text, "phone")


@pytest.mark.parametrize(
    "text",
    [
        # a landline's last group is four digits: 4-4-2 is a serial or tracking number
        "0198 3361 57",
        "伝票 0456 7788 12 の件",
        "scores 3-1 4-2, then 5-5 0-1 2-3",
    ],
)
def test_number_families_negative(text: str) -> None:
    assert_clean(text)


# ---- spaced writing in the text view ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "text"),
    [
        # a spaced run may end in a colon; a dash never starts one
        ("S N A P: k i r a _ 2", "snap: kira_2"),
        ("ig — @ h a n a _ 0 5", "ig - @hana_05"),
        # the tilde of a path with spaces after it, a handle's "@" written apart
        ("line.me/ti/p/~ yuzu_22", "line.me/ti/p/~yuzu_22"),
        ("インスタは @ sora.cafe_7 です", "インスタは @sora.cafe_7 です"),
        ("@ umi _ no _ oto", "@umi_no_oto"),
        ("ЯIИЕ", "rine"),
        # ... not "@" before a time or a word, nor a sentence ending in a colon
        ("meet @ 5pm", "meet @ 5pm"),
        ("@ everyone 集合", "@ everyone 集合"),
        ("ok ~ see you", "ok ~ see you"),
    ],
)
def test_spaced_text_view(written: str, text: str) -> None:
    assert _NORMALIZER.text_view(fold(written)).text == text


# ---- digit-like characters inside handles and mail local parts ----------------------------

_NORMALIZER = DETECTOR.normalizer


@pytest.mark.parametrize(
    ("written", "text"),
    [
        ("mio〇七一九 at outlook", "mio0719 at outlook"),
        ("id: taku_弐参", "id: taku_23"),
        ("rin.k九九_ です", "rin.k99_ です"),
        ("sora①⑧＠ｇｍａｉｌ．ｃｏｍ", "sora18@gmail.com"),
        ("nao三@yahoo.co.jp", "nao3@yahoo.co.jp"),
        ("kei五.m_7", "kei5.m_7"),
        ("m i o 〇 七 あっと", "mio07 あっと"),
        # ... not kanji running on into Japanese, nor one kanji alone
        ("LINEで二人に", "lineで二人に"),
        ("iphone十五が", "iphone十五が"),
        ("ver三 きた", "ver三 きた"),
        ("LINE一本で", "line一本で"),
    ],
)
def test_handle_digits_in_the_text_view(written: str, text: str) -> None:
    assert _NORMALIZER.text_view(fold(written)).text == text


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("email", "連絡は mio〇七一九 あっと outlook ドット jp まで"),
        ("email", "kaito.s八八@gmail.com"),
        ("line", "ライン ID: nagi_〇六二〇"),
        ("instagram", "インスタ → @hoshi九二"),
    ],
)
def test_handle_with_kanji_digits(kind: str, text: str) -> None:
    findings = [f for f in scan_checked(text) if f.kind == kind]
    assert findings, text
    assert any(f.end == len(text.rstrip("まで").rstrip()) for f in findings), findings


# ---- a platform's name spelled letter by letter with commas or spaced separators ------------


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("T、E、L、E、G、R、A、M → sun_dog9", "telegram → sun_dog9"),
        ("k, a, k, a, o: minji.99", "kakao: minji.99"),
        ("い、ん、す、た の垢", "いんすた の垢"),
        ("S - K - Y - P - E id", "skype id"),
        # a dollar sign for an s, towards the vocabulary only
        ("$kype: ren.t_4", "skype: ren.t_4"),
        ("CA$H or $5", "ca$h or $5"),
        # particles written as a lone katakana (halfwidth katakana text)
        ("ｲﾝｽﾀ ﾉ ｱｶ ﾊ hoshi.k_7 ﾃﾞｽ", "インスタ ノ アカ は hoshi.k_7 デス"),
        ("ハートがガチャで", "ハートがガチャで"),
        # ... not other letters listed one by one
        ("a, b, c, d の順に", "a, b, c, d の順に"),
        ("い、ろ、は", "い、ろ、は"),
        ("grades: a, d, d, e", "grades: a, d, d, e"),
    ],
)
def test_spelled_platform_in_the_words_view(written: str, words: str) -> None:
    text_view = _NORMALIZER.text_view(fold(written))
    assert _NORMALIZER.words_view(text_view).text == words


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("line", "ら、い、ん の ID は kotori_88"),
        ("line", "L, I, N, E → kotori_88"),
        ("instagram", "I - N - S - T - A: @kotori_88"),
        ("kakao", "カ、カ、オ ID: minji_0412"),
    ],
)
def test_spelled_platform_found(kind: str, text: str) -> None:
    assert_kind_found(text, kind)


# ---- end to end: hard negatives ------------------------------------------------------------

NEGATIVES: list[str] = [
    "締切は2026-0\u200b5-12 の 23:59 です",
    "注文番号 12\u200b34-5678-9012 の発送が遅れています",
    "tracking no. 1Z 99\u200b9 AA1 01 2345 6784",
    "score was 3-1 then 2\u200b2-19 in overtime",
    "v2.1\u200b4.7 released, see changelog",
    "the meeting is 10:30\u200b-11:45 tomorrow",
    "2 0 2 6 - 1 1 - 2 9 に集合",
    "score 1 0 - 8 , 2 5 - 2 3",
    "5 1 7 - 5 5 5 0 1 3 8 points in total",
    "invoice 5 0 3 - 5 5 5 - 0 1 1 9",
    "(212) 555-0187 chars, 212 555 0147 bytes",
    "LINEで二人に送ったよ",
    "iPhone一五 買った、gmailの容量が足りない",
    "switch二台目 at amazon で買った",
    "選択肢は a, b, c, d のどれか",
    "L, M, S の三サイズ、在庫 12 点",
    "ら、り、る、れ、ろ の練習",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_family_negative(text: str) -> None:
    assert_clean(text)
