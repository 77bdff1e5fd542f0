"""A local fake Discord (gateway v10 + REST v10) that the real discord.py client talks to.

Import from here: ``from tests.fakediscord import FakeDiscord, FakeAttachment, ...``.
Fixtures for tests live in ``tests/fakediscord/fixtures.py`` (re-exported by
``tests/discord/conftest.py``).
"""

from .gateway import CloseCode, Intent
from .payloads import poll_payload, snapshot_payload
from .recording import FailureRule, RecordedCall, RecordedFile
from .server import (
    FakeDiscord,
    FakeInteraction,
    StandardGuild,
    option,
    subcommand,
    subcommand_group,
)
from .state import (
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Overwrite,
    Permission,
)

__all__ = [
    "ChannelType",
    "CloseCode",
    "FailureRule",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Intent",
    "Overwrite",
    "Permission",
    "RecordedCall",
    "RecordedFile",
    "StandardGuild",
    "option",
    "poll_payload",
    "snapshot_payload",
    "subcommand",
    "subcommand_group",
]
