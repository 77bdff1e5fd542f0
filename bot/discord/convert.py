"""discord.Message -> :class:`PlainMessage`, once, at the edge.

Everything after this module (skip rules, detection, the ledger, the action planner) works on
plain frozen dataclasses: testable without a gateway, safe to hand to another task, and free of
discord.py's lazily-resolved attributes that may hit a cache which has changed in between.

What a member can put in front of other members is scanned, not only ``content``: embed text
(user-visible rich embeds, e.g. from forwarded messages or webhooks), attachment file names and
alt-text descriptions, poll questions and answers, and the content of forwarded messages
(message snapshots). Link-preview embeds are NOT scanned: Discord generates them from a URL that
is already in the content (which is scanned), and a third-party page's "contact us" text must not
earn the poster a strike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import discord

# Embed types Discord builds itself from a URL in the message (link previews).
_PREVIEW_EMBED_TYPES = frozenset({"link", "article", "video", "image", "gifv"})
# Message types that carry member-written text; joins, pins, boosts etc. are system messages.
_MEMBER_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})
PART_SEPARATOR = "\n"


@dataclass(frozen=True, slots=True)
class TextPart:
    """One piece of member-visible text and where it came from (``content``,
    ``embed[0].description``, ``attachment[1].filename``, ``poll.answer[2]``,
    ``forward[0].content``...). ``start`` is its offset in :attr:`PlainMessage.text`."""

    source: str
    text: str
    start: int = 0


@dataclass(frozen=True, slots=True)
class PlainAttachment:
    id: int
    filename: str
    url: str
    size: int
    content_type: str | None = None
    description: str | None = None
    width: int | None = None
    height: int | None = None
    # Set for attachments of a forwarded message (their index in message_snapshots).
    forwarded_from: int | None = None


@dataclass(frozen=True, slots=True)
class PlainAuthor:
    id: int
    name: str
    is_bot: bool = False
    is_webhook: bool = False
    is_system: bool = False
    role_ids: frozenset[int] = field(default_factory=frozenset)
    # Effective Manage Messages permission in the message's channel (moderators are trusted).
    manage_messages: bool = False
    top_role_position: int = 0
    # True when the member is the guild owner or their top role is at or above the bot's top
    # role: Discord would refuse to time out or ban them, so the bot only reports.
    outranks_bot: bool = False


@dataclass(frozen=True, slots=True)
class PlainMessage:
    id: int
    guild_id: int
    channel_id: int
    author: PlainAuthor
    created_at: datetime
    parts: tuple[TextPart, ...] = ()
    attachments: tuple[PlainAttachment, ...] = ()
    # For a thread / forum post: the parent channel; None otherwise.
    parent_channel_id: int | None = None
    # The category of the channel (or of the thread's parent), if any.
    category_id: int | None = None
    edited: bool = False
    # Discord's preferred locale of the guild ("ja", "en-US"): the default warning language.
    guild_locale: str | None = None
    is_member_message: bool = True

    @property
    def text(self) -> str:
        """All scanned text parts joined with a newline; :attr:`TextPart.start` indexes it."""
        return PART_SEPARATOR.join(part.text for part in self.parts)

    @property
    def channel_ids(self) -> tuple[int, ...]:
        """The channel, its thread parent and its category: exempting any of them exempts the
        message (exempting a forum exempts its posts)."""
        ids = [self.channel_id]
        if self.parent_channel_id is not None:
            ids.append(self.parent_channel_id)
        if self.category_id is not None:
            ids.append(self.category_id)
        return tuple(ids)

    def source_of(self, offset: int) -> str | None:
        """Which part a character offset of :attr:`text` falls in (for evidence)."""
        for part in self.parts:
            if part.start <= offset < part.start + len(part.text):
                return part.source
        return None


def build_parts(pieces: Iterable[tuple[str, str]]) -> tuple[TextPart, ...]:
    """Lay *pieces* (source, text) end to end with the separator; empty texts are dropped."""
    parts: list[TextPart] = []
    offset = 0
    for source, text in pieces:
        if not text or not text.strip():
            continue
        parts.append(TextPart(source=source, text=text, start=offset))
        offset += len(text) + len(PART_SEPARATOR)
    return tuple(parts)


def _embed_texts(prefix: str, embeds: Iterable[discord.Embed]) -> Iterator[tuple[str, str]]:
    for index, embed in enumerate(embeds):
        if embed.type in _PREVIEW_EMBED_TYPES:
            continue
        where = f"{prefix}embed[{index}]"
        yield f"{where}.author", embed.author.name or ""
        yield f"{where}.title", embed.title or ""
        yield f"{where}.description", embed.description or ""
        for field_index, embed_field in enumerate(embed.fields):
            yield f"{where}.field[{field_index}].name", embed_field.name or ""
            yield f"{where}.field[{field_index}].value", embed_field.value or ""
        yield f"{where}.footer", embed.footer.text or ""


def _attachment_texts(
    prefix: str, attachments: Iterable[discord.Attachment]
) -> Iterator[tuple[str, str]]:
    for index, attachment in enumerate(attachments):
        yield f"{prefix}attachment[{index}].filename", attachment.filename
        yield f"{prefix}attachment[{index}].description", attachment.description or ""


def _text_pieces(message: discord.Message) -> Iterator[tuple[str, str]]:
    yield "content", message.content
    yield from _embed_texts("", message.embeds)
    yield from _attachment_texts("", message.attachments)
    if message.poll is not None:
        yield "poll.question", message.poll.question
        for index, answer in enumerate(message.poll.answers):
            yield f"poll.answer[{index}]", answer.text
    for index, snapshot in enumerate(message.message_snapshots):
        prefix = f"forward[{index}]."
        yield f"{prefix}content", snapshot.content
        yield from _embed_texts(prefix, snapshot.embeds)
        yield from _attachment_texts(prefix, snapshot.attachments)


def _plain_attachment(attachment: discord.Attachment, forwarded_from: int | None) -> PlainAttachment:
    return PlainAttachment(
        id=attachment.id,
        filename=attachment.filename,
        url=attachment.url,
        size=attachment.size,
        content_type=attachment.content_type,
        description=attachment.description,
        width=attachment.width,
        height=attachment.height,
        forwarded_from=forwarded_from,
    )


def _plain_author(message: discord.Message) -> PlainAuthor:
    author = message.author
    is_webhook = message.webhook_id is not None
    base = {
        "id": author.id,
        "name": str(author),
        "is_bot": author.bot,
        "is_webhook": is_webhook,
        "is_system": author.system,
    }
    guild = message.guild
    if not isinstance(author, discord.Member) or guild is None:
        # A webhook or a user whose member data did not come with the message: no roles known.
        return PlainAuthor(**base)
    channel = message.channel
    if isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        manage_messages = channel.permissions_for(author).manage_messages
    else:
        manage_messages = author.guild_permissions.manage_messages
    top_position = author.top_role.position
    me = guild.me
    # The owner always does; without our own member data we cannot compare, so assume the worst
    # (the bot only reports).
    outranks = guild.owner_id == author.id or me is None or top_position >= me.top_role.position
    return PlainAuthor(
        **base,
        role_ids=frozenset(role.id for role in author.roles if not role.is_default()),
        manage_messages=manage_messages,
        top_role_position=top_position,
        outranks_bot=outranks,
    )


def _channel_context(message: discord.Message) -> tuple[int | None, int | None]:
    """(thread parent id, category id) of the message's channel."""
    channel = message.channel
    parent_id: int | None = None
    category_id: int | None = None
    if isinstance(channel, discord.Thread):
        parent_id = channel.parent_id
        parent = channel.parent
        if parent is not None:
            category_id = parent.category_id
    elif isinstance(channel, discord.abc.GuildChannel):
        category_id = channel.category_id
    return parent_id, category_id


def convert_message(message: discord.Message) -> PlainMessage | None:
    """The plain form of *message*, or None for messages outside a guild (DMs to the bot)."""
    if message.guild is None:
        return None
    parent_id, category_id = _channel_context(message)
    attachments = [_plain_attachment(a, None) for a in message.attachments]
    for index, snapshot in enumerate(message.message_snapshots):
        attachments.extend(_plain_attachment(a, index) for a in snapshot.attachments)
    created = message.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return PlainMessage(
        id=message.id,
        guild_id=message.guild.id,
        channel_id=message.channel.id,
        author=_plain_author(message),
        created_at=created,
        parts=build_parts(_text_pieces(message)),
        attachments=tuple(attachments),
        parent_channel_id=parent_id,
        category_id=category_id,
        edited=message.edited_at is not None,
        guild_locale=str(message.guild.preferred_locale),
        is_member_message=message.type in _MEMBER_MESSAGE_TYPES or bool(message.message_snapshots),
    )
