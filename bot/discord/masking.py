"""Mask contact details before they are shown to moderators or written to logs.

A report channel is read by every moderator, and logs travel further still, so evidence is shown
masked: enough to judge what kind of detail it was and recognise a repeat (``090-****-5678``,
``ka***@gmail.com``, ``instagram.com/yu***``), not enough to contact the person. The full text
stays in the ledger, readable only through ``/guard evidence`` by an administrator.

Pure functions, no Discord imports: the logging code of every layer may use them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MASK_CHAR = "*"
# The local part of an e-mail address is replaced by a fixed-width mask so its length is hidden.
EMAIL_LOCAL_MASK = MASK_CHAR * 3

_PHONE_KINDS = frozenset({"phone"})
_EMAIL_KINDS = frozenset({"email"})
# A solicitation ("let's talk on LINE") carries no identifier; masking it would hide the
# very thing a moderator has to judge.
_UNMASKED_KINDS = frozenset({"solicit"})

# "LINE ID: yuki_0321" -> keep the label, mask the identifier after the separator.
_LABEL_RE = re.compile(r"^(?P<label>[^:：=＝]{1,24}[:：=＝]\s*)(?P<rest>\S.*)$", re.DOTALL)
# "https://www.instagram.com/yuki.s?igsh=..." -> host kept, path masked.
_URL_RE = re.compile(
    r"^(?P<prefix>(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/+)(?P<path>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_AT_SIGNS = ("@", "＠")


def _is_significant(char: str) -> bool:
    """Letters, digits (of any script) and the joiners used inside handles count; spacing and
    separators do not, so ``090-1234-5678`` keeps its dashes and a spaced-out disguise its
    spaces."""
    category = unicodedata.category(char)
    return category[0] in "LN" or char in "_"


def mask_middle(text: str, keep_head: int, keep_tail: int) -> str:
    """Replace the significant characters of *text* between the first *keep_head* and the last
    *keep_tail* of them by ``*``, one for one, leaving separators in place.

    At least a third of the significant characters are always hidden: for a short text the kept
    head and tail shrink (a 4-character handle becomes ``a**d``, not ``ab`` + ``cd``).
    """
    positions = [index for index, char in enumerate(text) if _is_significant(char)]
    count = len(positions)
    if count == 0:
        return text
    visible = count - max(1, -(-count // 3))
    head = min(keep_head, (visible + 1) // 2)
    tail = min(keep_tail, visible - head)
    head = min(keep_head, visible - tail)
    hidden = set(positions[head : count - tail])
    return "".join(MASK_CHAR if index in hidden else char for index, char in enumerate(text))


def mask_phone(text: str) -> str:
    """``090-1234-5678`` -> ``090-****-5678``; ``+81 90 1234 5678`` -> ``+81 9* **** 5678``."""
    return mask_middle(text, keep_head=3, keep_tail=4)


def mask_email(text: str) -> str:
    """``kazu.0315@gmail.com`` -> ``ka***@gmail.com``; the domain stays (it is rarely personal
    and tells a moderator which service it is), the local part keeps at most two characters."""
    at_index = max(text.rfind(sign) for sign in _AT_SIGNS)
    if at_index <= 0:
        # A disguised address ("kazu at gmail dot com") has no @ to split on.
        return mask_handle(text)
    local, domain = text[:at_index], text[at_index:]
    significant = [char for char in local if _is_significant(char)]
    shown = "".join(significant[: min(2, len(significant) // 2)])
    return f"{shown}{EMAIL_LOCAL_MASK}{domain}"


def mask_handle(text: str) -> str:
    """An identifier such as ``yuki_0321`` -> ``yu*****21``; a URL keeps its host and masks its
    path; a label before ``:`` (``LINE ID:``) is kept."""
    url = _URL_RE.match(text)
    if url:
        return url.group("prefix") + _mask_path(url.group("path"))
    labelled = _LABEL_RE.match(text)
    if labelled and any(_is_significant(char) for char in labelled.group("rest")):
        return labelled.group("label") + mask_middle(labelled.group("rest"), 2, 2)
    if text[:1] in _AT_SIGNS:
        return text[0] + mask_middle(text[1:], 2, 2)
    return mask_middle(text, 2, 2)


def _mask_path(path: str) -> str:
    # Only the first path segment is the identifier; query strings are tracking noise.
    segment = re.split(r"[/?#]", path, maxsplit=1)[0]
    if not segment:
        return MASK_CHAR * 3
    return mask_middle(segment, 2, 0) if len(segment) > 2 else MASK_CHAR * 3


def mask(kind: str, text: str) -> str:
    """Mask the text of one finding of *kind* (a kind from ``bot.detect.findings.KINDS``)."""
    if kind in _UNMASKED_KINDS or not text:
        return text
    if kind in _PHONE_KINDS:
        labelled = _LABEL_RE.match(text)
        if labelled:
            return labelled.group("label") + mask_phone(labelled.group("rest"))
        return mask_phone(text)
    if kind in _EMAIL_KINDS:
        return mask_email(text)
    return mask_handle(text)


@dataclass(frozen=True, slots=True)
class Span:
    """Where one finding sits in a message: ``text[start:end]`` is of *kind*."""

    kind: str
    start: int
    end: int


def mask_message(text: str, spans: Iterable[Span]) -> str:
    """*text* with every span replaced by its masked form (overlaps merged into the first kind);
    the words around a finding stay readable so a moderator sees the context."""
    ordered: Sequence[Span] = sorted(
        (span for span in spans if 0 <= span.start < span.end <= len(text)),
        key=lambda span: (span.start, -span.end),
    )
    pieces: list[str] = []
    cursor = 0
    for span in ordered:
        if span.end <= cursor:
            continue
        start = max(span.start, cursor)
        pieces.append(text[cursor:start])
        pieces.append(mask(span.kind, text[start : span.end]))
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)
