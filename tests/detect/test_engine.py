"""The whole detector on tables of disguised contact details and hard negatives.

The examples here were written for these tests (not taken from the evaluation corpus), one or
more per disguise family; every finding's span must index the original text.
"""

from __future__ import annotations

import pytest

from bot.detect.allowlist import Allowlist
from bot.detect.engine import Explanation, load_detector
from bot.detect.findings import Category

DETECTOR = load_detector()

POSITIVES: list[tuple[str, str]] = [
    ('phone', 'れんらくは 090-8765-4321 まで'),
    ('phone', '携帯 ０７０‐１１２２‐３３４４'),
    ('phone', '番号→ 〇八〇・九八七六・五四三二'),
    ('phone', 'ぜろななぜろ の いちいちにーにー の さんさんよんよん'),
    ('phone', 'ゼロハチゼロ ニーニーサンサン ヨンヨンゴーゴー'),
    ('phone', 'ｾﾞﾛｷｭｰｾﾞﾛ-ﾆｰﾆｰｻﾝｻﾝ-ﾖﾝﾖﾝｺﾞｰｺﾞｰ'),
    ('phone', 'zero nana zero, ichi ni san yon, go roku nana hachi'),
    ('phone', 'my number is zero seven zero one one two two three three four four'),
    ('phone', 'oh eight oh, five five five one, two two three three'),
    ('phone', '⓪⑦⓪⓪①②③④⑤⑥⑦'),
    ('phone', '0️⃣8️⃣0️⃣-1️⃣2️⃣3️⃣4️⃣-5️⃣6️⃣7️⃣8️⃣'),
    ('phone', '𝟬𝟵𝟬-𝟭𝟮𝟯𝟰-𝟱𝟲𝟳𝟴'),
    ('phone', '0 8 0 - 1 2 3 4 - 5 6 7 8'),
    ('phone', '0.9.0.1.2.3.4.5.6.7.8'),
    ('phone', '090☆1234☆5678'),
    ('phone', '(090) 1234 5678'),
    ('phone', "０９０\u200b１２３４\u200b５６７８"),
    ('phone', '電話して！O9O-1234-S678'),
    ('phone', '零九零 壱弐参肆 伍陸漆捌 にかけて'),
    ('phone', 'call me on +44 7911 123456'),
    ('phone', '+1 415-555-0132 text me'),
    ('phone', '+81 (0)90-1234-5678'),
    ('phone', '+８１ ９０ １２３４ ５６７８'),
    ('phone', 'tel:+819012345678'),
    ('phone', '0120-444-555 に電話'),
    ('phone', '052-123-4567 が実家'),
    ('phone', '0467-12-3456 (自宅)'),
    ('phone', '電話番号は070の1234の5678です'),
    ('phone', '070\\n1234\\n5678'),
    ('phone', 'ゼロ9ゼロ-いちにさんよん-5678'),
    ('phone', 'お電話は\u3000〇三ー一二三四ー五六七八\u3000まで'),
    ('email', 'contact: yuki.tanaka@example.co.jp'),
    ('email', 'ｙｕｋｉ＠ｅｘａｍｐｌｅ．ｃｏｍ'),
    ('email', 'kenta(at)mail(dot)com'),
    ('email', 'kenta [at] proton [dot] me'),
    ('email', 'kenta＠gmail．com'),
    ('email', 'mio_22 あっと yahoo.co.jp'),
    ('email', 'mio_22あっとicloud.com'),
    ('email', 'mio_22 アット gmail ドット com'),
    ('email', 'ren.k at outlook dot jp'),
    ('email', 'ren.k AT outlook DOT com'),
    ('email', 'ｒｅｎ．ｋ\u3000＠\u3000ｏｕｔｌｏｏｋ．ｃｏｍ'),
    ('email', 'r e n . k @ o u t l o o k . c o m'),
    ('email', 'mail me: taro{at}mail{dot}jp'),
    ('email', "kenji.w\u200b@\u200bgmail.com"),
    ('email', 'ken@gmаil.com'),
    ('email', '||hide.me22@gmail.com||'),
    ('email', '**ken.t@proton.me**'),
    ('email', 'ジーメールで sakura.m22 です'),
    ('email', '@の前は sora.t9 、後ろは icloud.com'),
    ('line', 'LINE: kenji_0312'),
    ('line', 'ＬＩＮＥ：ｋｅｎｊｉ＿０３'),
    ('line', 'ﾗｲﾝID: ken.0303'),
    ('line', 'らいんのID→ kenta__9'),
    ('line', 'ラインID kenji.77 追加して'),
    ('line', 'l i n e → k e n j i 7 7'),
    ('line', 'L-I-N-E id: kenji77'),
    ('line', 'Lıne ID: kenji_77'),
    ('line', 'ＬＩＮＥ ＩＤ→ ｋｅｎｊｉ７７'),
    ('line', 'ライソID：haruto_22'),
    ('line', 'line id → @kenji77'),
    ('line', 'my LINE is kenji_0101'),
    ('line', 'lineのidはkenji_0101'),
    ('line', 'ラインやってるよ、ID は haru.k22'),
    ('line', '𝕃𝕀ℕ𝔼: koko_11'),
    ('line', "L\nI\nN\nE\nkoko_11"),
    ('line', 'line.me/ti/p/~kenji_0311'),
    ('line', 'https://line.me/R/ti/p/@123abcde'),
    ('line', 'lin.ee/AbCd123'),
    ('line', 'LINE(緑のやつ)のIDは kuma_55'),
    ('instagram', 'insta: @yuki.photo'),
    ('instagram', 'インスタ：yuki_cam22'),
    ('instagram', 'ig @ramen.daily'),
    ('instagram', 'instagram.com/yuki.cam'),
    ('instagram', 'インスタのアカウントは sora.cafe_ です'),
    ('instagram', 'IG → sora_cafe2'),
    ('instagram', 'いんすた → mimi.22'),
    ('x', 'twitter: @ken_gg'),
    ('x', 'ツイッター @kenji_art'),
    ('x', 'X(旧Twitter)：@momo_draws'),
    ('x', 'x.com/momo_draws'),
    ('x', 'twitter.com/momo_draws'),
    ('x', 'ツイ垢 → momo_d1'),
    ('telegram', 'telegram @nightowl22'),
    ('telegram', 't.me/nightowl22'),
    ('telegram', 'テレグラムID: owl_night7'),
    ('telegram', 'tg → owl.night'),
    ('whatsapp', 'whatsapp +44 7700 900123'),
    ('whatsapp', 'wa.me/447700900123'),
    ('kakao', 'kakao: minji_07'),
    ('kakao', '카톡 아이디: minji0707'),
    ('kakao', 'open.kakao.com/o/sAbCdE12'),
    ('wechat', '微信: wang_88'),
    ('wechat', 'wechat id: wang.li88'),
    ('snapchat', 'snap: jake_22'),
    ('snapchat', 'snapchat → jake.22'),
    ('snapchat', 'スナチャ: jake__2'),
    ('tiktok', 'tiktok.com/@miyu_dance'),
    ('tiktok', 'tiktok: @miyu_dance'),
    ('facebook', 'facebook.com/ken.sato.77'),
    ('facebook', 'm.me/ken.sato.77'),
    ('facebook', 'messenger: ken.sato.77'),
    ('signal', 'signal: @haru.42'),
    ('skype', 'skype: live:haru_42'),
    ('discord_invite', 'discord.gg/AbCdEf'),
    ('discord_invite', 'https://discord.gg/AbCdEf'),
    ('discord_invite', 'discord . gg / AbCdEf'),
    ('discord_invite', 'discord(.)gg/AbCdEf'),
    ('discord_invite', 'discordapp.com/invite/AbCdEf'),
    ('discord_invite', 'ディスコード.gg/AbCdEf'),
    ('discord_invite', 'hxxps://discord[.]gg/AbCdEf'),
    ('discord_invite', 'd i s c o r d . g g / A b C d E f'),
    ('url', 'linktr.ee/miyu.art'),
    ('url', 'lit.link/miyu'),
    ('url', 'https://lit.link/miyu22'),
    ('solicit', 'LINE交換しよ'),
    ('solicit', 'ライン交換しませんか？'),
    ('solicit', 'らいん教えて'),
    ('solicit', 'インスタ教えてー'),
    ('solicit', '連絡先交換しませんか'),
    ('solicit', '電話番号教えてくれる？'),
    ('solicit', 'メアド教えて'),
    ('solicit', 'よかったらLINEで話そう'),
    ('solicit', '続きはDiscord以外で話そ'),
    ('solicit', 'ここじゃなくてラインで話しましょう'),
    ('solicit', '別のサーバーで話そ'),
    ('solicit', '外で会いませんか'),
    ('solicit', '個別に連絡ください'),
    ('solicit', '直接取引しませんか'),
    ('solicit', 'can I get your number?'),
    ('solicit', "what's your insta?"),
    ('solicit', 'drop your snap'),
    ('solicit', 'send me your email'),
    ('solicit', "let's talk on telegram"),
    ('solicit', "let's move this to whatsapp"),
    ('solicit', 'add me on snapchat'),
    ('solicit', 'do you have kakao?'),
    ('solicit', 'wanna exchange numbers?'),
    ('solicit', 'DMじゃなくて外で話そ'),
    ('solicit', 'カカオトークやってる？'),
    ('solicit', 'ＬＩＮＥ交換しよ！'),
    ('solicit', 'L1NE交換しよ'),
    ('solicit', 'Tell me your LINE ID'),
    ('solicit', "what's ur number"),
    ('solicit', 'hit me up on insta'),
    ('solicit', 'we should talk on signal'),
    ('solicit', 'line交換しない？'),
    ('solicit', '連絡先ちょうだい'),
    ('solicit', '電話で話そうよ'),
    ('solicit', 'テレグラムで連絡して'),
    ('phone', 'ＴＥＬ：０９０－１２３４－５６７８'),
    ('phone', '〇九〇ー一二三四ー五六七八'),
    ('phone', '電話は〇八〇の二二二二の三三三三'),
    ('phone', '零捌零 参参参参 伍伍伍伍'),
    ('phone', 'ゼロキュウゼロ イチニサンヨン ゴロクナナハチ'),
    ('phone', 'れいはちれい にーにーさんさん よんよんごーごー'),
    ('phone', 'zero kyu zero, ichi ni san yon, go roku nana hachi'),
    ('phone', 'rei hachi rei no ni ni san san no yon yon go go'),
    ('phone', 'zero nine zero - one two three four - five six seven eight'),
    ('phone', 'o nine o, one two three four, five six seven eight'),
    ('phone', '⓪⑨⓪ ①②③④ ⑤⑥⑦⑧'),
    ('phone', '0 9 0 1 2 3 4 5 6 7 8'),
    ('phone', '090/1234/5678'),
    ('phone', '090✨1234✨5678'),
    ('phone', '090〜1234〜5678'),
    ('phone', '090_1234_5678'),
    ('phone', '090 ー 1234 ー 5678'),
    ('phone', '`090-1234-5678`'),
    ('phone', '０９０-1234-五六七八'),
    ('phone', '携帯: O8O 1234 S678'),
    ('phone', 'my cell is 080.1234.5678'),
    ('phone', 'call: +1 212 555 0188'),
    ('phone', '+44 (0)20 7946 0958'),
    ('phone', '09012345678'),
    ('phone', '電話:09012345678'),
    ('phone', '080ー1234ー5678（SMSのみ）'),
    ('phone', 'ぜろはちぜろ いちにさんよん ごろくななはち'),
    ('email', 'ＫＥＮ＠ＧＭＡＩＬ．ＣＯＭ'),
    ('email', 'k e n j i @ g m a i l . c o m'),
    ('email', "ken\u200c@gmail.com"),
    ('email', 'ken (at) gmail (dot) com'),
    ('email', 'ken[at]gmail[.]com'),
    ('email', 'ken {at} gmail {dot} com'),
    ('email', '||ken.sato@gmail.com||'),
    ('email', 'ken＠gmail'),
    ('email', 'メアドは ken_22 あっと gmail です'),
    ('email', 'ken_22@docomo.ne.jp'),
    ('email', 'mailto:ken@proton.me'),
    ('line', 'ＬＩＮＥ：ｋｅｎｊｉ＿０７'),
    ('line', 'ⓛⓘⓝⓔ: kenji_07'),
    ('line', 'LINЕ ID: kenji_07'),
    ('line', 'ＬⅠＮＥ ID kenji_07'),
    ('line', '1ine: kenji_07'),
    ('line', '**LINE**: kenji_07'),
    ('line', '> LINE: kenji_07'),
    ('line', 'LINE kenji_07'),
    ('line', 'ライン→kenji_07'),
    ('line', 'ラインID→ kenji.07 だよ'),
    ('line', '緑のアプリ ID: kenji_07'),
    ('line', 'らいん\u3000ｉｄ：kenji07'),
    ('instagram', 'ｉｎｓｔａ：ｍｉｋｉ＿２２'),
    ('instagram', 'inst4: miki_22'),
    ('instagram', 'IG: miki.22'),
    ('instagram', 'Insta @miki_22'),
    ('instagram', '[my insta](https://instagram.com/miki_22)'),
    ('instagram', 'instagram[.]com/miki_22'),
    ('instagram', 'インスタ▶ miki_22'),
    ('x', 'X: @miki_22'),
    ('x', 'ツイッター→ miki_22'),
    ('x', 'エックスのアカ: miki_22'),
    ('x', 'twitter: miki_22'),
    ('telegram', 't(.)me/miki_22'),
    ('telegram', 't3legram: @miki_22'),
    ('telegram', 'テレグラ: miki_22'),
    ('whatsapp', 'wh4tsapp +81 90 1234 5678'),
    ('kakao', 'k4kao: miki_22'),
    ('kakao', '카톡: miki_22'),
    ('wechat', '微信：miki_22'),
    ('snapchat', 'sn4p: miki_22'),
    ('snapchat', 'sc: miki.22'),
    ('tiktok', 'ティックトック: miki_22'),
    ('facebook', 'フェイスブック: miki.22'),
    ('signal', 'シグナル: miki_22'),
    ('skype', 'スカイプ: miki_22'),
    ('discord_invite', 'ｄｉｓｃｏｒｄ．ｇｇ／ａｂｃＤＥＦ'),
    ('discord_invite', 'https://discord . gg/abcDEF'),
    ('discord_invite', 'discord。gg/abcDEF'),
    ('discord_invite', '招待→ discord.gg/abcDEF'),
    ('url', 'linktr[.]ee/miki'),
    ('url', 'lit。link/miki'),
    ('url', 'ｌｉｔ．ｌｉｎｋ／ｍｉｋｉ'),
    ('solicit', 'ラインやってる？'),
    ('solicit', 'LINE教えてくれない？'),
    ('solicit', 'インスタのID教えて'),
    ('solicit', '連絡先知りたいな'),
    ('solicit', '良かったら電話番号交換しませんか'),
    ('solicit', 'ここだと話しづらいから外で話そう'),
    ('solicit', '詳しくは個別で連絡します'),
    ('solicit', '直接やり取りしましょう'),
    ('solicit', '別のサーバーに移動しよう'),
    ('solicit', 'カカオで話そ'),
    ('solicit', 'テレグラムで連絡取りあおう'),
    ('solicit', "what's your telegram?"),
    ('solicit', 'can i have ur insta'),
    ('solicit', 'send me your whatsapp'),
    ('solicit', "let's continue this on snap"),
    ('solicit', "let's talk on line"),
    ('solicit', 'can we move to telegram?'),
    ('solicit', 'do u have wechat?'),
    ('solicit', 'give me your number'),
    ('solicit', 'hmu on snap'),
    ('solicit', 'wanna swap numbers'),
]

HARD_NEGATIVES: list[str] = [
    '会議は10:30から12:00まで',
    '2024年12月25日に開催',
    '価格は¥19,800（税込）',
    '注文番号: 090-1234-5678-99',
    '追跡番号 1234-5678-9012',
    'お問い合わせ番号 0312345678',
    '会員番号 0801234567',
    '〒530-0001 大阪市北区',
    '郵便番号 100-0005',
    'ISBN978-4-10-123456-7',
    'JAN: 4901234567890',
    'order number 0901234567',
    'tracking # 0801234567890',
    'invoice 0312345678',
    'ticket #09012345678',
    'スコア 3-2、4-1で勝利',
    '12+34=46',
    'v3.12.0 released',
    'lat 35.6895, lon 139.6917',
    '2024-05-12 13:45:22 INFO started pid=4821',
    'at 0x7ff3a2c0 segfault',
    "I'm online tonight",
    'deadline tomorrow',
    'took a snapshot',
    'telephoto lens',
    'オンラインで参加',
    'ガイドラインを読んで',
    'ラインナップ発表',
    'インスタントコーヒー',
    'テレワークです',
    'スナップ写真',
    'LINEのスタンプ可愛い',
    'インスタで見た',
    'Twitterで話題になってた',
    '規約で交換はダメなの',
    "I don't give out my snap",
    '電話番号とかメアドはここに書かないでね',
    'https://www.youtube.com/watch?v=abc123XYZ',
    'https://en.wikipedia.org/wiki/Tokyo',
    'https://discord.com/channels/123456789012345678/123456789012345678/123456789012345678',
    '<@123456789012345678> おはよう',
    '<#123456789012345678> 見て',
    '<@&123456789012345678> 集合',
    '@everyone 今日はメンテ',
    '@here please read',
    'LINE交換は禁止です',
    '連絡先の交換はお断りしています',
    "don't share your number here",
    'never give your email to strangers',
    'the line at the store was long',
    'rain all day today',
    'snap judgment',
    'I signal left before turning',
    'I got a telegram from grandma',
    '電話してたら寝落ちした',
    'メール届いた？',
    'ゼロから始める',
    '一二三四五六七八九十',
    'いちにーさんしー',
    'zero one two three four five six seven eight nine ten',
    'one two three four five six seven eight nine zero one',
    '100円ショップで買った090番のシール',
    'IDはゲームのフレンドコード 1234-5678-9012',
    'ルームID 48213 パスワード 0000',
    '0.001 + 0.002 = 0.003',
    '3時に駅前で',
    'lineup for tonight: 8pm',
    'follow the guideline',
    'x = y + 2',
    'x: 10, y: 20',
    'set x to user_id',
    'Python 3.11.7',
    '@ken_gg nice play',
    'ken_gg がMVP',
    'check out my art on this server',
    'kakao friends plush',
    'WeChat Pay使えた',
    'signal strength is low',
    'skype is dead',
    'TikTokでバズってた',
    'facebook is for boomers',
    'email is down',
    'メール送れない',
    '電話番号の入力欄がバグってる',
    'ここで話そ',
    'DMで話そ',
    'ボイスチャンネルで話そう',
    "let's talk in voice",
    "let's go to the next dungeon",
    'add me as a friend in game',
    "what's your rank?",
    "what's your main?",
    'send me your build',
    'share your screen',
    'exchange rate is bad',
    'スマホの番号じゃなくてゲームの番号だよ',
    '090は携帯の番号の頭だよね',
    '電話番号は書かないでください',
    'LINEはやってないです',
    "i don't have line",
    "please don't ask for my snap",
    '交換留学に行く',
    'プレゼント交換しよう',
    'カード交換しよ',
    'フレンドコード交換しよ',
    '席交換しよ',
    '教えてくれてありがとう',
    '攻略法教えて',
    'ルール教えて',
    '1️⃣2️⃣3️⃣ ランキング',
    '〇〇さんありがとう',
    '第一回 二〇二四年 三月 四日',
    '一二三四五六七八九〇',
    '〇一二三四五六七八九',
    '電話番号の桁数は11桁',
    '090で始まる番号は携帯',
    'This is a line of text: hello_world',
    'Line 2: user_id undefined',
    'Instagram: 2.5B users',
    'snap: 3_2_1',
    'line_user_id = 5',
    'import telegram_bot',
    'github.com/telegram/tdlib_v2',
    'https://github.com/line/line-bot-sdk-python',
    'log: telegram.client: user_42 connected',
    '09:00〜12:00 / 13:00〜18:00',
    '09/01 10/02 11/03',
    '口座番号 0123456',
    '4111-1111-1111-1111',
    '0x0801234567',
    'SKU 0801-2345-678',
    '〒0600001',
    '20240512',
    '00:12:34',
    'score 0-0, 0-1, 1-1',
    'the deadline is 12/25',
    'LINE Pay使えますか',
    'LINEのアカウント作ったけど使い方わからん',
    'LINE MUSIC最高',
    'テレグラムは使ってないよ',
    'インスタ映えするカフェ',
    'カカオトークって韓国のアプリだよね',
    'スナチャのフィルター面白い',
    'Telegramってロシアのアプリ？',
    'I deleted my instagram',
    'my mom uses facebook',
    'discord.com/channels/1/2/3',
    'https://discord.com/invite は禁止です',
    '招待リンクを貼るのは禁止です',
    '連絡先を聞くのはやめてください',
    '個人情報を教えないでね',
    '電話番号は絶対に書かないで',
    'LINE交換とかは禁止だよー',
    'DMでやりとりしよ',
    'ボイチャで話そう',
    'VCで話そ',
    'ここで続きを話そう',
    'スレッドで話そ',
    '次のイベントで会おう',
    'また明日ここで会おう',
    'ゲーム内で会おう',
    "let's talk in vc",
    "let's move to the other channel",
    'can we continue tomorrow?',
    "what's your favorite game?",
    "what's your level",
    'send me your clip',
    'give me your best shot',
    'drop your builds below',
    'share your setup',
    'exchange gifts at the party',
    'swap teams?',
    'add me on steam',
    'add me as friend',
    'フレンド申請しといて',
    'フォローありがとう',
    'ID教えてもらったけど入れない（ゲームのルームID）',
    'パスワード教えて',
    '答え教えて',
    '住所は教えないよ',
    'いち、に、さん、はい！',
    'ゼロイチ思考',
    'まるばつゲーム',
    '〇×クイズ',
    'にこにこ',
    'ごごのよてい',
    'しごとおわった',
    'zero to hero',
    'one of the best',
    'two or three people',
    'the 1990s were great',
    'go go go!',
]


def _check_spans(text: str) -> list:  # type: ignore[type-arg]
    findings = DETECTOR.scan(text)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    return findings


@pytest.mark.parametrize(("kind", "text"), POSITIVES)
def test_disguised_contact_is_found_with_its_kind(kind: str, text: str) -> None:
    findings = _check_spans(text)
    assert kind in {f.kind for f in findings}, f"{kind} missed in {text!r}: {findings}"
    expected = Category.SOLICIT if kind == "solicit" else Category.CONTACT
    assert any(f.category == expected for f in findings if f.kind == kind)


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negative_is_left_alone(text: str) -> None:
    findings = _check_spans(text)
    assert not findings, f"false alarm on {text!r}: {[(f.kind, f.rule_id, f.text) for f in findings]}"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("line.me/ti/p/~kenji_0311", {"line", "url"}),
        ("t.me/nightowl22", {"telegram", "url"}),
        ("wa.me/447700900123", {"whatsapp", "url", "phone"}),
        ("discord.gg/AbCdEf", {"discord_invite", "url"}),
        ("linktr.ee/miyu.art", {"url"}),
        ("WhatsApp: +44 7700 900123", {"whatsapp", "phone"}),
        ("LINEは電話番号で検索して 080-1111-2222", {"line", "phone"}),
    ],
)
def test_links_and_numbers_carry_every_kind_they_disclose(text: str, kinds: set[str]) -> None:
    assert {f.kind for f in _check_spans(text)} == kinds


def test_span_points_at_the_identifier_in_a_long_message() -> None:
    filler = "今日はありがとう。" * 40
    text = filler + "連絡は 090-2468-1357 まで。" + filler
    (finding,) = DETECTOR.scan(text)
    assert finding.kind == "phone"
    assert finding.text == "090-2468-1357"
    assert text.index("090-2468-1357") == finding.start


def test_obfuscated_span_covers_the_original_characters() -> None:
    text = "メール: ken\u200b(at)\u200bexample(dot)com です"
    (finding,) = DETECTOR.scan(text)
    assert finding.kind == "email"
    assert finding.text == "ken\u200b(at)\u200bexample(dot)com"


ALLOW = Allowlist.from_entries(
    [
        "example-community.jp", "https://discord.gg/ourcode", "@official_acct", "03-1234-5678",
        "lit.link/ourteam", "carrd.co",
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "公式リンク集 https://lit.link/ourteam",
        "team.carrd.co も見てね",
        "https://discord.gg/ourcode",
        "disc0rd . gg / ourcode",
        "LINE ID: official_acct",
        "insta @Official_Acct",
        "問い合わせは 03-1234-5678",
        "+81 3 1234 5678",
        "info@example-community.jp",
    ],
)
def test_allow_listed_identifiers_produce_no_finding(text: str) -> None:
    assert DETECTOR.scan(text, ALLOW) == []
    assert DETECTOR.scan(text) != []  # ... and they are found without the allow-list


@pytest.mark.parametrize(
    "text",
    ["discord.gg/theirs", "LINE ID: someone_else1", "090-1234-5678", "ken@other.jp", "example-community.jp.evil.io/x"],
)
def test_allow_list_does_not_hide_other_identifiers(text: str) -> None:
    if text.startswith("example-community.jp.evil"):
        assert DETECTOR.scan(text, ALLOW) == DETECTOR.scan(text)
    else:
        assert DETECTOR.scan(text, ALLOW) != []


@pytest.mark.parametrize(
    "entry",
    ["", "   "],
)
def test_allow_list_skips_blank_entries(entry: str) -> None:
    assert not Allowlist.from_entries([entry])


@pytest.mark.parametrize("entry", ["!!!", "@", "not a thing at all", "@bad handle"])
def test_allow_list_rejects_junk_with_a_clear_error(entry: str) -> None:
    with pytest.raises(ValueError, match="allow-list entry"):
        Allowlist.from_entries([entry])


def test_allow_list_classifies_entries() -> None:
    allow = Allowlist.from_entries(["Example.JP", "www.foo.com/bar/", "@Some_One", "some_two", "+81 90-1234-5678"])
    assert allow.domains == {"example.jp", "foo.com/bar"}
    assert allow.handles == {"some_one", "some_two"}
    assert allow.numbers == {"09012345678"}


def test_explain_shows_findings_and_views() -> None:
    explanation = DETECTOR.explain("ＬＩＮＥ ＩＤ：ｋｅｎ＿０３ / ０９０-１２３４-５６７８")
    assert isinstance(explanation, Explanation)
    assert {f.kind for f in explanation.findings} == {"line", "phone"}
    assert explanation.views["text"].startswith("line id:ken_03") or "line id" in explanation.views["text"]
    assert explanation.views["digits"].startswith("03")
    printed = str(explanation)
    assert "line.id" in printed and "phone.number" in printed and "⟦" in printed


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\ud800\udfff lone surrogates",
        "\x00\x01\x02 control",
        "\u200b" * 500,
        "0" * 4000,
        "@" * 4000,
        "line " * 800,
        "ぜろ" * 2000,
        "L I N E " * 500,
        "a." * 2000,
        "０９０-" * 1000,
    ],
)
def test_scan_never_raises_and_spans_stay_valid(text: str) -> None:
    _check_spans(text)
    str(DETECTOR.explain(text))


def test_scan_rejects_a_non_string() -> None:
    with pytest.raises(TypeError):
        DETECTOR.scan(b"bytes")  # type: ignore[arg-type]
