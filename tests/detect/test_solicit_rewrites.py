"""solicit.toml's fragments written for speed, against the plain forms they stand for.

Look-behinds at the start of an alternative ("(?<![...])番号", "{{lb}}gmail") make `re` try that
alternative at every position; written after the first character ("番(?<![...]番)号") they see
the same characters, and an alternation whose alternatives all start with a literal is skipped
through in C. These properties compare each rewritten fragment (as the packs define it now) with
its plain form on strings built from the characters the look-behinds test.
"""

from __future__ import annotations

import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.detect.rules import _expand_vars, default_rules_dir

_FILES = sorted(default_rules_dir().glob("*.toml"))
_RAW_VARS: dict[str, str] = {}
for _file in _FILES:
    _RAW_VARS.update(tomllib.loads(_file.read_text(encoding="utf-8")).get("vars", {}))
VARS = _expand_vars(_RAW_VARS, _FILES)
LB = VARS["lb"]

# The plain forms, as written before the rewrite (c8ecd1b).
PLAIN_CONTACT_NOUN_JA = (
    r"(?:連絡先|れんらくさき|めーるあどれす|めるあど|めあど|けいたいばんごう|けーたいばんごう|電話番号|でんわばんごう"
    r"|携帯番号|携帯の番号|ケー番|ケーバン|けーばん|携番|電番|でんばん|(?<![\u4e00-\u9fff\u3400-\u4dbf])番号|メアド"
    r"|メルアド|メールアドレス|(?<![a-z\u4e00-\u9fff\u3400-\u4dbfァ-ヺー])アドレス|アカウント|アカ|裏垢|本垢|サブ垢"
    r"|(?<![\u4e00-\u9fff])垢(?!ban|バン)|(?<![a-z0-9\u4e00-\u9fff\u3400-\u4dbfァ-ヺー])id(?![a-z0-9])|個人情報"
    rf"|連絡手段|snsアカ|ユーザー名|qrコード|{LB}qr{VARS['rb']}|연락처|번호|아이디)"
)
PLAIN_PLATFORM_MORE = (
    rf"(?:{LB}(?:linkedin|linked in|facetime|face time|imessage|imsg)(?![a-z])|ついった(?!ー)"
    r"|ツイッタ(?!ー)|えっくす|写真の?(?:アプリ|sns)|(?<![ァ-ヺー])(?:リンクトイン|リンクドイン|フェイスタイム|アイメッセージ)(?![ァ-ヺー])"
    r"|(?:緑|黄色|青|水色)(?:い|の)(?:アイコン|マーク|ロゴ)の(?:アプリ|やつ|ほう))"
)
PLAIN_CONTACT_NOUN_MORE_JA = (
    r"(?:電番|でんばん|電話番(?!号)|けーばん|ケーバン|(?:スマホ|ケータイ|けーたい|携帯)の番号|スマホ番号|ケータイ番号"
    r"|(?:鍵|捨て|趣味|別|新|旧|推し|オタ|絵|日常|リア|個人)垢"
    rf"|{LB}(?:gmail|g-mail|icloud|outlook|hotmail|yahoo ?mail)(?:の?(?:アドレス|アド|メール))?(?![a-z])"
    r"|ジーメール|(?:ヤフー|キャリア|フリー)メール|(?<![ァ-ヺー])アド(?![ァ-ヺー]))"
)
# Pattern starts: (plain, as the pack now writes it).
PLAIN_STARTS = [
    (
        "(?<!運営に)(?<!運営へ)(?<!運営と)(?<!運営の)(?<!管理人に)(?<!管理者に)(?<!モデに)(?<!サポートに)(?<!公式に)連絡",
        "連絡(?<!運営[にへとの]連絡|モデに連絡|公式に連絡)(?<!管理[人者]に連絡)(?<!サポートに連絡)",
    ),
    (
        "(?<!母に)(?<!父に)(?<!親に)(?<!彼に)(?<!彼女に)(?<!家族に)(?<!友達に)(?<!会社に)(?<!お店に)(?<!店に)"
        "(?<!病院に)(?<!学校に)(?<!運営に)",
        "(?<![母父親彼店]に)(?<!彼女に|家族に|友達に|会社に|お店に|病院に|学校に|運営に)",
    ),
    (r"(?<![\u4e00-\u9fffご])(?:住所|じゅうしょ)", r"(?:住(?<![\u4e00-\u9fffご]住)所|じ(?<![\u4e00-\u9fffご]じ)ゅうしょ)"),
    ("(?<![にへと])(?<!から)(?<!より)", "(?<![にへと])(?<!から|より)"),
    (
        rf"{LB}(?:add|follow|hit|hmu|message|text|call|reach|find|contact|dm|msg|pm|ping)",
        r"(?:a(?<![a-z0-9_]a)dd|f(?<![a-z0-9_]f)(?:ollow|ind)|h(?<![a-z0-9_]h)(?:it|mu)|m(?<![a-z0-9_]m)(?:essage|sg)"
        r"|t(?<![a-z0-9_]t)ext|c(?<![a-z0-9_]c)(?:all|ontact)|r(?<![a-z0-9_]r)each|d(?<![a-z0-9_]d)m"
        r"|p(?<![a-z0-9_]p)(?:m|ing))",
    ),
]

# refusal/refusal_more (in every solicit rule's context): (plain piece, the piece as written now).
_DAME_NOT_ASKED = r"(?!元|もと|\s{0,2}(?:[?？]|かな|ですか))"
REFUSAL_PIECES = [
    (f"(?:だめ|ダメ|駄目){_DAME_NOT_ASKED}", f"だめ{_DAME_NOT_ASKED}|ダメ{_DAME_NOT_ASKED}|駄目{_DAME_NOT_ASKED}"),
    (f"{LB}ng{VARS['rb']}", f"n(?<![a-z0-9_]n)g{VARS['rb']}"),
    ("|ご?遠慮(?:ください|下さい|願|して)|", "|ご遠慮(?:ください|下さい|願|して)|遠慮(?:ください|下さい|願|して)|"),
    ("|(?:聞|き)かれ|言われ|", "|聞かれ|きかれ|言われ|"),
    ("|(?:言|い)って(?:く|き)(?:る|た)|", "|言って[くき][るた]|いって[くき][るた]|"),
    ("(?<![a-z])ban(?![a-z])", "b(?<![a-z]b)an(?![a-z])"),
    (
        rf"{LB}(?:don\x27?t|do not|never|can\x27?t|cannot|won\x27?t)(?![a-z])",
        r"(?:d(?<![a-z0-9_]d)o(?:n\x27?t| not)|n(?<![a-z0-9_]n)ever|c(?<![a-z0-9_]c)an(?:\x27?t|not)"
        r"|w(?<![a-z0-9_]w)on\x27?t)(?![a-z])",
    ),
    (
        rf"{LB}(?:not allowed|no sharing|isn\x27?t allowed|not supposed|against the rules|banned|forbidden|bann?able|prohibited"
        rf"|rules?|refuse|not giving|no thanks|not comfortable){VARS['rb']}",
        r"(?:n(?<![a-z0-9_]n)o(?:t allowed| sharing|t supposed|t giving| thanks|t comfortable)"
        r"|i(?<![a-z0-9_]i)sn\x27?t allowed|a(?<![a-z0-9_]a)gainst the rules|b(?<![a-z0-9_]b)anned"
        rf"|f(?<![a-z0-9_]f)orbidden|b(?<![a-z0-9_]b)ann?able|p(?<![a-z0-9_]p)rohibited|r(?<![a-z0-9_]r)(?:ules?|efuse))"
        rf"{VARS['rb']}",
    ),
    (f"{LB}(?:blocked|reported)(?![a-z])", "(?:b(?<![a-z0-9_]b)locked|r(?<![a-z0-9_]r)eported)(?![a-z])"),
]


# move_place_ja (leads solicit.ja.move's first pattern): (plain piece, the piece as written now).
MOVE_PLACE_PIECES = [
    (
        "(?:(?:通話|チャット|メッセージ|メッセ|連絡|別|他)アプリ|",
        "(?:通話アプリ|チャットアプリ|メッセージアプリ|メッセアプリ|連絡アプリ|別アプリ|他アプリ|",
    ),
    ("|(?:ディスコ(?:ード)?|discord|この鯖|このサーバー?)以外|", "|ディスコ(?:ード)?以外|discord以外|この鯖以外|このサーバー?以外|"),
    ("|(?:別|他)(?:鯖|サーバー?)|", "|別(?:鯖|サーバー?)|他(?:鯖|サーバー?)|"),
    (
        r"|(?<![\u4e00-\u9fff\u3040-\u309f])他(?![\u4e00-\u9fff])|",
        r"|他(?<![\u4e00-\u9fff\u3040-\u309f]他)(?![\u4e00-\u9fff])|",
    ),
]


def _plain(name: str, pieces: list[tuple[str, str]]) -> str:
    """The fragment *name* with each of *pieces* written back in its plain form."""
    text = VARS[name]
    for plain, now in pieces:
        assert text.count(now) == 1, now
        text = text.replace(now, plain)
    return text


# Pieces to build texts from, per fragment: its words and what its look-behinds look for.
_AROUND = ["漢", "字", "カ", "ー", "ご", "に", "へ", "と", "の", "a", "x", "_", "0", " ", "\n"]
_PIECES = {
    "contact_noun_ja": ["番号", "番", "号", "アドレス", "ア", "垢", "id", "i", "d", "qr", "q", "r", "ban", "バン", "連絡先", "アカ"],
    "platform_more": [
        "the gram", "da gram", "linkedin", "linked in", "facetime", "face time", "imessage", "imsg", "ついった",
        "ツイッタ", "えっくす", "写真", "写真の", "アプリ", "sns", "リンクトイン", "リンクドイン", "フェイスタイム", "アイメッセージ", "緑", "黄色", "い", "アイコン",
        "のアプリ", "t", "f", "l",
    ],
    "contact_noun_more_ja": [
        "gmail", "g-mail", "icloud", "outlook", "hotmail", "yahoo mail", "メール", "アド", "鍵垢", "スマホ", "電話番",
        "電番", "g", "o", "h", "y",
    ],
    "refusal": [
        "だめ", "ダメ", "駄目", "?", "かな", "ですか", "ng", "ご", "遠慮", "ください", "聞", "き", "かれ", "言", "い",
        "って", "く", "る", "た", "ban", "don't", "do not", "never", "can't", "cannot", "won't", "not allowed",
        "no sharing", "isn't allowed", "against the rules", "banned", "rules", "refuse", "no thanks", "blocked",
        "reported", "trust", "n", "b", "d",
    ],
    "move_place": [
        "通話", "チャット", "メッセージ", "メッセ", "連絡", "別", "他", "アプリ", "ディスコ", "ディスコード", "discord",
        "この鯖", "このサーバ", "このサーバー", "以外", "鯖", "サーバ", "ー", "ライン", "で", "漢",
    ],
    "starts": ["連絡", "運営", "運営と", "運営の", "管理人に", "管理者に", "モデに", "サポートに", "公式に", "から", "より"],
    "starts_call": ["母", "父", "親", "彼", "彼女", "家族", "友達", "会社", "お店", "店", "病院", "学校", "運営", "電話"],
    "starts_verbs": [
        "add", "follow", "hit", "hmu", "message", "text", "call", "reach", "find", "contact", "dm", "msg", "pm",
        "ping", "me", "s", "e", "1", "_",
    ],
    "starts_address": ["住所", "じゅうしょ", "住", "所"],
}


def _texts(name: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_PIECES[name] + _AROUND), max_size=10).map("".join)


def _spans(pattern: str, text: str) -> list[tuple[int, int]]:
    return [match.span() for match in re.finditer(pattern, text)]


def _pack_source(rule_id: str, start: str) -> str:
    """The pattern of *rule_id* in solicit.toml that starts with *start* (vars expanded)."""
    data = tomllib.loads((default_rules_dir() / "solicit.toml").read_text(encoding="utf-8"))
    for rule in data["rule"]:
        for source in rule["patterns"]:
            # (or as the first alternative of a pattern that joins several phrases before one platform)
            if rule["id"] == rule_id and (source.startswith(start) or source.startswith("(?:" + start)):
                return re.sub(r"\{\{(\w+)\}\}", lambda m: VARS[m.group(1)], source)
    raise AssertionError(f"no pattern of {rule_id} starts with {start!r}")


@settings(max_examples=500, deadline=None)
@given(_texts("contact_noun_ja"), _texts("platform_more"), _texts("contact_noun_more_ja"))
def test_rewritten_vars_match_as_their_plain_forms(noun: str, platform: str, noun_more: str) -> None:
    for plain, now, text in (
        (PLAIN_CONTACT_NOUN_JA, VARS["contact_noun_ja"], noun),
        (PLAIN_PLATFORM_MORE, VARS["platform_more"], platform),
        (PLAIN_CONTACT_NOUN_MORE_JA, VARS["contact_noun_more_ja"], noun_more),
    ):
        assert _spans(now, text) == _spans(plain, text), (plain, text)


@settings(max_examples=500, deadline=None)
@given(_texts("refusal"))
def test_rewritten_refusal_matches_as_its_plain_form(text: str) -> None:
    assert _spans(VARS["refusal"], text) == _spans(_plain("refusal", REFUSAL_PIECES), text), text


@settings(max_examples=500, deadline=None)
@given(_texts("move_place"))
def test_rewritten_move_place_matches_as_its_plain_form(text: str) -> None:
    assert _spans(VARS["move_place_ja"], text) == _spans(_plain("move_place_ja", MOVE_PLACE_PIECES), text), text


@settings(max_examples=500, deadline=None)
@given(_texts("starts"), _texts("starts_call"), _texts("starts_address"), _texts("starts_verbs"))
def test_rewritten_starts_match_as_their_plain_forms(words: str, call: str, address: str, verbs: str) -> None:
    for (plain, now), text in zip(PLAIN_STARTS, (words, call, address, words, verbs), strict=True):
        assert _spans(now + "[^\n]{0,2}", text) == _spans(plain + "[^\n]{0,2}", text), (plain, text)


def test_the_packs_use_the_rewritten_starts() -> None:
    """The starts compared above are those of the packs (else the property tests nothing)."""
    for rule_id, (_, now) in zip(
        ("solicit.ja.move", "solicit.ja.call-or-mail", "solicit.ja.ask-more", "solicit.en.add-me", "solicit.en.add-me"),
        PLAIN_STARTS,
        strict=True,
    ):
        assert _pack_source(rule_id, now)
