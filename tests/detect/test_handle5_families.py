"""Handles, addresses and links of blind set tr9 and the platform nicknames of tr5..tr8, per
family, with the nearest ordinary sentences next to them (own wordings, not the corpora's).
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_kind_found, assert_solicits

POSITIVES = [
    # the at-mark word written with a space inside it
    ("email", "連絡先: nori.k アット マーク outlook.jp"),
    ("instagram", "いんすた → あっと まーく c h i k a . b a k e s"),
    # a symbol standing for the @ at any domain, with the instruction to swap it back
    ("email", "送り先 sou_h◆mbr.nifty.com（◆をアットに変えてください）"),
    ("email", "turn the % into an @ → bea.l%posteo.net"),
    ("email", "mika.t♪eonet.ne.jp ♪ = @ ね"),
    # foreign at/dot words: French/Spanish 'point', German 'ät'
    ("email", "mon mail c'est remi_d arobase wanadoo point fr"),
    ("email", "correo: lucia.g arroba movistar point es"),
    ("email", "erreichbar unter tom.h ät posteo punkt de"),
    # at/dot words set off by other marks, a doubled @
    ("email", "reach me: ivo.p _at_ mailbox _dot_ org"),
    ("email", "nils.b~at~posteo.de"),
    ("email", "emi_k*at*zoho*dot*eu"),
    ("email", "yuna.s@@outlook.jp (one @ is extra)"),
    # a profile host written with a hyphen in the brand's name
    ("instagram", "my shop lives at insta-gram (.) com / hana.knits"),
    ("facebook", "face_book dot com slash aki.mori.22"),
    # a name in kana with its digits stuck to it, after ':' or an ID mark
    ("line", "ライン→ こはる0614"),
    ("line", "らいんのID: ソウタ2002 で追加して"),
    # an ID announced for the next line
    ("kakao", "my kakao id below\nyerin_0407"),
    ("telegram", "telegram username 👇\nsilver.owl"),
    ("line", "LINE IDはいつものやつで→ taku_0919"),
    # WeChat found by a Chinese mobile number
    ("wechat", "微信号就是手机号 137 2468 0135"),
    # Facebook found by a full name and the request to reach the writer there
    ("facebook", "Facebookで「Rin Okada」で検索して申請ください"),
    # a correction after the ID mark: "not X but Y"
    ("line", "ラインのIDは本名じゃなくて mizu_k_0101 のほう"),
]

SOLICITS = [
    # colour and icon euphemisms, short names after a possessive or 'on'
    "let's move this chat to the yellow app",
    "hmu on the app with the paper plane",
    "dm me and I'll give you my wa",
    "catch me on tt, posting the rest there",
    "オバケのアプリやってたら教えて",
]

NEGATIVES = [
    # a time before a comma is not a domain
    "we're meeting at 6, me and the others",
    "game night at 9, link drops in #events",
    # a full stop joined to a contraction is not a dotted handle
    "report any telegram account. don't reply to them",
    # a Latin ID mark, then the sentence going on
    "i forgot my line id again",
    "check the telegram account then tell me",
    # kana and digits that are a time, a count or a version
    "LINE: あと15分で出る",
    "ライン: バージョン14 重い",
    "LINE→ まだ3人",
    # an instruction without an address, a symbol that is a rating
    "★ = @ in this font, weird",
    "rated 4★5.0 on the store, swap the ★ for stars",
    # at-words inside hyphenated words
    "a stay-at-home week on insta, nothing else",
    "look *at* this.thing lol",
    # foreign words around a point that is not a domain
    "arobase et point sont des symboles",
    # the hyphenated brand in passing, a WeChat order number
    "insta-gram style filters are back",
    "微信支付 订单号 15966667777",
    # nicknames in passing
    "the yellow app icon looks different now",
    "wa is a particle, not a verb",
    "my tt paddle broke lol",
    "フェイスブックで「Tom Hanks」の記事読んだ",
    # "not the LINE ID but another one"
    "ラインのIDじゃなくてゲームのIDは gm_3321",
]


@pytest.mark.parametrize(("kind", "text"), POSITIVES)
def test_handle5_family_positive(kind: str, text: str) -> None:
    assert_kind_found(text, kind)


@pytest.mark.parametrize("text", SOLICITS)
def test_handle5_family_solicit(text: str) -> None:
    assert_solicits(text)


@pytest.mark.parametrize("text", NEGATIVES)
def test_handle5_family_negative(text: str) -> None:
    assert_clean(text)
