"""Japanese solicit families found missing by the blind sets ho8/ho9: offline meet-ups asked as a
question, trades handed over in person, a move to a side server or to "another app" without a
name, contact asked through a personal mail/phone or a platform's side, IDs "taught to each other".

Each row names its family; the negatives are the nearest ordinary sentences (public or official
meet-ups, refusals and stories, a game's servers and spots, the staff's mail). Written for these
tests, in other words than the blind sets and the rule examples.
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_solicits

POSITIVES: list[tuple[str, str]] = [
    ('offline meet-up as a question', '仙台なら近いし、リアルで会えたりしません？'),
    ('offline meet-up as a question', 'そのうち実際に会えたりしないかなー'),
    ('offline meet-up as a question', 'オフで会ったりできません？'),
    ('offline meet-up as a question', '年末オフ会やりません？梅田あたりで'),
    ('offline meet-up as a question', '今度みんなでオフ会開かない？'),
    ('hand-over in person', '近所みたいなので手渡しで受け渡しできますか'),
    ('hand-over in person', '送料かかるし手渡しにしない？'),
    ('hand-over in person', '直接会ってやりとりしましょう、そのほうが早いので'),
    ('hand-over in person', 'オフで会って交換しませんか、駅で'),
    ('hand-over in person', '手渡し希望です、都内なら行けます'),
    ('side / own server, "whoever wants in"', '裏サーバーあるから入りたい人は言って〜'),
    ('side / own server, "whoever wants in"', '俺の鯖けっこう人いるよ、参加したい人はDMちょうだい'),
    ('server move with the invite', 'サーバー引っ越します、招待はあとで個チャに送るね'),
    ('server move with the invite', '鯖移転しない？リンクはこっそり貼る'),
    ('"another app", unnamed', 'ここだと落ち着かないし違うアプリ行きませんか'),
    ('"another app", unnamed', '他のアプリに移動しませんか？'),
    ('"another app", unnamed', '通話したいし他の場所移りませんか'),
    ('outside Discord, contact wanted', 'この鯖以外で連絡とりたい人いる？'),
    ('personal mail / phone, keigo', '恐れ入りますが私の携帯までご連絡いただけますか'),
    ('personal mail / phone, keigo', 'プライベートのメールに連絡ください'),
    ("a platform's side, conditional", 'スナチャの方でメッセくれたら返す！'),
    ("a platform's side, conditional", 'ツイッターのDMくれれば見るよ'),
    ('a platform in keigo', 'テレグラムでご連絡いただけますでしょうか'),
    ('IDs taught to each other', 'ツイッターのアカ教えあいっこしない？'),
    ('IDs taught to each other', '連絡先教え合いましょう！'),
    ('"しません？" asks (not a refusal)', 'カカオ交換しません？'),
    ('business keigo, another channel', 'お電話で少しお話しできませんか'),
    ('business keigo, another channel', 'Zoomかスカイプで面談させていただけますか'),
    ('business keigo, another channel', '以後のやりとりはチャットワークにてお願いできればと思います'),
    ('business keigo, another channel', 'ご依頼はXのDMでお願いします'),
    ('business keigo, another channel', 'メールアドレスをご教示ください'),
    ('a deal taken direct', 'プラットフォーム通さず直接取引にしませんか'),
    ('a deal taken direct', '直接依頼させていただくことは可能ですか'),
    ('meeting in person, keigo', '近いうちに一度お会いできれば嬉しいです'),
    ('meeting in person, keigo', '直接お会いしてお話しする機会をいただけませんか'),
    ('a deal settled on a platform', '送料のことはテレグラムで詰めましょう'),
    ('ways to reach someone', '何か別の連絡手段はございますか'),
    ('a side account as the place', 'リア垢のほうで話そう'),
    ('a new server, come over', '新しいサーバー作ったからそっちおいで'),
    ('a new server, come over', 'ウチらの鯖、ここより静かだから引っ越ししない？'),
    ('a call on a platform, asked', '通話はカカオでも大丈夫ですか'),
    ('tea proposed', 'いつかお茶でもしませんか'),
    ('the platform answers sooner', 'ワッツアップある？そっちのが早い'),
    ('by_way gaps', '電番は私に送っといて'),
    ('a marketplace for the deal', 'メルカリに専用出品するので、そっちで取引お願いします'),
    ('a marketplace for the deal', 'この後はラクマに移動しませんか'),
    ('the usual app, unnamed', '続きは例のアプリでね'),
    ('a group about to be made', 'LINEのグループ作るので参加したい人はDMして'),
    ('a marketplace for the deal', 'ラクマでお願いできますか、専用出品しますので'),
    ('a work tool in keigo', '資料はSlackにて共有させていただけますか'),
    ('tea proposed', 'そのうちご飯でもどうですか'),
    ('"〜ないでしょうか" asks (not a refusal)', '私用のメールにご連絡いただけないでしょうか'),
    ('"〜ないでしょうか" asks (not a refusal)', 'テレグラムで少しお話しさせていただけないでしょうか'),
]

NEGATIVES: list[tuple[str, str]] = [
    ('public / official meet-up', '公式オフ会やりません？って告知が来てたよ'),
    ('public / official meet-up', '昨日のオフ会、楽しかったね'),
    ('refusal / story of a meet-up', 'オフで会えたりはしないかな、ごめんね'),
    ('refusal / story of a meet-up', 'オフで会えたりしたら良かったのに、遠すぎる'),
    ('hand-over story or rule', '手渡しで取引して揉めた話する？'),
    ('hand-over story or rule', '手渡しでの取引は規約違反です'),
    ('hand-over story or rule', '商品は当日会場で手渡しします'),
    ("a game's server", 'マイクラのサブ鯖、入りたい人いたら言ってね'),
    ("a game's server", '鯖移動しようかな、キャラ育てなおし'),
    ("a game's server", '鯖移動しよ、ギルドの招待送るね'),
    ('this server', 'この鯖に入りたい人いたら言って、招待するよ'),
    ('somewhere else in a game', 'ボス湧かないし別の場所行かない？'),
    ('somewhere else, a refusal', '別のアプリ行かないでここで話そうよ'),
    ("the staff's / a shop's mail", 'お問い合わせはメールでご連絡ください'),
    ("the staff's / a shop's mail", '個人のメールでの連絡はご遠慮ください'),
    ("an official account's side", '公式Xの方でDMくれたら対応します'),
    ('a quoted ask', 'インスタのDMくれたら返すって言われたけど無視した'),
    ('a game ID taught', 'ゲームのID教え合おう、フレンド募集中'),
    ('surprise, not an ask', 'ラインやってないの？意外だね'),
    ('exchange refused as a principle', 'メアドは交換しない主義です'),
    ('exchange refused as a principle', 'インスタは親友としか交換しないんだ'),
    ('a quoted lure', '「LINEで話そう」と誘ってくるDMに注意'),
    ('an official account', '公式Xに来てたイラスト最高'),
    ('a story, not a proposal', '直接連絡してみたら返事来た'),
    ('a call to family', '父にお電話してもよろしいでしょうかって聞かれた'),
    ('a call to family', '家族に電話で相談できませんか、と先生が言った'),
    ('tea as a story', '今度お茶しようって誘われたけど行かなかった'),
    ('a new server, a story', '新しく鯖作ったけど過疎ってる'),
    ('a call inside Discord', '通話はこのサーバーのVCで大丈夫ですか'),
    ('a side account mentioned', 'サブ垢で見るだけにしてる'),
    ('a platform mentioned', 'テレグラムのほうが安全って聞いた'),
    ('a call to a third party', 'サポートセンターに電話で相談できますか'),
    ('a call to a third party', 'おばあちゃんに電話で相談できませんか'),
    ('a quoted ask', '手渡しできる方いませんかって投稿、詐欺っぽい'),
    ('a quoted ask', '今度お茶しよって言われたまま一年たった'),
    ('online, not offline', '今度カラオケ行こう、VCで'),
    ('a regret', '一度お会いできればと思っていたのですが、叶いませんでした'),
    ('a story of searching', 'ツイッターやってるから探してみたけどいなかった'),
    ('a hesitation', '本垢で繋がりたいけど勇気がない'),
    ('a remark on a mail', '仕事用のメールに連絡もらえるって楽だよね'),
    ('someone else added', 'LINEの方が楽だから、親戚を追加しよっと'),
    ('a platform said to be faster', 'カカオはそっちのが早いらしい'),
    ('a platform said to help', 'ラインのほうが助かるって人、多いよね'),
    ('a marketplace story', 'ヤフオクで取引したら遅延された'),
    ('a marketplace plan', 'メルカリで取引しようかな'),
    ('an official new account', '企業のインスタ始めたのでフォローお願いします'),
    ("Discord's own DMs are not off the platform", '続きはDMで話そ'),
    ("Discord's own DMs are not off the platform", '個チャで続きしよ'),
    ('a public event announced', '【告知】来月オフ会を開催します、参加はフォームから'),
    ('a public event announced', '公式大会の会場で会いましょう'),
    ('a keigo story', 'LINEで昨日ご連絡いただいた件、確認しました'),
]


@pytest.mark.parametrize(("family", "text"), POSITIVES, ids=[f"{f}: {t}" for f, t in POSITIVES])
def test_solicitation_is_flagged(family: str, text: str) -> None:
    assert_solicits(text, family)


@pytest.mark.parametrize(("family", "text"), NEGATIVES, ids=[f"{f}: {t}" for f, t in NEGATIVES])
def test_hard_negative_is_clean(family: str, text: str) -> None:
    assert_clean(text, family)
