"""Builders for Discord API v10 JSON objects, shaped like the real service's payloads.

Every builder takes the fake's state objects and returns a fresh dict, so callers may mutate the
result. Field lists follow https://discord.com/developers/docs/resources/* and what discord.py
2.7 reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from .state import (
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    StoredAttachment,
    iso_now,
)


def user_payload(user: FakeUser) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(user.id),
        "username": user.username,
        "discriminator": user.discriminator,
        "global_name": user.global_name,
        "avatar": user.avatar,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if user.bot:
        payload["bot"] = True
    return payload


def client_user_payload(user: FakeUser) -> dict[str, Any]:
    """``GET /users/@me`` and READY ``user``: the public fields plus the account flags."""
    payload = user_payload(user)
    payload.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
    return payload


def role_payload(role: FakeRole) -> dict[str, Any]:
    return {
        "id": str(role.id),
        "name": role.name,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": role.mentionable,
        "flags": 0,
    }


def channel_payload(channel: FakeChannel, recipients: Sequence[FakeUser] = ()) -> dict[str, Any]:
    if channel.type == ChannelType.DM:
        return {
            "id": str(channel.id),
            "type": ChannelType.DM,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user_payload(user) for user in recipients],
        }
    payload: dict[str, Any] = {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "nsfw": channel.nsfw,
        "flags": 0,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in channel.overwrites
        ],
    }
    if channel.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_FORUM):
        payload.update(
            {
                "topic": channel.topic,
                "rate_limit_per_user": 0,
                "last_message_id": None,
                "default_auto_archive_duration": 1440,
            }
        )
    if channel.type == ChannelType.GUILD_FORUM:
        payload.update(
            {
                "available_tags": [],
                "default_reaction_emoji": None,
                "default_sort_order": None,
                "default_forum_layout": 0,
                "default_thread_rate_limit_per_user": 0,
            }
        )
    if channel.type == ChannelType.GUILD_VOICE:
        payload.update(
            {"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1,
             "rate_limit_per_user": 0, "last_message_id": None}
        )
    if channel.is_thread:
        payload.pop("permission_overwrites")
        payload.update(
            {
                "owner_id": str(channel.owner_id) if channel.owner_id else None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "message_count": 0,
                "member_count": 1,
                "total_message_sent": 0,
                "applied_tags": [],
                "thread_metadata": {
                    "archived": channel.archived,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso_now(),
                    "locked": False,
                    "create_timestamp": iso_now(),
                },
            }
        )
    return payload


def member_payload(
    member: FakeMember, *, include_user: bool = True, permissions: int | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "roles": [str(r) for r in member.role_ids],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": member.communication_disabled_until,
    }
    if include_user:
        payload["user"] = user_payload(member.user)
    if permissions is not None:
        # Only interaction payloads carry the computed permissions of the invoking member.
        payload["permissions"] = str(permissions)
    return payload


def guild_payload(guild: FakeGuild, *, for_gateway: bool) -> dict[str, Any]:
    """The guild object; ``for_gateway`` adds GUILD_CREATE's channels, threads and members."""
    payload: dict[str, Any] = {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": [role_payload(role) for role in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "max_members": 500000,
    }
    if for_gateway:
        channels = [c for c in guild.channels.values() if not c.is_thread]
        threads = [c for c in guild.channels.values() if c.is_thread and not c.archived]
        payload.update(
            {
                "joined_at": iso_now(),
                "large": len(guild.members) >= 250,
                "unavailable": False,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": [member_payload(m) for m in guild.members.values()],
                "channels": [channel_payload(c) for c in channels],
                "threads": [channel_payload(t) for t in threads],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
    return payload


def attachment_payload(attachment: StoredAttachment) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "size": len(attachment.data),
        "url": attachment.url,
        "proxy_url": attachment.url,
        "flags": 0,
    }
    if attachment.content_type is not None:
        payload["content_type"] = attachment.content_type
    if attachment.description is not None:
        payload["description"] = attachment.description
    if attachment.width is not None and attachment.height is not None:
        payload["width"] = attachment.width
        payload["height"] = attachment.height
    return payload


def message_payload(
    *,
    message_id: int,
    channel: FakeChannel,
    author: FakeUser,
    content: str,
    member: FakeMember | None = None,
    attachments: Iterable[dict[str, Any]] = (),
    embeds: Iterable[dict[str, Any]] = (),
    components: Iterable[dict[str, Any]] = (),
    message_snapshots: Iterable[dict[str, Any]] | None = None,
    message_reference: dict[str, Any] | None = None,
    poll: dict[str, Any] | None = None,
    webhook_id: int | None = None,
    flags: int = 0,
    message_type: int = 0,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """A message object as MESSAGE_CREATE / ``GET /channels/{c}/messages/{m}`` deliver it."""
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "author": user_payload(author),
        "content": content,
        "timestamp": timestamp or iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": list(attachments),
        "embeds": list(embeds),
        "reactions": [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
        "components": list(components),
        "sticker_items": [],
    }
    if channel.guild_id is not None:
        payload["guild_id"] = str(channel.guild_id)
        if member is not None and webhook_id is None:
            payload["member"] = member_payload(member, include_user=False)
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if message_snapshots is not None:
        payload["message_snapshots"] = list(message_snapshots)
    if message_reference is not None:
        payload["message_reference"] = message_reference
    if poll is not None:
        payload["poll"] = poll
    return payload


def snapshot_payload(
    content: str,
    *,
    embeds: Iterable[dict[str, Any]] = (),
    attachments: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """One element of ``message_snapshots`` (a forwarded message's frozen copy)."""
    return {
        "message": {
            "type": 0,
            "content": content,
            "embeds": list(embeds),
            "attachments": list(attachments),
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": 0,
            "mentions": [],
            "mention_roles": [],
            "sticker_items": [],
            "components": [],
        }
    }


def poll_payload(question: str, answers: Sequence[str], *, hours: int = 24) -> dict[str, Any]:
    """A poll object as a MESSAGE_CREATE carries it."""
    expiry = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    return {
        "question": {"text": question},
        "answers": [
            {"answer_id": index, "poll_media": {"text": text}}
            for index, text in enumerate(answers, start=1)
        ],
        "expiry": expiry,
        "allow_multiselect": False,
        "layout_type": 1,
    }


def error_payload(code: int, message: str) -> dict[str, Any]:
    return {"message": message, "code": code}
