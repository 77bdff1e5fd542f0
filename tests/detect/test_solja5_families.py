"""Japanese, Chinese and Korean solicit families found missing by the blind set tr7 (and the Japanese
items of tr8/tr9): regional verb forms (Kansai, Hokkaido, western "-とる"), a platform's group said
short, a private or other server with an invite, keigo requests to be allowed to move, a deal or a
payment taken off the site, a new place told one by one, romanised Japanese, a number asked
as "いい？", "the rest there, you know", a room made on KakaoTalk, "微信聊吧".

Each row names its family; the negatives are the nearest ordinary sentences (a game's server or
meeting place, talk about a platform, payments told as a story, requests quoted as received, a
Kansai warning). Written for these tests, in other words than the blind sets and the rule examples.
"""

from __future__ import annotations

from tests.detect.family_checks import solicit_table_tests

POSITIVES: list[tuple[str, str]] = [
    ('Kansai question', '夜になったらテレグラムで話さへん？'),
    ('Kansai question', '今度の連休、京都で会わへん？'),
    ('Kansai question', 'このままカカオのグループ移らへん？'),
    ('Kansai place word', 'ここ人多いし、ちゃう鯖で話そや'),
    ('Hokkaido forms', 'ほしたらメールで話すべ'),
    ('Hokkaido forms', 'メアドおしえれ〜'),
    ('western "-とる" use', 'カカオ持っとる？'),
    ('western "-とる" use', 'シグナル入れとる？'),
    ("a platform's group, short", 'もうラインのグループ移らん？'),
    ("a platform's group, short", 'カカオグル作ったし移ろう'),
    ('a group proposed', 'テレグラムのグループ作らない？'),
    ('account name, なんて言う', 'スナチャのアカ名なんていうの？'),
    ('private / other server, come', '招待制の鯖やってるけど来る？'),
    ('private / other server, come', 'サブのサバ作ったからそっち来て'),
    ('private / other server, come', '資料は別のサーバーにまとめてるので、招待しましょうか？'),
    ('keigo, allowed to move', 'お手数ですが他の連絡手段でご相談させていただけますか'),
    ('keigo, allowed to move', '今後のやり取りはインスタでさせていただけますか'),
    ('keigo, allowed to move', '直接のお取引に切り替えさせていただけないでしょうか'),
    ('work tool call', 'この後スラックで繋げますか'),
    ('deal on a platform, keigo', 'お取引はテレグラムでお願いできますか'),
    ('payment taken direct', 'プラットフォーム手数料もったいないし、直で払うね'),
    ('payment taken direct', '個人間でお振込みでも大丈夫ですか？'),
    ('payment taken direct', '振込先はDMで教えます'),
    ('personal mail, short', 'お仕事のご依頼は私用のメールにください'),
    ('new place told privately', '移住先の鯖は個別でお知らせします'),
    ('number asked as "いい？"', '携帯の番号いいですか？'),
    ('number asked as "いい？"', '電話番号聞いてもええ？'),
    ('a contact asked as "do you have"', 'LINE以外の連絡手段ってあります？'),
    ('romanised Japanese', 'kakao ni utsurou'),
    ('romanised Japanese', 'sunachya de renraku shite'),
    ('the rest there, you know', '続きは、わかるでしょ？例のアプリでね'),
    ('the DMs there opened', 'ツイッターのDM開けとくから送って'),
    ('a day for a call', '電話できる日ってある？'),
    ('meeting, when free', '会えるなら週末どこが空いてる？'),
    ('a room on KakaoTalk', '카톡방 만들게요'),
    ('a room on KakaoTalk', '오픈채팅방 하나 팔까요?'),
    ('"微信聊吧"', '这里说不方便，微信聊吧'),
]

NEGATIVES: list[tuple[str, str]] = [
    ('a Kansai question, no move', 'その映画、今週見に行かへん？'),
    ('a Kansai question, no move', '今日の配信、もう寝るし明日話さへん？'),
    ('a game meeting', '今度ロビーで会わへん？'),
    ('"-とる" as a remark', 'カカオ持っとるけど使ってへん'),
    ('a platform group, as a story', 'カカオのグループもう移ったで'),
    ('own account', 'テレグラムのアカウント作ろうかな'),
    ('a word asked', 'スナチャって韓国語でなんていうの？'),
    ('the fish', 'サバ缶でパスタ作った'),
    ("a game's server", 'マイクラの招待制サーバーあるけど入る？'),
    ('a server as a story', '別のサーバーで雑談してた'),
    ('keigo, staff announcing', '当選者には運営からメールでご連絡させていただきます'),
    ('keigo, tool for work', '別のエディタで作業させていただけますか'),
    ('a rule quoted', '直接のお取引に切り替えるのは禁止されています'),
    ('payment, a story', '直接払ったら返金してもらえなかった'),
    ('payment, a rule', '振込先は公式ページでご確認ください'),
    ('new place, public', '移転先の店舗は公式サイトでお知らせします'),
    ('number, an order', 'この番号でいいですか？注文の'),
    ("the staff's contact", '運営の連絡先ってあります？'),
    ('romanised, no move', 'rain de ensoku chuushi'),
    ('the rest in a channel', '続きは来週、あっちのスレでやろう'),
    ('DMs opened, official', '公式インスタのDMを開放しました'),
    ('a call, a shop', '電話できる日は平日だけですと言われた'),
    ('meeting, a story', '会って話したのに、いつ空いてるか聞き忘れた'),
    ('a request quoted as received', '「LINE交換しよ」って知らない人から来た、怖'),
    ('a Kansai warning', 'インスタのID晒すのはやめとき'),
    ('a KakaoTalk room, a story', '카톡방 나갔어'),
    ('"微信聊" as a story', '昨天微信聊了一晚上'),
]

test_solicit_family_is_found, test_hard_negative_stays_clean = solicit_table_tests(POSITIVES, NEGATIVES)
