"""Contact families found missing by a probe set written blind to the rules (identifiers described in
words, platforms named by emoji or nickname, providers named without their address, homoglyphs,
orders where the platform comes last).

Each family is checked end to end with other wordings than the probes', next to the nearest
ordinary sentences as hard negatives.
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_kind_found

POSITIVES = [
    # emoji standing for a platform, right before an ID marker
    ("💚 id → koharu_0214", "line"),
    ("📷のユーザーネーム: mio.film_3", "instagram"),
    ("📸 account = @tsuki.pics", "instagram"),
    # euphemisms and nicknames
    ("over on the blue bird app: @akane_draws", "x"),
    ("on the bird site i'm @rook_77", "x"),
    ("catch me on da gram → nao.ceramics", "instagram"),
    ("🐦のほうで mochi_illust2 って検索してみて", "x"),
    # capital I written for l
    ("TeIegram: kuro.ame_5", "telegram"),
    ("SignaI → @yoru_22", "signal"),
    # the handle and what to do with it first, the platform last
    ("hinata.07 で探してみて、スナチャで！", "snapchat"),
    ("@ren_plays をフォローして、インスタで", "instagram"),
    # a mailbox: the provider, then the part of the address named
    ("ヤフーのアドレスのほう、ユーザー名は tomo_k88", "email"),
    ("gmailだよ。アットマークの前は sae.run3", "email"),
    ("it's kaito.m at g mail", "email"),
    # an ID described before it is written, or introduced in the next clause
    ("カカオのIDは、名字のローマ字に誕生日で tanaka0918", "kakao"),
    ("テレグラムでお話ししましょう！ユーザー名は grey.heron_4 です", "telegram"),
    ("スナチャのアカ変えた、いまのは mint_tea.9", "snapchat"),
    ("on insta i'm hana.bakes_2", "instagram"),
]


@pytest.mark.parametrize(("text", "kind"), POSITIVES)
def test_family_positive(text: str, kind: str) -> None:
    assert_kind_found(text, kind)


NEGATIVES = [
    "💚 go team_green, round 2 tonight",
    "trick or treat 👻! costume name: pumpkin_king2",
    "📷 dsc_0412 の色味いい感じ",
    "📸 @studio_lumen さん撮影ありがとうございました",
    "the bird app changed its logo again",
    "add the gram of salt last, not 3_000 mg",
    "teiegram? typo of telegram lol",
    "kenji_22 で検索しても、スナチャでは出てこない",
    "gmailのユーザー名は後から変えられないらしい",
    "icloudのアカウント名、本名にしちゃった",
    "LINEのIDは内緒、ゲームなら main_acc_1 で遊んでる",
    "インスタのDMで変な勧誘きた、みんな気をつけて",
    "テレグラムの話題出たけど、ゲームのIDは後で送る、今は sw_1234 だよ",
    "レシート番号 0031-2290-4471 を控えておいて",
    "policy no. 0120 3344 5566 for the claim",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_family_negative(text: str) -> None:
    assert_clean(text)
