"""Who may do what (pure predicates over discord.Permissions; the end-to-end refusals are in
test_commands_admin.py and test_reports_buttons.py)."""

from __future__ import annotations

import discord
import pytest

from bot.discord.checks import can_ban, can_configure, can_review, can_review_report

NONE = discord.Permissions.none()
ADMIN = discord.Permissions(administrator=True)
MANAGE_GUILD = discord.Permissions(manage_guild=True)
MANAGE_MESSAGES = discord.Permissions(manage_messages=True)
BAN = discord.Permissions(ban_members=True)
EVERYTHING_BUT = discord.Permissions(discord.Permissions.all().value & ~(ADMIN.value | MANAGE_GUILD.value))


@pytest.mark.parametrize(
    ("permissions", "moderator_role", "configure", "review", "review_report", "ban"),
    [
        (NONE, False, False, False, False, False),
        (NONE, True, False, True, True, False),
        (ADMIN, False, True, True, True, True),
        (MANAGE_GUILD, False, True, True, True, False),
        (MANAGE_MESSAGES, False, False, False, True, False),
        (BAN, False, False, False, False, True),
        # Hard negative: every permission except the two that grant configuration.
        (EVERYTHING_BUT, False, False, False, True, True),
    ],
)
def test_permission_policy(
    permissions: discord.Permissions, moderator_role: bool, configure: bool, review: bool, review_report: bool, ban: bool
) -> None:
    assert can_configure(permissions) is configure
    assert can_review(permissions, has_moderator_role=moderator_role) is review
    assert can_review_report(permissions, has_moderator_role=moderator_role) is review_report
    assert can_ban(permissions) is ban


@pytest.mark.parametrize(("requested", "active"), [(True, True), (False, False)])
def test_message_content_health_follows_the_requested_intent(requested: bool, active: bool) -> None:
    from bot.discord.commands.health import message_content_active

    intents = discord.Intents.default()
    intents.message_content = requested
    assert message_content_active(discord.Client(intents=intents)) is active


def test_missing_permissions_are_named_and_administrator_lacks_nothing() -> None:
    from bot.discord.commands.health import CHANNEL_PERMISSIONS, missing

    assert missing(discord.Permissions(view_channel=True, send_messages=True), CHANNEL_PERMISSIONS) == (
        "read_message_history",
        "manage_messages",
    )
    assert missing(ADMIN, CHANNEL_PERMISSIONS) == ()
