"""Solicit families found missing by a blind probe set (written by someone who never saw the
rules): a reason then the move, work tools, deals settled outside the site, "-とく" asks, offers
with "いる？", keigo direct contact, one's own server, English gerund swaps, "the other app",
meeting in person, a platform offered as a question with a reason.

Each row names its family; the negatives are the nearest ordinary sentences. Written for these
tests in other words than that set, not copied from it.
"""

from __future__ import annotations

from tests.detect.family_checks import solicit_table_tests

POSITIVES: list[tuple[str, str]] = [
    ("reason then the move", "ワッツアップの方が通知来るから移動しない？"),
    ("reason then the move", "インスタのほうが早いし、そっちに移ろ"),
    ("work tool asked for", "やりとりはスラックに移行していただけますか"),
    ("work tool asked for", "Chatworkでご連絡いただけると助かります"),
    ("deal settled outside", "ここの手数料高いので、外部で値段相談しましょう"),
    ("deal settled outside", "サイトの外で細かいこと詰めよ"),
    ("side account as the place", "趣味垢で思う存分語ろ"),
    ("call app, then there", "メッセージアプリ何入れてる？そっちで連絡するね"),
    ("another app for the contact", "番号、ここじゃなくて別のアプリで送ってくれる？"),
    ("another app for the contact", "ほかのツールで連絡してもらえる？"),
    ("-とく asks", "あとでID教えといてね"),
    ("-とく asks", "メルアド送っといて"),
    ("postal address between members", "年賀状送りたいから住所おしえて"),
    ("offer with いる？", "あたしの連絡先いる？"),
    ("offer with いる？", "メアド要ります？"),
    ("keigo direct contact", "個別にご相談いただけますか"),
    ("spoken-pronoun server", "ワイの鯖おいで"),
    ("english gerund swaps", "how about trading our numbers?"),
    ("english gerund swaps", "open to sharing personal contact details?"),
    ("the other app", "hmu on the usual app"),
    ("the other app", "find me on my second account"),
    ("deal outside the site", "we can finalize the payment outside the platform, cheaper for both"),
    ("deal outside the site", "let's do it off-site, no commission"),
    ("channel named, then yours", "i prefer whatsapp for orders, send me yours"),
    ("meeting in person", "let's hang out in person next week"),
    ("own server", "our private server is quieter, hop in there"),
    ("own server", "come chill in my discord"),
    ("two platforms asked", "ya got line or kakao?"),
    ("platform question with a reason", "snap? it's faster"),
    ("talk wanted to go on", "let's keep chatting... whatsapp instead?"),
    ("another tool, moved to", "ほかのアプリへ移動しませんか"),
    ("channel named in keigo", "お返事はLINEでいただけますか"),
    ("details settled elsewhere", "他の連絡方法で改めて条件を相談しましょう"),
    ("Teams before a particle", "Teamsでやりとりしませんか"),
    ("reason, a comma, then there", "テレグラムの方が通知確実なので、そっちに移動しませんか"),
    ("side account, other adverbs", "鍵垢でたくさん語ろ"),
    ("call app, calling back", "通話アプリ入れて、そっちからかけなおすね"),
    ("contact offered through another app", "メアド、ほかのアプリで教えるね"),
    ("deal taken off the platform", "let's move the order off the site, it's cheaper"),
    ("platform question, always on it", "telegram? im mostly on there"),
    ("own number offered", "僕の番号いる？"),
]

NEGATIVES: list[tuple[str, str]] = [
    ("reason then the move", "LINEの方が軽いから移動したって友達が言ってた"),
    ("work tool asked for", "スラックの使い方を教えてほしい"),
    ("work tool asked for", "Teamsの画面共有が固まる"),
    ("deal settled outside", "外で詳細を詰めるのは規約違反です"),
    ("deal settled outside", "外で遊ぼう"),
    ("side account as the place", "裏垢で語られてた噂はデマだよ"),
    ("call app, then there", "通話アプリの音質、あっちの方がいいね"),
    ("another app for the contact", "別のアプリで画像を編集した"),
    ("-とく asks", "答えはあとで教えとくね"),
    ("postal address", "住所変更はこちらのフォームから"),
    ("postal address", "お届け先のご住所をご入力ください"),
    ("offer with いる？", "整理番号いる？"),
    ("offer with いる？", "このゲームのフレンドIDいる？"),
    ("keigo direct contact", "運営から個別にご連絡いただけるそうです、お待ちください"),
    ("spoken-pronoun server", "ワイの鯖落ちてる"),
    ("english gerund swaps", "thanks for sharing your art"),
    ("english gerund swaps", "we are trading cards at the meetup"),
    ("the other app", "the other app keeps crashing on me"),
    ("deal outside the site", "there is parking outside the site"),
    ("deal outside the site", "never pay outside the platform, it's a scam"),
    ("meeting in person", "we met in person at the con"),
    ("own server", "my server is down again"),
    ("own server", "come hang out in #voice tonight"),
    ("two platforms asked", "are you on pc or switch?"),
    ("platform question with a reason", "snap? never used it"),
    ("talk wanted to go on", "keep talking about the patch notes pls"),
    ("another tool, moved to", "別のアプリに移行したらデータが消えた"),
    ("channel named in keigo", "お問い合わせはメールにてお願いします"),
    ("Teams before a particle", "both teams played well"),
    ("bare number offered", "番号いる？抽選のやつ"),
    ("deal taken off the platform", "they took the post off the site"),
    ("platform question, always on it", "telegram? my dad is always on it lol, he loves stickers"),
]


test_solicit_family_is_found, test_hard_negative_stays_clean = solicit_table_tests(POSITIVES, NEGATIVES)
