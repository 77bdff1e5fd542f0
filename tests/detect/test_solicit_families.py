"""Solicitation families on the whole detector: asking for, offering or moving to a contact
channel without giving the identifier, and the nearest ordinary sentences.

The rows were written for these tests (not taken from a probe batch or the evaluation corpus):
each family is said at least two ways, in other words than the rule examples, and every
family has hard negatives (passing mentions, refusals, reported speech, in-game or on-Discord
meaning of the same words).
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_solicits

SOLICIT: list[str] = [
    # keigo and softened asks, a condition or a "how" between the detail and the verb
    "差し支えなければご連絡先をお聞きしてもよろしいですか",
    "メールアドレスをお教えいただけますと幸いです",
    "ツイッターのアカあったら教えてくれる？",
    "電話番号、後でDMで教えて〜",
    "カカオのIDだけでもいいので知りたいです",
    # offers to tell / hand over
    "LINE教えよっか？",
    "インスタのアカ送っとくね",
    "テレグラムやってるので気軽に声かけてね",
    # the platform after the ask
    "交換しよーよ、インスタ",
    "相互フォローお願いします！ティックトックで",
    # moves: keigo, comparatives, leaving Discord, the platform as the verb
    "続きはLINEでしませんか？",
    "カカオのほうが話しやすいから移ろうよ",
    "ここやめてテレグラムで話そ",
    "家ついたらラインするね",
    # other servers, groups and channels elsewhere
    "違うサーバー作ったから招待送るね",
    "テレグラムのグループ作ったので入りたい人は言ってください",
    # meeting offline
    "いつかオフで会いませんか",
    "今度会ってご飯いこうよ",
    # English asks and offers
    "could you send me ur snap?",
    "what's the quickest way to reach you?",
    "i can give u my number if you want",
    "my whatsapp is always open",
    "we started a telegram group chat, wanna join?",
    "let's stay in touch on insta",
    "wanna meet up this weekend?",
]

CLEAN: list[str] = [
    # passing mentions and words containing platform names
    "ラインのスタンプセールやってる",
    "インスタのストーリーで見た",
    "オンラインで会議中",
    "instagram is lagging today",
    # refusals, warnings, reported speech
    "連絡先はちょっと教えられないです",
    "LINE交換しようって言われたら通報してね",
    "scammers will ask you to move to telegram, don't",
    # on Discord or in the game
    "続きはVCで話そ",
    "別のチャンネルに移動しよう",
    "ゲームのフレンドコード教えて",
    "let's meet up at the boss room",
    "we should meet up sometime in vc",
    # ordinary uses of the same verbs
    "母にLINEするね",
    "LINEのほうが使いやすいよね",
    "テレグラムの方が安全だから使ってる",
    "直接会って話したほうがいいよ、先生と",
    "今度会議しよう",
    "オフでご飯食べてた",
    "ツイッターやめてインスタにしよっかな",
    "i'll send my phone in for repair",
    "what's your number one tip for this boss?",
    "join the telegram channel for updates from the devs",
    "add my lines to the script doc",
]


@pytest.mark.parametrize("text", SOLICIT)
def test_solicitation_is_flagged(text: str) -> None:
    assert_solicits(text)


@pytest.mark.parametrize("text", CLEAN)
def test_hard_negative_is_clean(text: str) -> None:
    assert_clean(text)
