"""Normalisation: separate views of a message, each with an offset map back to the original.

Rules never run on the raw message. They run on *views* that undo one family of disguise each,
and every view remembers, for each of its characters, which span of the ORIGINAL text produced
it. A match in a view is mapped back with :meth:`View.original_span`, so findings always index
the message the user actually wrote.

Views (names are what rule packs put in ``view = "..."``):

``raw``
    The original text, unchanged (identity map).
``text``
    NFKC + casefold, invisible characters removed, Cyrillic/Greek/mathematical look-alikes folded
    to Latin, at/dot words turned into ``@``/``.``, defanged URL parts repaired, spaced-out
    characters ("s o r a 2 2") collapsed. Digits stay digits: e-mail, URL and handle rules use it.
``words``
    ``text`` plus leetspeak folded inside words (``L1NE`` -> ``line``, ``disc0rd`` -> ``discord``)
    and letters separated by dots collapsed (``L.I.N.E``). Platform names and solicitation
    phrases are matched here. Digit runs without letters are never touched.
``digits``
    Every digit written in any family (ASCII, fullwidth, circled, superscript, mathematical,
    keycap emoji, kanji, daiji, kana/romaji/English readings, O/l/I/S look-alikes inside digit
    tokens) as ASCII digits. Separators between digits are dropped; a space marks a boundary
    between digit groups written apart, ``-`` where they were joined tightly as one written
    number (``090-1234`` -> ``090-1234``, ``090 1234`` -> ``090 1234``), ``|`` marks text that
    ended a run, and ``+`` is kept where it introduces a number.

Which words count as at/dot words and which spelled-out domains are known is configurable
(:class:`NormalizerConfig`, filled from the rule packs' ``[normalize]`` tables).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.detect.pattern_cache import pattern_cache

if TYPE_CHECKING:  # (`regex` itself is imported when first needed: see _separator_gap_re)
    import regex

    _AnyPattern = re.Pattern[str] | regex.Pattern[str]

# --------------------------------------------------------------------------------------------
# The view type
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, init=False)
class View:
    """A transformed text with, per character, the original span that produced it.

    ``starts``/``ends`` are ``None`` for an identity map (the common, fast case).
    """

    name: str
    text: str
    starts: tuple[int, ...] | list[int] | None = None
    ends: tuple[int, ...] | list[int] | None = None

    def __init__(
        self,
        name: str,
        text: str,
        starts: tuple[int, ...] | list[int] | None = None,
        ends: tuple[int, ...] | list[int] | None = None,
    ) -> None:
        # Several views are built per message: the fields are set through their slots'
        # descriptors, in half the time of the object.__setattr__ calls a frozen dataclass
        # generates (the instance stays frozen: assigning a field still raises).
        _set_name(self, name)
        _set_text(self, text)
        _set_starts(self, starts)
        _set_ends(self, ends)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the view span ``[start, end)`` (non-empty) to a span of the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def view_index(self, original_index: int) -> int:
        """The first view position whose original start is >= ``original_index``."""
        if self.starts is None:
            return min(original_index, len(self.text))
        return bisect.bisect_left(self.starts, original_index)


_set_name = View.name.__set__  # type: ignore[attr-defined]
_set_text = View.text.__set__  # type: ignore[attr-defined]
_set_starts = View.starts.__set__  # type: ignore[attr-defined]
_set_ends = View.ends.__set__  # type: ignore[attr-defined]


def _identity(name: str, text: str) -> View:
    return View(name, text)


def _maps(view: View) -> tuple[list[int], list[int]]:
    if view.starts is None or view.ends is None:
        n = len(view.text)
        return list(range(n)), list(range(1, n + 1))
    return list(view.starts), list(view.ends)


def replace_regions(view: View, name: str, regions: Iterable[tuple[int, int, str]]) -> View:
    """Return a view where each ``(start, end, replacement)`` region of *view* is replaced.

    Regions must be sorted and non-overlapping. Every replacement character maps to the whole
    original span of the region it replaces, so a match that touches it covers all of it.
    """
    regions = list(regions)
    if not regions:
        return View(name, view.text, view.starts, view.ends)
    starts, ends = _maps(view)
    out_chars: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    position = 0
    text = view.text
    for start, end, replacement in regions:
        out_chars.append(text[position:start])
        out_starts.extend(starts[position:start])
        out_ends.extend(ends[position:start])
        if replacement:
            region_start = starts[start] if start < len(starts) else (ends[-1] if ends else 0)
            region_end = ends[end - 1] if end > start else region_start
            out_chars.append(replacement)
            out_starts.extend([region_start] * len(replacement))
            out_ends.extend([region_end] * len(replacement))
        position = end
    out_chars.append(text[position:])
    out_starts.extend(starts[position:])
    out_ends.extend(ends[position:])
    return View(name, "".join(out_chars), out_starts, out_ends)


# --------------------------------------------------------------------------------------------
# Character folding (NFKC, casefold, invisibles, homoglyphs)
# --------------------------------------------------------------------------------------------

# Characters that render as nothing (or only modify the previous glyph) and are used to break
# up identifiers: zero-width spaces/joiners, bidi controls, variation selectors, the keycap and
# other enclosing marks, soft hyphen, Hangul fillers, tag characters.
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x20DD, 0x20E4),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE007F),
    (0xE0100, 0xE01EF),
)


def _is_invisible(code_point: int) -> bool:
    return any(low <= code_point <= high for low, high in _INVISIBLE_RANGES)


# Look-alikes that survive NFKC + casefold. Mathematical alphanumerics, fullwidth and circled
# letters are already folded by NFKC; these are the other scripts' lookalikes.
_HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g", "ı": "i",
    # ... and the letters faux-Cyrillic text draws as mirrored Latin ones ("LIИE", "ЯIN")
    "и": "n", "я": "r",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
}
# Capitals drawn as a Latin capital whose lower case is drawn as another letter: Greek Eta and
# Nu look like H and N ("LΙΝΕ"), but casefold to η and ν, which look like n and v. Looked up
# before casefolding.
_CAPITAL_HOMOGLYPHS: dict[str, str] = {"Η": "h", "Ν": "n", "Μ": "m", "Ζ": "z", "Υ": "y"}
# Letters NFKC leaves alone: negative circled and negative squared letters, regional indicator
# symbols ("🅻🅸🅽🅴", "🅛🅘🅝🅔", "🇱 🇮 🇳 🇪").
_HOMOGLYPHS.update(
    {chr(block + i): chr(ord("a") + i) for block in (0x1F150, 0x1F170, 0x1F1E6) for i in range(26)}
)

# Small capitals of "fancy text" generators ("ʟɪɴᴇ", "ɪɴꜱᴛᴀ"), which NFKC keeps.
_HOMOGLYPHS.update(dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True)))


def _is_circled_dingbat(code_point: int) -> bool:
    """Dingbat and double or negative circled digits (U+2776-2793, U+24EB-24FF): NFKC keeps
    them, unlike ①."""
    return 0x2776 <= code_point <= 0x2793 or 0x24EB <= code_point <= 0x24FF


_COMBINING_KANA_MARKS = frozenset({"\u3099", "\u309a"})

# Marks that decorate letters and digits in "fancy text" (strike-through "L̶I̶N̶E̶", underline
# "k̲e̲n̲", Zalgo "L̴̡I̷N̸E", "L҉I҉N҉E҉") and that NFKC leaves in place: the combining diacritical
# mark blocks (a precomposed letter such as "é" is one character and keeps its accent), the
# Cyrillic combining signs and the combining marks for symbols. Removed like the invisibles.
_INVISIBLE_RANGES += (
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xA670, 0xA672),
    (0xFE20, 0xFE2F),
    # interlinear annotation controls, Kaithi number signs, Egyptian hieroglyph format controls
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
)

def invisible_class() -> str:
    """A regular-expression class body of every character _INVISIBLE_RANGES lists: for code
    that removes them without the offset map (the learned model's features)."""
    return "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _INVISIBLE_RANGES)


# Letter-like forms NFKC leaves alone, folded to the Latin letter they are drawn as: the small
# capitals of the IPA, Phonetic Extensions and Latin Extended-D/E blocks ("ᴍᴀʀᴜ", "ʀɪɴᴏ", "ꜱɴᴀᴘ";
# a modifier letter whose compatibility form is one of them, "ᶦ" -> "ɪ", folds with it) and the
# letters with a hook, stroke, bar, tail or curl ("ƈσɳƚαƈƚ" style fancy text), plus a few other
# letters of the same shape (Latin alpha, iota, dotless j, open e; Greek sigma; Armenian o, u, n,
# h, g, q). Every key is already NFKC + casefolded (capitals fold to these first).
_LETTERLIKE_FROM = (
    "øđħłŧƀƃƈƌƒƙƚƞƥƫƭƴƶǥȡȥȴȵȶȼȿɀɇɉɋɍɏɓɕɖɗɠɢɦɨɪɫɬɭɱɲɳɴɵɼɽɾʀʂʈʋʏʐʑʙʛʜʝʟʠ"
    "ᴀᴄᴅᴇᴊᴋᴌᴍᴏᴘᴛᴜᴠᴡᴢᵬᵭᵮᵯᵰᵱᵲᵳᵴᵵᵶᵻᵽᵾᶀᶁᶂᶃᶄᶅᶆᶇᶈᶉᶊᶌᶍᶎᶏᶑᶒᶖᶙỿⱡⱥⱦⱨⱪⱬⱱⱳⱴⱸⱺ"
    "ꜰꜱꝁꝃꝅꝉꝋꝍꝑꝓꝕꝗꝙꝟꞎꞑꞓꞔꞕꞗꞙꞡꞣꞥꞧꞩꞯꞹꟈꟊꬴꬷꬸꬹꬺꬻꭆꭉꭎꭒꭖꭗꭘꭙꭚ𝼄𝼉𝼑𝼓𝼖𝼚𝼛𝼝𝼞"
    "ɑɩȷɛǫᴃᴆᴎᴙσօսոհցզ"
)
_LETTERLIKE_TO = (
    "odhltbbcdfklnpttyzgdzlntcszejqrybcddgghiilllmnnnorrrrstvyzzbghjlq"
    "acdejklmoptuvwzbdfmnprrstzipubdfgklmnprsvxzadeiuylathkzvwveo"
    "fskkkloopppqqvlncchbfgknrsqudselllmnrruuxxxxyltllriocs"
    "aijeqbdnrouunhgq"
)
_HOMOGLYPHS.update(zip(_LETTERLIKE_FROM, _LETTERLIKE_TO, strict=True))

# Arrows and pointing hands of every style fold to the three arrows the packs name ("LINE ➜ x",
# "insta ⟶ x", "snap 👉 x", "ID 👇"): rightwards to "→", leftwards to "←", downwards to "↓".
_RIGHT_ARROWS = (
    "↛↝↠↣↦↪↬⇉⇏⇒⇛⇝⇢⇥⇨⇰⇶⇸⇻⇾➔➙➛➜➡➢➣➤➧➨➩➫➬➭➯➲➳➵➸➺➻➼➽➾⟶⟹⟼⟾⟿⤀⤁⤃⤅⤇⤍⤏⤐⤑⤔⤕⤖⤗⤘⤚"
    "⤜⤞⤠⤳⥅⥇⥱⥲⥴⥵⥸⥹⭃⭇⭈⭌⭓⭔⮊⮕⮚⮞⯈⯮🠂🠆🠊🠒🠖🠚🠞🠶🠺🠾🡂🡆🡒🡢🡪🡲🡺🢂🢒🢖🢚🢡🢣🢥🢩🢫🢱▶▷▸▹►▻☛☞👉"
)
_LEFT_ARROWS = (
    "↚↜↞↢↤↩↫⇇⇍⇐⇚⇜⇠⇤⇦⇷⇺⇽⟵⟸⟻⟽⤂⤆⤌⤎⤙⤛⤝⤟⥆⥳⥶⥷⥺⬅⬱⬳⬴⬵⬶⬷⬸⬹⬺⬻⬼⬽⬾⭀⭁⭂⭉⭊⭋⭠⭪⭰⭺⮄⮈"
    "⮘⮜⯇⯬🠀🠄🠈🠐🠔🠘🠜🠠🠤🠨🠬🠰🠴🠸🠼🡀🡄🡐🡠🡨🡰🡸🢀🢐🢔🢘🢠🢢🢤🢨🢪◀◁◂◃◄◅☚☜👈"
)
_DOWN_ARROWS = "↡↧↯⇊⇓⇟⇣⇩⤈⤋⤓⬇⭍⭞⭟⭣⭭⭳⭽⮇⮋⮟⯆⯯🠃🠇🠋🠓🠗🠛🠟🠣🠧🠫🠯🠳🠷🠻🠿🡃🡇🡓🡣🡫🡳🡻🢃🢓🢗🢛▼▽▾▿☟⛛👇"
_HOMOGLYPHS.update(dict.fromkeys(_RIGHT_ARROWS, "→"))
_HOMOGLYPHS.update(dict.fromkeys(_LEFT_ARROWS, "←"))
_HOMOGLYPHS.update(dict.fromkeys(_DOWN_ARROWS, "↓"))
# Colon look-alikes ("LINE∶ x", "snap꞉ x"), guillemets and much-greater signs used as ">", and
# blank characters that render as a space (Braille blank, Ogham space mark, line separators).
_HOMOGLYPHS.update({"∶": ":", "꞉": ":", "˸": ":", "ː": ":", "»": ">", "≫": ">", "›": ">", "«": "<", "≪": "<", "‹": "<"})
_HOMOGLYPHS.update({"\u2800": " ", "\u1680": " ", "\u2028": "\n", "\u2029": "\n"})
# Hyphens, dashes and the minus sign as "-" ("tako−45", what NFKC makes of a superscript minus;
# "090−1234−5678"; "LINE — x"). The digits view already took the dashes as tight separators.
_HOMOGLYPHS.update(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212", "-"))



class _FoldTable(dict[int, str]):
    """``str.translate`` table computed lazily, one code point at a time, then cached."""

    def __init__(self) -> None:
        super().__init__()
        # Code points whose fold is not exactly one character (deleted or expanded), plus the
        # kana voicing marks that must compose with the previous character: these need the
        # slow, mapped path.
        self.variable_length: set[str] = set()
        self._variable_re: re.Pattern[str] | None = None

    def __missing__(self, code_point: int) -> str:
        folded = fold_char(chr(code_point))
        self[code_point] = folded
        if len(folded) != 1 or folded in _COMBINING_KANA_MARKS:
            self.variable_length.add(chr(code_point))
            self._variable_re = None
        return folded

    def variable_re(self) -> re.Pattern[str] | None:
        if not self.variable_length:
            return None
        if self._variable_re is None:
            # (plain re.compile: the set grows with the characters met, no source repeats)
            self._variable_re = re.compile(
                "[" + "".join(re.escape(c) for c in sorted(self.variable_length)) + "]"
            )
        return self._variable_re


def fold_char(char: str) -> str:
    """NFKC + casefold + look-alike folding of one character; '' for invisible characters."""
    if _is_invisible(ord(char)):
        return ""
    compatible = unicodedata.normalize("NFKC", char)
    capital = _CAPITAL_HOMOGLYPHS.get(compatible)
    if capital is not None:
        return capital
    folded = compatible.casefold()
    if len(folded) == 1:
        if not folded.isascii() and unicodedata.decimal(folded, None) is not None:
            return str(unicodedata.decimal(folded))  # other scripts' digits: ०९०, ٠٩٠, ๐๙๐
        if _is_circled_dingbat(ord(folded)) and unicodedata.digit(folded, None) is not None:
            return str(unicodedata.digit(folded))  # circled digits NFKC keeps: ➀, ❶, ➊, ⓿, ⓵
        return _HOMOGLYPHS.get(folded, folded)
    return "".join(
        _HOMOGLYPHS.get(c, c) for c in folded if not _is_invisible(ord(c))
    )


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> View:
    """The folded base view: NFKC, casefold, invisibles removed, look-alikes folded."""
    if text.isascii():
        # ASCII folds one-to-one to its lower case (no ASCII character is invisible, a
        # look-alike or changed by NFKC): skip translate's per-character table look-ups.
        return View("fold", text.lower())
    folded = text.translate(_FOLD_TABLE)
    variable = _FOLD_TABLE.variable_re()
    if len(folded) == len(text) and (variable is None or variable.search(text) is None):
        return View("fold", folded)
    assert variable is not None  # a length change means some character folded to 0 or 2+
    # Stretches between variable-length characters fold one-to-one (already translated in C:
    # ``cursor`` follows them in ``folded``); only the variable ones are handled one by one.
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    cursor = 0
    for match in variable.finditer(text):
        index = match.start()
        if index > position:
            parts.append(folded[cursor : cursor + index - position])
            cursor += index - position
            starts.extend(range(position, index))
            ends.extend(range(position + 1, index + 1))
        outputs = _FOLD_TABLE[ord(text[index])]
        cursor += len(outputs)
        for out in outputs:
            if out in _COMBINING_KANA_MARKS and parts:
                composed = unicodedata.normalize("NFC", parts[-1][-1] + out)
                if len(composed) == 1:  # "ﾃﾞ" -> "デ": the mark joins the previous character
                    parts[-1] = parts[-1][:-1] + composed
                    ends[-1] = index + 1
                    continue
            parts.append(out)
            starts.append(index)
            ends.append(index + 1)
        position = index + 1
    if position < len(text):
        parts.append(folded[cursor:])
        starts.extend(range(position, len(text)))
        ends.extend(range(position + 1, len(text) + 1))
    return View("fold", "".join(parts), starts, ends)


# --------------------------------------------------------------------------------------------
# Configuration from the packs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormalizerConfig:
    """Word lists that shape the text views; the packs' ``[normalize]`` tables fill it."""

    # Always mean "@"/"." (bracketed or unambiguous forms): "(at)", "[dot]", "アットマーク".
    at_words: tuple[str, ...] = ("(at)", "[at]", "{at}", "<at>", "アットマーク", "あっとまーく")
    dot_words: tuple[str, ...] = ("(dot)", "[dot]", "{dot}", "<dot>", "[.]", "(.)", "{.}", "ドット", "どっと")
    # Mean "@"/"." only between an identifier-like token and a domain-like token ("jess at
    # outlook dot com"), because they are ordinary words elsewhere.
    plain_at_words: tuple[str, ...] = ("at", "あっと", "アット")
    plain_dot_words: tuple[str, ...] = ("dot", "period", "てん")
    slash_words: tuple[str, ...] = ("slash", "スラッシュ", "すらっしゅ")
    # Spelled-out parts of addresses: "ジーメール" -> "gmail", "ドットコム" -> ".com".
    spelled_words: dict[str, str] = field(default_factory=dict)
    # Words that leetspeak is folded towards in the words view ("l1ne" -> "line").
    leet_words: tuple[str, ...] = ()
    # Names joined when spelled letter by letter with commas or spaced separators in the words
    # view ("L、I、N、E" -> "line", "ら、い、ん" -> "らいん"); other spelled letters stay apart.
    letter_spelled_words: tuple[str, ...] = ()

    def merged(self, other: dict[str, object]) -> NormalizerConfig:
        """A copy extended with one pack's ``[normalize]`` table (lists are unioned)."""

        def extend(current: tuple[str, ...], key: str) -> tuple[str, ...]:
            extra = other.get(key, [])
            if not isinstance(extra, list):
                raise TypeError(f"[normalize] {key} must be a list")
            return tuple(dict.fromkeys([*current, *(_fold_word(str(e)) for e in extra)]))

        spelled = dict(self.spelled_words)
        raw_spelled = other.get("spelled_words", {})
        if not isinstance(raw_spelled, dict):
            raise TypeError("[normalize] spelled_words must be a table")
        spelled.update({_fold_word(str(k)): str(v).casefold() for k, v in raw_spelled.items()})
        return NormalizerConfig(
            at_words=extend(self.at_words, "at_words"),
            dot_words=extend(self.dot_words, "dot_words"),
            plain_at_words=extend(self.plain_at_words, "plain_at_words"),
            plain_dot_words=extend(self.plain_dot_words, "plain_dot_words"),
            slash_words=extend(self.slash_words, "slash_words"),
            spelled_words=spelled,
            leet_words=extend(self.leet_words, "leet_words"),
            letter_spelled_words=extend(self.letter_spelled_words, "letter_spelled_words"),
        )


def _fold_word(word: str) -> str:
    """A pack's word as the text view spells it: the views are folded (NFKC, casefold,
    look-alikes), so "собака" is matched as folded ("coбaka"), not as written."""
    return fold(word).text


NORMALIZE_KEYS = frozenset(
    {
        "at_words", "dot_words", "plain_at_words", "plain_dot_words", "slash_words",
        "spelled_words", "leet_words", "letter_spelled_words",
    }
)


def _first_chars(words: Iterable[str]) -> str:
    """A character-class body of the first characters of *words* (for a leading lookahead)."""
    return "".join(re.escape(c) for c in sorted({w[0] for w in words if w}))


def _literal_gate(words: Iterable[str]) -> Callable[[str], re.Match[str] | None]:
    """``search`` of a compiled alternation of *words*: not None exactly when some word occurs
    in the text (what ``any(w in text for w in words)`` says, in one call into C). The words
    are in a fixed order, so that every process compiles the same source (the pattern cache is
    keyed by it: a hash-ordered one was a new cache entry, and a cache write, in each process)."""
    unique = sorted(set(words), key=lambda word: (-len(word), word))
    return pattern_cache.compile("|".join(re.escape(w) for w in unique) if unique else "(?!)").search


def _alternation_branches(words: Iterable[str]) -> list[str]:
    """The top-level branches of :func:`literal_alternation`'s trie, one per first character
    (each starts with a literal: joined by "|" at a pattern's top level, they let the engine
    skip in C to the positions holding one of those characters). Non-empty words only."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return [re.escape(char) + _trie_source(child) for char, child in sorted(trie.items()) if char]


def _alternation(words: Iterable[str]) -> str:
    return literal_alternation(words)


def literal_alternation(words: Iterable[str]) -> str:
    """A regex source matching any of *words*, longest first, written as a trie ("li(?:ne|nk)"
    rather than "line|link"): at each position the engine follows one branch per character
    instead of trying every word, two to three times faster on long word lists.

    Same language and same preference as the plain alternation of the words sorted longest
    first: every word that matches at a position is a prefix of the longest one there, all on
    one path of the trie, and greedy optional groups try them from the longest to the shortest,
    also when the engine backtracks into the alternation. Valid for both ``re`` and ``regex``.
    """
    unique = set(words)
    if "" in unique or not unique:  # degenerate lists keep the plain form
        return "|".join(re.escape(w) for w in sorted(unique, key=len, reverse=True))
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in unique:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _trie_source(trie)


def _trie_source(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    branches = [re.escape(char) + _trie_source(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: the longer words are optional (greedy: tried first)
        body = "(?:" + body + ")?"
    return body


# An identifier-ish token on the left of an at/dot word, a domain-ish token on its right.
_ID_CHARS = r"[a-z0-9_.+\-]"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"


class Normalizer:
    """Builds the views of a message. One instance per rule set (patterns precompiled)."""

    def __init__(self, config: NormalizerConfig | None = None) -> None:
        self.config = config or NormalizerConfig()
        c = self.config
        spelled = dict(c.spelled_words)
        self._spelled_re = (
            pattern_cache.compile(
                r"(?=[ \t" + _first_chars(spelled) + r"])[ \t]{0,3}(?:" + _alternation(spelled) + r")"
            )
            if spelled
            else None
        )
        self._spelled = spelled
        self._leet_words = frozenset(c.leet_words)
        self._letter_spelled_words = frozenset(c.letter_spelled_words)
        # Bracketed/unambiguous at and dot words, with the spaces around them.
        self._at_re = pattern_cache.compile(r"\s{0,4}(?:" + _alternation(c.at_words) + r")\s{0,4}")
        self._dot_re = pattern_cache.compile(r"\s{0,4}(?:" + _alternation(c.dot_words) + r")\s{0,4}")
        # Plain words only between an identifier and a domain-like continuation.
        self._plain_dot_re = pattern_cache.compile(
            r"(?<=[a-z0-9])[ \t]{1,3}(?:" + _alternation(c.plain_dot_words) + r")[ \t]{1,3}(?=[a-z0-9])"
        )
        # Latin words ("at") need spaces around them; Japanese ones ("あっと") need none.
        latin_at = [w for w in c.plain_at_words if w.isascii()]
        other_at = [w for w in c.plain_at_words if not w.isascii()]
        at_forms = []
        if latin_at:
            at_forms.append(r"\s{1,3}(?:" + _alternation(latin_at) + r")\s{1,3}")
        if other_at:
            at_forms.append(r"\s{0,3}(?:" + _alternation(other_at) + r")\s{0,3}")
        self._plain_at_re = pattern_cache.compile(
            r"(?<=" + _ID_CHARS + r")(?:" + "|".join(at_forms or ["(?!)"]) + r")"
            r"(?=" + _LABEL + r"(?:\." + _LABEL + r")+(?![a-z0-9.@\-])"
            r"(?!\s{1,3}(?:" + _alternation(c.plain_at_words or ["at"]) + r")\s))"
        )
        self._slash_re = pattern_cache.compile(
            r"[ \t]{0,3}(?:" + _alternation(c.slash_words) + r")[ \t]{0,3}(?=[a-z0-9~@_])"
        )
        # One pass for the unambiguous at/dot/slash words.
        # (the leading lookahead lets the engine skip, at once, positions where no word starts:
        # every match is at most four spaces (\s{0,4} before a dot or at word, [ \t]{0,3} before
        # a slash word) and then a word's first character; only an empty word, which
        # _first_chars leaves out, could match without one, hence the looser form then)
        punct_words = [*c.at_words, *c.dot_words, *c.slash_words]
        first = _first_chars(punct_words)
        word_start = r"(?=\s{0,4}[" if all(punct_words) else r"(?=\s|["
        self._punct_words_re = pattern_cache.compile(
            word_start + first + "])(?:(?P<dot>" + self._dot_re.pattern + ")|(?P<slash>"
            + self._slash_re.pattern + ")|(?P<at>" + self._at_re.pattern + "))"
        )
        # Gates: each pass runs only when one of its words (or first characters) occurs at all.
        # One compiled search per gate, not a Python loop of substring tests per word.
        self._spelled_gate = _literal_gate(word[0] for word in spelled)
        self._punct_word_gate = _literal_gate([*c.at_words, *c.dot_words, *c.slash_words])
        self._plain_dot_gate = _literal_gate(c.plain_dot_words)
        self._plain_at_gate = _literal_gate(c.plain_at_words)
        # One search per view that finds nothing in most messages, instead of a gate per pass.
        literal_led, space_led = self._text_change_sources()
        self._text_may_change_at_literal = pattern_cache.compile(literal_led).search
        self._text_may_change_at_space = pattern_cache.compile(space_led).search
        self._words_may_change = pattern_cache.compile(_words_change_source(self._leet_words)).search

    def _text_change_sources(self) -> tuple[str, str]:
        """Two patterns, one of which is found in the folded text whenever some pass of the
        text view would change it.

        Each alternative is a necessary condition for one pass's pattern to match the text it
        is given, looser than the pattern where that is cheaper. When neither pattern is found
        in the base text, the first pass leaves it unchanged, so the second pass sees the base
        text too, and so on: no pass changes anything. (Found, the passes run as before: a
        false "maybe" costs a search, it never changes the view.)

        Every alternative of the first starts with a literal character, so that the engine
        skips in C to the positions holding one; the second starts with whitespace and then
        tests one character per alternative, so that a run of spaces costs little.
        """
        c = self.config
        latin_at = [w for w in c.plain_at_words if w.isascii()]
        other_at = [w for w in c.plain_at_words if not w.isascii()]
        # A domain label and a dot: what the plain at-word needs on its right (length limits
        # left out).
        domain_ahead = r"\s{0,3}[a-z0-9][a-z0-9\-]*\."
        # Words the passes' patterns match whole: the spelled words, the punctuation words, the
        # doubled markdown marks and "__", the defanged URL parts.
        words = [
            *self._spelled, *c.at_words, *c.dot_words, *c.slash_words, "**", "||", "~~", "``", "__",
            *_DEFANG_MAP,
        ]
        literal_led = [
            *_alternation_branches(words),
            # a kanji digit right after a handle character (each led by its own literal)
            *(digit + "(?<=[a-z0-9_]" + digit + ")" for digit in _KANJI_DIGITS),
            # a CJK stop right after a letter, a digit or a space (a comma: before a TLD)
            *(stop + r"(?<=[a-z0-9 \t]" + stop + ")" for stop in "。｡"),
            *(comma + r"(?<=[a-z0-9 \t]" + comma + r")[ \t]{0,3}" + _TLD_AFTER_COMMA for comma in ",、·•・"),
            # a Japanese plain at-word before a domain
            *(branch + domain_ahead for branch in _alternation_branches(other_at)),
            # URL punctuation with a space or tab on its right
            r"\.[ \t]", r"/[ \t]", r"~[ \t]", r"@[ \t]",
        ]
        space_led = [
            # collapse_spaced: a spaced run holds a character alone between whitespace and then
            # another one alone (stricter than the pass's own gate: "can i get" is no run)
            r"\S[ \t\u3000\n]{1,3}(?:\S(?!\S)|[!-~](?![!-~])|[a-z0-9](?=[:：]))",
            # a plain dot word with whitespace on each side
            *(re.escape(word) + r"[ \t]" for word in c.plain_dot_words),
            # a Latin plain at-word between whitespace, before a domain
            *(re.escape(word) + r"\s" + domain_ahead for word in latin_at),
            # URL punctuation with whitespace on its left ("@": on both sides)
            "[./]", r"@[ \t]", "_",
        ]
        return "|".join(literal_led), r"\s(?:" + "|".join(space_led) + ")"

    # ---- the views -------------------------------------------------------------------------

    def views(self, text: str) -> dict[str, View]:
        """All views of *text* (used by `explain`; `scan` builds only what its rules need)."""
        base = fold(text)
        text_view = self.text_view(base)
        return {
            "raw": _identity("raw", text),
            "text": text_view,
            "words": self.words_view(text_view),
            "digits": digit_view(base),
        }

    def text_view(self, base: View) -> View:
        text = base.text
        if self._text_may_change_at_literal(text) is None and self._text_may_change_at_space(text) is None:
            # No pass can change the text (see _text_change_sources): most messages.
            return View("text", base.text, base.starts, base.ends)
        return self._text_passes(base)

    def _text_passes(self, base: View) -> View:
        """The passes of the text view, one after the other (each behind its own gate)."""
        view = base
        text = view.text
        # Each pass runs only when a cheap substring test says it could change something.
        if self._spelled_re is not None and self._spelled_gate(text) is not None:
            view = self._replace(view, self._spelled_re, lambda m: self._spelled_for(m.group()))
        view = collapse_spaced(view)
        text = view.text
        if _HANDLE_KANJI_DIGITS_RE.search(text) is not None:
            # "aya〇五二一" (also spaced: "a y a 〇 五 二 一"): kanji digits glued to a handle are
            # its digits (one for one)
            view = _replace_same_length(
                view, _HANDLE_KANJI_DIGITS_RE, lambda m: "".join(_KANJI_DIGITS[c] for c in m.group())
            )
            text = view.text
        if "*" in text or "|" in text or "~" in text or "`" in text:
            view = self._replace(view, _MARKDOWN_INSIDE_WORD_RE, lambda m: "")
            text = view.text
        if "__" in text:
            view = self._replace(view, _MARKDOWN_UNDERLINE_RE, lambda m: "")
            text = view.text
        if "hxxp" in text or "%" in text or "[:]" in text:
            view = self._replace(view, _DEFANG_RE, _defang)
        if self._punct_word_gate(text) is not None:
            view = self._replace(view, self._punct_words_re, _punct_for_word)
        if (
            "。" in view.text or "｡" in view.text or "," in view.text or "、" in view.text
            or "·" in view.text or "•" in view.text or "・" in view.text
        ):
            view = self._replace(view, _CJK_STOP_AS_DOT_RE, lambda m: ".")
        # Plain dots first: the plain "at" needs the domain on its right already dotted.
        if self._plain_dot_gate(view.text) is not None:
            view = self._replace(view, self._plain_dot_re, lambda m: ".")
        if self._plain_at_gate(view.text) is not None:
            view = self._replace(view, self._plain_at_re, _plain_at_replacer(view))
        text = view.text
        if (" ." in text or ". " in text or " /" in text or "/ " in text or " @ " in text
                or "\t" in text or "/~ " in text):
            view = self._replace(view, _SPACE_AROUND_URL_PUNCT_RE, lambda m: m.group(m.lastgroup or "p1"))
            text = view.text
        if " _" in text or "\t_" in text:
            # "mikan _ kagami": a handle's underscore written apart from its words
            view = self._replace(view, _SPACED_UNDERSCORE_RE, lambda m: "_")
            text = view.text
        if "@ " in text or "@\t" in text:
            # "@ mugi.pan_ya": a handle's "@" written apart from it (not between a name and a
            # domain: that one was joined above)
            view = self._replace(view, _SPACED_HANDLE_AT_RE, lambda m: "@")
        return View("text", view.text, view.starts, view.ends)

    def words_view(self, text_view: View) -> View:
        text = text_view.text
        if (
            _LOOKALIKE_NEAR_KATAKANA_RE.search(text) is None
            and _LEET_GATE_RE.search(text) is None
            and _SPELLED_GATE_RE.search(text) is None
            and "$" not in text
            and not (
                ("ハ" in text or "ガ" in text or "ヲ" in text)
                and _LONE_KATAKANA_PARTICLE_RE.search(text) is not None
            )
        ) or self._words_may_change(text) is None:
            # No pass can change the text: the passes' gates (a look-alike kanji next to
            # katakana for the first) all say no, or, when one says maybe, the more precise
            # and costlier _words_change_source condition does (see it for the reasoning). The
            # gates are class-led searches, linear and cheap on any text: most messages.
            return View("words", text_view.text, text_view.starts, text_view.ends)
        return self._words_passes(text_view)

    def _words_passes(self, text_view: View) -> View:
        """The passes of the words view, one after the other (each behind its own gate)."""
        view = text_view
        if _KANJI_LOOKALIKE_GATE_RE.search(view.text) and _KANJI_LOOKALIKE_RE.search(view.text):
            view = _replace_same_length(
                view, _KANJI_LOOKALIKE_RE, lambda m: _KANJI_AS_KATAKANA[m.group()]
            )
        if (
            self._leet_words
            and _LEET_GATE_RE.search(view.text)
            and _LEET_CANDIDATE_RE.search(view.text)
        ):
            vocabulary = self._leet_words
            view = _replace_same_length(
                view, _LEET_CANDIDATE_RE, lambda m: _unleet(m.group(), vocabulary)
            )
        if _LONE_KATAKANA_PARTICLE_RE.search(view.text):
            # "ﾗｲﾝ ID ﾊ momiji": text written in (halfwidth) katakana writes its particles so
            view = _replace_same_length(
                view, _LONE_KATAKANA_PARTICLE_RE, lambda m: _KATAKANA_PARTICLES[m.group()]
            )
        if "$" in view.text and self._leet_words:
            # "$nap", "in$ta": a dollar sign for an s, folded only towards the vocabulary
            vocabulary = self._leet_words
            view = _replace_same_length(
                view, _DOLLAR_S_RE, lambda m: _dollar_word(m.group(), vocabulary)
            )
        if _SPELLED_GATE_RE.search(view.text):
            # "L、I、N、E", "i, n, s, t, a", "ら、い、ん", "l-i-n- e": a platform's name spelled
            # letter by letter with commas or spaced separators (only a platform's name: a
            # list of single letters stays as written)
            vocabulary = self._letter_spelled_words
            view = self._replace(view, _SPELLED_LETTERS_RE, lambda m: _spelled_word(m.group(), vocabulary))
        if _DOTTED_GATE_RE.search(view.text):
            view = self._replace(
                view, _DOTTED_LETTERS_RE, lambda m: _DOTTED_SEPARATORS_RE.sub("", m.group())
            )
        return View("words", view.text, view.starts, view.ends)

    # ---- helpers ---------------------------------------------------------------------------

    def _spelled_for(self, matched: str) -> str:
        # The spaces before a spelled word are dropped only when it is a domain suffix
        # ("ken ドットコム" -> "ken.com"); before a provider they stay, so that
        # "mika.s55 ＠ じーめーる" keeps its spaced "@" ("mika.s55 @ gmail", then joined) and
        # "mika.s55 ジーメール" stays two words.
        stripped = matched.lstrip()
        spelled = self._spelled.get(stripped, stripped)
        if spelled.startswith("."):
            return spelled
        return matched[: len(matched) - len(stripped)] + spelled

    @staticmethod
    def _replace(view: View, pattern: _AnyPattern, replacement: Callable[[Any], str]) -> View:
        """Replace every match of *pattern* in *view* by ``replacement(match)``."""
        if pattern.search(view.text) is None:
            return view  # the usual case, decided without building the region lists
        regions = [(m.start(), m.end(), replacement(m)) for m in pattern.finditer(view.text)]
        regions = [r for r in regions if r[1] > r[0]]
        if not regions:
            return view
        if all(m_end - m_start == len(rep) for m_start, m_end, rep in regions):
            text = list(view.text)
            for m_start, m_end, rep in regions:
                text[m_start:m_end] = rep
            return View(view.name, "".join(text), view.starts, view.ends)
        return replace_regions(view, view.name, regions)


def _replace_same_length(view: View, pattern: _AnyPattern, replacement: Callable[[Any], str]) -> View:
    """Like ``Normalizer._replace`` for replacements of the same length (the map is kept)."""
    chars = list(view.text)
    changed = False
    for match in pattern.finditer(view.text):
        new = replacement(match)
        if new != match.group():
            chars[match.start():match.end()] = new
            changed = True
    if not changed:
        return view
    return View(view.name, "".join(chars), view.starts, view.ends)


# The English word "at" before a domain is usually a sentence ("buy it at amazon.co.jp", "meet
# at example.com"). It stands for "@" only when the pair looks like a mailbox: a handle-shaped
# local part (a digit, ".", "_", "-" or "+" in it), a mail provider's domain, dots spelled out
# too ("yamada at example dot com"), or a plain name right after a label ("mail: yamada at
# example.co.jp"; not at the start of a message: "meet at example.com"). Japanese at-words (あっと, アット) are never ordinary words between Latin tokens.
_MAIL_DOMAIN_RE = pattern_cache.compile(
    r"(?:[a-z0-9\-]{0,20}mail|yahoo|ymail|icloud|me|mac|live|msn|aol|proton|pm|docomo|ezweb|au|"
    r"softbank|i\.softbank|gmx|yandex|qq|163|126|naver|daum|nifty|biglobe|ocn|so-net)\."
)
_LOCAL_PART_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.+-")
# Plain words before "at" that make it a sentence, not a mailbox: verbs and pronouns
# ("were at home dot com", "look at this dot net thing", "me at gmail dot com all day"). Only
# for a letters-only local part.
_SENTENCE_WORDS_BEFORE_AT = frozenset(
    {
        "am", "are", "is", "was", "were", "be", "been", "being", "me", "you", "him", "her", "us",
        "them", "it", "we", "they", "he", "she", "i", "this", "that", "there", "here", "look",
        "looked", "looking", "stay", "stayed", "staying", "live", "lived", "living", "work", "worked",
        "working", "meet", "met", "arrive", "arrived", "arriving", "born", "back", "home", "out",
        "up", "down", "still", "just", "only", "even", "all", "both", "now", "then", "start",
        "started", "starting", "end", "ended", "good", "bad", "best", "great",
    }
)
_LABEL_BEFORE_LOCAL_RE = pattern_cache.compile(r"(?:[:：=→>]|\bis|\bto|は|\n)[ \t]{0,3}[「『\"'(\[]?$")
_DOMAIN_AFTER_AT_RE = pattern_cache.compile(r"[a-z0-9.\-]{1,253}")


def _plain_at_replacer(view: View) -> Callable[[Any], str]:
    """The replacement for a plain at-word match in *view*: "@", or the match unchanged."""
    text = view.text

    def replace(match: Any) -> str:
        word = match.group()
        if not word.strip().isascii():
            return "@"
        start, end = match.start(), match.end()
        local_start = start  # walk back over the local part (at most 64 characters)
        while local_start > 0 and start - local_start < 64 and text[local_start - 1] in _LOCAL_PART_CHARS:
            local_start -= 1
        local = text[local_start:start]
        if any(c in local for c in "0123456789._+-"):
            return "@"
        if local in _SENTENCE_WORDS_BEFORE_AT or (local_start and text[local_start - 1] in "'’"):
            # "we were at home dot com", "I'm at gmail dot com all day": a sentence, even with
            # "dot" spelled out or a provider after it
            return word
        if _MAIL_DOMAIN_RE.match(text, end):
            return "@"
        domain = _DOMAIN_AFTER_AT_RE.match(text, end)
        if domain is not None and view.starts is not None and view.ends is not None:
            original_length = view.ends[domain.end() - 1] - view.starts[end]
            if original_length > domain.end() - end:
                return "@"  # the domain was written with spelled-out dots or spaced letters
        if local and _LABEL_BEFORE_LOCAL_RE.search(text, max(0, local_start - 8), local_start):
            return "@"
        return word

    return replace


# Markdown inside a word splits it for the eye only: "L**I**NE", "||L||INE", "L~~I~~NE", also
# one spoiler per letter ("||s||||o||||r||||a||": the marks of two spoilers meet).
# (Only doubled marks: a single "*" may stand for the @ in "mio_22*yahoo.co.jp".)
# (the leading lookahead rejects at once the positions where no mark starts: the lookbehind
# alone costs 0.2 ms on 4,000 characters)
_MARKDOWN_INSIDE_WORD_RE = pattern_cache.compile(r"(?=[*|~`])(?<=\w)(?:\*\*|\|\||~~|``){1,8}(?=\w)")
# Discord's underline "__word__" around a platform name or an ID: "_" is also a handle
# character, so only a pair of underscores standing at a word's edge is markdown.
_MARKDOWN_UNDERLINE_RE = pattern_cache.compile(r"(?<![\w])__(?=[^\W_])|(?<=[^\W_])__(?![\w])")

# hxxp(s), percent-encoded URL punctuation.
_DEFANG_RE = pattern_cache.compile(r"hxxp|%2[ef]|%3a|%40|%7e|\[:\]")
_DEFANG_MAP = {"hxxp": "http", "%2e": ".", "%2f": "/", "%3a": ":", "%40": "@", "%7e": "~", "[:]": ":"}


_PUNCT_FOR_GROUP = {"dot": ".", "slash": "/", "at": "@"}


def _punct_for_word(match: regex.Match[str]) -> str:
    return _PUNCT_FOR_GROUP[match.lastgroup or "dot"]


def _defang(match: regex.Match[str]) -> str:
    return _DEFANG_MAP[match.group()]


_TLD_AFTER_COMMA = "(?:com|me|ee|link|gg|jp|net|org|io|ai|to|bio|cc|co|am|ly)"
# A full stop with spaces after it only (no space before), or a comma, ends a sentence or a
# clause far more often than it hides a dot ("my line is busy. call me", "wait at station, me
# too"): it is joined only before a top-level domain that is not also an English word
# ("gmail. com", "yahoo. co. jp", "instagram,com"), or before any with a path after it
# ("line. me/ti/p", "t、me/kenji").
_TLD_AFTER_SENTENCE_STOP = "(?:com|net|org|jp|co|ne|or|ac|io|gg|ee|cc|ly|info|biz|xyz|uk|kr|cn|tw|hk|de|fr)"
# (after a comma, those of _TLD_AFTER_COMMA only: the text view's gate lists what may follow one)
_TLD_NOT_A_WORD_AFTER_COMMA = "(?:com|ee|gg|jp|net|org|io|cc|co|ly)"

# "discord。gg", "linktr｡ee": a Japanese full stop between Latin letters written as the dot.
# ... and a comma or a middle dot before a top-level domain: "instagram,com/kenji", "lit、link/miki",
# "t·me/kenji", "discord•gg/x".
_CJK_STOP_AS_DOT_RE = pattern_cache.compile(
    # (the leading lookahead names every character a match can start with: positions are
    # rejected before the lookbehind, twice as fast on long prose)
    r"(?=[ \t。｡,、·•・])(?<=[a-z0-9])[ \t]{0,3}(?:[。｡]|[,、·•・](?=[ \t]{0,3}(?:" + _TLD_NOT_A_WORD_AFTER_COMMA
    + r"(?:/|[^a-z0-9]|$)|" + _TLD_AFTER_COMMA + r"/)))[ \t]{0,3}(?=[a-z0-9])"
)

# "line . me / ti / p" -> "line.me/ti/p"; "yuna ＠ icloud" -> "yuna@icloud".
_SPACE_AROUND_URL_PUNCT_RE = pattern_cache.compile(
    r"(?=[ \t./])(?<=[a-z0-9_~])(?:[ \t]{1,3}(?P<p1>[./])[ \t]{0,3}|(?P<p2>/)[ \t]{1,3}"
    r"|(?P<p5>\.)[ \t]{1,3}(?=" + _TLD_AFTER_SENTENCE_STOP + r"(?![a-z0-9])|" + _TLD_AFTER_COMMA + r"/)|[ \t]{1,3}(?P<p3>@)[ \t]{1,3}(?=[a-z0-9\-]{1,63}[ \t]{0,3}\.))(?=[a-z0-9~_@])"
    # "line.me/ti/p/~ aoi": the tilde of a path with spaces after it
    r"|(?<=/)(?P<p4>~)[ \t]{1,3}(?=[a-z0-9_])"
)

# An underscore with spaces on both sides between two letters or digits.
_SPACED_UNDERSCORE_RE = pattern_cache.compile(r"(?<=[a-z0-9])[ \t]{1,2}_[ \t]{1,2}(?=[a-z0-9])")
# A handle's "@" with spaces after it, not right after an identifier, before a handle-shaped
# word (a letter first, then a digit, "_" or "." in it: not "@ 5pm", "@ home", "@ everyone").
_SPACED_HANDLE_AT_RE = pattern_cache.compile(r"(?<![a-z0-9_.\-])@[ \t]{1,3}(?=[a-z_][a-z0-9_]{0,30}[._0-9][a-z0-9])")

# Three or more single characters separated by whitespace ("s o r a", "L\nI\nN\nE"): the
# whitespace between them is removed. Two spaces or more still count as one separator so that
# "0 9 0  6 6 2 3" collapses too. In Japanese the spaced Latin run is often glued to the
# sentence around it ("IDはy u k i _ 0 3 2 1です", "→m i i _ c h a n"): a Latin (ASCII)
# character at either end of the run may touch a non-ASCII character; the first one may also
# follow an "@" ("@m i i _ c h a n"), the last one run into a colon ("L I N E: ..."). A dash
# never starts a run: "telegram — @ s u n" keeps the dash apart from the handle.
_SPACED_RUN_RE = pattern_cache.compile(
    # (the leading lookahead, a character then a gap, rejects most positions at once)
    r"(?=\S[ \t\u3000\n])(?:(?<!\S)|(?<=[^\s!-~]|@)(?=[!-~]))(?!-)\S(?:[ \t\u3000\n]{1,3}\S(?!\S)){1,}"
    r"[ \t\u3000\n]{1,3}(?:\S(?!\S)|[!-~](?=[^\s!-~])|[a-z0-9](?=[:：]))"
)
_SPACED_GAP_RE = pattern_cache.compile(r"[ \t\u3000\n]+")
# Necessary for a spaced run: one character alone between two gaps (the middle of "s o r a").
# A class-led search, many times faster than the run pattern on ordinary prose.
_SPACED_GATE_RE = pattern_cache.compile(r"[ \t\u3000\n]\S[ \t\u3000\n]")


def collapse_spaced(view: View) -> View:
    text = view.text
    if " " not in text and "\n" not in text and "\t" not in text and "\u3000" not in text:
        return view
    if _SPACED_GATE_RE.search(text) is None:
        return view
    regions: list[tuple[int, int, str]] = []
    for run in _SPACED_RUN_RE.finditer(text):
        for gap in _SPACED_GAP_RE.finditer(text, run.start(), run.end()):
            regions.append((gap.start(), gap.end(), ""))
    if not regions:
        return view
    return replace_regions(view, view.name, regions)


# Leetspeak inside words: a token of Latin letters and digits with at least two letters. It is
# folded only when the result is a word of the packs' ``leet_words`` vocabulary (platform
# names, "number", "email" ...), so handles such as "taiga55" keep their digits.
# Necessary for a leet candidate (a token with letters and a digit): a letter next to a digit.
_LEET_GATE_RE = pattern_cache.compile(r"[a-z][0-9]|[0-9][a-z]")
_LEET_CANDIDATE_RE = pattern_cache.compile(r"(?<![a-z0-9])(?=[a-z]*[0-9])(?=(?:[0-9]*[a-z]){2})[a-z0-9]{3,32}(?![a-z0-9])")
_LEET_MAPS = (
    str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}),
    str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}),
)


def _leet_digits(char: str) -> str:
    """The digits that leetspeak folds into *char* ("1" for "i" and for "l")."""
    return "".join(sorted({chr(d) for table in _LEET_MAPS for d, letter in table.items() if letter == char}))


def _leet_spelling(char: str) -> str:
    """A pattern of *char* or one of the digits folded into it ("[i1]")."""
    digits = _leet_digits(char)
    return "[" + re.escape(char) + digits + "]" if digits else re.escape(char)


def _leet_trie_source(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    """Like :func:`_trie_source`, each character standing for its leet spellings."""
    branches = [_leet_spelling(char) + _leet_trie_source(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        body = "(?:" + body + ")?"
    return body


def _words_change_source(leet_words: Iterable[str]) -> str:
    """A pattern found in the text view whenever some pass of the words view would change it.

    Each alternative is a necessary condition for one pass to change the text it is given:

    - a kanji look-alike: the pass's own pattern;
    - leetspeak: a candidate token holds a digit and is replaced only by a word of the
      vocabulary (or its plural), so it is that word with some letters written as the digits
      that fold into them, standing alone (the candidate pattern's boundaries);
    - a dollar sign for an s: the sign itself;
    - a particle written in katakana: the pass's own pattern;
    - dotted letters, and a platform's name spelled out letter by letter: a letter between
      two separators, spaces around them allowed (the spelled pass's gate, looser than the
      dotted pass's own).

    None found in the text view: the first pass leaves it unchanged; the leet pass finds no
    token that folds to a word (the look-alike pass changed nothing); the dotted pass sees the
    same text again. (Found, the passes run as before, each behind its own gate.)
    """
    words = {w for word in leet_words for w in (word, word + "s") if word}
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    leet = (
        "(?<![a-z0-9])(?=[a-z]*[0-9])" + _leet_trie_source(trie) + "(?![a-z0-9])" if words else "(?!)"
    )
    first = (
        "".join(_KANJI_AS_KATAKANA)
        + "".join(re.escape(c) for c in ".・･-*_,、，$")
        + "".join(_KATAKANA_PARTICLES)
        + "".join(re.escape(c) for c in sorted({c for w in words for c in w[0] + _leet_digits(w[0])}))
    )
    necessary = [_KANJI_LOOKALIKE_RE.pattern, leet, _SPELLED_GATE_RE.pattern, r"\$", _LONE_KATAKANA_PARTICLE_RE.pattern]
    return "(?=[" + first + "])(?:" + "|".join(necessary) + ")"


# The particles は, を, が written as a lone katakana ("ﾗｲﾝ ID ﾊ momiji_tt ﾃﾞｽ"), not inside a
# katakana word ("ハート", "ガチャ").
_KATAKANA_PARTICLES = {"ハ": "は", "ヲ": "を", "ガ": "が"}
_LONE_KATAKANA_PARTICLE_RE = pattern_cache.compile("[ハヲガ](?<![ァ-ヺー][ハヲガ])(?![ァ-ヺー])")

# A word of letters with a dollar sign among them ("$nap", "in$ta", "$kype").
_DOLLAR_S_RE = pattern_cache.compile(r"(?<![a-z0-9_$])(?=[a-z]*\$)[a-z$]{3,16}(?![a-z0-9_$])")


def _dollar_word(token: str, vocabulary: frozenset[str]) -> str:
    folded = token.replace("$", "s")
    if folded in vocabulary or (folded.endswith("s") and folded[:-1] in vocabulary):
        return folded
    return token


def _unleet(token: str, vocabulary: frozenset[str]) -> str:
    for table in _LEET_MAPS:
        folded = token.translate(table)
        if folded in vocabulary or (folded.endswith("s") and folded[:-1] in vocabulary):
            return folded
    return token


# Kanji that look like katakana, written inside a katakana word to dodge a name: "力カオ",
# "ラ一ン", "テレグラ厶". Only next to katakana (二人, 工場 stay kanji); the digits view is built
# from the folded text, so 一/二/八 still read as digits there.
_KANJI_AS_KATAKANA = {
    "口": "ロ", "力": "カ", "工": "エ", "二": "ニ", "夕": "タ", "卜": "ト", "八": "ハ",
    "一": "ー", "厶": "ム", "丿": "ノ", "乂": "メ", "于": "チ", "千": "チ",
}
# Necessary for a look-alike: one of the kanji at all (a class search, cheap on any text).
_KANJI_LOOKALIKE_GATE_RE = pattern_cache.compile("[" + "".join(_KANJI_AS_KATAKANA) + "]")
_KANJI_LOOKALIKE_RE = pattern_cache.compile(
    # 一 (for ー) only between katakana: "ライン一本" keeps its kanji
    "(?<=[ァ-ヺー])一(?=[ァ-ヺー])|(?<=[ァ-ヺー])[" + "".join(_KANJI_AS_KATAKANA).replace("一", "")
    + "]|[" + "".join(_KANJI_AS_KATAKANA).replace("一", "") + "](?=[ァ-ヺー])"
)

# "l.i.n.e" -> "line" (single letters joined by dots or middle dots).
_DOTTED_SEPARATORS_RE = pattern_cache.compile(r"[.・･\-*_]")
# (in `re`, [^\W\d_] is a letter and \w minus "_" a letter or digit)
# Necessary for dotted letters ("l.i.n.e"): a letter between two separators.
_DOTTED_GATE_RE = pattern_cache.compile(r"[.・･\-*_][^\W\d_][.・･\-*_]")
_DOTTED_LETTERS_RE = pattern_cache.compile(r"(?<![^\W_]|[.\-])[^\W\d_](?:[.・･\-*_][^\W\d_](?![^\W_])){2,}\.?")

# A platform's name spelled letter by letter with commas or spaced separators ("L、I、N、E",
# "i, n, s, t, a", "ら、い、ん"): three to sixteen letters, each alone between separators, joined
# only when they spell a word of the packs' ``letter_spelled_words``.
_SPELLED_SEPARATOR = r"[ 	]{0,2}[,、，.・･\-*_][ 	]{0,2}"
# (a Latin letter alone may touch Japanese around it: "IDはL、I、N、E")
_SPELLED_LETTER = r"(?:[a-z](?![a-z0-9])|[^\W\d_a-z](?![^\W_]))"
_SPELLED_LETTERS_RE = pattern_cache.compile(
    r"(?=[^\W\d_]" + _SPELLED_SEPARATOR + r"[^\W\d_])(?:(?<![a-z0-9])(?=[a-z])|(?<![^\W_]))"
    + _SPELLED_LETTER + "(?:" + _SPELLED_SEPARATOR + _SPELLED_LETTER + "){2,15}"
)
# Necessary for it (and for the dotted letters): a letter between two separators.
_SPELLED_GATE_RE = pattern_cache.compile(r"[,、，.・･\-*_][ 	]{0,2}[^\W\d_][ 	]{0,2}[,、，.・･\-*_]")


def _spelled_word(spelled: str, vocabulary: frozenset[str]) -> str:
    letters = "".join(c for c in spelled if c.isalpha())
    return letters if letters in vocabulary else spelled


# Necessary for a kanji look-alike: one of the kanji next to katakana (led by the kanji, rare
# characters the engine skips to in C).
_LOOKALIKE_NEAR_KATAKANA_RE = pattern_cache.compile(
    "[" + "".join(_KANJI_AS_KATAKANA) + "](?:(?<=[ァ-ヺー].)|[ァ-ヺー])"
)


# --------------------------------------------------------------------------------------------
# The digit view
# --------------------------------------------------------------------------------------------

_KANJI_DIGITS = {
    "〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
    "六": "6", "七": "7", "八": "8", "九": "9",
    # daiji (formal numerals), old and new forms
    "壱": "1", "壹": "1", "弐": "2", "貳": "2", "貮": "2", "参": "3", "參": "3", "肆": "4",
    "伍": "5", "陸": "6", "漆": "7", "柒": "7", "捌": "8", "玖": "9",
    # "幺": the 1 of Chinese dictation ("幺三八 ..."), never a numeral in Japanese text
    "幺": "1",
}


# Kanji digits glued to a Latin handle or mail local part: two or more at its end, not running
# on into Japanese ("aya〇五二一 あっと", "yuki〇三二一_"; not "LINE二つ", "iPhone二台"), or any
# number of them followed by more of the identifier ("ken一@", "mio二.k"): the handle's digits
# written as kanji. Every start needs a handle character right before it.
_KANJI_DIGIT_CLASS = "[" + "".join(_KANJI_DIGITS) + "]"
_HANDLE_KANJI_DIGITS_RE = pattern_cache.compile(
    _KANJI_DIGIT_CLASS + "(?<=[a-z0-9_]" + _KANJI_DIGIT_CLASS + ")(?:" + _KANJI_DIGIT_CLASS
    + "{0,31}+(?=[@._\\-]?[a-z0-9])|" + _KANJI_DIGIT_CLASS
    + "{1,31}+(?![\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]))"
)


def _katakana(hiragana: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in hiragana)


# Kana readings of digits (hiragana; katakana variants are generated). "weak" readings are
# ordinary one-kana words (に, し, ご, く, よ) and count only when glued to another reading.
_KANA_READINGS: dict[str, str] = {
    "ぜろ": "0", "れい": "0", "れー": "0", "まる": "0", "おー": "0",
    "いち": "1", "わん": "1",
    "にー": "2", "つー": "2", "とぅー": "2", "とぅ": "2",
    "さん": "3", "すりー": "3",
    "よん": "4", "ふぉー": "4",
    "ごー": "5", "ふぁいぶ": "5",
    "ろく": "6", "しっくす": "6",
    "なな": "7", "しち": "7", "せぶん": "7",
    "はち": "8", "えいと": "8",
    "きゅう": "9", "きゅー": "9", "きゅ": "9", "ないん": "9",
}
_WEAK_KANA_READINGS: dict[str, str] = {"に": "2", "し": "4", "よ": "4", "ご": "5", "く": "9", "な": "7"}

# Latin readings: English number words and Japanese romaji.
_LATIN_READINGS: dict[str, str] = {
    "zero": "0", "nought": "0", "maru": "0", "rei": "0",
    "one": "1", "ichi": "1",
    "two": "2",
    "three": "3",
    "four": "4", "yon": "4",
    "five": "5",
    "six": "6", "roku": "6",
    "seven": "7", "nana": "7", "shichi": "7",
    "eight": "8", "hachi": "8",
    "nine": "9", "kyuu": "9", "kyu": "9", "kyū": "9",
}
# English dictation also says pairs: "oh one forty-seven", "four twelve", "eight oh five".
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_LATIN_READINGS.update({word: str(10 + k) for k, word in enumerate(_TEENS)})
_LATIN_READINGS.update({word: str(20 + 10 * k) for k, word in enumerate(_TENS)})
_LATIN_READINGS.update(
    {
        tens + joint + unit: str(21 + 10 * k + u)
        for k, tens in enumerate(_TENS)
        for u, unit in enumerate(_UNITS_WORDS)
        for joint in ("-", " ", "")
    }
)
_WEAK_LATIN_READINGS: dict[str, str] = {
    "oh": "0", "o": "0", "ni": "2", "san": "3", "shi": "4", "go": "5", "ku": "9",
}

# Separators that may sit between digits of one number. "の"/"no" read as "-" in Japanese.
_SEPARATOR_CLASS = (
    r"[\s\-‐‑‒–—―ー－~〜～・･•·.,、。:;()（）\[\]「」『』【】<>《》〈〉/\\*_|'\"`+#!?！？"
    r"→←↑↓⇒⇔➡➔▶►⬅\p{So}\p{Sk}\p{Cs}]"
)

# The standard library engine: several times faster than `regex` on these alternations.
# Digit groups joined by single separator characters ("090-1234-5678", "0\n9\n0") form one
# token, turned into the view in C (str.translate) instead of one token per group. "+" is not
# among them: it must stay visible in front of the group it introduces.
_RUN_SEPARATORS = " \t\n-‐‑‒–—―ー－~〜～・･•·.,、。:;()（）[]「」『』【】<>/\\*_|'\"`#!?！？→←↑↓⇒⇔➡➔▶►⬅の"
_LATIN_FIRST_LETTERS = "".join(sorted({w[0] for w in [*_LATIN_READINGS, *_WEAK_LATIN_READINGS]}))
# Tokens led by a digit (or by one of the look-alike letters o/i/l/s)...
_DIGIT_LED_TOKENS = (
    r"(?P<homoglyph>(?<![a-z])(?=[0-9oils]*[0-9])(?=[0-9]*[oils])[0-9oils]{2,}(?![a-z]))"
    # (a run's group never ends where look-alike letters finish it: "7911 62O 847" reads 62O as
    # one homoglyph group, "620", not as the group 62 and a stray letter)
    r"|(?P<asciirun>[0-9]+(?:[" + re.escape(_RUN_SEPARATORS) + r"][0-9]+(?![oils][0-9oils]{0,20}(?![a-z0-9])))+)"
    r"|(?P<ascii>[0-9]+)"
)


def _latin_tokens(first_letters: str) -> str:
    """The Latin readings starting with one of *first_letters* (firm ones first)."""
    firm = [w for w in _LATIN_READINGS if w[0] in first_letters]
    weak = [w for w in _WEAK_LATIN_READINGS if w[0] in first_letters]
    return (
        r"(?<![a-z])(?=[" + "".join(sorted({w[0] for w in [*firm, *weak]})) + r"])(?:(?P<latin>"
        + (_alternation(firm) or "(?!)") + r")(?![a-z])|(?P<weaklatin>"
        + (_alternation(weak) or "(?!)") + r")(?![a-z]))"
    )


# ... and the readings: kanji, kana and Latin.
_KANJI_AND_KANA_TOKENS = (
    r"(?P<kanji>[" + "".join(_KANJI_DIGITS) + r"])"
    r"|(?=[ぁ-ヶ])(?:(?P<kana>(?:にい|ニイ)(?![ちチ])|" + _alternation(
        [*_KANA_READINGS, *(_katakana(k) for k in _KANA_READINGS)]
    ) + r")ー?"
    r"|(?P<weakkana>" + _alternation(
        [*_WEAK_KANA_READINGS, *(_katakana(k) for k in _WEAK_KANA_READINGS)]
    ) + r")ー?)"
)
_READING_TOKENS = _KANJI_AND_KANA_TOKENS + "|" + _latin_tokens(_LATIN_FIRST_LETTERS)
# Every character a token can start with: one lookahead rejects all other positions at once.
_TOKEN_FIRST_CHARS = "0-9oils" + "".join(_KANJI_DIGITS) + "ぁ-ヶ" + _LATIN_FIRST_LETTERS
_DIGIT_TOKEN_RE = pattern_cache.compile(
    # (the digit-led alternatives and the readings are also guarded by their own lookaheads)
    "(?=[" + _TOKEN_FIRST_CHARS + "])(?:(?=[0-9oils])(?:" + _DIGIT_LED_TOKENS + ")|" + _READING_TOKENS + ")"
)

# Separators that join the groups of ONE written number ("2024-05-12", "090.1234", "(03)"),
# as opposed to spaces, commas, slashes, emoji or "の", which may also separate two numbers.
# A phone number may not start or end in the middle of a tightly joined group.
_TIGHT_SEPARATORS = frozenset("-‐‑‒–—―ー－~〜～.．:：;()（）[]［］・･•·_*'\"`|")

# What may sit between two digits of one number (the one-character common case is a set test).
# Inside an asciirun token: tight separators become "-", the others " " (one-to-one).
_RUN_MARKERS = str.maketrans(
    {c: ("-" if c in _TIGHT_SEPARATORS else " ") for c in _RUN_SEPARATORS}
)
# (the run separators and "+", which a run token leaves out so that it stays in front of its group)
_SINGLE_SEPARATORS = frozenset(_RUN_SEPARATORS + "+")
# (also the separator said as a word: "090 ハイフン 1234", "oh nine oh dash ...")
_SEPARATOR_GAP_SOURCE = (
    r"(?:(?<![a-z])(?:no|dash|hyphen)(?![a-z])|の|はいふん|ハイフン|だっしゅ|ダッシュ|" + _SEPARATOR_CLASS + r")+"
)


@functools.cache
def _separator_gap_re() -> regex.Pattern[str]:
    """The gap pattern, compiled by `regex` (for the \\p{So} classes) when first needed: a
    message without digits never imports `regex`."""
    import regex

    return regex.compile(_SEPARATOR_GAP_SOURCE)


# Characters that no separator gap can hold (one found, the gap is a break): digits, kanji,
# and the Latin letters and kana outside the gap words. None of them is a symbol (So, Sk) or a
# surrogate (Cs) in any Unicode version, nor one of the listed separators, so the `regex` gap
# pattern cannot match a gap that holds one; this `re` search says so for most breaks.
_GAP_WORD_LETTERS = frozenset("nodashyphen" + "の" + "はいふん" + "ハイフン" + "だっしゅ" + "ダッシュ")
_LETTERS_AND_KANA = (
    "abcdefghijklmnopqrstuvwxyz"
    + "".join(map(chr, range(ord("ぁ"), ord("ゖ") + 1)))  # hiragana
    + "".join(map(chr, range(ord("ァ"), ord("ヺ") + 1)))  # katakana (not ー or ・)
)
_NEVER_IN_GAP_RE = pattern_cache.compile(
    "[0-9\u4e00-\u9fff" + "".join(c for c in _LETTERS_AND_KANA if c not in _GAP_WORD_LETTERS) + "]"
)


# Cheap test: does the folded text contain anything that could become a digit at all? A digit
# or a kanji digit (a class: the engine scans for it in C), or a firm reading (one branch per
# first character: the engine skips in C to the positions holding one). Two searches, not one
# alternation of both, which the engine would enter at every position.
_ANY_DIGIT_CHAR_RE = pattern_cache.compile("[0-9" + "".join(_KANJI_DIGITS) + "]")
_ANY_READING_RE = pattern_cache.compile(
    "|".join(_alternation_branches([*_KANA_READINGS, *(_katakana(k) for k in _KANA_READINGS), *_LATIN_READINGS]))
)


def _unnamed(source: str) -> str:
    """*source* with its named groups of digit tokens made non-capturing."""
    for name in ("homoglyph", "asciirun", "ascii", "kanji", "kana", "weakkana", "latin", "weaklatin"):
        source = source.replace("(?P<" + name + ">", "(?:")
    return source


# The tokens of _DIGIT_TOKEN_RE (same matches: the same alternatives in the same order for every
# first character), with ONE group holding the tokens whose first character is a digit or
# o/i/l/s (the digit-led ones and the Latin readings "one", "oh", "ichi", "six", "san" ...):
# findall then gives each such token, and "" for every other one, the count in two C calls.
_DIGIT_COUNT_RE = pattern_cache.compile(
    "(?=[" + _TOKEN_FIRST_CHARS + "])(?:(?=[0-9oils])(" + _unnamed(_DIGIT_LED_TOKENS) + "|"
    + _unnamed(_latin_tokens("oils")) + ")|" + _unnamed(_KANJI_AND_KANA_TOKENS) + "|"
    + _unnamed(_latin_tokens("".join(c for c in _LATIN_FIRST_LETTERS if c not in "oils"))) + ")"
)


def estimate_digit_count(folded_text: str) -> int:
    """An upper bound of the digits the digits view of *folded_text* would hold (weak readings
    counted as digits), computed without building the view."""
    # Tokens led by a digit or o/i/l/s (digit runs, possibly with separators, look-alike
    # tokens, and some Latin readings) count their length, which is never less than their
    # digits; every other token is one digit.
    led = _DIGIT_COUNT_RE.findall(folded_text)
    # A reading after "double"/"triple" stands for two or three digits ("zero nine zero double
    # one double two ..."): without these extra digits the bound fell below the real count and a
    # dictated number was never looked at.
    repeated = folded_text.count("double") + 2 * folded_text.count("triple")
    # ... and a tens or teens word two ("forty-seven", "twelve"; an upper bound: "city" counts)
    if "t" in folded_text:
        repeated += folded_text.count("ty") + folded_text.count("teen") + folded_text.count("ten") + folded_text.count(
            "eleven") + folded_text.count("twelve")
    return len("".join(led)) + led.count("") + repeated


_HOMOGLYPH_DIGITS = str.maketrans({"o": "0", "i": "1", "l": "1", "s": "5"})


def _reading_digit(kind: str, token: str) -> str:
    if kind in ("kana", "weakkana"):
        table = _KANA_READINGS if kind == "kana" else _WEAK_KANA_READINGS
        hira = _hiragana(token)
        if hira.startswith("にい"):  # "にい" is 2 unless it is に + いち (matched with a lookahead)
            return "2"
        return table.get(hira) or table[hira.rstrip("ー")]
    if kind == "latin":
        return _LATIN_READINGS[token]
    return _WEAK_LATIN_READINGS[token]


def _hiragana(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


# A digit token: (kind, digits, start, end, plus, tight) in folded-view coordinates.
# kind: ascii | asciirun | homoglyph | kanji | kana | weakkana | latin | weaklatin | sep | break
# plus: position of a "+" written right before a digit token, else -1
# tight: a separator that joins digit groups of one written number ("-", ".")
_Token = tuple[str, str, int, int, int, bool]


# (kind, token) -> digit of every reading met so far. Bounded: the token regex accepts a fixed,
# finite set of reading spellings.
_READING_CACHE: dict[tuple[str, str], str] = {}


def _tokens(text: str) -> list[_Token]:
    """Digit tokens, with the gaps between them classified as separators or breaks."""
    tokens: list[_Token] = []
    append = tokens.append
    position = -1
    separator_chars = _SINGLE_SEPARATORS
    tight_chars = _TIGHT_SEPARATORS
    kanji = _KANJI_DIGITS
    reading_cache = _READING_CACHE
    pending_repeat = 0
    has_plus_word = "plus" in text or "プラス" in text or "ぷらす" in text
    # (exact: a gap is part of the text, and the repeat pattern needs one of these words)
    has_repeat_word = "double" in text or "triple" in text
    for match in _DIGIT_TOKEN_RE.finditer(text):
        start, end = match.span()
        if position >= 0 and start > position:
            if start - position == 1 and text[position] in separator_chars:
                append(("sep", "", position, start, -1, text[position] in tight_chars))
            else:
                gap = (
                    None  # (decided in `re`, without the slower `regex` engine)
                    if _NEVER_IN_GAP_RE.search(text, position, start) is not None
                    else _separator_gap_re().fullmatch(text, position, start)
                )
                repeat = (
                    None
                    if gap is not None or not has_repeat_word
                    else _REPEAT_GAP_RE.fullmatch(text, position, start)
                )
                if repeat is not None:
                    # "oh nine oh, double four five five": the next digit is said twice
                    append(("sep", _REPEAT_MARK, position, start, -1, False))
                    pending_repeat = 2 if repeat.group(1) == "double" else 3
                elif gap is None or ("\n" in gap.group() and start - position >= 8):
                    append(("break", "", position, start, -1, False))
                else:
                    tight = all(c in tight_chars for c in gap.group())
                    append(("sep", "", position, start, -1, tight))
        kind = match.lastgroup or "ascii"
        value = match.group(kind)
        if kind == "ascii":
            digits = value
        elif kind == "asciirun":
            digits = value.translate(_RUN_MARKERS)
        elif kind == "kanji":
            digits = kanji[value]
        elif kind == "homoglyph":
            digits = value.translate(_HOMOGLYPH_DIGITS)
        else:
            digits = reading_cache.get((kind, value))
            if digits is None:
                digits = reading_cache[kind, value] = _reading_digit(kind, value)
        plus_at = -1
        if start and text[start - 1] in " +":
            plus_at = start - 1
            while plus_at >= 0 and start - plus_at <= 3 and text[plus_at] == " ":
                plus_at -= 1
            if plus_at < 0 or text[plus_at] != "+":
                plus_at = -1
            elif plus_at and text[plus_at - 1] in "0123456789":
                plus_at = -1  # "2+2": an operator between digits, not a country-code plus
        if plus_at < 0 and has_plus_word and start >= 3 and text[start - 1] in _PLUS_WORD_ENDS:
            # the plus said as a word: "plus four four seven ...", "プラス81 90 ..."
            plus_word = _PLUS_WORD_RE.search(text, max(0, start - 7), start)
            if plus_word is not None and not text[: plus_word.start()].rstrip(" \t")[-1:].isdigit():
                plus_at = plus_word.start()
        if pending_repeat:
            if len(digits) == 1 and kind != "homoglyph":  # a reading or one written digit
                digits *= pending_repeat
            elif kind == "asciirun" and not digits[1].isdigit():  # "double 6 4 7": its first digit
                digits = digits[0] * (pending_repeat - 1) + digits
            pending_repeat = 0
        position = end
        append((kind, digits, start, end, plus_at, False))
    return tokens


# The plus of an international number said as a word, right before its first digit token.
_PLUS_WORD_RE = pattern_cache.compile(r"(?:(?<![a-z])plus|プラス|ぷらす)[ \t]{0,2}$")
_PLUS_WORD_ENDS = frozenset(" \tsスす")

# The digits field of the separator token standing for "double"/"triple" (a separator's is "").
_REPEAT_MARK = "x"
# Between two digit tokens: "double"/"triple" said before a digit (English dictation).
_REPEAT_GAP_RE = pattern_cache.compile(r"[ ,\-]{0,3}(double|triple)[ \-]{1,2}")


def _weak_to_keep(tokens: list[_Token], text: str) -> set[int]:
    """Indexes of weak readings that count as digits.

    A weak reading (the particle に, the English "go") counts only inside a chain of readings
    that holds a firm KANA or Latin reading: kana glued together or split by one separator
    character ("さんにごいち", "いち・に・さん"), or Latin number words separated by nothing but
    separators ("san san go ichi", "oh-eight-oh"). Kanji digits do not make a chain firm: a
    kana after kanji numerals is a particle ("〇八〇の…七七にかけて"). Weak readings that end a
    chain and run straight on into ordinary text are particles too ("…はちにかけて").
    """
    keep: set[int] = set()
    chain: list[int] = []
    chain_firm = False
    chain_script = ""
    last_end = -1

    def close() -> None:
        if not chain_firm:
            return
        last = len(chain)
        while last and tokens[chain[last - 1]][0] == "weakkana":
            after = tokens[chain[last - 1]][3]
            if after >= len(text) or not _WORD_AFTER_PARTICLE_RE.match(text, after):
                break
            last -= 1
        keep.update(i for i in chain[:last] if tokens[i][0] in ("weakkana", "weaklatin"))

    for index, (kind, _, start, end, _, _) in enumerate(tokens):
        if kind in ("kana", "weakkana", "kanji"):
            script = "kana"
        elif kind == "ascii" and chain_script == "kana" and start == last_end:
            script = "kana"  # digits glued into a kana reading: "よん4ご5"
        elif kind in _DIGIT_LED_KINDS and chain_script != "kana":
            script = "latin"  # digits dictated among English words: "0 eight 0 ... 4 oh 9 2"
        elif kind in ("latin", "weaklatin"):
            script = "latin"
        elif kind == "sep" and tokens[index][1] == _REPEAT_MARK and chain_script != "kana":
            # "double"/"triple" is dictation as surely as a number word: "oh 9 oh - 3 double 2"
            chain_firm = True
            continue
        elif kind == "sep" and (chain_script == "latin" or (chain_script == "kana" and end - start == 1)):
            continue  # Latin words may be separated; kana by one separator character at most
        else:
            close()
            chain, chain_firm, chain_script, last_end = [], False, "", -1
            continue
        glued = start == last_end or (start - last_end == 1 and index and tokens[index - 1][0] == "sep")
        if chain and (script != chain_script or (script == "kana" and not glued)):
            close()
            chain, chain_firm = [], False
        chain.append(index)
        chain_script = script
        chain_firm = chain_firm or kind in ("kana", "latin")
        last_end = end
    close()
    return keep


# A weak kana reading followed by this is a particle running on into a word ("にかけて", "に電話").
_WORD_AFTER_PARTICLE_RE = pattern_cache.compile(r"[ぁ-ゖ\u4e00-\u9fff]")


_NONE_KEPT: frozenset[int] = frozenset()
_GAP_KINDS = frozenset({"sep", "break"})
_WEAK_KINDS = frozenset({"weakkana", "weaklatin"})
_DIGIT_LED_KINDS = frozenset({"ascii", "asciirun", "homoglyph"})  # one digit per character


def _weak_kept(tokens: list[_Token], text: str) -> AbstractSet[int]:
    """:func:`_weak_to_keep`, answered at once for texts without both a weak reading and a
    firm kana or Latin one (only weak readings are kept, only in a chain holding a firm one)."""
    kinds = {token[0] for token in tokens}
    if ("weakkana" in kinds or "weaklatin" in kinds) and (
        "kana" in kinds or "latin" in kinds or any(token[1] == _REPEAT_MARK for token in tokens)
    ):
        return _weak_to_keep(tokens, text)
    return _NONE_KEPT


# A kana reading that runs on into a word ("ワンコ", "ワン切り", "いちばん") is that word, unless
# it is part of a chain of readings. Kana other than the separator "の", and kanji.
_WORD_GOES_ON_RE = pattern_cache.compile(r"[ぁ-ねは-ゖァ-ヺ\u4e00-\u9fff]")
_CHAIN_KINDS = frozenset({"kana", "weakkana", "latin", "weaklatin"})


def _kana_in_words(tokens: list[_Token], text: str) -> AbstractSet[int]:
    """Indexes of firm kana readings standing alone at the start of a word: "（ワンコで" is no
    "1" glued to the number before it. A reading glued to the next digit token, or following
    another reading (at most one separator character apart), belongs to a dictated number."""
    words: set[int] = set()
    count = len(tokens)
    # (kana readings followed by no token at their end: one comprehension, then the few left)
    candidates = [
        index
        for index, token in enumerate(tokens)
        if token[0] == "kana"
        and (index + 1 == count or tokens[index + 1][2] != token[3] or tokens[index + 1][0] in _GAP_KINDS)
    ]
    for index in candidates:
        start, end = tokens[index][2], tokens[index][3]
        if _WORD_GOES_ON_RE.match(text, end) is None:
            continue
        before = index - 1
        if before >= 0 and tokens[before][0] == "sep" and tokens[before][3] - tokens[before][2] == 1:
            before -= 1
        if before >= 0 and tokens[before][0] in _CHAIN_KINDS and tokens[before][3] >= start - 1:
            continue  # the end of a chain of readings: "いち・に・さん" (kept as before)
        words.add(index)
    return words


# A count of digits ("下4桁は", "4ケタ", "last 4 digits", "4-digit"): text about the number, not
# a group of it.
_DIGIT_COUNT_WORD_RE = pattern_cache.compile(r"[ \t]?(?:桁|けた|ケタ|-?digits?(?![a-z]))")


def _digit_counts(tokens: list[_Token], text: str, in_words: AbstractSet[int]) -> AbstractSet[int]:
    """*in_words* and the indexes of one- or two-digit tokens that count digits."""
    counts = {
        index
        for index, (kind, digits, _, end, _, _) in enumerate(tokens)
        if kind not in _GAP_KINDS
        and 0 < len(digits) <= 2
        and digits.isdigit()
        and _DIGIT_COUNT_WORD_RE.match(text, end) is not None
    }
    return in_words | counts if counts else in_words


# A quantity: a counter or unit right after the digits (or one space after) and ending its word
# ("4412人", "7703 票", "090円 /", "第12話"): the digits count something, they are no group of a phone number. (Not
# when the unit starts a longer word: "5678日中は", "1234本人", "時々"; "分" and "頭" are left out:
# "分かった", "頭は" run on in kana.)
_UNITS = "円人票話個回点枚本件冊台歳才位杯軒階巻秒時日月年週度倍%"
_UNIT_GATE_RE = pattern_cache.compile("[0-9][ ]?[" + _UNITS + "]")
_UNIT_AFTER_RE = pattern_cache.compile("[ ]?[" + _UNITS + "](?![\u3005\u3400-\u9fff\uf900-\ufaff])")


def _quantities(tokens: list[_Token], text: str, in_words: AbstractSet[int]) -> AbstractSet[int]:
    """*in_words* and the indexes of groups of four ASCII digits or fewer that a unit follows
    (a kanji or kana reading is one digit of a longer chain: "...五六七八時に" keeps its 八)."""
    units = {
        index
        for index, (kind, digits, _, end, _, _) in enumerate(tokens)
        if kind == "ascii"
        and len(digits) <= 4
        and _UNIT_AFTER_RE.match(text, end) is not None
    }
    return in_words | units if units else in_words


def _mark_invisible_digit_gaps(base: View) -> View:
    """*base* with a "-" where folding removed invisible characters between two digits.

    "347\u200c581\u200c2093": the zero-width characters were written where the groups of the
    number end, and the groups matter (a North American number is 3-3-4); without them the
    digits read as one run. The "-" joins the groups tightly, as written. (A gap in the maps
    between two folded characters is where characters folded to nothing: only invisibles do.)
    """
    starts, ends = base.starts, base.ends
    if starts is None or ends is None:
        return base
    text = base.text
    # A run of digits with something removed after EVERY digit was decorated digit by digit
    # (keycaps "7️⃣1️⃣8️⃣", strike-through, "0\u200b9\u200b0..."): those gaps say nothing about
    # groups. Only a run that also holds digits written side by side has its gaps kept.
    # (Every gap between two digits lies inside one maximal run of two digits or more, so the
    # maps are compared inside those runs only, not along the whole text.)
    # A run of four digits or fewer joined to more digits by a visible separator
    # ("09\u200b0-52\u200b83-7716") is a group of a number whose groups are already drawn:
    # invisibles sprinkled inside it say nothing about groups, and marking them would break the
    # groups the writer drew. (A longer run is more than one group: "(212)555\u200b0147".)
    gaps: list[int] = []
    for run in _DIGIT_RUN_RE.finditer(text):
        run_start, run_end = run.span()
        inside = list(
            itertools.compress(
                range(run_start + 1, run_end),
                map(operator.gt, starts[run_start + 1 : run_end], ends[run_start : run_end - 1]),
            )
        )
        if not inside or len(inside) == run_end - run_start - 1:
            continue
        if run_end - run_start <= 4 and (
            (
                run_start
                and text[run_start - 1] in _VISIBLE_GROUP_SEPARATORS
                and _DIGIT_BEFORE_SEPARATOR_RE.search(text, max(0, run_start - 4), run_start) is not None
            )
            or _SEPARATOR_BEFORE_DIGIT_RE.match(text, run_end) is not None
        ):
            continue
        gaps.extend(inside)
    if not gaps:
        return base
    parts: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    position = 0
    for k in gaps:  # the "-" maps to the invisible characters it stands for
        parts.append(text[position:k])
        new_starts.extend(starts[position:k])
        new_ends.extend(ends[position:k])
        parts.append("-")
        new_starts.append(ends[k - 1])
        new_ends.append(starts[k])
        position = k
    parts.append(text[position:])
    new_starts.extend(starts[position:])
    new_ends.extend(ends[position:])
    return View(base.name, "".join(parts), new_starts, new_ends)


# Eight digits or more, each followed by one filler letter (the last one may be too): the
# letters are noise the reader is told to skip. Random hex strings almost never alternate so.
_INTERLEAVED_RE = pattern_cache.compile(r"(?<![a-z0-9])[0-9](?:[a-z][0-9]){7,14}[a-z]?(?![a-z0-9])")
_INTERLEAVED_LETTER_RE = pattern_cache.compile("[a-z]")
_HEX_LETTERS = frozenset("abcdef")


def _drop_filler_letters(match: re.Match[str]) -> str:
    token = match.group()
    if set(token[1::2]) <= _HEX_LETTERS:
        return token
    return _INTERLEAVED_LETTER_RE.sub(" ", token)


_ZE_AS_THREE_RE = pattern_cache.compile("(?<=[0-9])з|з(?=[0-9])")
_ASCII_DIGITS = frozenset("0123456789")
_DIGIT_RUN_RE = pattern_cache.compile("[0-9]{2,}")
# Visible separators that join the groups of one written number ("090-1234", "617 555",
# "(03) 1234", "080.44"): one to three of them between two digits.
_VISIBLE_GROUP_SEPARATORS = frozenset(" -‐‑‒–—―ー－~〜～.・･()（）/_*")
_GROUP_SEPARATOR_CLASS = "[" + re.escape("".join(sorted(_VISIBLE_GROUP_SEPARATORS))) + "]"
_DIGIT_BEFORE_SEPARATOR_RE = pattern_cache.compile("[0-9]" + _GROUP_SEPARATOR_CLASS + "{1,3}$")
_SEPARATOR_BEFORE_DIGIT_RE = pattern_cache.compile(_GROUP_SEPARATOR_CLASS + "{1,3}[0-9]")


def digit_view(base: View) -> View:
    """Build the ``digits`` view from the folded view (see module docstring for the format)."""
    base = _mark_invisible_digit_gaps(base)
    if "з" in base.text:
        # "4З21": the Cyrillic Ze drawn for a 3 next to a digit
        base = _replace_same_length(base, _ZE_AS_THREE_RE, lambda m: "3")
    text = base.text
    if _ANY_DIGIT_CHAR_RE.search(text) is None and _ANY_READING_RE.search(text) is None:
        return View("digits", "", (), ())
    if _INTERLEAVED_RE.search(text) is not None:
        # "7x1x8x5x5x2x0x9x3x1", "0a9b0c7d...": a letter after every digit, to be dropped by
        # the reader; the letters become spaces (not look-alikes: the "i" of "5i6" is no 1).
        # Not when every letter is a hex digit: a hash or a colour code, not filler.
        base = _replace_same_length(base, _INTERLEAVED_RE, _drop_filler_letters)
        text = base.text
    tokens = _tokens(text)
    weak_kept = _weak_kept(tokens, text)
    in_words = _kana_in_words(tokens, text)
    if "桁" in text or "けた" in text or "ケタ" in text or "digit" in text:
        in_words = _digit_counts(tokens, text, in_words)
    if _UNIT_GATE_RE.search(text) is not None:
        in_words = _quantities(tokens, text, in_words)
    # Built in folded-view coordinates, mapped to the original once at the end.
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    # The gap since the last digit: did it contain text (a run break), was it only tight
    # separators, and where is it?
    gap_break = False
    gap_tight = True
    gap_start = gap_end = -1
    for index, (kind, digits, start, end, plus, tight) in enumerate(tokens):
        if kind in _GAP_KINDS or (kind in _WEAK_KINDS and index not in weak_kept) or index in in_words:
            if gap_start < 0:
                gap_start = start
            gap_end = end
            if kind != "sep":
                gap_break = True
            elif not tight:
                gap_tight = False
            continue
        if gap_start >= 0 and chars:
            chars.append("|" if gap_break else ("-" if gap_tight else " "))
            starts.append(gap_start)
            ends.append(gap_end)
        if plus >= 0:
            chars.append("+")
            starts.append(plus)
            ends.append(plus + 1)
        gap_break = False
        gap_tight = True
        gap_start = -1
        chars.append(digits)
        if kind in _DIGIT_LED_KINDS:
            if len(digits) > end - start:  # "double 4", "double 6 4 7": the repeats map to the digit
                extra = len(digits) - (end - start)
                starts.extend([start] * extra)
                ends.extend([start + 1] * extra)
            if end - start == 1:
                starts.append(start)
                ends.append(end)
            else:
                starts.extend(range(start, end))
                ends.extend(range(start + 1, end + 1))
        elif len(digits) == 1:
            starts.append(start)
            ends.append(end)
        else:  # a reading said twice or three times ("double four"): each digit maps to it
            starts.extend([start] * len(digits))
            ends.extend([end] * len(digits))
    if base.starts is not None and base.ends is not None:
        base_starts, base_ends = base.starts, base.ends
        starts = [base_starts[i] for i in starts]
        ends = [base_ends[i - 1] for i in ends]
    return View("digits", "".join(chars), starts, ends)
