"""Contact families found missing by the blind-written sets of session 7: identifiers written
backwards with a word saying so, filler letters between the digits of a number, a number under
a spoiler, bullets between digit groups, a British mobile after "44" without "+", platform
emoji used as "the one with that icon", the at-word followed by "mark".

Each family is checked end to end with the nearest ordinary sentences as hard negatives. The
sentences are not the training sets' own.
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_kind_found

_FOUND = [
    # written backwards, with the cue before or after
    ("reversed", "phone", "電話番号は逆さまに書くね: 5521-4439-080"),
    ("reversed", "phone", "it's backwards, figure it out - 4410 773 646"),
    ("reversed", "phone", "7716-2283-070 (反対から読んでね)"),
    ("reversed", "email", "逆から読んで: moc.duolci@12_ihsoy"),
    ("reversed", "email", "addy reversed: ten.liamtoh@rednav"),
    ("reversed", "line", "ラインのID、後ろから読んで → 0211_anihs"),
    ("reversed", "instagram", "read it in reverse, insta: 44.ekam_ot"),
    # a filler letter after every digit (not hex)
    ("filler", "phone", "0k8j0h3g3f5d1s2a7p7o4 って書いたけど英字は飛ばして"),
    ("filler", "phone", "my cell 2z1z2z5z5z5z0z1z4z7, ignore the z"),
    # a North American number under a spoiler, no phone word
    ("spoiler", "phone", "||(718) 555-0164||"),
    ("spoiler", "phone", "おれの → ||212 555 0199||"),
    # bullets between the groups
    ("bullets", "phone", "tel 080•4471•2259"),
    ("bullets", "phone", "call 646·555·0183"),
    # a British mobile after its country code without "+"
    ("uk", "phone", "text me on 44 7911 223344"),
    # the platform's emoji as "the one with that icon"
    ("emoji", "telegram", "✈のほうは @kumo_sora22 でやってます"),
    ("emoji", "instagram", "📷の方のアカウントは lens.haru_09"),
    ("emoji", "telegram", "the paper plane app ✈ night.owl_42"),
    # "(at) mark" and a dotted abbreviation
    ("at-mark", "instagram", "インスタ(あっと)マーク hana.iro_21"),
    ("dotted", "instagram", "I.G. → mugi.bakes_3"),
    # a handle in brackets after a real name, with what to do with it
    ("name-handle", "facebook", "Facebookで 森 さくら（sakura.mori.88）って検索して"),
    ("name-handle", "instagram", "インスタで「ハル (haru_bakery22)」を探してね"),
    # "<platform> me, profile is x"
    ("me-profile", "instagram", "insta me, profile is tomo.hikes_7"),
    # an ID spelled in the kana names of its letters and digits
    ("kana-letters", "line", "らいんのID、ジー・オー・ティー・オー・ハチハチ"),
    ("kana-letters", "kakao", "カカオのあいでぃーは えす・えー・えむ・いち・に"),
    ("kana-letters", "line", "れいんのアカウント: ぴー・いー・えぬ・ご"),
    # an address described: the provider and the part before the @, or the local part then the provider
    ("mail-described", "email", "it's an icloud address, the part before the @ is june.park.art"),
    ("mail-described", "email", "write to sam_k77 then the hotmail domain"),
    ("mail-described", "email", "yahooのほうで、ユーザー名は kuma.bento3 です"),
    # a look-alike letter ending a group of a spaced number
    ("homoglyph-group", "phone", "ring me +44 7700 90O 512"),
    ("homoglyph-group", "phone", "090 3318 772O に電話して"),
    # an English label word after the number, in another sense
    ("label-after", "phone", "call 312-555-0148 about the order"),
    # markdown around the platform and the handle
    ("markdown", "telegram", "__telegram__ `owl.night_5` で検索して"),
    # Chinese at-word, bracketed kana at and dot words
    ("at-words", "email", "邮箱 mei_lin22 艾特 163 点 com"),
    ("at-words", "email", "r.kato 【アットマーク】 ezweb 【点】 ne 【点】 jp"),
    ("at-words", "email", "메일은 jiho_k 골뱅이 daum 점 net 이에요"),
    # romaji particle as the hand-over, LINE spelled in kana letter names with dots
    ("romaji", "telegram", "teregura wa kaze.no_oto22 desu"),
    ("kana-name", "line", "エル・アイ・エヌ・イー → mame_daifuku7"),
    # the platform by its icon's colour, the verb before an arrow and the handle
    ("euphemism", "instagram", "紫のカメラのアプリで sakura.nails_7 って検索して"),
    ("verb-arrow", "instagram", "インスタで検索してね→ @hoshi.zora_8"),
    # an ID given as its pieces, the joining character said in words
    ("pieces", "line", "LINEのID、頭が yuzu で、ハイフン、終わりが 77"),
    ("pieces", "snapchat", "snap - it starts with kai, then a dot, and then 09"),
    # set-aside thirds, read after scoring them: the same families in other words
    ("emoji", "line", "💚のやつで nao.piano_3 探して"),
    ("slash-words", "x", "i'm at x dot com forward slash kite_runner9"),
    ("under-handle", "tiktok", "find my stuff on tiktok under @clay.and.kiln"),
    ("nanp-pieces", "phone", "my cell: 415, then 287, then 3390"),
]

_CLEAN = [
    ("reversed", "逆から数えると 2026-11-30 まであと3日"),
    ("reversed", "sorted in reverse: 1200, 900, 850, 400"),
    ("reversed", "backwards compatible with telegram 10.2.1"),
    ("reversed", "インスタの写真が逆さまに表示される"),
    ("reversed", "receipt number reversed 4410-773-646 by the clerk"),
    ("filler", "sha 4f2a9b8c1d7e6f3a5b0c0d is the build"),
    ("filler", "1x2x3x4 grid"),
    ("spoiler", "||spoiler|| the ending is sad"),
    ("spoiler", "||2-1|| final score"),
    ("bullets", "2024•11•30 • 19:00 start"),
    ("bullets", "price ¥1•200 • ¥3•400"),
    ("uk", "order 44 7911 223344 shipped"),
    ("uk", "44 7911 223344"),
    ("emoji", "✈のほうが早いね、ana_22便で行く"),
    ("emoji", "📷のほうは img_2041 で保存した"),
    ("emoji", "✈ tokyo_2024 trip pics"),
    ("at-mark", "アットマークの入力が面倒"),
    ("dotted", "e.g. use names like sora_22 in the docs"),
    ("number-label", "レシートの番号 0803-5512-7790 の件で問い合わせた"),
    ("name-handle", "Facebookで 森さん（mori_88）を探したけど見つからなかった"),
    ("kana-letters", "ラインのIDなんて、い・ら・な・い"),
    ("kana-letters", "ラインのアカウントで、エー・ビー・シー順に並べる"),
    ("mail-described", "the gmail username field is required"),
    ("mail-described", "patch_12 followed by the outlook outage fix"),
    ("homoglyph-group", "scores 7700 90 is 512 lol"),
    ("label-after", "order 312-555-0148 shipped today"),
    ("at-words", "艾特我一下 qq群 123"),
    ("at-words", "점수는 10 점 com 없음"),
    ("romaji", "line wa daijoubu desu"),
    ("euphemism", "カメラのアプリの設定: iso_800"),
    ("verb-arrow", "インスタで検索→ 出てこない、v2_1 のバグかも"),
    ("pieces", "ラインの最初の画面で ok を押すと、最後に 2 回確認が出る"),
    ("pieces", "snap started with filters, then a period of ads, then 2020 happened"),
    ("under-handle", "saw it on insta under @bigchef's reel"),
    ("under-handle", "we all use line as @everyone does"),
    ("under-handle", "posted on insta as @mods asked"),
    ("under-handle", "telegram under @admin rules"),
    ("nanp-pieces", "the tally went 415, then 287, then 3390 votes"),
]


@pytest.mark.parametrize(("family", "kind", "text"), _FOUND)
def test_contact_family_is_found(family: str, kind: str, text: str) -> None:
    assert_kind_found(text, kind, family)


@pytest.mark.parametrize(("family", "text"), _CLEAN)
def test_hard_negative_stays_clean(family: str, text: str) -> None:
    assert_clean(text, family)
