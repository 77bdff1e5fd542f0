"""Solicit families found missing on the blind sets tr5/tr6 (Japanese, Chinese, Korean and mixed asks),
and the refusal words that had hidden some of them.

Each row names its family; the negatives are the nearest ordinary sentences (real refusals and
warnings, the app asked about, stories in the past tense, game IDs, greetings). Written for these
tests, not copied from the blind sets.
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_solicits

POSITIVES: list[tuple[str, str]] = [
    ('a site bypassed with ないで is an ask', 'ストアカ通さないで直接レッスンの契約しませんか'),
    ('a site bypassed with ないで is an ask', 'BOOTH介さないで直接取引しましょう'),
    ('a site bypassed, ずに', 'ココナラ通さずに直接お願いできますか'),
    ('a site bypassed, any verb then もらえませんか', 'アプリ通さないで直に売ってもらえませんか'),
    ('"no need to answer" after an ask', 'ダメ元ですがLINE交換しませんか？スルーしてもらっても大丈夫です'),
    ('strict rules given as the reason to leave', 'ここルールが厳しいから、続きはインスタで話そ'),
    ('strict rules given as the reason to leave', '規約が面倒だし、続きはテレグラムで'),
    ('"if not, ignore me" after an ask', 'よかったらLINE交換しませんか？嫌ならスルーで大丈夫です'),
    ('"if not, ignore me" after an ask', 'カカオで繋がれたら嬉しいです、無理ならスルーしてね'),
    ('zh: do you have / add me', '你有没有LINE？'),
    ('zh: do you have / add me', '有微信吗 we can chat there'),
    ('zh: do you have / add me', '加我WhatsApp吧'),
    ('zh: do you have / add me', '能加一下你的QQ吗'),
    ('zh: follow / meet / deal offline', 'ig互关吗？'),
    ('zh: follow / meet / deal offline', '我们私下交易吧'),
    ('zh: phone number', '手机号码多少？'),
    ('zh: the talk moved there', '到LINE上谈吧'),
    ('zh: a contact left or asked', '方便留下联系方式吗'),
    ('ko: an in-person trade', '혹시 직거래 되나요?'),
    ('zh: 要不要 is a question, not 不要', '要不要私下聊？'),
    ('zh platform asked in Japanese', 'QQやってる人いる？'),
    ('ko: number / ID asked', '연락처 좀 줄 수 있어요?'),
    ('ko: number / ID asked', '카톡 아이디 교환할까?'),
    ('ko: mutual follow', '우리 맞팔하자!'),
    ('ko: meeting offline', '다음에 직접 만나서 얘기해요'),
    ('ko: added on a platform', '인스타에서 팔로우 부탁해요'),
    ('filler before the move verb', 'ディスコードじゃなくてもいいし、メールでもなんでもいいので繋がりましょう'),
    ('"rather than here, on X"', 'サーバーのVCより、なるべくカカオで通話したいです'),
    ('Discord worse, the platform better?', 'ここだと流れちゃうし、テレグラムのほうがよくない？'),
    ('if you use it (Kansai, なら), tell me or talk there', 'ツイッターやってはるなら教えてください'),
    ('if you use it (Kansai, なら), tell me or talk there', 'シグナルあるなら、そっちで相談したい'),
    ('if you use it (Kansai, なら), tell me or talk there', '趣味垢あるならフォローしたいから教えて'),
    ('connecting wished for', 'インスタとかで繋がれたら助かります'),
    ('searched for under my name', 'Xで俺の名前で検索して、すぐ出るから'),
    ("the account's name asked with 何", 'テレグラムのユーザー名なに？'),
    ("someone else's contact asked", '部長の連絡先知ってる方いたら教えてください'),
    ('detail and address in DMs', '電話番号と住所はDMでお願いします'),
    ('account name offered', 'あとで垢名送るね'),
    ('"ask me for it"', 'IDは聞いてね'),
    ('アド for the address', 'アドおしえて'),
    ('added or registered there, keigo', 'ラインの公式アカウントに登録してください！'),
    ('added or registered there, keigo', 'カカオで友だち追加いただけますか'),
    ('moved to a platform, 移そ', '雑談はオプチャに移そうよ'),
    ('install it and we talk', 'シグナル入れてくれたら細かい話できます'),
    ('only taken there', '依頼はLINEのみで受付してます'),
    ('sent there', 'スナチャで送ってもらえる？'),
    ('group made, reply if interested', 'テレグラムのグループ作ったんで、入りたい人はリプください'),
    ('whoever may be added, say so', 'LINEのグループで回すから、招待OKな人は教えて'),
    ('friend add + ID in profile', '友達追加お願いします！IDはプロフィールに載せてます'),
    ('meeting or deal face to face', '受け渡しは対面でお願いします'),
    ('meeting or deal face to face', 'ディスコードじゃなくてファミレスで会って話そう'),
    ("each other's contact", 'お互いの電話番号知っといたほうが安心じゃない？'),
    ('the call app changed', '連絡アプリ違うのにしない？'),
    ('two channels named, keigo', '今後のやりとりはSlackかメールでお願いします'),
    ('handled by mail, said short', '発送先のやりとりはメールで！'),
    ('group made with the platform', 'カカオ使ってる人いたらグループ組もう'),
]

NEGATIVES: list[tuple[str, str]] = [
    ('real refusals stay refusals', 'サイトを通さない取引は禁止、直接やりとりしないでください'),
    ('real refusals stay refusals', '連絡先は送らないでね'),
    ('real refusals stay refusals', '規約違反なのでLINE交換はやめてください'),
    ('warnings with スルー stay warnings', '知らない人からLINE交換しようって来たらスルーして'),
    ('warnings with スルー stay warnings', '変な勧誘DMだったらスルーしてください'),
    ('zh near misses', '微信加密'),
    ('zh near misses', '欢迎参加我们的活动'),
    ('zh near misses', '今天有空吗？'),
    ('zh near misses', '别加陌生人的QQ'),
    ('zh near misses', '互相学习吧'),
    ('zh near misses', '我用QQ音乐听歌'),
    ('zh near misses', '请给我一个理由'),
    ('ko near misses', '직거래하다가 사기당했어요'),
    ('ko near misses', '만나서 반가워요!'),
    ('ko near misses', '맞팔 끊겼네'),
    ('ko near misses', '번호표 받았어요'),
    ('ko near misses', '직접 만든 쿠키예요'),
    ('the app asked about, not the account', 'テレグラムって何？'),
    ('the app asked about, not the account', 'インスタのユーザー名何にしよう'),
    ('searching, not for me', 'インスタでハッシュタグ検索してみて'),
    ('searching, not for me', 'ツイで私の名前で検索したけど出てこなかった'),
    ('past tense and family', '姉にLINEで送ってもらった'),
    ('past tense and family', '公式LINEに登録したらクーポン来た'),
    ('past tense and family', '家族とはLINEだけで連絡してる'),
    ('opinions on apps', 'イラスト載せるならXよりインスタのほうがよくない？'),
    ('a game friend, no LINE ID', 'フレンド追加お願いします！フレンドコードは後で'),
    ('a game ID in the profile', 'ゲームIDはプロフィールに載せてます'),
    ('face to face, told as past', '打ち合わせは対面でやりました'),
    ('each other, not a contact', 'お互いの顔知らないよね'),
    ('a game app changed', 'ゲームアプリ別のにしようかな'),
    ('アド in other words', 'アドバイス教えて'),
    ('アド in other words', 'アドリブ教えて'),
    ('strict rules, no move', 'ここのルールが厳しいのはありがたい'),
    ('if you use it, no ask', 'インスタやってはるんや、意外'),
    ('a new room made, nobody came', 'テレグラムのグループ作ったのに誰も来ない'),
    ('zh: 不要 as a refusal, not inside 要不要', '不要在这里要微信'),
]


@pytest.mark.parametrize(("family", "text"), POSITIVES)
def test_solicit_family_is_found(family: str, text: str) -> None:
    assert_solicits(text, family)


@pytest.mark.parametrize(("family", "text"), NEGATIVES)
def test_hard_negative_stays_clean(family: str, text: str) -> None:
    assert_clean(text, family)
