"""Contact families found missing by a training set written blind (by someone who never saw the
rules): letter-like forms NFKC leaves alone, arrows of every style, fancy-text combining marks,
invisibles between digit groups, digits dictated among number words, romaji and foreign at/dot
words, spaced wa.me numbers, other spellings and labels of the platforms.

Each family is checked structurally (the folded text or the digits view) and end to end, with
the nearest ordinary sentences as hard negatives. The sentences are not the probes' own.
"""

from __future__ import annotations

import unicodedata

import pytest

from bot.detect.normalize import _LETTERLIKE_FROM, _LETTERLIKE_TO, digit_view, fold
from tests.detect.family_checks import DETECTOR, assert_clean, assert_kind_found

# ---- folding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("ᴛᴇʟᴇɢʀᴀᴍ", "telegram"),  # small capitals (Phonetic Extensions, IPA)
        ("ꜱɴᴀᴘ", "snap"),  # small capital S from Latin Extended-D
        ("ǫᴜɪᴄᴋ", "quick"),  # o with ogonek, the generators' small capital Q
        ("ᶦᴳ", "ig"),  # modifier letters: NFKC gives a small capital, folded in turn
        ("ƈɦaŧ", "chat"),  # letters with a hook or a stroke
        ("ɑɩȷɛ", "aije"),  # alpha, iota, dotless j, open e
        ("L̶I̶N̶E̶", "line"),  # strike-through
        ("k̲e̲n̲", "ken"),  # underline
        ("L҉I҉N҉E҉", "line"),  # Cyrillic millions sign
        ("a ➜ b ⟶ c ➔ d 👉 e ▶ f", "a → b → c → d → e → f"),
        ("a ⬅ b ◀ c 👈 d", "a ← b ← c ← d"),
        ("ID 👇", "id ↓"),
        ("id∶ x꞉y", "id: x:y"),
        ("tg » x", "tg > x"),
        ("a\u2800b", "a b"),
        ("ken\u221222 \u2014 x\u2013y", "ken-22 - x-y"),  # minus sign, dashes
    ],
)
def test_letter_like_forms_and_arrows_fold(written: str, folded: str) -> None:
    assert fold(written).text == folded


def test_letterlike_table_maps_letters_drawn_alike() -> None:
    """Every key is a casefolded, NFKC-stable letter and folds to a lowercase ASCII letter
    whose name it carries (or, for the few added by shape, a letter of the same shape)."""
    by_shape = set("ɑɩȷɛǫᴃᴆᴎᴙσօսոհցզ")
    for char, letter in zip(_LETTERLIKE_FROM, _LETTERLIKE_TO, strict=True):
        assert unicodedata.normalize("NFKC", char).casefold() == char
        assert letter.isascii() and letter.islower()
        if char not in by_shape:
            assert letter.upper() in unicodedata.name(char).split()


def test_accented_letters_keep_their_accent() -> None:
    assert fold("café ą").text == "café ą"


# ---- digits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        # invisibles where groups end mark the groups (tightly, as one written number)
        ("212\u200b555\u200b0147", "212-555-0147"),
        ("070\u20602215\u20609034", "070-2215-9034"),
        ("090\u00ad4412\u00ad8819", "090-4412-8819"),
        # ... but not when every digit is decorated (keycaps, strike-through, one per digit)
        ("2️⃣1️⃣2️⃣ 5️⃣5️⃣5️⃣", "212 555"),
        ("0\u200b9\u200b0\u200b1", "0901"),
        ("1̶2̶0̶0̶", "1200"),
        # written digits among number words, "double"/"triple" before a written digit
        ("oh 9 oh, 3 double 4 six", "0 9 0 3 44 6"),
        ("nine 1 triple 7", "9 1 777"),
        ("2 oh 1", "2|1"),  # no firm number word: "oh" stays a word
        ("zero 8 double 3 4 5", "0 8 33 4 5"),  # "double" before a run of written digits
        ("oh 7 oh double 1", "0 7 0 11"),  # "double" makes "oh" a digit as a number word does
        ("7 double 6 then oh 3", "7 66|3"),  # ... within its own chain of digits only
    ],
)
def test_digits_view(written: str, digits: str) -> None:
    assert digit_view(fold(written)).text == digits


# ---- end to end: positives -----------------------------------------------------------------

POSITIVES: list[tuple[str, str]] = [
    # small capitals, fancy text
    ("instagram", "ɪɢ: ᴋᴏʜᴀᴋᴜ.ᴅʀᴀᴡꜱ"),
    ("telegram", "ᴛᴇʟᴇɢʀᴀᴍ → @ꜱᴜɴ_ᴅᴏɢ9"),
    ("email", "ᴋᴇɪᴛᴀ.ᴍ@ɪᴄʟᴏᴜᴅ.ᴄᴏᴍ"),
    ("line", "L̶I̶N̶E̶ ID: ta_ke_99"),
    # invisibles between the groups of a number
    ("phone", "call 415\u200c555\u200c0178"),
    ("phone", "携帯 080\u20604471\u20602290"),
    # digits dictated among number words
    ("phone", "cell is oh 9 oh, 44 double 1, two 8 oh 6"),
    ("phone", "ring 0 seven 0 triple 3 one 2 nine 8 oh"),
    ("phone", "my cell: 3 one 0, 5 5 5, oh 1 eight 4"),  # a North American number read out
    ("phone", "📞 646 555 0127"),
    # romaji and foreign at/dot words
    ("email", "adoresu: mio_k7 atto maaku outlook dotto jp"),
    ("email", "saki.n(atto)gmail(dotto)com"),
    ("email", "escríbeme: pablo.ruiz arroba hotmail punto es"),
    ("email", "e-mail: anna.k klammeraffe web punkt de"),
    ("email", "этот: olga.s собака yandex точка ru"),
    # spelled-out links with spaced numbers, bracketed slash words
    ("whatsapp", "wa dot me slash 1 646 555 0199"),
    ("telegram", "t(.)me(/)night_owl_bot"),
    # other spellings and labels of the platforms
    ("skype", "すかいぷ: yuto.plays7"),
    ("tiktok", "てぃっくとっく → @sora_dance_"),
    ("signal", "しぐなる ID は kaz.88 です"),
    ("snapchat", "add me on 👻 → jess.mk2"),
    ("x", "🐦 @umi_draws5"),
    ("tiktok", "tt -> @dancing.mei"),
    ("snapchat", "snap name → kira.b22"),
    ("skype", "すかいぷ名 aki_voice9"),
    ("phone", "080−2219−4478"),  # minus signs between the groups
    ("wechat", "微信号加一下 liu_yang88"),
    ("snapchat", "snap me ⇨ kenji.r9"),
    ("instagram", "insta ⮕ yuzu_cafe2"),
]


@pytest.mark.parametrize(("kind", "text"), POSITIVES)
def test_family_positive(kind: str, text: str) -> None:
    assert_kind_found(text, kind)


# ---- end to end: hard negatives ------------------------------------------------------------

NEGATIVES: list[str] = [
    "ᴡᴇʟᴄᴏᴍᴇ ᴛᴏ ᴛʜᴇ ꜱᴇʀᴠᴇʀ! ʀᴇᴀᴅ #ʀᴜʟᴇꜱ ꜰɪʀꜱᴛ",
    "ɴᴏ ʟɪɴᴇ/ɪɢ ɪᴅꜱ ɪɴ ᴘᴜʙʟɪᴄ ᴘʟᴇᴀꜱᴇ",
    "ᴏɴʟɪɴᴇ ɴᴏᴡ, ʀᴀɴᴋᴇᴅ ᴀᴛ 21:00",
    "L̶I̶N̶E̶U̶P̶ changed, see the new one",
    "total 1̶2̶0̶0̶0̶円 → 8800円",
    "order #\u200b3391\u200c0044\u200c7812",
    "v2\u200b.3\u200b.1 is out",
    "we rolled double 6 and then 3, oh well",
    "2 oh 1 was the score",
    "final scores: 5 7 3 8 2 9 4 6 1 0",
    "lotto 3 12 25 31 38 41, bonus 7",
    "meet at the main gate at 10 o'clock",
    "a la una en punto, ok?",
    "t dot me is blocked here",
    "line 12 → line 40 has the bug",
    "step 1 ➜ open settings ➜ privacy",
    "insta360 ⇒ best action cam",
    "👻👻 spooky season is here",
    "🐦 chirp chirp, good morning all",
    "すかいぷ もう使ってないなあ",
    "tt: 58.2s is my best lap",
    "file name: backup_v3.zip",
    "インスタ名物のパンケーキ 2_000円",
    "price 3\u221280 — 1\u221240",
    "参加者は ken_22 と mio_5 です",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_family_negative(text: str) -> None:
    assert_clean(text)


def test_no_trigger_literal_mixes_ascii_and_other_characters() -> None:
    """The trigger scan splits each view's literals into an ASCII group and a group of the
    others, each skipping the other's text in C, only when no character is shared: one literal
    such as "tt→" or "ライン 名" (a space) merges them, and every message pays for all literals
    at every character (+3 % instructions per message, measured)."""
    mixed = [
        (rule.id, trigger)
        for rule in DETECTOR.rules.rules
        for trigger in rule.triggers
        if not trigger.isascii() and any(c.isascii() for c in trigger)
    ]
    assert not mixed
