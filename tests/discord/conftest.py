"""Fixtures for Discord-layer tests: a local fake Discord and the real discord.py client.

Every test gets its own server (``tests/fakediscord``) on 127.0.0.1 with a random port.

Fixtures
--------
``fake_discord`` -> :class:`tests.fakediscord.FakeDiscord`
    Started before the test, stopped after it; discord.py's endpoints are restored afterwards.
``standard_guild`` -> :class:`tests.fakediscord.StandardGuild`
    ``fake_discord.add_standard_guild()``: owner, admin (Manage Server), moderator (Manage
    Messages + Moderate Members), senior_moderator (role above the bot), member, other_member;
    the bot's role holds exactly the permissions of contact-guard's invite; channels general,
    announcements, voice, forum (+ forum_post thread), thread, reports (moderators only), exempt.
    Add it BEFORE starting the client (GUILD_CREATE is sent at IDENTIFY).
``start_client`` -> ``async (client, *, token=None, ready_timeout=10.0) -> client``
    Calls ``configure_endpoints(fake.api_base, fake.gateway_url)``, runs ``client.start(token)``
    in a task, waits until on_ready and closes the client at teardown. Start failures
    (``discord.LoginFailure``, ``discord.PrivilegedIntentsRequired``) are raised to the test.

Example::

    async def test_deletes(fake_discord, standard_guild, start_client):
        client = await start_client(MyBot(intents=...))
        message_id = await fake_discord.send_message(
            standard_guild.general.id, standard_guild.member, "090-1234-5678")
        call = await fake_discord.wait_for_call(
            "DELETE", f"/channels/{standard_guild.general.id}/messages/{message_id}")
        assert call.status == 204

Helpers on the fake: ``send_message``, ``edit_message``, ``send_slash_command`` (with
``option``/``subcommand``), ``send_component_interaction``, ``send_modal_submit``,
``drop_connection``, ``wait_for_call``, ``assert_no_call``, ``calls_to``, ``unknown_calls``,
failure injection ``close_dms``, ``deny_permission``, ``rate_limit``, ``server_error``, ``fail``,
``set_route_limit``. Never sleep blindly: wait for the REST call you expect.
"""

from tests.fakediscord.fixtures import fake_discord, standard_guild, start_client

__all__ = ["fake_discord", "standard_guild", "start_client"]
