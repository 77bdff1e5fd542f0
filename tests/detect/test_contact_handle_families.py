"""Platform vocabulary and handles described in words, per family (blind sets ho8/ho9, tr5/tr6).

Each family lists sentences the detector must flag with the kind named, and next to it the
nearest ordinary sentences it must leave alone. The wordings are not those of the corpora.
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_kind_found, assert_solicits

POSITIVES = [
    # nicknames: Korean-style short forms of KakaoTalk, WeChat's katakana spellings and its ID label
    ("kakao", "カトクのアカ → jiwon.lee_4"),
    ("kakao", "kkt: taeyang_91"),
    ("kakao", "katok id is hana.song7"),
    ("wechat", "ウェチャット wxid: lin_xiao_02"),
    ("wechat", "scan or add wxid_9mq2ht5v"),
    # X's old name, short forms, the bird, ペケ, the renamed form in brackets
    ("x", "旧ツイの垢 → @sable_ink3"),
    ("x", "ツイのIDは @fumi_dessin6"),
    ("x", "ペケのアカ: @rin_piano04"),
    ("x", "ツイッター(今のX)→ koto_model9"),
    ("x", "you'll find me on the bird app as @quietfox_22"),
    # leet and symbol spellings, the ghost and the paper plane
    ("snapchat", "$nap → dre.walker5"),
    ("snapchat", "sn@p id: mai.t_21"),
    ("snapchat", "i'm on the ghost app as lexi.b07"),
    ("telegram", "paper plane app → @north_owl8"),
    # romaji Japanese: "insuta no aka wa @x"
    ("instagram", "insuta no akaunto wa @rui.bakes_ desu"),
    # the green speech-bubble app, the photo app
    ("line", "緑の吹き出しのアプリのID: kei_0607"),
    ("instagram", "写真のアプリのアカ → @mono.lens4"),
    # an English hand-over after the platform as a verb, a handle after filler words
    ("facebook", "messenger me, my username is lena.ortiz3"),
    ("instagram", "if you're on insta too i'm @soba.studio over there"),
    # a handle and what to do with it: contact it there
    ("line", "ラインの kou_1130 にメッセージください"),
    # handles described in words
    ("line", "LINEのIDはローマ字で「さき」、最後に 1212 をくっつけたやつ"),
    ("x", "ツイッターのユーザー名、英語で mame に 55 を足しただけ"),
    ("line", "ラインID → ハナ アンダーバー ゴーゴー"),
    ("kakao", "カカオのIDは ジス ハイフン ナナ"),
    # e-mail given in pieces
    ("email", "メールは sora.k_19 で、@の後ろは yahoo.co.jp ね"),
    ("email", "write to ines.moreau4 - after the @ it's hey.com"),
    ("email", "mail: theo dot lane, at, fastmail dot com"),
    ("email", "アドレスは ken二〇〇一 あっと gmail.com"),
    ("email", "gmail is cora.finch22"),
    ("email", "ユーザー名 aoi_k02、ドメインはジーメール"),
    ("email", "juno.park 🌸 outlook 🌸 com (flowers are @ and .)"),
    # a Discord invite described in pieces
    ("discord_invite", "gg スラッシュ Tb7nQ3xe、前に discord ドットつけて入ってね"),
    # playful kana nicknames: ちくとく (TikTok), とりったー (Twitter), りゃいん (LINE)
    ("tiktok", "ちくとくのアカ → @mogu.dance5"),
    ("x", "とりったーで @yoru_no_uta4 探してね"),
    ("line", "りゃいんのID: koharu_0311"),
    # the photo SNS with a handle and what to do with it
    ("instagram", "写真SNSなら kumo.photo21 で検索して"),
    # a contact link read out in kana (the dot and slash words, path pieces in kana)
    ("line", "ライン どっと みー すらっしゅ てぃー すらっしゅ ぴー すらっしゅ sumire_1207"),
    ("telegram", "てぃー ドット みー スラッシュ umi.no.oto8"),
    ("url", "りんくつりー ドット いー すらっしゅ toto_illust"),
    # a mailbox whose dots are all one symbol, the @ kept
    ("email", "write to nao ★ ishida ★ 91 @ icloud ★ com"),
    # a letters-only name after "platform:" with a request to add it right after
    ("instagram", "insta → wrenpaints ✨ follow me"),
    # Telegram's short katakana name; an ID read out in katakana with its dot
    ("telegram", "テレのアカ → @kiri_same8"),
    ("line", "ラインのIDは ソウ ドット ハヤテ（ローマ字ね）"),
]

SOLICITS = [
    "カトク交換しない？",
    "ping me on the bird app sometime",
    "テレで話そ",
    "ツイで繋がろ",
    "みどりの吹き出しのアプリでやりとりしよ",
    "緑の方で話せる？",
    # platforms outside the kind list and apps described by how you add someone
    "電話番号で登録できるアプリで話しませんか",
    "QQやってる？",
    "LinkedInで話しません？",
    # a trigger literal of the add-me rule must not hide the solicit rules' "me on"
    "add me on the other app, you know which one",
]

NEGATIVES = [
    # a token in a link's path or query is not a handle before a platform name
    "https://www.youtube.com/watch?v=Tq8zR2pL0mX インスタで流行ってる曲",
    "https://example.com/item?id=blue_cap2 ラインで紹介されてた",
    # a connector after a platform that ends in another noun owning the ID
    "インスタで見たけど、このゲームのID: player_42 強すぎ",
    "LINEの通知きたけど、フレンドID: fc_3318 って誰？",
    "テレグラムの件、問い合わせID: q_2207 で連絡して",
    "カカオで話したお店の予約ID→ rsv_5120",
    "インスタで話題のゲームのユーザー名 → top_player5",
    # the nicknames' everyday readings
    "ツイてない一日だった、財布も忘れた",
    "テレ東のアニメ今日は休み",
    "そんなにテレるなって",
    "ペケがついた答案が 3 枚",
    "the bird app is down again, error_502",
    "ghost app update 1.4 is out",
    "kkt 진짜 웃기다",
    "緑の吹き出しのセリフが主人公",
    "写真のアプリで加工した",
    "$5 snap deal at the store",
    # pieces that are not an address, an ID or an invite
    "ローマ字で名前を書いて 0726 を付けて提出",
    "変数名は user アンダーバー name にしてね",
    "ラインのID、アンダーバーは使えない",
    "point a, at, point b. 5 km",
    "gg/ez lol discord最高",
    "the wxid_ prefix is added by the app",
    "ファイルは data_v2 で、アットの後ろは気にしないで",
    # nicknames and kana links without an ID, QQ as a crying face
    "ちくとくで流行ってるダンス、難しすぎ",
    "とりったー時代が懐かしい",
    "ライン どっと みー ってサイト、公式のやつ？",
    "りんくつりー どっと いー のページ作るの面倒",
    "QQ why did my build break",
    "電話番号で登録するのって怖くない？",
    "rated 4 ★ gmail ★ app of the year",
    "snap: sunsets, follow me for more of those",
    "punch line: gotcha add me to the list",
    "テレビのID: tv_2024 で登録",
    "テレ東のアカ: @tx_news_7 が面白い",
    "インスタのIDはないよ．またあとで",
]


@pytest.mark.parametrize(("kind", "text"), POSITIVES)
def test_family_positive(kind: str, text: str) -> None:
    assert_kind_found(text, kind)


@pytest.mark.parametrize("text", SOLICITS)
def test_family_solicit(text: str) -> None:
    assert_solicits(text)


@pytest.mark.parametrize("text", NEGATIVES)
def test_family_negative(text: str) -> None:
    assert_clean(text)
