"""Fixtures for the fake Discord's own tests (the same ones the Discord-layer tests use)."""

from tests.fakediscord.fixtures import fake_discord, standard_guild, start_client

__all__ = ["fake_discord", "standard_guild", "start_client"]
